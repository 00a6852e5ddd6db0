/**
 * The fault suite: the built action against the simulator while Marketo misbehaves. Every
 * scenario asserts the exit code, the outputs, the one-line reason the step fails (if it does),
 * that every row is accounted for exactly once, and what Marketo ended up with.
 */
import { describe, expect, it } from '@jest/globals'
import { runAction, type ActionRun } from '../../scripts/run-action.js'
import type { Fault, FaultTarget, RecordedRequest } from '../../simulator/server.js'
import {
  callsOf,
  emailsOf,
  expectImportedOnce,
  FAST_RETRIES,
  readReport,
  simulatorInputs,
  TIME_SCALE,
  useSimulator
} from './harness.js'

const RATE_WINDOW_MS = 20_000 * TIME_SCALE
const QUEUE_WAIT_MS = 5_000 * TIME_SCALE
const MAX_ATTEMPTS = 6

const sim = useSimulator()

function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return simulatorInputs(sim(), { files: '*.csv', ...overrides })
}

/** A CSV of `rows` members with distinct emails `<prefix>-<n>@example.com`. */
function members(prefix: string, rows: number, extra: string[] = []): string {
  const lines = ['firstName,lastName,email,leadScore']
  for (let n = 1; n <= rows; n++) lines.push(`First${n},${prefix},${prefix}-${n}@example.com,${n}`)
  return [...lines, ...extra].join('\n') + '\n'
}

/** Files a.csv, b.csv, ... of `rows` members each. */
function files(count: number, rows = 4): Record<string, string> {
  const found: Record<string, string> = {}
  for (let i = 0; i < count; i++) {
    const name = String.fromCharCode(97 + i)
    found[`${name}.csv`] = members(name, rows)
  }
  return found
}

function run(
  fileSet: Record<string, string>,
  overrides: Record<string, string> = {}
): Promise<ActionRun> {
  return runAction({ inputs: inputs(overrides), files: fileSet, env: FAST_RETRIES })
}

function fault(on: FaultTarget, value: Fault, nth = 1, times = 1): void {
  sim().addFault({ on, nth, times, fault: value })
}

const calls = (kind: string): RecordedRequest[] => callsOf(sim(), kind)

/** The reasons the step failed: the `::error::` line of core.setFailed, one reason per line. */
function failureReasons(result: ActionRun): string[] {
  const lines = result.stdout.split('\n').filter((line) => line.startsWith('::error::'))
  const last = lines.at(-1)
  if (last === undefined) return []
  return last
    .slice('::error::'.length)
    .replace(/%0D/g, '\r')
    .replace(/%0A/g, '\n')
    .replace(/%25/g, '%')
    .split('\n')
}

interface ReportPart {
  file: string
  rows: number
  batchId: number | null
  status: string
  message: string
  resubmittedAfterUncertainFailure: boolean
}

interface Report {
  totals: Record<string, number>
  stop: { kind: string; message: string } | null
  parts: ReportPart[]
  batchIds: number[]
}

const count = (result: ActionRun, name: string): number => Number(result.outputs[name])

/**
 * Every row is imported, failed, not submitted, or (only when the run stopped with jobs open)
 * still pending, exactly once; and report.json says the same as the outputs.
 */
async function expectAccounted(result: ActionRun, rowsTotal: number): Promise<Report> {
  expect(count(result, 'rows-total')).toBe(rowsTotal)
  expect(
    count(result, 'rows-imported') +
      count(result, 'rows-failed') +
      count(result, 'rows-not-submitted') +
      count(result, 'rows-pending')
  ).toBe(rowsTotal)
  expect(count(result, 'rows-submitted')).toBe(rowsTotal - count(result, 'rows-not-submitted'))
  const report = await readReport<Report>(result)
  expect(report.totals).toMatchObject({
    rowsTotal,
    rowsImported: count(result, 'rows-imported'),
    rowsNotSubmitted: count(result, 'rows-not-submitted'),
    rowsPending: count(result, 'rows-pending')
  })
  expect(JSON.parse(result.outputs['batch-ids']!)).toEqual(report.batchIds)
  return report
}

