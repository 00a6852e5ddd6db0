/** One rule per case, the same in totals, outputs, report and verdict; ✅ only when the step passes. */
import { describe, expect, it } from '@jest/globals'
import type { Part } from '../src/files/types.js'
import { JobLedger } from '../src/jobs/ledger.js'
import { batchOnlyParts } from '../src/jobs/resume.js'
import type { JobPart, JobResult } from '../src/jobs/types.js'
import { runModeOf } from '../src/inputs/run-mode.js'
import { InputError } from '../src/inputs/index.js'
import { account } from '../src/report/accounting.js'
import { buildReport, type ReportFacts } from '../src/report/build.js'
import type { RunImport } from '../src/report/imports.js'
import { outputsOf } from '../src/report/outputs.js'
import { noRowIssues } from '../src/report/row-issue-list.js'
import { renderSummary } from '../src/report/summary.js'
import { filePart, jobResult } from '../testkit/job-results.js'

/** A part of `rows` rows of `file`. */
const part = (rows: number, file = 'lists/leads.csv'): Part => filePart(rows, 1, 1, file)

/** A Complete job that imported nothing, with `overrides`. */
const ended = (overrides: Partial<JobResult> & { part: JobPart }): JobResult =>
  jobResult({ imported: 0, ...overrides })

const inputs: ReportFacts['inputs'] = {
  programId: '1001',
  programMemberStatus: 'On List',
  maxFailedRows: { kind: 'count', count: 100 },
  maxWarningRows: undefined,
  timeoutMs: 3_600_000
}

function reportOf(results: JobResult[], more: Partial<ReportFacts> = {}) {
  return buildReport({
    mode: 'import',
    inputs,
    plans: [],
    fileProblems: [],
    outcome: { results },
    rowIssues: noRowIssues(),
    apiCalls: 3,
    elapsedMs: 1000,
    ...more
  })
}

describe('a job that ended Failed', () => {
  it('counts every row as failed, even those Marketo says it processed, and says so', () => {
    const result = ended({ part: part(10), outcome: 'Failed', imported: 3, message: 'boom' })
    const { totals, perPart, discrepancies } = account([result])
    expect(totals).toMatchObject({ rowsImported: 0, rowsFailed: 10, rowsSubmitted: 10 })
    expect(perPart[0]).toMatchObject({ imported: 0, failed: 10 })
    expect(discrepancies).toEqual([
      'lists/leads.csv (batch 1040): the job ended Failed after Marketo processed 3 of its 10 rows; ' +
        'all are counted as failed, as every row of a Failed job is, but check the program in ' +
        'Marketo: some may be members'
    ])
    const report = reportOf([result])
    expect(outputsOf(report)).toMatchObject({ 'rows-imported': '0', 'rows-failed': '10' })
    expect(report.verdict).toContain(
      '1 import job ended Failed, first lists/leads.csv (batch 1040): boom'
    )
  })

  it('with nothing processed is no discrepancy', () => {
    const { totals, discrepancies } = account([
      ended({ part: part(4), outcome: 'Failed', message: 'x' })
    ])
    expect(totals).toMatchObject({ rowsFailed: 4, rowsImported: 0 })
    expect(discrepancies).toEqual([])
  })
})

