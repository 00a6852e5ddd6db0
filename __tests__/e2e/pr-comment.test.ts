import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../../scripts/run-action.js'
import { addComment, startGitHubApi, type GitHubApi } from '../../testkit/github-api.js'
import { programInputs, readSample, simulatorInputs, useSimulator } from './harness.js'

const LANNISTER = await readSample('Lead-House-Lannister.csv')
const TOKEN = 'ghs_0123456789abcdefghijklmnopqrstuvwxyz'
const MARKER = /^<!-- marketo-program-member-import:[0-9a-f]{16} -->\n/

const sim = useSimulator()
let api: GitHubApi
let events: string

beforeEach(async () => {
  api = await startGitHubApi({ perPage: 2 })
  events = await mkdtemp(join(tmpdir(), 'pr-event-'))
})
afterEach(async () => {
  await api.stop()
  await rm(events, { recursive: true, force: true })
})

async function onPullRequest(
  inputs: Record<string, string>,
  options: { event?: string; workspace?: string; files?: Record<string, string> } = {}
): Promise<ActionRun> {
  const eventPath = join(events, 'event.json')
  await writeFile(
    eventPath,
    JSON.stringify({
      action: 'synchronize',
      number: 7,
      pull_request: { number: 7, head: { ref: 'update-lists' }, base: { ref: 'main' } },
      repository: { name: 'marketing-lists', owner: { login: 'acme' } }
    })
  )
  return runAction({
    inputs: {
      ...programInputs(sim()),
      files: 'lists/*.csv',
      'comment-on-pr': 'true',
      'github-token': TOKEN,
      ...inputs
    },
    ...(options.workspace ? { workspace: options.workspace } : {}),
    ...(options.files ? { files: options.files } : {}),
    env: {
      GITHUB_API_URL: api.url,
      GITHUB_EVENT_NAME: options.event ?? 'pull_request',
      GITHUB_EVENT_PATH: eventPath,
      GITHUB_WORKFLOW: 'Lists'
    }
  })
}

