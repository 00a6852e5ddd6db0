import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { readRanges } from '../changes/source.js'
import type { FilePlan, Part, SourceRecord } from '../files/index.js'
import { recordsOf } from '../files/index.js'
import { describePart, isBatchPart } from '../jobs/parts.js'
import type { JobPart, JobResult } from '../jobs/types.js'
import { sentValues } from '../statuses/reencode.js'
import { ArtifactNames } from './artifact-names.js'
import { openFixFile, type FixFile, type FixFileWriter } from './fix-file.js'
import { readMarketoRows, rowKey, UnreadableFileError, type PendingRows } from './marketo-rows.js'
import {
  RowIssueLog,
  type RowFileProblem,
  type RowIssue,
  type RowIssues
} from './row-issue-list.js'

export type { RowFileProblem, RowIssue, RowIssues } from './row-issue-list.js'

export interface TraceOptions {
  /** Where the fix-and-retry files go (the artifact's folder). */
  outputDir: string
  /** Where the rows wait for report.json (the runner's temporary folder). */
  scratchDir: string
}

/** A job of a file part that Marketo ended with failed or warned rows, or Failed. */
interface TracedJob {
  result: JobResult & { part: Part; batchId: number }
  /** Set when the whole job ended Failed: every record of the part failed for this reason. */
  jobFailure?: string
  failures: PendingRows
  warnings: PendingRows
}

interface Sinks {
  failures: RowIssueLog
  warnings: RowIssueLog
  problems: RowFileProblem[]
}

/**
 * Matches Marketo's failure and warning rows to the records they came from, by their values and
 * within their part (so duplicates in other parts are never confused), reading only the parts
 * with something to trace and holding one part's rows of Marketo's at a time. Rows that match nothing are kept
 * with `line: null`: nothing is dropped. A file of Marketo's that cannot be read, or whose rows
 * are not as many as its counts, is a problem of the report, never a guess.
 */
export async function traceRowIssues(
  results: JobResult[],
  plans: FilePlan[],
  options: TraceOptions
): Promise<RowIssues> {
  const scratchDir = await mkdtemp(join(options.scratchDir, 'marketo-import-rows-'))
  const sinks: Sinks = {
    failures: new RowIssueLog(join(scratchDir, 'failures.jsonl')),
    warnings: new RowIssueLog(join(scratchDir, 'warnings.jsonl')),
    problems: downloadProblems(results)
  }
  const fixFiles: FixFile[] = []
  const names = new ArtifactNames()
  try {
    for (const plan of plans) {
      const jobs = results.filter((result) => tracedIn(result, plan))
      if (jobs.length === 0) continue
      const fixFile = await traceFile(plan, jobs, sinks, options.outputDir, names)
      if (fixFile) fixFiles.push(fixFile)
    }
    return {
      failures: await sinks.failures.close(),
      warnings: await sinks.warnings.close(),
      fixFiles,
      problems: sinks.problems,
      scratchDir
    }
  } catch (error) {
    // Nothing will read the spill files: leave nothing behind in the runner's folder.
    await Promise.allSettled([sinks.failures.close(), sinks.warnings.close()])
    await rm(scratchDir, { recursive: true, force: true })
    throw error
  }
}

function tracedIn(result: JobResult, plan: FilePlan): result is TracedJob['result'] {
  if (isBatchPart(result.part) || result.part.path !== plan.path) return false
  // A file in two imports is two plans: each traces the jobs of its own import.
  if (!plan.parts.some((part: JobPart) => part.target === result.part.target)) return false
  if (result.batchId === undefined) return false
  return result.outcome === 'Failed' || !!result.failuresFile || !!result.warningsFile
}

function downloadProblems(results: JobResult[]): RowFileProblem[] {
  return results.flatMap((result) =>
    (result.rowFileProblems ?? []).map((problem) => ({
      batchId: result.batchId as number,
      part: describePart(result.part),
      ...problem
    }))
  )
}

async function traceFile(
  plan: FilePlan,
  results: TracedJob['result'][],
  sinks: Sinks,
  outputDir: string,
  names: ArtifactNames
): Promise<FixFile | undefined> {
  const sorted = [...results].sort((a, b) => a.part.byteStart - b.part.byteStart)
  const needsFix = sorted.some((r) => r.outcome === 'Failed' || r.failuresFile)
  const fix = needsFix ? await openFixFile(plan, outputDir, names) : undefined
  try {
    // Only the parts with something to trace are read, each with the header before it.
    for (const result of sorted) {
      let job: TracedJob | undefined
      for await (const record of partRecords(plan, result.part)) {
        if (!job) {
          // Marketo's files repeat the header as it was sent: renamed columns, if any.
          job = await load(result, plan, plan.sentHeader?.columns ?? record.fields, sinks.problems)
          continue
        }
        if (sent(result.part, record.start)) await match(job, record, plan, sinks, fix)
      }
      if (job) await unmatched(job, plan, sinks)
    }
  } finally {
    await fix?.close()
  }
  return fix?.result()
}

