import type { Inputs } from '../inputs/index.js'
import type { RunReport } from '../report/model.js'
import { commentMarker, renderPrComment } from '../report/pr-comment.js'
import { messageOf } from '../format.js'
import type { Log } from '../log.js'

/** The log calls this stage makes, and the run's secrets, scrubbed from the comment. */
export type CommentLog = Pick<Log, 'info' | 'warning' | 'setSecret'> & {
  secrets?: { scrub(text: string): string }
}

const PULL_REQUEST_EVENTS = new Set(['pull_request', 'pull_request_target'])

/**
 * comment-on-pr: posts the report as one comment on the pull request, or updates the comment an
 * earlier run posted (found by its hidden marker, and written by the same token's user: anyone
 * can copy the marker into a comment of theirs, which is then left alone). Never fails the step: the report is already in
 * the job summary, so a comment that cannot be written is a warning saying why.
 */
export async function commentOnPullRequest(
  report: RunReport,
  inputs: Inputs,
  env: NodeJS.ProcessEnv,
  log: CommentLog
): Promise<void> {
  // Loaded only to comment: Octokit is a large share of the action's start-up memory.
  const github = await import('@actions/github')
  const { context } = github
  const number = (context.payload.pull_request as { number?: number } | undefined)?.number
  if (!PULL_REQUEST_EVENTS.has(context.eventName ?? '') || typeof number !== 'number') {
    log.info(
      `comment-on-pr: this run is for a ${context.eventName || 'non-GitHub'} event, not a pull request; no comment`
    )
    return
  }
  const token = inputs.githubToken || env['GITHUB_TOKEN']
  if (!token) {
    log.warning(
      'comment-on-pr: no github-token; pass github-token: ${{ github.token }} to comment on the pull request'
    )
    return
  }
  log.setSecret(token)
  const marker = commentMarker({
    workflow: env['GITHUB_WORKFLOW'] ?? '',
    job: env['GITHUB_JOB'] ?? '',
    // One import: the step's program, status and files; several: each import's.
    programId: inputs.imports.map((spec) => spec.programId).join(','),
    programMemberStatus: inputs.imports.map((spec) => spec.programMemberStatus).join(','),
    files: inputs.imports.flatMap((spec) => spec.files)
  })
  const runUrl =
    env['GITHUB_SERVER_URL'] && env['GITHUB_REPOSITORY'] && env['GITHUB_RUN_ID']
      ? `${env['GITHUB_SERVER_URL']}/${env['GITHUB_REPOSITORY']}/actions/runs/${env['GITHUB_RUN_ID']}`
      : undefined
  const rendered = renderPrComment(report, marker, runUrl)
  const body = log.secrets?.scrub(rendered) ?? rendered
  try {
    const { owner, repo } = context.repo
    const octokit = github.getOctokit(token)
    const comments = await octokit.paginate(octokit.rest.issues.listComments, {
      owner,
      repo,
      issue_number: number,
      per_page: 100
    })
    const viewer = await authenticatedLogin(octokit)
    const earlier = comments.find(
      (comment) => comment.body?.includes(marker) && sameUser(comment.user?.login, viewer)
    )
    if (earlier) {
      await octokit.rest.issues.updateComment({ owner, repo, comment_id: earlier.id, body })
      log.info(`comment-on-pr: updated the comment on pull request #${number}: ${earlier.html_url}`)
    } else {
      const created = await octokit.rest.issues.createComment({
        owner,
        repo,
        issue_number: number,
        body
      })
      log.info(`comment-on-pr: commented on pull request #${number}: ${created.data.html_url}`)
    }
  } catch (error) {
    log.warning(
      `comment-on-pr: could not comment on pull request #${number}: ${describeError(error)}`
    )
  }
}

/**
 * Who the token acts as. GraphQL's `viewer` answers for the workflow token too, whose REST
 * `GET /user` is refused ("Resource not accessible by integration").
 */
async function authenticatedLogin(octokit: {
  graphql: <T>(query: string) => Promise<T>
}): Promise<string> {
  const { viewer } = await octokit.graphql<{ viewer: { login: string } }>(
    'query { viewer { login } }'
  )
  return viewer.login
}

/** `github-actions[bot]` (REST) and `github-actions` (GraphQL) are one user. */
function sameUser(login: string | undefined, viewer: string): boolean {
  const plain = (name: string): string => name.replace(/\[bot\]$/, '').toLowerCase()
  return login !== undefined && plain(login) === plain(viewer)
}

function describeError(error: unknown): string {
  const status = (error as { status?: number }).status
  const message = messageOf(error)
  if (status === 403 || status === 404) {
    return (
      `${message} (HTTP ${status}). The token needs pull-requests: write (add permissions: ` +
      'pull-requests: write to the job); on pull requests from forks the workflow token is ' +
      'read-only, so the report stays in the job summary'
    )
  }
  return status ? `${message} (HTTP ${status})` : message
}