describe('comment-on-pr: one comment per pull request, kept up to date', () => {
  it('creates the comment once, then updates it, leaving other comments alone', async () => {
    addComment(api, 7, 'Looks good to me')
    addComment(api, 7, 'Please check the new rows')
    addComment(api, 8, 'another pull request')

    const first = await onPullRequest(
      { 'dry-run': 'true' },
      { files: { 'lists/people.csv': 'firstName,email\nAnn,ann@example.com\nBo,bo@example\n' } }
    )
    expect(first.code).toBe(0)
    expect(api.comments).toHaveLength(4)
    const comment = api.comments[3]!
    expect(comment.issue).toBe(7)
    expect(comment.body).toMatch(MARKER)
    expect(comment.body).toContain(
      '### ✅ Marketo import (dry run): would import 2 rows from 1 file into program 1001 as "On List"'
    )
    expect(comment.body).toContain(
      '| ⚠️ warning | email Marketo flags as invalid | 1 | `lists/people.csv:3` |'
    )
    expect(comment.body).toContain('(https://github.com/acme/marketing-lists/actions/runs/4242)')
    expect(comment.body).not.toContain('@example')
    expect(first.stdout).toContain(
      'comment-on-pr: commented on pull request #7: https://github.com/acme/marketing-lists/pull/7#issuecomment-'
    )

    // The pull request gets a fix: the same comment now says so.
    const second = await onPullRequest(
      { 'dry-run': 'true' },
      {
        workspace: first.dirs.workspace,
        files: { 'lists/people.csv': 'firstName,email\nAnn,ann@example.com\nBo,bo@example.com\n' }
      }
    )
    expect(second.code).toBe(0)
    expect(api.comments).toHaveLength(4)
    expect(api.comments[3]!.id).toBe(comment.id)
    expect(api.comments[3]!.body).toContain('No problem found in 1 file.')
    expect(api.comments.slice(0, 3).map((c) => c.body)).toEqual([
      'Looks good to me',
      'Please check the new rows',
      'another pull request'
    ])
    const writes = api.requests.filter((r) => r.method !== 'GET' && r.path !== '/graphql')
    expect(writes.map((r) => `${r.method} ${r.path}`)).toEqual([
      'POST /repos/acme/marketing-lists/issues/7/comments',
      `PATCH /repos/acme/marketing-lists/issues/comments/${comment.id}`
    ])
    // The comments were listed page by page (2 a page here) to find the marker.
    expect(api.requests.filter((r) => r.method === 'GET').length).toBeGreaterThanOrEqual(3)
    for (const request of api.requests) expect(request.authorization).toBe(`token ${TOKEN}`)
    expect(first.stdout).toContain(`::add-mask::${TOKEN}`)
    expect(sim().requests).toEqual([])
  })

  it("updates only the token's own comment: a copied marker in someone else's is left alone", async () => {
    const files = { 'lists/people.csv': 'firstName,email\nAnn,ann@example.com\n' }
    const first = await onPullRequest({ 'dry-run': 'true' }, { files })
    expect(first.code).toBe(0)
    const ours = api.comments[0]!
    // Someone copies the comment, marker and all, above ours.
    api.comments.unshift({ ...ours, id: 1, user: 'mallory', body: `${ours.body}\nmine now` })
    const again = { workspace: first.dirs.workspace, files }
    expect((await onPullRequest({ 'dry-run': 'true' }, again)).code).toBe(0)
    expect(api.comments.map((c) => [c.id, c.user])).toEqual([
      [1, 'mallory'],
      [ours.id, 'github-actions[bot]']
    ])
    expect(api.comments[0]!.body.endsWith('mine now')).toBe(true)
    // Ours deleted: a new one is posted rather than mallory's edited.
    api.comments.splice(1, 1)
    expect((await onPullRequest({ 'dry-run': 'true' }, again)).code).toBe(0)
    expect(api.comments).toHaveLength(2)
    expect(api.comments[1]!.user).toBe('github-actions[bot]')
    expect(api.comments[0]!.body.endsWith('mine now')).toBe(true)
    expect(api.requests.filter((r) => r.method === 'PATCH').map((r) => r.path)).toEqual([
      `/repos/acme/marketing-lists/issues/comments/${ours.id}`
    ])
  })

  it('posts the import report too, and keeps one comment per program in a matrix', async () => {
    const files = { 'lists/Lead-House-Lannister.csv': LANNISTER }
    const credentials = simulatorInputs(sim())
    const run = await onPullRequest(credentials, { files })
    expect(run.code).toBe(0)
    await onPullRequest({ ...credentials, 'program-id': '1002' }, { files })
    expect(api.comments).toHaveLength(2)
    expect(api.comments[0]!.body).toContain(
      '### ✅ Marketo import: 8 of 8 rows imported into program 1001 as "On List"'
    )
    expect(api.comments[1]!.body).toContain('into program 1002 as "On List"')
    expect(api.comments[0]!.body.split('\n')[0]).not.toBe(api.comments[1]!.body.split('\n')[0])
  })

  it('warns, and does not fail the step, when the token may not comment (a fork)', async () => {
    api.refuseWith(403)
    const run = await onPullRequest(
      { 'dry-run': 'true' },
      { files: { 'lists/people.csv': 'firstName,email\nAnn,ann@example.com\n' } }
    )
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(
      /::warning::comment-on-pr: could not comment on pull request #7: Resource not accessible by integration.*\(HTTP 403\)\. The token needs pull-requests: write/
    )
    expect(api.comments).toHaveLength(0)
  })

  it('does nothing outside a pull request', async () => {
    const run = await onPullRequest(
      { 'dry-run': 'true' },
      { event: 'push', files: { 'lists/people.csv': 'firstName,email\nAnn,ann@example.com\n' } }
    )
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      'comment-on-pr: this run is for a push event, not a pull request; no comment'
    )
    expect(api.requests).toEqual([])
  })
})