/** Each email of `fileSet` imported exactly once, and nothing else. */
function expectEachImportedOnce(fileSet: Record<string, string>): void {
  expectImportedOnce(sim(), Object.values(fileSet).flatMap(emailsOf))
}

const faultsInjected = (): string[] => sim().requests.flatMap((r) => (r.fault ? [r.fault] : []))

const FLAKY: [string, Fault][] = [
  ['HTTP 502 with an HTML page', { kind: 'http', status: 502, html: true }],
  ['HTTP 503 with an HTML page', { kind: 'http', status: 503, html: true }],
  ['HTTP 504 with an HTML page', { kind: 'http', status: 504, html: true }],
  ['a connection reset', { kind: 'reset' }],
  ['a truncated JSON body on a 200', { kind: 'truncated' }],
  ['an HTML body on a 200', { kind: 'nonJson' }],
  ['604 (request timed out)', { kind: 'code', code: '604' }],
  ['608 (API temporarily unavailable)', { kind: 'code', code: '608' }],
  ['611 (system error)', { kind: 'code', code: '611' }],
  ['615 (concurrent access limit)', { kind: 'code', code: '615' }]
]

describe('transient failures are retried within bounds', () => {
  it.each(FLAKY)('imports every row once through %s on submits and polls', async (_, value) => {
    const fileSet = files(2)
    fault('submit', value, 1, 2)
    fault('status', value, 2, 2)
    const result = await run(fileSet)
    expect(failureReasons(result)).toEqual([])
    expect(result.code).toBe(0)
    await expectAccounted(result, 8)
    expect(count(result, 'rows-imported')).toBe(8)
    expect(faultsInjected()).toHaveLength(4)
    expect(result.stdout).toMatch(/Marketo submit attempt 1 of 6 failed \(.+\); retrying in/)
    expect(result.stdout).toMatch(/Marketo status attempt 1 of 6 failed \(.+\); retrying in/)
    // Only a failure after the whole file was sent could have created a job: none here did.
    expect(sim().jobs.length).toBe(2)
    expectEachImportedOnce(fileSet)
  })

  it('retries the failure and warning downloads too', async () => {
    const fileSet = { 'a.csv': members('a', 3, ['Bad,a,a-bad@example.com,high', 'Odd,a,odd,1']) }
    fault('failures', { kind: 'http', status: 502, html: true })
    fault('warnings', { kind: 'reset' })
    const result = await run(fileSet, { 'max-failed-rows': '1' })
    expect(result.code).toBe(0)
    await expectAccounted(result, 5)
    expect(result.outputs).toMatchObject({ 'rows-failed': '1', 'rows-warned': '1' })
    expect(calls('failures')).toHaveLength(2)
    expect(calls('warnings')).toHaveLength(2)
    const report = await readReport<Report>(result)
    expect(report.parts[0]).toMatchObject({
      failuresFile: expect.stringMatching(/failures/),
      warningsFile: expect.stringMatching(/warnings/)
    })
  })

  it('waits for answers slower than usual (shorter than the request timeout)', async () => {
    const fileSet = files(2)
    fault('submit', { kind: 'delay', ms: 300 })
    fault('status', { kind: 'delay', ms: 300 }, 1, 2)
    const result = await run(fileSet)
    expect(result.code).toBe(0)
    await expectAccounted(result, 8)
    expect(count(result, 'rows-imported')).toBe(8)
    // A slow answer is an answer: nothing was sent twice.
    expect(calls('submit')).toHaveLength(2)
    expectEachImportedOnce(fileSet)
  })
})

