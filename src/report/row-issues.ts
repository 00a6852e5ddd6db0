import type { FilePlan, Part } from '../files/index.js'
import { readRecords } from '../files/index.js'
import type { JobResult } from '../jobs/types.js'
import { ArtifactNames } from './artifact-names.js'
import { openFixFile, type FixFile } from './fix-file.js'

/** A failed or warned row, traced back to where it is in the user's own file. */
export interface RowIssue {
  file: string
  /** Line where the record starts; null when Marketo's row matched no source record. */
  line: number | null
  batchId: number
  part: number
  reason: string
}

export interface RowIssues {
  failures: RowIssue[]
  warnings: RowIssue[]
  /** Per input file with failures: its header and its failing records, ready to fix and re-run. */
  fixFiles: FixFile[]
}

/** Marketo's rows of one part still waiting for their source line, by their values. */
type PendingRows = Map<string, string[]>

interface PartIssues {
  part: Part
  batchId: number
  /** Set when the whole job ended Failed: every record of the part failed for this reason. */
  jobFailure?: string
  failures: PendingRows
  warnings: PendingRows
}

/**
 * Matches Marketo's failure and warning rows to the records they came from, by their values and
 * within their part (so duplicates in other parts are never confused), reading each source file
 * once. Rows that match nothing are kept with `line: null`: nothing is dropped.
 */
export async function traceRowIssues(
  results: JobResult[],
  plans: FilePlan[],
  outputDir: string
): Promise<RowIssues> {
  const issues: RowIssues = { failures: [], warnings: [], fixFiles: [] }
  const names = new ArtifactNames()
  for (const plan of plans) {
    const parts = await partIssuesOf(plan, results)
    if (parts.length === 0) continue
    const fixFile = await traceFile(plan, parts, issues, outputDir, names)
    if (fixFile) issues.fixFiles.push(fixFile)
  }
  return issues
}

async function partIssuesOf(plan: FilePlan, results: JobResult[]): Promise<PartIssues[]> {
  const parts: PartIssues[] = []
  for (const result of results) {
    if (result.part.path !== plan.path || result.batchId === undefined) continue
    const entry: PartIssues = {
      part: result.part,
      batchId: result.batchId,
      failures: new Map(),
      warnings: new Map()
    }
    if (result.outcome === 'Failed') {
      entry.jobFailure = result.message || 'the import job ended Failed'
    }
    if (result.failuresFile) await readMarketoRows(result.failuresFile, plan, entry.failures)
    if (result.warningsFile) await readMarketoRows(result.warningsFile, plan, entry.warnings)
    if (entry.jobFailure || entry.failures.size > 0 || entry.warnings.size > 0) parts.push(entry)
  }
  return parts
}

/** Marketo's file: the job's header plus a reason column, then one record per row. */
async function readMarketoRows(path: string, plan: FilePlan, into: PendingRows): Promise<void> {
  for await (const record of readRecords(path, plan.format)) {
    if (record.index === 0) continue
    const reason = record.fields.at(-1) ?? ''
    const key = rowKey(record.fields.slice(0, -1))
    const reasons = into.get(key)
    if (reasons) reasons.push(reason)
    else into.set(key, [reason])
  }
}

async function traceFile(
  plan: FilePlan,
  parts: PartIssues[],
  issues: RowIssues,
  outputDir: string,
  names: ArtifactNames
): Promise<FixFile | undefined> {
  const sorted = [...parts].sort((a, b) => a.part.byteStart - b.part.byteStart)
  const needsFix = sorted.some((p) => p.jobFailure || p.failures.size > 0)
  const fix = needsFix ? await openFixFile(plan, outputDir, names) : undefined
  let cursor = 0
  try {
    for await (const record of readRecords(plan.path, plan.format)) {
      if (record.index === 0) continue
      while (cursor < sorted.length && record.start >= (sorted[cursor] as PartIssues).part.byteEnd)
        cursor++
      const current = sorted[cursor]
      if (!current || record.start < current.part.byteStart) continue
      const issue = (reason: string): RowIssue => ({
        file: plan.displayPath,
        line: record.line,
        batchId: current.batchId,
        part: current.part.index,
        reason
      })
      const key = current.jobFailure ? '' : rowKey(record.fields)
      const failure = current.jobFailure ?? takeReason(current.failures, key)
      if (failure !== undefined) {
        issues.failures.push(issue(failure))
        await fix?.add(record.start, record.end)
      }
      const warning = current.jobFailure ? undefined : takeReason(current.warnings, key)
      if (warning !== undefined) issues.warnings.push(issue(warning))
    }
  } finally {
    await fix?.close()
  }
  for (const part of sorted) {
    const unmatched = (pending: PendingRows, into: RowIssue[]): void => {
      for (const reasons of pending.values()) {
        for (const reason of reasons) {
          into.push({
            file: plan.displayPath,
            line: null,
            batchId: part.batchId,
            part: part.part.index,
            reason
          })
        }
      }
    }
    unmatched(part.failures, issues.failures)
    unmatched(part.warnings, issues.warnings)
  }
  return fix?.result()
}

function takeReason(pending: PendingRows, key: string): string | undefined {
  const reasons = pending.get(key)
  if (!reasons) return undefined
  const reason = reasons.shift()
  if (reasons.length === 0) pending.delete(key)
  return reason
}

/** Values compared as Marketo echoes them: surrounding spaces do not matter. */
function rowKey(fields: string[]): string {
  return fields.map((value) => value.trim()).join('\u0000')
}