/**
 * The header, then the records of one part, read from the part's bytes alone (the header's
 * bytes before them), with their lines and offsets in the whole file.
 */
async function* partRecords(plan: FilePlan, part: Part): AsyncGenerator<SourceRecord> {
  const headerBytes = plan.header.end - plan.header.start
  const ranges = [plan.header, { start: part.byteStart, end: part.byteEnd }]
  let firstLine: number | undefined
  const chunks = readRanges(plan.path, ranges)
  for await (const record of recordsOf(chunks, plan.format, plan.displayPath)) {
    if (record.index === 0) {
      yield record
      continue
    }
    firstLine ??= record.line
    const offset = part.byteStart - headerBytes
    yield {
      ...record,
      line: record.line - firstLine + part.firstLine,
      start: record.start + offset,
      end: record.end + offset
    }
  }
}

/** Reads the part's failures and warnings files, checking them against the job's counts. */
async function load(
  result: TracedJob['result'],
  plan: FilePlan,
  header: string[],
  problems: RowFileProblem[]
): Promise<TracedJob> {
  const job: TracedJob = { result, failures: new Map(), warnings: new Map() }
  if (result.outcome === 'Failed') {
    job.jobFailure = result.message || 'the import job ended Failed'
    return job
  }
  const files = [
    { kind: 'failures', path: result.failuresFile, counted: result.failed, into: job.failures },
    { kind: 'warnings', path: result.warningsFile, counted: result.warned, into: job.warnings }
  ] as const
  for (const { kind, path, counted, into } of files) {
    if (path === undefined) continue
    const problem = (message: string): void => {
      problems.push({ batchId: result.batchId, part: describePart(result.part), kind, message })
    }
    try {
      const keep = Math.min(counted, result.part.rows)
      const { rows } = await readMarketoRows(path, plan.format, header, kind, keep, into)
      if (rows !== counted) {
        problem(
          `the file has ${rows} rows, but Marketo's status counts ${counted} ` +
            `(${kind === 'failures' ? 'numOfRowsFailed' : 'numOfRowsWithWarning'})`
        )
      }
    } catch (error) {
      if (!(error instanceof UnreadableFileError)) throw error
      into.clear()
      problem(`cannot be read: ${error.message}`)
    }
  }
  return job
}

async function match(
  job: TracedJob,
  record: { line: number; fields: string[]; start: number; end: number },
  plan: FilePlan,
  sinks: Sinks,
  fix: FixFileWriter | undefined
): Promise<void> {
  const issue = (reason: string): RowIssue => ({
    file: plan.displayPath,
    line: record.line,
    batchId: job.result.batchId,
    part: job.result.part.index,
    reason
  })
  // A status part's records were sent without their status field, and come back so.
  const leftOut = job.result.part.leftOut?.field
  const key = job.jobFailure
    ? ''
    : rowKey(leftOut === undefined ? record.fields : sentValues(record.fields, leftOut))
  const failure = job.jobFailure ?? takeReason(job.failures, key)
  if (failure !== undefined) {
    await sinks.failures.add(issue(failure))
    await fix?.add(record.start, record.end)
  }
  const warning = job.jobFailure ? undefined : takeReason(job.warnings, key)
  if (warning !== undefined) await sinks.warnings.add(issue(warning))
}

/** Marketo's rows of the part that matched no record: kept, with no line. */
async function unmatched(job: TracedJob, plan: FilePlan, sinks: Sinks): Promise<void> {
  const lists = [
    [job.failures, sinks.failures],
    [job.warnings, sinks.warnings]
  ] as const
  for (const [pending, sink] of lists) {
    for (const reasons of pending.values()) {
      for (const reason of reasons) {
        await sink.add({
          file: plan.displayPath,
          line: null,
          batchId: job.result.batchId,
          part: job.result.part.index,
          reason
        })
      }
    }
    pending.clear()
  }
}

/** Whether the record at `start` was sent with its part (changed-since sends some ranges only). */
function sent(part: Part, start: number): boolean {
  const ranges = part.ranges
  if (ranges === undefined) return true
  let low = 0
  let high = ranges.length - 1
  while (low <= high) {
    const middle = (low + high) >> 1
    const range = ranges[middle] as { start: number; end: number }
    if (start < range.start) high = middle - 1
    else if (start >= range.end) low = middle + 1
    else return true
  }
  return false
}

function takeReason(pending: PendingRows, key: string): string | undefined {
  const reasons = pending.get(key)
  if (!reasons) return undefined
  const reason = reasons.shift()
  if (reasons.length === 0) pending.delete(key)
  return reason
}
