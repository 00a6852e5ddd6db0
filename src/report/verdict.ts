import { formatCount, formatDuration, plural } from '../format.js'
import { describeThreshold, thresholdLimit, type Threshold } from '../inputs/index.js'
import { describePart } from '../jobs/parts.js'
import type { RunStop } from '../jobs/scheduler.js'
import type { JobResult } from '../jobs/types.js'
import type { FileProblem, Totals } from './accounting.js'
import type { RowFileProblem } from './row-issue-list.js'

export interface VerdictRules {
  maxFailedRows: Threshold
  maxWarningRows: Threshold | undefined
  timeoutMs: number
}

export interface VerdictFacts {
  totals: Totals
  results: JobResult[]
  fileProblems: FileProblem[]
  stop?: RunStop
  /** A dry run sends nothing: only problems with the files themselves count. */
  dryRun?: boolean
  /** Dry run: rows the local checks warned about, of the rows that would be submitted. */
  checkedWarnings?: { rows: number; of: number }
  /** Where Marketo's counts do not add up to the rows sent. */
  discrepancies?: string[]
  /** Marketo's failures and warnings files that could not be read or contradict its counts. */
  rowFileProblems?: RowFileProblem[]
  /** Why the run ended before its stages did (changed-since unknown, no file matched, ...). */
  early?: string
  /** An error no stage expected; the report holds what was known before it. */
  unexpected?: string
  /**
   * The totals the run's max-failed-rows and max-warning-rows judge, when some imports have
   * limits of their own (their rows are judged by those instead); default `totals`.
   */
  judged?: { failed?: Totals; warned?: Totals }
  /** Imports over limits of their own, one line each naming the import. */
  importLimits?: string[]
}

/** The failed and warned rows of some totals against their limits: each over or within. */
export interface LimitJudgement {
  over: string[]
  within: string[]
}

/** Failed rows against `threshold`, of the rows submitted. */
export function judgeFailed(totals: Totals, threshold: Threshold): LimitJudgement {
  const limit = thresholdLimit(threshold, totals.rowsSubmitted)
  const text = `${plural(totals.rowsFailed, 'row')} failed, limit ${limitText(threshold, totals.rowsSubmitted)}`
  if (totals.rowsFailed > limit) return { over: [`${text}: failing the step`], within: [] }
  return { over: [], within: totals.rowsFailed > 0 ? [`${text}: within the limit`] : [] }
}

/** Rows imported with a warning against `threshold` (undefined: no limit). */
export function judgeWarned(totals: Totals, threshold: Threshold | undefined): LimitJudgement {
  const limit = threshold
    ? thresholdLimit(threshold, totals.rowsSubmitted)
    : Number.POSITIVE_INFINITY
  const text =
    `${plural(totals.rowsWarned, 'row')} imported with a warning, limit ` +
    (threshold ? limitText(threshold, totals.rowsSubmitted) : 'none')
  if (totals.rowsWarned > limit) return { over: [`${text}: failing the step`], within: [] }
  return { over: [], within: totals.rowsWarned > 0 ? [`${text}: within the limit`] : [] }
}

/**
 * Failed and warned rows that stayed within their limits, said as plainly as a failure would be
 * ("1 row failed, limit 1: within the limit"), so a passing step does not hide them. `judged`
 * are the totals the run's limits apply to, when imports with limits of their own are left out.
 */
export function limitsKept(
  totals: VerdictFacts['totals'],
  rules: VerdictRules,
  judged: VerdictFacts['judged'] = {}
): string[] {
  return [
    ...judgeFailed(judged.failed ?? totals, rules.maxFailedRows).within,
    ...judgeWarned(judged.warned ?? totals, rules.maxWarningRows).within
  ]
}

/**
 * Every reason the step fails, one line each, saying the numbers and what to do. Empty when the
 * step passes. The one place that decides pass or fail.
 */
