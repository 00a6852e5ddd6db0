import { describe, expect, it } from '@jest/globals'
import type { JobResult } from '../src/jobs/types.js'
import { account } from '../src/report/accounting.js'
import { rowAnnotations, ROW_ANNOTATIONS_PER_KIND } from '../src/report/annotations.js'
import type { RunReport } from '../src/report/model.js'
import { outputsOf } from '../src/report/outputs.js'
import { renderReportMarkdown } from '../src/report/report-md.js'
import {
  noRowIssues,
  rowIssueListOf,
  type RowIssue,
  type RowIssues
} from '../src/report/row-issue-list.js'
import { renderSummary, SUMMARY_MAX_BYTES } from '../src/report/summary.js'
import { decideVerdict, limitsKept } from '../src/report/verdict.js'
import { filePart, jobResult } from '../testkit/job-results.js'

const part = filePart
const result = jobResult

const noIssues = noRowIssues()

function issues(failures: RowIssue[], warnings: RowIssue[] = []): RowIssues {
  return {
    ...noRowIssues(),
    failures: rowIssueListOf(failures),
    warnings: rowIssueListOf(warnings)
  }
}

function report(results: JobResult[], overrides: Partial<RunReport> = {}): RunReport {
  return {
    mode: 'import',
    programId: '1001',
    programMemberStatus: 'On List',
    files: [],
    fileProblems: [],
    results,
    accounting: account(results),
    rowIssues: noIssues,
    apiCalls: 12,
    elapsedMs: 65_000,
    verdict: [],
    ...overrides
  }
}

describe('account', () => {
  it('counts every row once: imported, failed, not submitted, pending', () => {
    const { totals, discrepancies } = account(
      [
        result({ part: part(10), imported: 8, failed: 2, warned: 1 }),
        result({ part: part(5, 1, 1, 'b.csv'), outcome: 'Failed', imported: 0, message: 'boom' }),
        result({ part: part(7, 1, 1, 'c.csv'), outcome: 'NotSubmitted', batchId: undefined }),
        result({ part: part(3, 1, 1, 'd.csv'), outcome: 'Importing', imported: 0 })
      ],
      [{ displayPath: 'e.csv', rows: 4, message: 'line 3: unbalanced quote' }]
    )
    expect(totals).toEqual({
      rowsTotal: 29,
      rowsSubmitted: 18,
      rowsImported: 8,
      rowsFailed: 7,
      rowsWarned: 1,
      rowsNotSubmitted: 11,
      rowsPending: 3
    })
    expect(totals.rowsTotal).toBe(
      totals.rowsImported + totals.rowsFailed + totals.rowsNotSubmitted + totals.rowsPending
    )
    expect(discrepancies).toEqual([])
  })

  it('says so when Marketo’s counts do not add up, and keeps the invariant', () => {
    const short = account([result({ part: part(10), imported: 7, failed: 1 })])
    expect(short.totals).toMatchObject({ rowsImported: 7, rowsFailed: 3, rowsTotal: 10 })
    expect(short.discrepancies).toEqual([
      'lists/leads.csv (batch 1040): 10 rows sent, Marketo reported 7 imported and 1 failed; the 2 unexplained rows are counted as failed'
    ])
    const over = account([result({ part: part(10), imported: 10, failed: 2 })])
    expect(over.totals).toMatchObject({ rowsImported: 10, rowsFailed: 0 })
    expect(over.discrepancies[0]).toContain('2 more than sent')
  })
})

describe('decideVerdict', () => {
  const rules = {
    maxFailedRows: { kind: 'count', count: 2 } as const,
    maxWarningRows: undefined,
    timeoutMs: 3_600_000
  }

  it('passes at the limit and fails past it, saying the numbers', () => {
    const at = account([result({ part: part(10), imported: 8, failed: 2 })])
    expect(decideVerdict({ totals: at.totals, results: [], fileProblems: [] }, rules)).toEqual([])
    const past = account([result({ part: part(10), imported: 7, failed: 3 })])
    expect(decideVerdict({ totals: past.totals, results: [], fileProblems: [] }, rules)).toEqual([
      '3 rows failed, limit 2: failing the step'
    ])
  })

  it('says the failed and warned rows a passing step kept within its limits', () => {
    const totals = account([result({ part: part(10), imported: 8, failed: 2, warned: 1 })]).totals
    expect(decideVerdict({ totals, results: [], fileProblems: [] }, rules)).toEqual([])
    expect(limitsKept(totals, rules)).toEqual([
      '2 rows failed, limit 2: within the limit',
      '1 row imported with a warning, limit none: within the limit'
    ])
    expect(limitsKept(account([result({ part: part(10) })]).totals, rules)).toEqual([])
  })

  it('takes a percentage of the submitted rows', () => {
    const totals = account([result({ part: part(200), imported: 197, failed: 3 })]).totals
    const percent = { ...rules, maxFailedRows: { kind: 'percent', percent: 1 } as const }
    expect(decideVerdict({ totals, results: [], fileProblems: [] }, percent)).toEqual([
      '3 rows failed, limit 1% of 200 submitted rows (2): failing the step'
    ])
  })

  it('fails on a Failed job, rows not submitted and a timeout, naming the batch ids to resume', () => {
    const results = [
      result({ part: part(4), outcome: 'Failed', imported: 0, message: 'Import failed' }),
      result({ part: part(3, 1, 1, 'b.csv'), outcome: 'Queued', batchId: 1041, imported: 0 }),
      result({
        part: part(2, 1, 1, 'c.csv'),
        outcome: 'NotSubmitted',
        batchId: undefined,
        message: 'not submitted: the timeout was reached'
      })
    ]
    const totals = account(results).totals
    const reasons = decideVerdict(
      {
        totals,
        results,
        fileProblems: [],
        stop: { kind: 'timeout', message: 'the timeout was reached' }
      },
      { ...rules, maxFailedRows: { kind: 'count', count: 100 } }
    )
    expect(reasons).toEqual([
      '1 import job ended Failed, first lists/leads.csv (batch 1040): Import failed',
      'timeout of 1h 0m reached with 1 job still open (batch ids 1041): resume them with batch-ids',
      '2 rows not submitted: the timeout was reached'
    ])
  })
})

