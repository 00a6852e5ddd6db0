import type { RunReport } from './model.js'

/** The action's outputs, by the contract's names. */
export function outputsOf(report: RunReport): Record<string, string> {
  const { totals, perPart } = report.accounting
  const submitted = report.results.filter((r) => r.batchId !== undefined)
  return {
    'batch-ids': JSON.stringify(submitted.map((r) => r.batchId)),
    'rows-total': String(totals.rowsTotal),
    'rows-submitted': String(totals.rowsSubmitted),
    'rows-imported': String(totals.rowsImported),
    'rows-failed': String(totals.rowsFailed),
    'rows-warned': String(totals.rowsWarned),
    'rows-not-submitted': String(totals.rowsNotSubmitted),
    'rows-pending': String(totals.rowsPending),
    // No run removes members yet: removals come with removed-records and mirror.
    'rows-removed': '0',
    'rows-not-removed': '0',
    results: JSON.stringify(
      report.results.map((result, index) => ({
        file: result.part.displayPath,
        part: result.part.index,
        rows: result.part.rows,
        bytes: result.part.bytes,
        batchId: result.batchId ?? null,
        status: result.outcome,
        imported: perPart[index]?.imported ?? 0,
        failed: perPart[index]?.failed ?? 0,
        warned: perPart[index]?.warned ?? 0,
        message: result.message
      }))
    )
  }
}
