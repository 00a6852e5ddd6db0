import type { JobResult } from '../jobs/types.js'
import { describePart } from '../jobs/scheduler.js'
import { formatCount } from '../format.js'

/** Where every data row of the matched files ended up. */
export interface Totals {
  rowsTotal: number
  rowsSubmitted: number
  rowsImported: number
  rowsFailed: number
  rowsWarned: number
  rowsNotSubmitted: number
  /** Rows in jobs still queued or importing when the run stopped (timeout, cancel). */
  rowsPending: number
}

/** A file that could not be read or split: none of its rows were submitted. */
export interface FileProblem {
  displayPath: string
  /** Rows counted before the problem was found (0 when unknown). */
  rows: number
  message: string
  /** Where in the file, when the problem is at one record. */
  line?: number
}

export interface PartCounts {
  imported: number
  failed: number
  warned: number
  notSubmitted: number
  pending: number
}

export interface Accounting {
  totals: Totals
  perPart: PartCounts[]
  /** Where Marketo's counts for a part do not add up to the rows sent. */
  discrepancies: string[]
}

/**
 * Counts each part's rows exactly once. A job that ended Failed counts every row it did not
 * import as failed; rows Marketo leaves unexplained count as failed too, and are named.
 */
export function account(results: JobResult[], fileProblems: FileProblem[] = []): Accounting {
  const discrepancies: string[] = []
  const perPart = results.map((result) => countPart(result, discrepancies))
  const sum = (pick: (c: PartCounts) => number): number =>
    perPart.reduce((total, counts) => total + pick(counts), 0)
  const problemRows = fileProblems.reduce((total, problem) => total + problem.rows, 0)
  const rowsNotSubmitted = sum((c) => c.notSubmitted) + problemRows
  const rowsTotal = results.reduce((total, r) => total + r.part.rows, 0) + problemRows
  return {
    totals: {
      rowsTotal,
      rowsSubmitted: rowsTotal - rowsNotSubmitted,
      rowsImported: sum((c) => c.imported),
      rowsFailed: sum((c) => c.failed),
      rowsWarned: sum((c) => c.warned),
      rowsNotSubmitted,
      rowsPending: sum((c) => c.pending)
    },
    perPart,
    discrepancies
  }
}

function countPart(result: JobResult, discrepancies: string[]): PartCounts {
  const rows = result.part.rows
  const none: PartCounts = { imported: 0, failed: 0, warned: 0, notSubmitted: 0, pending: 0 }
  switch (result.outcome) {
    case 'NotSubmitted':
      return { ...none, notSubmitted: rows }
    case 'Queued':
    case 'Importing':
      return { ...none, pending: rows }
    case 'Failed': {
      const imported = Math.min(result.imported, rows)
      return { ...none, imported, failed: rows - imported }
    }
    case 'Complete': {
      const reported = result.imported + result.failed
      if (reported === rows)
        return { ...none, imported: result.imported, failed: result.failed, warned: result.warned }
      const where = `${describePart(result.part)} (batch ${result.batchId})`
      if (reported < rows) {
        const missing = rows - reported
        discrepancies.push(
          `${where}: ${formatCount(rows)} rows sent, Marketo reported ${formatCount(result.imported)} imported and ` +
            `${formatCount(result.failed)} failed; the ${formatCount(missing)} unexplained rows are counted as failed`
        )
        return {
          ...none,
          imported: result.imported,
          failed: rows - result.imported,
          warned: result.warned
        }
      }
      const imported = Math.min(result.imported, rows)
      discrepancies.push(
        `${where}: ${formatCount(rows)} rows sent, but Marketo reported ${formatCount(result.imported)} imported and ` +
          `${formatCount(result.failed)} failed (${formatCount(reported - rows)} more than sent); counted as ` +
          `${formatCount(imported)} imported and ${formatCount(rows - imported)} failed`
      )
      return {
        ...none,
        imported,
        failed: rows - imported,
        warned: Math.min(result.warned, imported)
      }
    }
  }
}
