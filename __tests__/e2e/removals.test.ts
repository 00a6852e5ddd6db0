/**
 * Removing members with the built action: removed-records: remove after a pull request, mirror
 * against the program's export, and the guards (max-removals, a failed import).
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { assertNoLeaks, runAction, type ActionRun } from '../../scripts/run-action.js'
import { callsOf, readReport, simulatorInputs, useSimulator } from './harness.js'

const HEADER = 'firstName,lastName,email,leadScore'
const email = (i: number): string => `person${i}@example.com`
const person = (i: number, score: number = i): string => `First${i},Last${i},${email(i)},${score}`
const people = (ids: number[]): string[] => ids.map((i) => person(i))
const TEN = Array.from({ length: 10 }, (_, i) => i + 1)
const seeded = (ids: number[]): { email: string; status: string }[] =>
  ids.map((i) => ({ email: email(i), status: 'On List' }))

const sim = useSimulator({ members: { '1001': seeded(TEN) } })
let repo: string

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'removals-'))
})
afterEach(async () => {
  await rm(repo, { recursive: true, force: true })
})

function git(...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Bot',
      '-c',
      'user.email=bot@example.org',
      '-c',
      'init.defaultBranch=main',
      ...args
    ],
    { cwd: repo, encoding: 'utf8' }
  ).trim()
}

async function commitList(lines: string[]): Promise<string> {
  await mkdir(join(repo, 'lists'), { recursive: true })
  await writeFile(join(repo, 'lists/members.csv'), lines.join('\n') + '\n')
  git('add', '-A')
  git('commit', '-q', '-m', 'list')
  return git('rev-parse', 'HEAD')
}

async function pullRequest(before: string[], after: string[]): Promise<string> {
  git('init', '-q')
  const base = await commitList([HEADER, ...before])
  await commitList([HEADER, ...after])
  return base
}

function run(inputs: Record<string, string>): Promise<ActionRun> {
  return runAction({
    workspace: repo,
    inputs: simulatorInputs(sim(), { files: 'lists/*.csv', ...inputs })
  })
}

function expectClean(result: ActionRun, lines: string[][]): void {
  assertNoLeaks(result, {
    inputs: { 'client-secret': sim().clientSecret },
    files: Object.fromEntries(lines.map((l, i) => [`f${i}`, l.join('\n')]))
  })
}

const members = (): string[] => [...sim().members('1001').keys()].sort()
const emailsOf = (ids: number[]): string[] => ids.map(email).sort()

interface RemovalsJson {
  removals: {
    removed: { leadId: number; source: unknown }[]
    notRemoved: { source: unknown; why: string }[]
  }
}

describe('removed-records: remove', () => {
  it('a pull request that deletes two records and changes one removes exactly those two members after the import', async () => {
    const after = [
      person(1),
      person(2),
      person(3, 30),
      person(5),
      person(7),
      person(8),
      person(9),
      person(10)
    ]
    const base = await pullRequest(people(TEN), after)
    const result = await run({
      'changed-since': base,
      'removed-records': 'remove',
      'max-removals': '2'
    })
    expectClean(result, [people(TEN), after])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(members()).toEqual(emailsOf([1, 2, 3, 5, 7, 8, 9, 10]))
    expect(result.outputs).toMatchObject({
      'rows-imported': '1',
      'rows-removed': '2',
      'rows-not-removed': '0'
    })
    // Removal comes after every import job ended.
    const lastStatus = Math.max(...callsOf(sim(), 'status').map((r) => r.seq))
    const removalCalls = sim().requests.filter(
      (r) => r.kind === 'leads' || r.kind === 'memberDelete'
    )
    expect(removalCalls.map((r) => r.kind)).toEqual(['leads', 'memberDelete'])
    expect(removalCalls.every((r) => r.seq > lastStatus)).toBe(true)
    const report = await readReport<RemovalsJson>(result)
    expect(report.removals.removed.map((m) => m.source)).toEqual([
      { file: 'lists/members.csv', line: 5 },
      { file: 'lists/members.csv', line: 7 }
    ])
    expect(report.removals.removed.every((m) => Number.isInteger(m.leadId))).toBe(true)
    expect(result.summary).toContain('**2 members removed**, 0 not removed')
    expect(result.summary).toContain('| deleted | 2 |')
  })

  it('reports an email unknown to Marketo, not as removed', async () => {
    const before = [...people(TEN), person(77)]
    const base = await pullRequest(before, people([1, 2, 3, 4, 5, 6, 7, 8, 9]))
    const result = await run({
      'changed-since': base,
      'removed-records': 'remove',
      'max-removals': '5'
    })
    expectClean(result, [before])
    expect(result.code).toBe(0)
    expect(result.outputs).toMatchObject({ 'rows-removed': '1', 'rows-not-removed': '1' })
    expect(members()).toEqual(emailsOf([1, 2, 3, 4, 5, 6, 7, 8, 9]))
    const report = await readReport<RemovalsJson>(result)
    expect(report.removals.notRemoved).toEqual([
      { leadId: null, source: { file: 'lists/members.csv', line: 12 }, why: 'unknown to Marketo' }
    ])
    expect(result.summary).toContain('| unknown to Marketo | 1 |')
  })

  it('a failed import job stops removals', async () => {
    const base = await pullRequest(people(TEN), [person(1, 100), ...people([2, 3, 4, 5, 6, 7, 8])])
    sim().addFault({ on: 'submit', fault: { kind: 'jobFails' } })
    const result = await run({
      'changed-since': base,
      'removed-records': 'remove',
      'max-removals': '5'
    })
    expect(result.code).toBe(1)
    expect(sim().requests.some((r) => r.kind === 'leads' || r.kind === 'memberDelete')).toBe(false)
    expect(members()).toEqual(emailsOf(TEN))
    expect(result.outputs).toMatchObject({ 'rows-removed': '0', 'rows-not-removed': '2' })
    expect(result.stdout).toContain('removal did not start: 1 import job failed')
  })

  it('a dry run says how many would be removed and their lines in the old revision, never an email', async () => {
    const base = await pullRequest(people(TEN), people([1, 2, 3, 4, 5, 6, 7, 8]))
    const result = await run({
      'changed-since': base,
      'removed-records': 'remove',
      'max-removals': '5',
      'dry-run': 'true'
    })
    expectClean(result, [people(TEN)])
    expect(result.code).toBe(0)
    expect(result.summary).toContain('**2 members would be removed**')
    expect(result.summary).toContain('- `lists/members.csv`: lines 10, 11 of the old revision')
    expect(members()).toEqual(emailsOf(TEN))
  })
})

describe('mirror: true', () => {
  it('removes the members in none of the files and keeps the others', async () => {
    await sim.restart({
      members: { '1001': [...seeded([...TEN, 20, 21]), { email: email(30), status: 'Member' }] }
    })
    git('init', '-q')
    await commitList([HEADER, ...people(TEN)])
    const result = await run({ mirror: 'true', 'max-removals': '2' })
    expectClean(result, [people(TEN)])
    expect(result.stderr).toBe('')
    expect(result.code).toBe(0)
    expect(members()).toEqual([...emailsOf(TEN), email(30)].sort())
    expect(sim().members('1001').get(email(30))).toBe('Member')
    expect(result.outputs).toMatchObject({ 'rows-removed': '2', 'rows-not-removed': '0' })
    expect(callsOf(sim(), 'export').length).toBeGreaterThanOrEqual(4)
    const report = await readReport<RemovalsJson>(result)
    expect(report.removals.removed.map((m) => m.source)).toEqual([
      'not in the files',
      'not in the files'
    ])
    expect(result.summary).toContain('The program has 12 members with the step')
  })

  it('a removal count past max-removals removes nobody and fails, naming the number and the limit', async () => {
    await sim.restart({ members: { '1001': seeded([...TEN, 20, 21]) } })
    git('init', '-q')
    await commitList([HEADER, ...people(TEN)])
    const result = await run({ mirror: 'true', 'max-removals': '1' })
    expect(result.code).toBe(1)
    expect(members()).toEqual(emailsOf([...TEN, 20, 21]))
    expect(callsOf(sim(), 'memberDelete')).toHaveLength(0)
    expect(result.stdout).toContain(
      '::error::Removing members: 2 members to remove is past max-removals 1: nobody was removed'
    )
    expect(result.outputs).toMatchObject({ 'rows-removed': '0', 'rows-not-removed': '2' })
  })
})