describe('answers slower than the request timeout', () => {
  /** The action's wait for any answer, uploads included (contributors' knob). */
  const SHORT_TIMEOUT = { ...FAST_RETRIES, MARKETO_IMPORT_REQUEST_TIMEOUT_MS: '300' }
  const late: Fault = { kind: 'delay', ms: 1500 }

  it('asks again, and marks a part whose upload timed out as possibly sent twice', async () => {
    const fileSet = files(2)
    fault('submit', late)
    fault('status', late, 1, 2)
    const result = await runAction({ inputs: inputs(), files: fileSet, env: SHORT_TIMEOUT })
    expect(result.code).toBe(0)
    const report = await expectAccounted(result, 8)
    expect(count(result, 'rows-imported')).toBe(8)
    expect(result.stdout).toMatch(/Marketo status attempt 1 of 6 failed \(timeout: /)
    // The late submit did create its job: the part went in twice, and says so.
    expect(calls('submit')).toHaveLength(3)
    expect(sim().jobs).toHaveLength(3)
    expect(report.parts.map((p) => p.resubmittedAfterUncertainFailure)).toEqual([true, false])
  })

  it('stops with the batch ids open when the status never comes in time', async () => {
    fault('status', late, 1, Infinity)
    const result = await runAction({ inputs: inputs(), files: files(1), env: SHORT_TIMEOUT })
    expect(result.code).toBe(1)
    await expectAccounted(result, 4)
    expect(result.outputs).toMatchObject({ 'batch-ids': '[1040]', 'rows-pending': '4' })
    expect(failureReasons(result)).toEqual([
      expect.stringMatching(
        /^Reading the import job status failed \(timeout: no answer in time .*\)\. Marketo did not answer after 6 attempts.*batch ids 1040\): resume them with batch-ids$/
      )
    ])
    expect(calls('status')).toHaveLength(MAX_ATTEMPTS)
  })
})

describe('a failure that never ends stops the run with a clear error', () => {
  it.each(FLAKY.slice(0, 6))(
    'on every submit (%s): nothing more submitted, the attempts named',
    async (_, value) => {
      fault('submit', value, 1, Infinity)
      const result = await run(files(3))
      expect(result.code).toBe(1)
      await expectAccounted(result, 12)
      expect(result.outputs).toMatchObject({ 'rows-not-submitted': '12', 'batch-ids': '[]' })
      const reasons = failureReasons(result)
      expect(reasons).toHaveLength(1)
      expect(reasons[0]).toMatch(
        new RegExp(
          `^12 rows not submitted: Submitting the import job failed \\(.+\\)\\. Marketo did not ` +
            `answer after ${MAX_ATTEMPTS} attempts`
        )
      )
      // The first part used up its attempts; the others were not tried against a dead service.
      expect(calls('submit')).toHaveLength(MAX_ATTEMPTS)
      const report = await readReport<Report>(result)
      expect(report.parts.map((p) => p.status)).toEqual(Array(3).fill('NotSubmitted'))
      expect(report.stop).toMatchObject({ kind: 'error' })
    }
  )

  it('says a job may exist when every failure came after the whole file was sent', async () => {
    fault('submit', { kind: 'http', status: 502, html: true }, 1, Infinity)
    const result = await run(files(1))
    expect(result.code).toBe(1)
    const reasons = failureReasons(result)
    expect(reasons[0]).toMatch(/Marketo may have created a job for this part/)
    const report = await readReport<Report>(result)
    expect(report.parts[0]!.resubmittedAfterUncertainFailure).toBe(true)
  })

  it.each(FLAKY.slice(0, 6))(
    'on every status poll (%s): the run stops with the batch ids open',
    async (_, value) => {
      fault('status', value, 1, Infinity)
      const result = await run(files(2))
      expect(result.code).toBe(1)
      const report = await expectAccounted(result, 8)
      const batchIds = JSON.parse(result.outputs['batch-ids']!) as number[]
      expect(batchIds).toEqual([1040, 1041])
      expect(count(result, 'rows-pending')).toBe(8)
      expect(report.stop).toMatchObject({ kind: 'error' })
      const reasons = failureReasons(result)
      expect(reasons).toHaveLength(1)
      expect(reasons[0]).toMatch(
        new RegExp(
          `Reading the import job status failed \\(.+\\)\\. Marketo did not answer after ` +
            `${MAX_ATTEMPTS} attempts.*batch ids 1040,1041.*batch-ids`
        )
      )
      // The jobs were not given up as failed: Marketo imported them.
      await sim().waitForIdle()
      expect(sim().jobs.map((job) => job.status)).toEqual(['Complete', 'Complete'])
    }
  )
})

