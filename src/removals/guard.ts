/** The guards of removing members: when removal may start at all, and how many it may remove. */
import { thresholdLimit, type Threshold } from '../inputs/index.js'
import { plural } from '../format.js'
import type { JobResult } from '../jobs/types.js'

export interface RunSoFar {
  results: readonly JobResult[]
  /** The scheduler stopped the run (timeout, cancel, an account-level error). */
  stopped?: string
  /** Files held back or unreadable, and errors found in the files. */
  fileProblems: number
  fileErrors: number
  dryRun: boolean
}

/** Why removal must not start after this run's import; undefined when it may. */
export function removalBlocked(run: RunSoFar): string | undefined {
  if (run.stopped !== undefined) return `the run stopped before every import ended (${run.stopped})`
  if (run.fileProblems > 0 || run.fileErrors > 0) {
    const count = run.fileProblems + run.fileErrors
    return `${plural(count, 'file problem')} found (a file had an error or was held back)`
  }
  if (run.dryRun) return undefined
  const failed = run.results.filter((result) => result.outcome === 'Failed').length
  if (failed > 0) return `${plural(failed, 'import job')} failed`
  const open = run.results.filter((result) => result.outcome !== 'Complete').length
  if (open > 0) return `${plural(open, 'part')} did not end imported`
  return undefined
}

export interface RemovalLimit {
  count: number
  described: string
}

/**
 * The most members this run may remove: a count, or a share of the program's current members
 * with the step's statuses (which needs them counted: `members`).
 */
export function removalLimit(
  threshold: Threshold,
  members: number | undefined,
  statuses: readonly string[]
): RemovalLimit {
  if (threshold.kind === 'count') {
    return { count: threshold.count, described: `max-removals ${threshold.count}` }
  }
  const count = thresholdLimit(threshold, members ?? 0)
  const of = statuses.map((status) => `"${status}"`).join(' or ')
  return {
    count,
    described:
      `max-removals ${threshold.percent}% of the program's ${plural(members ?? 0, 'member')} ` +
      `with status ${of} (${count})`
  }
}

/** The guard's verdict: undefined when `toRemove` is within the limit. */
export function pastLimit(toRemove: number, limit: RemovalLimit): string | undefined {
  if (toRemove <= limit.count) return undefined
  return `${plural(toRemove, 'member')} to remove is past ${limit.described}: nobody was removed`
}
