import { describe, expect, it } from '@jest/globals'
import { runImportJobs, type SchedulerOptions } from '../src/jobs/scheduler.js'
import { FakeMarketo, fakeSchedulerOptions, listParts } from '../testkit/fake-marketo.js'
import { VirtualTime } from '../testkit/virtual-time.js'

const SECOND = 1000

function setup(
  overrides: Partial<SchedulerOptions> = {},
  durationMs = (_i: number) => 10 * SECOND
) {
  const time = new VirtualTime()
  const marketo = new FakeMarketo(time.clock, (_request, index) => durationMs(index))
  const progress: string[] = []
  const options: SchedulerOptions = {
    ...fakeSchedulerOptions(time, (snapshot) => progress.push(JSON.stringify(snapshot))),
    ...overrides
  }
  return { time, marketo, options, progress }
}

describe('runImportJobs', () => {
  it('imports every part once and returns results in part order', async () => {
    const { time, marketo, options } = setup()
    const input = listParts(7)
    const outcome = await time.run(runImportJobs(input, marketo, options))
    expect(outcome.stop).toBeUndefined()
    expect(outcome.results.map((r) => r.part.displayPath)).toEqual(input.map((p) => p.displayPath))
    expect(outcome.results.every((r) => r.outcome === 'Complete' && r.imported === 100)).toBe(true)
    expect(new Set(outcome.results.map((r) => r.batchId)).size).toBe(7)
    expect(marketo.jobs).toHaveLength(7)
  })

  it('never keeps more than max-concurrent-jobs open, and overlaps them', async () => {
    const { time, marketo, options } = setup({ maxConcurrentJobs: 3 })
    await time.run(runImportJobs(listParts(14), marketo, options))
    expect(marketo.maxOpenSeen).toBeLessThanOrEqual(3)
    expect(marketo.maxOpenSeen).toBeGreaterThan(1)
  })

  it('backs off polls of one long job from poll-interval to max-poll-interval', async () => {
    const { time, marketo, options } = setup({}, () => 60 * SECOND)
    const outcome = await time.run(runImportJobs(listParts(1), marketo, options))
    // Polls at 5, 12.5, 23.75, 40.6 and 65.9 s: 5 calls instead of 12 at a fixed 5 s.
    expect(marketo.statusCalls).toBe(5)
    const result = outcome.results[0]!
    expect(result.endedAt! - result.submittedAt!).toBeLessThan(60 * SECOND + 30 * SECOND)
  })

  it('polls a job at the end predicted from the rows per second of jobs that ended', async () => {
    // One job at a time, 10 rows per second: 3 min jobs of 1800 rows.
    const { time, marketo, options } = setup({ maxConcurrentJobs: 1 }, () => 180 * SECOND)
    const parts = listParts(3, 1800)
    const outcome = await time.run(runImportJobs(parts, marketo, options))
    const calls = marketo.jobs.map((job) => job.batchId)
    expect(calls).toHaveLength(3)
    const statusCallsFirst = 10 // 5, 12.5, 23.75, 40.6, 65.9 s, then every 30 s to 185.9 s
    // The later jobs: one poll that sees Importing, one just after the predicted end, and at
    // most a short back-off when the forecast falls a little early.
    expect(marketo.statusCalls).toBeLessThanOrEqual(statusCallsFirst + 2 * 4)
    for (const [i, result] of outcome.results.entries()) {
      const job = marketo.jobs[i]!
      expect(result.endedAt! - job.end).toBeLessThanOrEqual(30 * SECOND)
      if (i > 0) expect(result.endedAt! - job.end).toBeLessThanOrEqual(10 * SECOND)
    }
  })

  it('lands its polls on the ends of 20 parts of 1 to 5 minutes at about 4 calls per job', async () => {
    const seconds = (i: number) => 60 + ((i * 7) % 9) * 30
    const { time, marketo, options } = setup({}, (i) => seconds(i) * SECOND)
    // 100 rows per second, each part off by up to 4 %.
    const parts = listParts(20).map((part, i) => {
      const rows = Math.round(seconds(i) * 100 * (1 + (((i * 5) % 9) - 4) / 100))
      return { ...part, rows, bytes: rows, byteEnd: rows }
    })
    const start = time.clock.now()
    const outcome = await time.run(runImportJobs(parts, marketo, options))
    expect(outcome.results.every((r) => r.outcome === 'Complete')).toBe(true)
    expect((marketo.statusCalls + marketo.jobs.length) / 20).toBeLessThanOrEqual(4)
    const lags = outcome.results.map((r, i) => r.endedAt! - marketo.jobs[i]!.end)
    // Never later than the back-off alone could be: max-poll-interval after the end.
    expect(Math.max(...lags)).toBeLessThanOrEqual(30 * SECOND)
    expect(time.clock.now() - start).toBeLessThanOrEqual(1.05 * marketo.idealMakespan(start))
  })

  it('submits a part that carries its own target into that program and status', async () => {
    const { time, marketo, options } = setup()
    const [first, second] = listParts(2)
    const parts = [
      { ...first!, target: { programId: '2002', programMemberStatus: 'Attended' } },
      second!
    ]
    await time.run(runImportJobs(parts, marketo, options))
    expect(
      marketo.jobs.map((job) => [job.request.programId, job.request.programMemberStatus])
    ).toEqual([
      ['2002', 'Attended'],
      ['1001', 'On List']
    ])
  })

  it('polls only the jobs that can have changed and stays near the ideal schedule', async () => {
    const { time, marketo, options } = setup(
      { maxConcurrentJobs: 10 },
      (i) => (5 + (i % 4) * 7) * SECOND
    )
    const start = time.clock.now()
    await time.run(runImportJobs(listParts(20), marketo, options))
    const wall = time.clock.now() - start
    const ideal = marketo.idealMakespan(start)
    expect(wall).toBeLessThanOrEqual(1.2 * ideal + 30 * SECOND)
    // A fixed 5 s poll of every open job would cost far more than 4 calls per job.
    expect(marketo.statusCalls / 20).toBeLessThan(4)
  })

  it('stops at the deadline, leaving open jobs as they are and the rest not submitted', async () => {
    const { time, marketo, options } = setup({ maxConcurrentJobs: 2 })
    marketo.stuckJobs.add(0)
    marketo.stuckJobs.add(1)
    options.deadline = time.clock.now() + 120 * SECOND
    const outcome = await time.run(runImportJobs(listParts(4), marketo, options))
    expect(outcome.stop?.kind).toBe('timeout')
    expect(outcome.results.map((r) => r.outcome)).toEqual([
      'Queued',
      'Queued',
      'NotSubmitted',
      'NotSubmitted'
    ])
    expect(outcome.results[2]!.message).toBe('not submitted: the timeout was reached')
    expect(outcome.results[0]!.batchId).toBe(1040)
  })

  it('stops submitting after an error that stops the run, and finishes the open jobs', async () => {
    const { time, marketo, options } = setup({ maxConcurrentJobs: 3 }, (i) => (i + 1) * 30 * SECOND)
    marketo.submitError = (_request, index) =>
      index === 2
        ? Object.assign(new Error('607 Daily quota reached'), { stopsRun: true })
        : undefined
    const outcome = await time.run(runImportJobs(listParts(5), marketo, options))
    expect(outcome.stop).toEqual({ kind: 'error', message: '607 Daily quota reached' })
    expect(outcome.results.map((r) => r.outcome)).toEqual([
      'Complete',
      'Complete',
      'NotSubmitted',
      'NotSubmitted',
      'NotSubmitted'
    ])
    expect(outcome.results[2]!.message).toBe('607 Daily quota reached')
    expect(outcome.results[4]!.message).toBe('not submitted: 607 Daily quota reached')
    // Both jobs were already in Marketo when the error came (3 may be open): polled to their end.
    expect(marketo.jobs).toHaveLength(2)
  })

  it('keeps going after an error that concerns one part only', async () => {
    const { time, marketo, options } = setup()
    marketo.submitError = (_request, index) =>
      index === 0 ? new Error('1003 Empty file') : undefined
    const outcome = await time.run(runImportJobs(listParts(3), marketo, options))
    expect(outcome.stop).toBeUndefined()
    expect(outcome.results.map((r) => r.outcome)).toEqual(['NotSubmitted', 'Complete', 'Complete'])
  })

  it('stops at once when cancelled', async () => {
    const { time, marketo, options } = setup({ maxConcurrentJobs: 1 })
    const controller = new AbortController()
    options.controller = controller
    const run = runImportJobs(listParts(3), marketo, options)
    setImmediate(() => controller.abort())
    const outcome = await time.run(run)
    expect(outcome.stop?.kind).toBe('cancelled')
    expect(
      outcome.results.filter((r) => r.outcome === 'NotSubmitted').length
    ).toBeGreaterThanOrEqual(2)
  })

  it('stops submitting once Marketo kept failing a submit through every retry', async () => {
    const { time, marketo, options } = setup({ maxConcurrentJobs: 3 })
    const exhausted =
      'Submitting the import job failed (HTTP 502). Marketo did not answer after 6 attempts'
    marketo.submitError = (_request, index) =>
      index === 1 ? Object.assign(new Error(exhausted), { retriesExhausted: true }) : undefined
    const outcome = await time.run(runImportJobs(listParts(4), marketo, options))
    expect(outcome.stop).toEqual({ kind: 'error', message: exhausted })
    expect(outcome.results.map((r) => r.outcome)).toEqual([
      'Complete',
      'NotSubmitted',
      'NotSubmitted',
      'NotSubmitted'
    ])
    expect(outcome.results[1]!.message).toBe(exhausted)
    expect(outcome.results[3]!.message).toBe(`not submitted: ${exhausted}`)
    // Not tried against a service that does not answer: one failed submit, not three.
    expect(marketo.jobs).toHaveLength(1)
  })

  it('keeps the count of uploads that may have created a job on a part not submitted', async () => {
    const { time, marketo, options } = setup()
    marketo.submitError = (_request, index) =>
      index === 0
        ? Object.assign(new Error('gave up'), { retriesExhausted: true, uncertainAttempts: 2 })
        : undefined
    const outcome = await time.run(runImportJobs(listParts(1), marketo, options))
    expect(outcome.results[0]).toMatchObject({ outcome: 'NotSubmitted', uncertainResubmits: 2 })
  })

  it('leaves jobs open, not Failed, when their status cannot be read through every retry', async () => {
    const { time, marketo, options } = setup({ maxConcurrentJobs: 2 })
    const exhausted = 'Reading the import job status failed (ECONNRESET). Marketo did not answer'
    marketo.statusError = () => Object.assign(new Error(exhausted), { retriesExhausted: true })
    const outcome = await time.run(runImportJobs(listParts(3), marketo, options))
    expect(outcome.stop).toEqual({ kind: 'error', message: exhausted })
    expect(outcome.results.map((r) => r.outcome)).toEqual(['Queued', 'Queued', 'NotSubmitted'])
    expect(outcome.results.map((r) => r.batchId)).toEqual([1040, 1041, undefined])
    // One round: both jobs were due together; nothing polled after the run stopped.
    expect(marketo.statusCalls).toBe(2)
  })

  it('still ends a job Failed on a status error that concerns that job only', async () => {
    const { time, marketo, options } = setup()
    marketo.statusError = (batchId) =>
      batchId === 1040 ? new Error('Marketo does not know this batch id (1013)') : undefined
    const outcome = await time.run(runImportJobs(listParts(2), marketo, options))
    expect(outcome.stop).toBeUndefined()
    expect(outcome.results.map((r) => r.outcome)).toEqual(['Failed', 'Complete'])
    expect(outcome.results[0]!.message).toMatch(/^status unavailable: /)
  })

  it('ends a call that outlives the deadline instead of waiting for it', async () => {
    const { time, options } = setup()
    const controller = new AbortController()
    options.controller = controller
    const started = time.clock.now()
    options.deadline = started + 60 * SECOND
    // A status call retrying through an outage for ten minutes, as the client would.
    const api = {
      submitImport: async () => ({
        batchId: 1040,
        importId: '1040',
        status: 'Queued' as const,
        uncertainAttempts: 0
      }),
      getImportStatus: async () => {
        await time.sleep(10 * 60 * SECOND, controller.signal)
        throw new Error('unreachable')
      }
    }
    const outcome = await time.run(runImportJobs(listParts(2), api, options))
    expect(outcome.stop?.kind).toBe('timeout')
    expect(time.clock.now() - started).toBe(60 * SECOND)
    expect(outcome.results.map((r) => r.outcome)).toEqual(['Queued', 'Queued'])
  })

  it.each([
    [false, 'not submitted: the timeout was reached', 0],
    [
      true,
      'the timeout was reached while this part was being submitted; Marketo may or may not have created its job',
      1
    ]
  ])(
    'says whether a submit cut short by the deadline may have created a job (uncertain: %s)',
    async (uncertain, message, uncertainAttempts) => {
      const { time, options } = setup()
      const controller = new AbortController()
      options.controller = controller
      options.deadline = time.clock.now() + 60 * SECOND
      // A submit waiting for a queue slot (1016), as the client does, until the run stops.
      const api = {
        submitImport: async () => {
          try {
            await time.sleep(10 * 60 * SECOND, controller.signal)
          } catch (reason) {
            throw Object.assign(new Error(String(reason)), { uncertain, uncertainAttempts })
          }
          throw new Error('unreachable')
        },
        getImportStatus: async () => {
          throw new Error('nothing was submitted')
        }
      }
      const outcome = await time.run(runImportJobs(listParts(2), api, options))
      expect(outcome.stop?.kind).toBe('timeout')
      expect(outcome.results[0]).toMatchObject({
        outcome: 'NotSubmitted',
        message,
        uncertainResubmits: uncertainAttempts
      })
      expect(outcome.results[1]!.message).toBe('not submitted: the timeout was reached')
    }
  )

  it('logs progress once per poll round', async () => {
    const { time, marketo, options, progress } = setup({}, () => 10 * SECOND)
    await time.run(runImportJobs(listParts(2), marketo, options))
    const last = JSON.parse(progress.at(-1)!)
    expect(last).toMatchObject({ partsTotal: 2, partsEnded: 2, partsOpen: 0, rowsImported: 200 })
  })
})