describe('access tokens', () => {
  it.each(['601', '602'])('renews the token on %s in the middle of polling', async (code) => {
    const fileSet = files(2)
    fault('status', { kind: 'code', code }, 2)
    const result = await run(fileSet)
    expect(result.code).toBe(0)
    await expectAccounted(result, 8)
    expect(calls('identity')).toHaveLength(2)
    expect(result.stdout).toContain(`Marketo rejected the access token (${code}); renewing it`)
    expectEachImportedOnce(fileSet)
  })

  it('gets a new token when the first one expires between the submit and the first poll', async () => {
    const fileSet = files(1)
    sim().onArrival((request, simulator) => {
      if (request.kind === 'status' && calls('status').length === 1) simulator.expireTokens()
    })
    const result = await run(fileSet)
    expect(result.code).toBe(0)
    await expectAccounted(result, 4)
    const [first, second] = calls('status')
    expect(first!.response.code).toBe('602')
    expect(second!.response.status).toBe(200)
    expect(second!.headers['authorization']).not.toBe(first!.headers['authorization'])
    expect(calls('identity')).toHaveLength(2)
    expectEachImportedOnce(fileSet)
  })

  it('stops with the advice when a fresh token is rejected too', async () => {
    fault('status', { kind: 'code', code: '601' }, 1, Infinity)
    const result = await run(files(1))
    expect(result.code).toBe(1)
    await expectAccounted(result, 4)
    expect(failureReasons(result).join('\n')).toMatch(
      /rejected an access token it had just issued.*batch ids 1040/
    )
    expect(calls('identity')).toHaveLength(2)
  })
})

describe('rate limits and the import queue', () => {
  it('backs off for the whole 606 window instead of hammering', async () => {
    const fileSet = files(1)
    fault('any', { kind: 'code', code: '606' }, 1, 3)
    fault('status', { kind: 'code', code: '606' }, 1, 2)
    const result = await run(fileSet)
    expect(result.code).toBe(0)
    await expectAccounted(result, 4)
    const rest = sim().requests.filter((r) => r.kind !== 'identity')
    const limited = rest.filter((r) => r.response.code === '606')
    expect(limited).toHaveLength(5)
    for (const answer of limited) {
      const next = rest[rest.indexOf(answer) + 1]!
      expect(next.arrivedAt - answer.answeredAt!).toBeGreaterThanOrEqual(RATE_WINDOW_MS)
    }
    expect(result.stdout).toMatch(/Marketo rate limit reached \(606\); waiting 0\.2 s/)
    expectEachImportedOnce(fileSet)
  })

  it("holds every call back when Marketo's own window fills up", async () => {
    await sim.restart({ rateLimit: { calls: 6, windowMs: RATE_WINDOW_MS } })
    const fileSet = files(8)
    const result = await run(fileSet)
    expect(result.code).toBe(0)
    await expectAccounted(result, 32)
    const rest = sim().requests.filter((r) => r.kind !== 'identity')
    const limited = rest.filter((r) => r.response.code === '606')
    expect(limited.length).toBeGreaterThan(0)
    for (const answer of limited) {
      // Calls already on the wire when the 606 came back arrive at once; no new call starts
      // until the window has passed.
      const early = rest.filter(
        (r) =>
          r.arrivedAt > answer.answeredAt! + 50 && r.arrivedAt < answer.answeredAt! + RATE_WINDOW_MS
      )
      expect(early).toEqual([])
    }
    expectEachImportedOnce(fileSet)
  })

  it('waits out a full import queue (1016) over many submits, then imports', async () => {
    const fileSet = files(2)
    const stretch = 10
    fault('submit', { kind: 'code', code: '1016' }, 1, stretch)
    const result = await run(fileSet)
    expect(result.code).toBe(0)
    await expectAccounted(result, 8)
    const submits = calls('submit')
    expect(submits).toHaveLength(stretch + 2)
    // Equal jitter: each wait at least half its ceiling, the ceiling doubling up to 60 s (scaled).
    for (let i = 1; i <= stretch; i++) {
      const ceiling = Math.min(QUEUE_WAIT_MS * 2 ** (i - 1), 60_000 * TIME_SCALE)
      const gap = submits[i]!.arrivedAt - submits[i - 1]!.answeredAt!
      expect(gap).toBeGreaterThanOrEqual(ceiling / 2 - 2)
    }
    expect(result.stdout).toContain("Marketo's import queue is full (1016); submitting again in")
    expectEachImportedOnce(fileSet)
  })

  it('stops at the timeout while the queue stays full, with the parts not submitted', async () => {
    fault('submit', { kind: 'code', code: '1016' }, 1, Infinity)
    const result = await run(files(2), { timeout: '0.02' })
    expect(result.code).toBe(1)
    await expectAccounted(result, 8)
    expect(result.outputs).toMatchObject({ 'rows-not-submitted': '8', 'batch-ids': '[]' })
    const reasons = failureReasons(result)
    expect(reasons[0]).toMatch(/^timeout of 1\.2 ?s reached with 0 jobs still open/)
    // Marketo answered 1016 every time: no job can exist, and the message must not say so.
    expect(reasons[1]).toMatch(/^8 rows not submitted: (not submitted: )?the timeout was reached$/)
    expect(reasons.join('\n')).not.toMatch(/may or may not/)
    expect(sim().jobs).toHaveLength(0)
  })
})