export function decideVerdict(facts: VerdictFacts, rules: VerdictRules): string[] {
  const { totals, results } = facts
  const reasons: string[] = facts.early ? [facts.early] : []
  if (facts.unexpected) {
    reasons.push(
      `Unexpected error: ${sentence(facts.unexpected)} The outputs, the summary and report.json say what ` +
        'was done before it; please report this as an issue of this action'
    )
  }
  const problemFiles = facts.fileProblems.map((p) => p.displayPath)
  const cannotImport =
    problemFiles.length > 0
      ? `${plural(problemFiles.length, 'file')} cannot be imported (${problemFiles.join(', ')}): see the error for each`
      : undefined
  if (facts.dryRun) {
    const dry = cannotImport ? [...reasons, cannotImport] : reasons
    const warned = facts.checkedWarnings
    if (
      rules.maxWarningRows &&
      warned &&
      warned.rows > thresholdLimit(rules.maxWarningRows, warned.of)
    ) {
      dry.push(
        `${plural(warned.rows, 'row')} would be imported with a warning, limit ` +
          `${limitText(rules.maxWarningRows, warned.of)}: failing the step`
      )
    }
    return dry
  }
  const judged = facts.judged ?? {}
  reasons.push(...judgeFailed(judged.failed ?? totals, rules.maxFailedRows).over)
  reasons.push(...judgeWarned(judged.warned ?? totals, rules.maxWarningRows).over)
  reasons.push(...(facts.importLimits ?? []))
  const failedJobs = results.filter((r) => r.outcome === 'Failed')
  if (failedJobs.length > 0) {
    const first = failedJobs[0] as JobResult
    reasons.push(
      `${plural(failedJobs.length, 'import job')} ended Failed, first ${describePart(first.part)} ` +
        `(batch ${first.batchId}): ${first.message || 'no message from Marketo'}`
    )
  }
  if (cannotImport) reasons.push(cannotImport)
  const open = results.filter((r) => r.outcome === 'Queued' || r.outcome === 'Importing')
  if (facts.stop?.kind === 'timeout') {
    reasons.push(
      `timeout of ${formatDuration(rules.timeoutMs)} reached with ${plural(open.length, 'job')} still open` +
        (open.length > 0
          ? ` (batch ids ${open.map((r) => r.batchId).join(',')}): resume them with batch-ids`
          : '')
    )
  } else if (facts.stop?.kind === 'cancelled') {
    reasons.push(
      `the run was cancelled with ${plural(open.length, 'job')} still open` +
        (open.length > 0
          ? ` (batch ids ${open.map((r) => r.batchId).join(',')}): resume them with batch-ids`
          : '')
    )
  } else if (facts.stop?.kind === 'error' && open.length > 0) {
    // Marketo stopped answering (or refused: 607, 601/602 twice) while jobs were in its queue.
    reasons.push(
      `${sentence(facts.stop.message)} The run stopped with ${plural(open.length, 'job')} still open ` +
        `(batch ids ${open.map((r) => r.batchId).join(',')}): resume them with batch-ids`
    )
  }
  const discrepancies = facts.discrepancies ?? []
  if (discrepancies.length > 0) {
    reasons.push(
      `Marketo's counts do not add up for ${plural(discrepancies.length, 'part')}, first ${discrepancies[0]}`
    )
  }
  const unreadable = facts.rowFileProblems ?? []
  if (unreadable.length > 0) {
    const first = unreadable[0] as RowFileProblem
    reasons.push(
      `${plural(unreadable.length, 'failures or warnings file', 'failures and warnings files')} of ` +
        `Marketo's could not be used, first the ${first.kind} file of ${first.part} (batch ${first.batchId}): ${first.message}`
    )
  }
  const notSubmitted =
    totals.rowsNotSubmitted - facts.fileProblems.reduce((sum, p) => sum + p.rows, 0)
  if (notSubmitted > 0) {
    const first = results.find((r) => r.outcome === 'NotSubmitted')
    reasons.push(
      `${plural(notSubmitted, 'row')} not submitted` +
        (first ? `: ${first.message.replace(/^not submitted: /, '')}` : '')
    )
  }
  return reasons
}

function limitText(threshold: Threshold, submittedRows: number): string {
  // "2" for a count; "5% of 12 submitted rows (0)" for a share, with the rows it allows.
  return threshold.kind === 'count'
    ? formatCount(threshold.count)
    : describeThreshold(threshold, submittedRows)
}

/** The text with a full stop, unless it ends with one. */
function sentence(text: string): string {
  return /[.!?]$/.test(text) ? text : `${text}.`
}
