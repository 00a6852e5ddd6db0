import { basename } from 'node:path'
import type { RunReport } from './model.js'
import { outputsOf } from './outputs.js'

/** report.json: every part, batch and count, for people and for tools. Row values never appear. */
export function toReportJson(report: RunReport): unknown {
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
    files: report.files,
    fileProblems: report.fileProblems,
    discrepancies,
    parts: report.results.map((result, index) => ({
      file: result.part.displayPath,
      part: result.part.index,
      parts: result.part.count,
      firstLine: result.part.firstLine,
      rows: result.part.rows,
      bytes: result.part.bytes,
      batchId: result.batchId ?? null,
      status: result.outcome,
      counted: perPart[index],
      marketo: { imported: result.imported, failed: result.failed, warned: result.warned },
      message: result.message,
      resubmittedAfterUncertainFailure: result.uncertainResubmits > 0,
      failuresFile: result.failuresFile ? basename(result.failuresFile) : null,
      warningsFile: result.warningsFile ? basename(result.warningsFile) : null
    })),
    failures: report.rowIssues.failures,
    warnings: report.rowIssues.warnings,
    fixAndRetryFiles: report.rowIssues.fixFiles.map(({ source, relativePath, rows }) => ({
      source,
      path: relativePath,
      rows
    })),
    checks: report.validation ?? null,
    changes: report.changes ?? null,
    batchIds: JSON.parse(outputsOf(report)['batch-ids'] as string),
    apiCalls: report.apiCalls,
    elapsedMs: report.elapsedMs
  }
}