describe('errors that stop the run', () => {
  it('607 on a submit: stops submitting at once, finishes the open job, names the reset time', async () => {
    const fileSet = files(3)
    fault('submit', { kind: 'code', code: '607' }, 2)
    const result = await run(fileSet)
    expect(result.code).toBe(1)
    const report = await expectAccounted(result, 12)
    expect(result.outputs).toMatchObject({
      'rows-imported': '4',
      'rows-not-submitted': '8',
      'rows-pending': '0',
      'batch-ids': '[1040]'
    })
    expect(calls('submit')).toHaveLength(2)
    expect(report.parts.map((p) => p.status)).toEqual(['Complete', 'NotSubmitted', 'NotSubmitted'])
    const reasons = failureReasons(result)
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toMatch(
      /^8 rows not submitted: .*daily API quota is used up \(607\)\. It resets at midnight US Central \(America\/Chicago\), next at \d{4}-\d\d-\d\dT0[56]:00:00\.000Z/
    )
  })

  it('607 on the polls too: stops with the submitted batch ids open', async () => {
    sim().pauseProcessing()
    fault('submit', { kind: 'code', code: '607' }, 3, Infinity)
    fault('status', { kind: 'code', code: '607' }, 1, Infinity)
    const result = await run(files(3))
    expect(result.code).toBe(1)
    await expectAccounted(result, 12)
    expect(result.outputs).toMatchObject({
      'rows-not-submitted': '4',
      'rows-pending': '8',
      'batch-ids': '[1040,1041]'
    })
    const reasons = failureReasons(result).join('\n')
    expect(reasons).toMatch(/607.*batch ids 1040,1041/)
    expect(reasons).toMatch(/next at \d{4}-\d\d-\d\dT0[56]:00:00\.000Z/)
    // No call was spent on the quota after the first poll round that got 607.
    expect(calls('status').length).toBeLessThanOrEqual(2)
    expect(calls('status').every((r) => r.response.code === '607')).toBe(true)
  })

  it('603: stops with the role and IP allow-list hint', async () => {
    fault('submit', { kind: 'code', code: '603', message: 'Access denied' })
    const result = await run(files(3))
    expect(result.code).toBe(1)
    await expectAccounted(result, 12)
    expect(result.outputs['rows-not-submitted']).toBe('12')
    expect(calls('submit')).toHaveLength(1)
    const reasons = failureReasons(result)
    expect(reasons).toHaveLength(1)
    expect(reasons[0]).toMatch(/Marketo denied access \(603\).*role.*IP allow-list/)
  })

  // Marketo's own answers to the submit: the instance checks, which would stop first, are off.
  it('1013 (no such program): stops before submitting more, with the fix', async () => {
    const result = await run(files(3), { 'program-id': '9999', 'check-instance': 'false' })
    expect(result.code).toBe(1)
    await expectAccounted(result, 12)
    expect(calls('submit')).toHaveLength(1)
    expect(failureReasons(result)[0]).toMatch(
      /^12 rows not submitted: .*\(1013.*program-id is the id in the program's URL/
    )
  })

  it('1025 (no such status): stops before submitting more, with the fix', async () => {
    const result = await run(files(3), {
      'program-member-status': 'Onlist',
      'check-instance': 'false'
    })
    expect(result.code).toBe(1)
    await expectAccounted(result, 12)
    expect(calls('submit')).toHaveLength(1)
    expect(failureReasons(result)[0]).toMatch(
      /^12 rows not submitted: .*\(1025.*must be a status of this program's channel/
    )
  })
})

describe('jobs that do not end', () => {
  it('a job stuck in Queued: the timeout ends the run with its batch id', async () => {
    const fileSet = files(2)
    fault('submit', { kind: 'stuck' })
    const result = await run(fileSet, { timeout: '0.02' })
    expect(result.code).toBe(1)
    const report = await expectAccounted(result, 8)
    expect(result.outputs).toMatchObject({
      'batch-ids': '[1040,1041]',
      'rows-imported': '4',
      'rows-pending': '4'
    })
    expect(report.parts.map((p) => p.status)).toEqual(['Queued', 'Complete'])
    expect(report.stop).toMatchObject({ kind: 'timeout' })
    expect(failureReasons(result)).toEqual([
      'timeout of 1.2s reached with 1 job still open (batch ids 1040): resume them with batch-ids'
    ])
  })
})

describe('a submit whose connection broke after the upload was sent', () => {
  it('is resubmitted and marked in the log and report', async () => {
    const fileSet = files(2)
    fault('submit', { kind: 'resetAfterAccept' })
    const result = await run(fileSet)
    expect(result.code).toBe(0)
    const report = await expectAccounted(result, 8)
    expect(count(result, 'rows-imported')).toBe(8)
    expect(result.stdout).toMatch(
      /Submitted a\.csv: batch 1041, 4 rows, Queued \(resubmitted after an uncertain failure; a duplicate job may exist\)/
    )
    expect(report.parts.map((p) => p.resubmittedAfterUncertainFailure)).toEqual([true, false])
    expect(result.summary).toContain('resubmitted after an uncertain failure')
    // Marketo did create the first job: the part went in twice, which upserting makes harmless.
    await sim().waitForIdle()
    const imported = sim().importedEmails('1001')
    for (const email of emailsOf(fileSet['a.csv']!)) expect(imported.get(email)).toBe(2)
    for (const email of emailsOf(fileSet['b.csv']!)) expect(imported.get(email)).toBe(1)
  })

  it('says a job may exist when the attempts run out', async () => {
    fault('submit', { kind: 'resetAfterAccept' }, 1, Infinity)
    const result = await run(files(1))
    expect(result.code).toBe(1)
    const report = await expectAccounted(result, 4)
    expect(result.outputs['rows-not-submitted']).toBe('4')
    expect(report.parts[0]).toMatchObject({
      status: 'NotSubmitted',
      resubmittedAfterUncertainFailure: true,
      message: expect.stringMatching(/Marketo may have created a job for this part/)
    })
    expect(sim().jobs).toHaveLength(MAX_ATTEMPTS)
  })
})
