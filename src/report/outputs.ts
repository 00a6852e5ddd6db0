import { isBatchPart, rowsOf, targetFields } from '../jobs/parts.js'
import { notRemovedCount } from '../removals/types.js'
import type { RunReport } from './model.js'

/** The action's outputs, by the contract's names. */
export function outputsOf(report: RunReport): Record<string, string> {
  const { totals, perPart } = report.accounting
  return {
    'batch-ids': batchIdsOutput(batchIdsOf(report)),
    'rows-total': String(totals.rowsTotal),
    'rows-submitted': String(totals.rowsSubmitted),
    'rows-imported': String(totals.rowsImported),
    'rows-failed': String(totals.rowsFailed),
    'rows-warned': String(totals.rowsWarned),
    'rows-not-submitted': String(totals.rowsNotSubmitted),
    'rows-pending': String(totals.rowsPending),
    'rows-removed': String(report.removals?.removed.length ?? 0),
    'rows-not-removed': String(report.removals ? notRemovedCount(report.removals) : 0),
    results: JSON.stringify(
      report.results.map((result, index) => ({
        file: result.part.displayPath,
        part: result.part.index,
        rows: rowsOf(result),
        bytes: isBatchPart(result.part) ? null : result.part.bytes,
        batchId: result.batchId ?? null,
        ...targetFields(result.part, 'program-id', 'program-member-status'),
        status: result.outcome,
        imported: perPart[index]?.imported ?? 0,
        failed: perPart[index]?.failed ?? 0,
        warned: perPart[index]?.warned ?? 0,
        message: result.message
      }))
    )
  }
}

/** The `batch-ids` output: written as each job is submitted, and again with the report. */
export function batchIdsOutput(batchIds: number[]): string {
  return JSON.stringify(batchIds)
}

/** The batch ids of the run's jobs, in submit order. */
export function batchIdsOf(report: Pick<RunReport, 'results'>): number[] {
  return report.results.flatMap((result) => (result.batchId === undefined ? [] : [result.batchId]))
}
