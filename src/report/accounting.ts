import type { JobResult } from '../jobs/types.js'
import { describePart, rowsOf } from '../jobs/parts.js'
import { formatCount, plural } from '../format.js'

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
  /** Where Marketo's counts for a part do not add up to the rows sent: each fails the step. */
  discrepancies: string[]
}

/**
 * Counts each part's rows exactly once. A job that ended Failed counts every row as failed (the
 * contract's rows-failed), whatever Marketo says it processed; rows Marketo leaves unexplained,
 * or counts that are not whole numbers, count as failed too, and are named as discrepancies.
 */
export function account(results: JobResult[], fileProblems: FileProblem[] = []): Accounting {
  const discrepancies: string[] = []
  const perPart = results.map((result) => countPart(result, discrepancies))
  const sum = (pick: (c: PartCounts) => number): number =>
    perPart.reduce((total, counts) => total + pick(counts), 0)
  const problemRows = fileProblems.reduce((total, problem) => total + problem.rows, 0)
  const rowsNotSubmitted = sum((c) => c.notSubmitted) + problemRows
  const rowsTotal = results.reduce((total, r) => total + rowsOf(r), 0) + problemRows
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
  const rows = rowsOf(result)
  const none: PartCounts = { imported: 0, failed: 0, warned: 0, notSubmitted: 0, pending: 0 }
  const where = `${describePart(result.part)} (batch ${result.batchId})`
  const allFailed = (why: string): PartCounts => {
    discrepancies.push(`${where}: ${why}`)
    return { ...none, failed: rows }
  }
  switch (result.outcome) {
    case 'NotSubmitted':
      return { ...none, notSubmitted: rows }
    case 'Queued':
    case 'Importing':
      return { ...none, pending: rows }
    case 'Failed':
      if (result.invalidCounts) return allFailed(invalidCounts(result.invalidCounts, rows))
      if (result.imported > 0) {
        return allFailed(
          `the job ended Failed after Marketo processed ${formatCount(result.imported)} of its ` +
            `${plural(rows, 'row')}; all are counted as failed, as every row of a Failed job is, ` +
            'but check the program in Marketo: some may be members'
        )
      }
      return { ...none, failed: rows }
    case 'Complete': {
      if (result.invalidCounts) return allFailed(invalidCounts(result.invalidCounts, rows))
      const reported = result.imported + result.failed
      if (reported === rows && result.warned <= result.imported)
        return { ...none, imported: result.imported, failed: result.failed, warned: result.warned }
      if (reported === rows) {
        discrepancies.push(
          `${where}: Marketo reported ${formatCount(result.warned)} rows with a warning, more than ` +
            `the ${formatCount(result.imported)} it imported; counted as ${formatCount(result.imported)}`
        )
        return {
          ...none,
          imported: result.imported,
          failed: result.failed,
          warned: result.imported
        }
      }
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
          warned: Math.min(result.warned, result.imported)
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

function invalidCounts(invalid: string[], rows: number): string {
  return (
    `Marketo's status counts are not whole numbers of rows (${invalid.join(', ')}); ` +
    `all ${plural(rows, 'row')} are counted as failed: check the job in Marketo`
  )
}
