import { basename } from 'node:path'
import { isBatchPart, rowsOf, targetFields } from '../jobs/parts.js'
import { removalsJson } from '../removals/summary.js'
import type { RunReport } from './model.js'
import { batchIdsOf } from './outputs.js'
import type { RowIssue, RowIssueList } from './row-issue-list.js'

/** Reads every row of a list back, in order (from its spill file when it has one). */
export type RowIssueReader = (list: RowIssueList) => AsyncIterable<RowIssue>

/**
 * report.json, as chunks of text: every part, batch and count, for people and for tools, with
 * every failed and warned row streamed from `eachRow`, so its size never has to fit in memory.
 * Row values never appear; `stringify` is where the run's secrets are scrubbed from the values.
 */
export async function* reportJsonChunks(
  report: RunReport,
  eachRow: RowIssueReader,
  stringify: (value: unknown, space?: number) => string = (value, space) =>
    JSON.stringify(value, null, space)
): AsyncGenerator<string> {
  const entries = Object.entries(reportJsonFields(report))
  yield '{\n'
  for (const [index, [key, value]] of entries.entries()) {
    const comma = index < entries.length - 1 ? ',' : ''
    if (value instanceof StreamedRows) {
      yield `  ${JSON.stringify(key)}: [`
      let first = true
      for await (const issue of eachRow(value.list)) {
        yield `${first ? '' : ','}\n    ${stringify(issue)}`
        first = false
      }
      yield `${first ? '' : '\n  '}]${comma}\n`
    } else {
      yield `  ${JSON.stringify(key)}: ${stringify(value, 2).replace(/\n/g, '\n  ')}${comma}\n`
    }
  }
  yield '}\n'
}

/** Stands in for a list of rows in the fields, streamed when written. */
class StreamedRows {
  constructor(readonly list: RowIssueList) {}
}

function reportJsonFields(report: RunReport): Record<string, unknown> {
  const { totals, discrepancies, perPart } = report.accounting
  return {
    version: 1,
    mode: report.mode,
    programId: report.programId,
    programMemberStatus: report.programMemberStatus,
    passed: report.verdict.length === 0,
    verdict: report.verdict,
    totals,
    stop: report.stop ?? null,
    unexpectedError: report.unexpectedError ?? null,
    files: report.files,
    fileProblems: report.fileProblems,
    discrepancies,
    rowFileProblems: report.rowIssues.problems,
    parts: report.results.map((result, index) => {
      const { part } = result
      return {
        file: part.displayPath,
        part: part.index,
        parts: part.count,
        firstLine: isBatchPart(part) ? null : part.firstLine,
        rows: rowsOf(result),
        bytes: isBatchPart(part) ? null : part.bytes,
        batchId: result.batchId ?? null,
        ...targetFields(result.part),
        status: result.outcome,
        counted: perPart[index],
        marketo: { imported: result.imported, failed: result.failed, warned: result.warned },
        ...(result.invalidCounts ? { invalidCounts: result.invalidCounts } : {}),
        message: result.message,
        resubmittedAfterUncertainFailure: result.uncertainResubmits > 0,
        failuresFile: result.failuresFile ? basename(result.failuresFile) : null,
        warningsFile: result.warningsFile ? basename(result.warningsFile) : null
      }
    }),
    failures: new StreamedRows(report.rowIssues.failures),
    warnings: new StreamedRows(report.rowIssues.warnings),
    fixAndRetryFiles: report.rowIssues.fixFiles.map(({ source, relativePath, rows }) => ({
      source,
      path: relativePath,
      rows
    })),
    ...(report.imports
      ? {
          imports: report.imports.map((section) => ({
            programId: section.programId,
            programMemberStatus: section.programMemberStatus,
            entries: section.entries,
            totals: section.totals
          }))
        }
      : {}),
    checks: report.validation ?? null,
    changes: report.changes ?? null,
    removals: removalsJson(report.removals),
    batchIds: batchIdsOf(report),
    apiCalls: report.apiCalls,
    elapsedMs: report.elapsedMs
  }
}