describe("Marketo's counts", () => {
  it('that are not whole numbers count every row as failed and fail the step', () => {
    const result = ended({
      part: part(4),
      imported: 0,
      invalidCounts: ['numOfLeadsProcessed is 2.5']
    })
    const report = reportOf([result])
    expect(report.accounting.totals).toMatchObject({ rowsImported: 0, rowsFailed: 4 })
    expect(report.verdict).toEqual([
      expect.stringMatching(
        /^Marketo's counts do not add up for 1 part, .*numOfLeadsProcessed is 2\.5/
      )
    ])
  })

  it('that exceed the rows sent fail the step, even within max-failed-rows', () => {
    const report = reportOf([ended({ part: part(4), imported: 4, failed: 2 })])
    expect(report.accounting.totals).toMatchObject({ rowsImported: 4, rowsFailed: 0 })
    expect(report.verdict).toEqual([
      expect.stringMatching(/^Marketo's counts do not add up for 1 part, first .*2 more than sent/)
    ])
  })

  it('that leave rows unexplained fail the step too, the rows counted as failed', () => {
    const report = reportOf([ended({ part: part(4), imported: 2, failed: 1 })])
    expect(report.accounting.totals).toMatchObject({ rowsImported: 2, rowsFailed: 2 })
    expect(report.verdict).toEqual([expect.stringContaining('the 1 unexplained rows')])
  })

  it('with more rows warned than imported keep warned rows inside imported', () => {
    const report = reportOf([ended({ part: part(4), imported: 3, failed: 1, warned: 5 })])
    expect(report.accounting.totals).toMatchObject({ rowsImported: 3, rowsWarned: 3 })
    expect(report.verdict[0]).toContain('5 rows with a warning, more than the 3 it imported')
  })
})

describe('the verdict', () => {
  it('passes, with ✅ and passed, only when no reason fails the step', () => {
    const passing = reportOf([ended({ part: part(4), imported: 4 })])
    expect(passing.verdict).toEqual([])
    expect(renderSummary(passing)).toMatch(/^### ✅/)
    for (const more of [
      { early: 'files: no file matches x/*.csv in /w (if-no-files-found: error)' },
      { unexpected: 'ENOENT: no such file' },
      {
        rowIssues: {
          ...noRowIssues(),
          problems: [
            { batchId: 1040, part: 'lists/leads.csv', kind: 'failures' as const, message: 'bad' }
          ]
        }
      }
    ]) {
      const failing = reportOf([ended({ part: part(4), imported: 4 })], more)
      expect(failing.verdict).toHaveLength(1)
      const summary = renderSummary(failing)
      expect(summary).toMatch(/^### ❌/)
      expect(summary).not.toContain('✅')
    }
  })

  it('puts an early end first, in a dry run too', () => {
    const report = reportOf([], { mode: 'dry-run', early: 'changed-since: not a repository' })
    expect(report.verdict).toEqual(['changed-since: not a repository'])
    expect(renderSummary(report)).toMatch(/^### ❌ Marketo import \(dry run\)/)
  })

  it('says an unexpected error in one line and asks for a report', () => {
    const report = reportOf([], { unexpected: 'boom' })
    expect(report.verdict).toEqual([
      'Unexpected error: boom. The outputs, the summary and report.json say what was done before ' +
        'it; please report this as an issue of this action'
    ])
  })
})

describe('batches resumed without their files', () => {
  it('carry the rows Marketo reports once ended, and none before', () => {
    const [done, open] = batchOnlyParts([1040, 1041]) as [JobPart, JobPart]
    const results = [
      ended({ part: done, batchId: 1040, imported: 7, failed: 2, warned: 1 }),
      ended({ part: open, batchId: 1041, outcome: 'Importing' })
    ]
    const report = reportOf(results)
    expect(report.accounting.totals).toMatchObject({
      rowsTotal: 9,
      rowsImported: 7,
      rowsFailed: 2,
      rowsPending: 0
    })
    expect(report.accounting.discrepancies).toEqual([])
    expect(JSON.parse(outputsOf(report)['results']!)[0]).toMatchObject({
      file: 'batch 1040',
      rows: 9,
      bytes: null
    })
  })
})

describe('the ledger of a run that broke off', () => {
  it('keeps the jobs submitted (still open) and counts the rest as not submitted', () => {
    const parts = [part(3, 'a.csv'), part(5, 'b.csv')]
    const ledger = new JobLedger(parts)
    ledger.record(ended({ part: parts[0]!, outcome: 'Queued', batchId: 1040 }))
    expect(ledger.batchIds()).toEqual([1040])
    const outcome = ledger.outcomeSoFar('the run stopped on an unexpected error')
    expect(account(outcome.results).totals).toMatchObject({
      rowsTotal: 8,
      rowsPending: 3,
      rowsNotSubmitted: 5
    })
    const report = reportOf(outcome.results, { outcome, unexpected: 'boom' })
    expect(report.verdict).toContain(
      'the run stopped on an unexpected error. The run stopped with 1 job still open (batch ids 1040): resume them with batch-ids'
    )
  })
})

describe('the run mode', () => {
  it('is decided once from the inputs', () => {
    expect(runModeOf({ dryRun: true, batchIds: [], imports: [{ files: ['a'] }] })).toEqual({
      kind: 'dry-run'
    })
    expect(runModeOf({ dryRun: false, batchIds: [], imports: [{ files: ['a'] }] })).toEqual({
      kind: 'import'
    })
    expect(runModeOf({ dryRun: false, batchIds: [7], imports: [{ files: [] }] })).toEqual({
      kind: 'resume',
      batchIds: [7],
      withFiles: false
    })
    expect(runModeOf({ dryRun: false, batchIds: [7], imports: [{ files: ['a'] }] })).toMatchObject({
      withFiles: true
    })
  })

  it('refuses a dry run that would resume jobs', () => {
    expect(() => runModeOf({ dryRun: true, batchIds: [7], imports: [{ files: [] }] })).toThrow(
      InputError
    )
    expect(() => runModeOf({ dryRun: true, batchIds: [7], imports: [{ files: [] }] })).toThrow(
      'batch-ids: "7" resumes jobs in Marketo, which a dry run does not reach; leave batch-ids empty with dry-run: true'
    )
  })
})

const A = { programId: '1001', programMemberStatus: 'Registered' }
const B = { programId: '1002', programMemberStatus: 'Attended' }

function importOf(
  entry: number,
  target: typeof A,
  file: string,
  own: Partial<RunImport['spec']> = {}
): RunImport {
  return {
    spec: { entry, ...target, ...own },
    target,
    paths: new Set([`/ws/${file}`]),
    problems: []
  }
}

function jobOf(imported: RunImport, rows: number, failed = 0): JobResult {
  const part: JobPart = {
    ...filePart(rows, 1, 1, [...imported.paths][0]!.slice(4)),
    target: imported.target!
  }
  return jobResult({ part, imported: rows - failed, failed })
}

/** The report of several imports under the run's limit of 0 failed rows. */
function importsReportOf(imports: RunImport[], results: JobResult[]) {
  return reportOf(results, {
    inputs: { ...inputs, maxFailedRows: { kind: 'count', count: 0 } },
    imports
  })
}

describe('a run of several imports', () => {
  it('has a section per program and status, the run total, and each part’s program and status', () => {
    const first = importOf(1, A, 'a.csv')
    const second = importOf(2, B, 'b.csv')
    const report = importsReportOf(
      [first, second],
      [jobOf(first, 10), jobOf(second, 5), jobOf(first, 2)]
    )
    expect(report.imports).toEqual([
      expect.objectContaining({
        ...A,
        entries: [1],
        totals: expect.objectContaining({ rowsImported: 12 })
      }),
      expect.objectContaining({
        ...B,
        entries: [2],
        totals: expect.objectContaining({ rowsImported: 5 })
      })
    ])
    expect(report.verdict).toEqual([])
    const outputs = outputsOf(report)
    expect(outputs['rows-imported']).toBe('17')
    expect(JSON.parse(outputs['results']!)).toEqual([
      expect.objectContaining({ 'program-id': '1001', 'program-member-status': 'Registered' }),
      expect.objectContaining({ 'program-id': '1002', 'program-member-status': 'Attended' }),
      expect.objectContaining({ 'program-id': '1001', 'program-member-status': 'Registered' })
    ])
    const summary = renderSummary(report)
    expect(summary).toContain('17 of 17 rows imported into 2 programs and statuses')
    expect(summary).toContain('| 1001 | Registered | 1 | 12 | 12 | 12 | 0 | 0 | 0 |')
    expect(summary).toContain('| **Run total** | | | 17 | 17 | 17 | 0 | 0 | 0 |')
  })

  it('judges an import with a limit of its own by it, and the run’s limit the other rows', () => {
    const lenient = importOf(1, A, 'a.csv', { maxFailedRows: { kind: 'count', count: 3 } })
    const strict = importOf(2, B, 'b.csv')
    // 2 failed rows within the first import's own limit of 3: the run's 0 does not see them.
    const within = importsReportOf([lenient, strict], [jobOf(lenient, 10, 2), jobOf(strict, 5)])
    expect(within.verdict).toEqual([])
    expect(within.limitsKept).toEqual([
      'imports entry 1 (program 1001): 2 rows failed, limit 3: within the limit'
    ])
    // Over its own limit: the step fails, naming the import.
    const over = importsReportOf([lenient, strict], [jobOf(lenient, 10, 4), jobOf(strict, 5)])
    expect(over.verdict).toEqual([
      'imports entry 1 (program 1001): 4 rows failed, limit 3: failing the step'
    ])
    // A failed row of the import without a limit of its own is the run's 0 limit's.
    const run = importsReportOf([lenient, strict], [jobOf(lenient, 10, 2), jobOf(strict, 5, 1)])
    expect(run.verdict).toEqual(['1 row failed, limit 0: failing the step'])
    expect(outputsOf(run)['rows-failed']).toBe('3')
  })

  it('leaves the report of the step’s own import as it was', () => {
    const own: RunImport = {
      spec: { ...A },
      paths: new Set(['/ws/a.csv']),
      problems: []
    }
    const result = jobResult({ part: filePart(4, 1, 1, 'a.csv'), imported: 4 })
    const report = importsReportOf([own], [result])
    expect(report.imports).toBeUndefined()
    expect(JSON.parse(outputsOf(report)['results']!)[0]).not.toHaveProperty('program-id')
  })
})