describe('job summary', () => {
  it('escapes names and messages', () => {
    const markdown = renderSummary(
      report([result({ part: part(1, 1, 1, '<b>x</b>|y.csv'), message: 'a <script> & "b"' })])
    )
    // A `|` would split the table row even in a code span: the name goes in <code>, escaped.
    expect(markdown).toContain('<code>&#60;b&#62;x&#60;/b&#62;&#124;y.csv</code>')
    expect(markdown).toContain('a &#60;script&#62; &#38; "b"')
    expect(markdown).not.toContain('<script>')
  })

  it('stays under 1 MiB with 50,000 failed rows, and the annotations within GitHub’s caps', () => {
    const failures: RowIssue[] = Array.from({ length: 50_000 }, (_, i) => ({
      file: `lists/file-${i % 40}.csv`,
      line: i + 2,
      batchId: 1040 + (i % 500),
      part: 1,
      reason: `Invalid data type in field Custom ${i % 300}`
    }))
    const results = Array.from({ length: 500 }, (_, i) =>
      result({ part: part(100, i + 1, 500), batchId: 1040 + i, imported: 0, failed: 100 })
    )
    const big = report(results, {
      rowIssues: issues(failures, failures.slice(0, 20_000)),
      verdict: ['50,000 rows failed, limit 0: failing the step']
    })
    const markdown = renderSummary(big)
    expect(Buffer.byteLength(markdown)).toBeLessThan(SUMMARY_MAX_BYTES)
    expect(markdown).toContain('Why rows failed')
    expect(markdown).toContain('…and 300 more parts')
    const annotations = rowAnnotations(big.rowIssues, 'report.md')
    expect(annotations.filter((a) => a.kind === 'error')).toHaveLength(ROW_ANNOTATIONS_PER_KIND)
    expect(annotations.filter((a) => a.kind === 'warning')).toHaveLength(ROW_ANNOTATIONS_PER_KIND)
    expect(annotations.filter((a) => a.kind === 'notice')).toEqual([
      expect.objectContaining({
        message:
          '49,992 more failed rows and 19,992 more rows with a warning are listed with their lines and reasons in report.md'
      })
    ])
    expect(renderReportMarkdown(big)).toContain('…and 45,000 more rows: see report.json.')
  })

  it('annotates only what it can locate, and never with row values', () => {
    const annotations = rowAnnotations(
      issues([
        {
          file: 'a.csv',
          line: 4,
          batchId: 1,
          part: 1,
          reason: 'Invalid data type in field Lead Score'
        },
        {
          file: 'a.csv',
          line: null,
          batchId: 1,
          part: 1,
          reason: 'Invalid data type in field Lead Score'
        }
      ]),
      'report.md'
    )
    expect(annotations).toEqual([
      {
        kind: 'error',
        title: 'Invalid data type in field Lead Score',
        message: 'Marketo did not import the row that starts on this line (batch 1)',
        file: 'a.csv',
        line: 4
      },
      expect.objectContaining({
        kind: 'notice',
        message: expect.stringContaining('1 more failed row')
      })
    ])
  })
})

describe('outputs', () => {
  it('follow the contract’s names and forms', () => {
    const outputs = outputsOf(
      report([
        result({ part: part(8), imported: 8 }),
        result({
          part: part(2, 1, 1, 'b.csv'),
          outcome: 'NotSubmitted',
          batchId: undefined,
          message: 'x'
        })
      ])
    )
    expect(outputs).toMatchObject({
      'batch-ids': '[1040]',
      'rows-total': '10',
      'rows-submitted': '8',
      'rows-imported': '8',
      'rows-failed': '0',
      'rows-warned': '0',
      'rows-not-submitted': '2'
    })
    expect(JSON.parse(outputs['results']!)[1]).toEqual({
      file: 'b.csv',
      part: 1,
      rows: 2,
      bytes: 200,
      batchId: null,
      status: 'NotSubmitted',
      imported: 0,
      failed: 0,
      warned: 0,
      message: 'x'
    })
  })
})
