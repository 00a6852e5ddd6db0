import { createHash } from 'node:crypto'
import type { RunReport } from './model.js'
import { renderSummary } from './summary.js'
import { PR_COMMENT } from '../text/untrusted.js'

/** GitHub refuses a comment body over 65,536 characters; stay below it. */
export const COMMENT_MAX_CHARS = 60_000

/** What tells two uses of the action apart in one pull request (a matrix over programs). */
export interface CommentIdentity {
  workflow: string
  job: string
  programId: string
  programMemberStatus: string
  files: string[]
}

/**
 * The hidden marker that finds this action's comment again on the next run: one comment per
 * workflow, job, program, status and file patterns, so a matrix keeps one comment per program.
 */
export function commentMarker(identity: CommentIdentity): string {
  const key = createHash('sha256').update(JSON.stringify(identity)).digest('hex').slice(0, 16)
  return `<!-- marketo-program-member-import:${key} -->`
}

/**
 * The pull request comment: the marker, the job summary (already free of row values), and a
 * link to the run for the annotations and the artifact. Cut at a line if it is too long.
 */
export function renderPrComment(report: RunReport, marker: string, runUrl?: string): string {
  const footer = runUrl
    ? `\n<sub>[The workflow run](${runUrl}) has the annotations${report.mode === 'import' ? ' and the artifact' : ''}. This comment is updated on each run.</sub>\n`
    : '\n<sub>This comment is updated on each run.</sub>\n'
  let summary = renderSummary(report, PR_COMMENT)
  const room = COMMENT_MAX_CHARS - marker.length - footer.length - 200
  if (summary.length > room) {
    summary =
      summary.slice(0, summary.lastIndexOf('\n', room)) +
      '\n\n…cut to fit a comment; the job summary of the run has everything.\n'
  }
  return `${marker}\n${summary}${footer}`
}
