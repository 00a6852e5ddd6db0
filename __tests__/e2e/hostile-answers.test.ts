/**
 * Marketo's answers, tried as an attacker or an unlucky day would shape them: the built action
 * against the simulator with a fault that changes one answer. Whatever happens after the first
 * submit, the outputs, the summary and report.json come out, the step fails in one `::error::`
 * command with one line per reason, and nothing says ✅ or `"passed": true`.
 */
import { describe, expect, it } from '@jest/globals'
import { rmSync } from 'node:fs'
import { mkdtemp, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runAction, type ActionRun } from '../../scripts/run-action.js'
import type { Fault, FaultTarget } from '../../simulator/server.js'
import { callsOf, FAST_RETRIES, readReport, simulatorInputs, useSimulator } from './harness.js'

const sim = useSimulator()

const HEADER = 'firstName,lastName,email,leadScore'
/** Four members; the third has a text leadScore, which Marketo fails ("Invalid data type"). */
const LEADS =
  [
    HEADER,
    'Ann,Lee,ann@example.com,1',
    'Bob,Lee,bob@example.com,2',
    'Cat,Lee,cat@example.com,TEXT',
    'Dan,Lee,dan@example.com,4'
  ].join('\n') + '\n'

function fault(on: FaultTarget, value: Fault, times = Infinity): void {
  sim().addFault({ on, times, fault: value })
}

function run(overrides: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    inputs: simulatorInputs(sim(), { files: 'lists/*.csv', ...overrides }),
    files: { 'lists/leads.csv': LEADS },
    env: FAST_RETRIES
  })
}

interface Report {
  passed: boolean
  verdict: string[]
  totals: Record<string, number>
  parts: { status: string; message: string; resubmittedAfterUncertainFailure: boolean }[]
  discrepancies: string[]
  rowFileProblems: { kind: string; batchId: number; message: string }[]
  failures: { line: number | null; reason: string }[]
  stop: { kind: string; message: string } | null
  unexpectedError: string | null
  batchIds: number[]
}

/** The `::error::` commands of core.setFailed (row annotations carry a file and a line). */
function failureCommands(result: ActionRun): string[] {
  return result.stdout.split('\n').filter((line) => line.startsWith('::error::'))
}

/** The step's reasons, one per line of its one failure command. */
function reasons(result: ActionRun): string[] {
  const [command] = failureCommands(result)
  return (command ?? '')
    .slice('::error::'.length)
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%25/g, '%')
    .split('\n')
}

/**
 * The step failed, said once; the outputs, the summary and report.json were written and agree
 * that it failed; every row is accounted for.
 */
async function expectReportedFailure(result: ActionRun): Promise<Report> {
  expect(result.code).toBe(1)
  expect(failureCommands(result)).toHaveLength(1)
  expect(result.stdout).not.toMatch(/\n\s+at /) // no stack trace
  for (const output of ['batch-ids', 'rows-total', 'rows-failed', 'results', 'report-path'])
    expect(result.outputs[output]).toBeDefined()
  expect(result.summary).toContain('### ❌')
  expect(result.summary).not.toContain('✅')
  const report = await readReport<Report>(result)
  expect(report.passed).toBe(false)
  expect(report.verdict).toEqual(reasons(result))
  const count = (name: string): number => Number(result.outputs[name])
  expect(
    count('rows-imported') +
      count('rows-failed') +
      count('rows-not-submitted') +
      count('rows-pending')
  ).toBe(count('rows-total'))
  expect(JSON.parse(result.outputs['batch-ids']!)).toEqual(report.batchIds)
  // The rows waiting for report.json are gone from the runner's folder, whatever happened.
  const left = await readdir(result.dirs.runnerTemp)
  expect(left.filter((name) => name.startsWith('marketo-import-rows-'))).toEqual([])
  return report
}

describe("Marketo's failures file", () => {
  it('with one unbalanced quote is reported as unreadable, and the report comes out', async () => {
    fault('failures', { kind: 'rowFile', change: { kind: 'unbalancedQuote' } })
    const result = await run({ 'max-failed-rows': '5' })
    const report = await expectReportedFailure(result)
    expect(result.outputs).toMatchObject({ 'rows-imported': '3', 'rows-failed': '1' })
    expect(report.rowFileProblems).toEqual([
      {
        kind: 'failures',
        batchId: 1040,
        part: 'lists/leads.csv',
        message: expect.stringMatching(/^cannot be read: line 2: a quoted field .*never closed/)
      }
    ])
    expect(report.failures).toEqual([])
    expect(reasons(result)).toEqual([
      expect.stringMatching(/^1 failures or warnings file of Marketo's could not be used, first/)
    ])
  })

  it('with more rows than numOfRowsFailed fails the step and says how many', async () => {
    fault('failures', { kind: 'rowFile', change: { kind: 'extraRows', rows: 2 } })
    const result = await run({ 'max-failed-rows': '5' })
    const report = await expectReportedFailure(result)
    expect(report.rowFileProblems.map((p) => p.message)).toEqual([
      "the file has 3 rows, but Marketo's status counts 1 (numOfRowsFailed)"
    ])
    // The row Marketo counted is still traced to its line.
    expect(report.failures).toEqual([
      expect.objectContaining({ line: 4, reason: 'Invalid data type in field Lead Score' })
    ])
  })

  it('whose header is not the part’s plus the reason column is not guessed at', async () => {
    fault('failures', { kind: 'rowFile', change: { kind: 'swappedHeader' } })
    const result = await run({ 'max-failed-rows': '5' })
    const report = await expectReportedFailure(result)
    expect(report.rowFileProblems.map((p) => p.message)).toEqual([
      "cannot be read: column 1 of its header is not the part's; not read, so its rows are not guessed at"
    ])
    expect(report.failures).toEqual([])
    expect(result.outputs['rows-failed']).toBe('1')
  })
})

describe("Marketo's counts", () => {
  it('larger than the rows sent fail the step and say so', async () => {
    fault('status', { kind: 'counts', counts: { numOfLeadsProcessed: 40 } })
    const result = await run({ 'max-failed-rows': '5' })
    const report = await expectReportedFailure(result)
    expect(report.discrepancies).toEqual([
      expect.stringContaining('4 rows sent, but Marketo reported 40 imported and 1 failed')
    ])
    expect(result.outputs).toMatchObject({ 'rows-imported': '4', 'rows-failed': '0' })
    expect(reasons(result)).toEqual([
      expect.stringMatching(/^Marketo's counts do not add up for 1 part, first lists\/leads\.csv/)
    ])
  })

  it.each([
    ['fractional', { numOfLeadsProcessed: 2.5 }, 'numOfLeadsProcessed is 2.5'],
    ['hex', { numOfRowsFailed: '0x1' }, 'numOfRowsFailed is "0x1"'],
    ['negative', { numOfRowsWithWarning: -1 }, 'numOfRowsWithWarning is -1']
  ])('that are %s count every row as failed and fail the step', async (_, counts, named) => {
    fault('status', { kind: 'counts', counts })
    const result = await run({ 'max-failed-rows': '10' })
    const report = await expectReportedFailure(result)
    expect(result.outputs).toMatchObject({ 'rows-imported': '0', 'rows-failed': '4' })
    expect(report.discrepancies).toEqual([
      expect.stringContaining(`Marketo's status counts are not whole numbers of rows (${named})`)
    ])
    // Nothing is downloaded on counts that cannot be read.
    expect(callsOf(sim(), 'failures')).toHaveLength(0)
  })
})

describe('answers that are not what Marketo documents', () => {
  it('a 2 MiB JSON answer is refused at 1 MiB, not retried, and the job left to resume', async () => {
    fault('status', { kind: 'hugeAnswer', bytes: 2 * 2 ** 20 })
    const result = await run()
    const report = await expectReportedFailure(result)
    expect(callsOf(sim(), 'status')).toHaveLength(1)
    expect(result.outputs).toMatchObject({ 'batch-ids': '[1040]', 'rows-pending': '4' })
    expect(report.stop).toEqual({
      kind: 'error',
      message: expect.stringContaining('the answer is larger than 1 MiB')
    })
    expect(reasons(result)).toEqual([
      expect.stringMatching(
        /^Reading the import job status failed \(ANSWER_TOO_LARGE.*still open \(batch ids 1040\): resume them with batch-ids$/
      )
    ])
  })

  it('a submit answered 200 without a job is reported once as uncertain, not retried', async () => {
    fault('submit', { kind: 'noJob' })
    const result = await run()
    const report = await expectReportedFailure(result)
    expect(callsOf(sim(), 'submit')).toHaveLength(1)
    expect(sim().jobs).toHaveLength(1) // Marketo did create it
    expect(result.outputs).toMatchObject({ 'batch-ids': '[]', 'rows-not-submitted': '4' })
    const [part] = report.parts
    expect(part!.status).toBe('NotSubmitted')
    expect(part!.resubmittedAfterUncertainFailure).toBe(true)
    expect(part!.message).toContain('it may have created a job for this part anyway')
    expect(part!.message).toContain(
      'Check the import jobs of the program in Marketo before running'
    )
    expect(part!.message).not.toContain('did not answer')
    expect(reasons(result)).toEqual([
      expect.stringMatching(/^4 rows not submitted: Submitting the import job failed \(NO_JOB/)
    ])
  })
})

describe('after the first submit', () => {
  it('an error no stage expects still writes the report, naming the job', async () => {
    // The failures answer arrives, and the source its rows are traced to is gone.
    const workspace = await mkdtemp(join(tmpdir(), 'mpmi-hostile-'))
    sim().onArrival((request) => {
      if (request.kind === 'failures') rmSync(join(workspace, 'lists/leads.csv'))
    })
    const result = await runAction({
      workspace,
      inputs: simulatorInputs(sim(), { files: 'lists/*.csv', 'max-failed-rows': '5' }),
      files: { 'lists/leads.csv': LEADS },
      env: FAST_RETRIES
    }).finally(() => rm(workspace, { recursive: true, force: true }))
    const report = await expectReportedFailure(result)
    expect(result.outputs).toMatchObject({
      'batch-ids': '[1040]',
      'rows-imported': '3',
      'rows-failed': '1'
    })
    expect(report.unexpectedError).toMatch(/^ENOENT/)
    expect(reasons(result)).toEqual([
      expect.stringMatching(/^Unexpected error: ENOENT.*please report this as an issue/)
    ])
    expect(result.summary).toContain('**Unexpected error:** ENOENT')
  })

  it('a run killed with SIGKILL leaves the batch ids it was given in GITHUB_OUTPUT', async () => {
    sim().pauseProcessing()
    let kill: (() => void) | undefined
    sim().onArrival((request) => {
      if (request.kind === 'status') kill?.()
    })
    const result = await runAction({
      inputs: simulatorInputs(sim(), { files: 'lists/*.csv' }),
      files: { 'lists/leads.csv': LEADS },
      env: FAST_RETRIES,
      onSpawn: (child) => {
        kill = () => child.kill('SIGKILL')
      }
    })
    expect(result.signal).toBe('SIGKILL')
    expect(result.outputs['batch-ids']).toBe('[1040]')
    expect(result.summary).toBe('')
  })
})

describe('a step that fails before any submit', () => {
  it('with changed-since outside a repository shows ❌, and report.json does not pass', async () => {
    const result = await run({ 'changed-since': 'main' })
    await expectReportedFailure(result)
    expect(reasons(result)).toEqual([
      expect.stringMatching(/^changed-since: .* is not in a git repository/)
    ])
    expect(callsOf(sim(), 'identity')).toHaveLength(0)
  })

  it('with no file matched shows ❌, and report.json does not pass', async () => {
    const result = await run({ files: 'nothing/*.csv' })
    await expectReportedFailure(result)
    expect(reasons(result)).toEqual([
      expect.stringMatching(
        /^files: no file matches nothing\/\*\.csv .*\(if-no-files-found: error\)$/
      )
    ])
  })

  it('resuming more batch ids than the files have parts writes the report', async () => {
    const result = await run({ 'batch-ids': '1040,1041' })
    await expectReportedFailure(result)
    expect(reasons(result)).toEqual([
      'batch-ids: 2 batch ids, but the files split into only 1 parts; give the same files, format and chunk-size as the run being resumed'
    ])
  })
})
