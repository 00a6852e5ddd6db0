/**
 * The scheduler's economy on a simulated clock: the real `runImportJobs` and the real call
 * limiter against the in-memory Marketo queue of the tests (first in, first out, 2 slots), so
 * minutes of Marketo time run in milliseconds and the figures do not depend on the machine.
 */
import { FakeMarketo, fakeSourceOf, listParts } from '../../testkit/fake-marketo.js'
import { VirtualTime } from '../../testkit/virtual-time.js'
import type { Part } from '../../src/files/types.js'
import { runImportJobs } from '../../src/jobs/scheduler.js'
import type { ImportApi, JobPart } from '../../src/jobs/types.js'
import { CallLimiter, DEFAULT_LIMITS } from '../../src/marketo/limiter.js'
import type { SubmitRequest } from '../../src/marketo/types.js'

const SECOND = 1000

export interface PollSettings {
  pollIntervalMs: number
  maxPollIntervalMs: number
  maxConcurrentJobs: number
}

/** The action's defaults: poll-interval 5, max-poll-interval 30, max-concurrent-jobs 5. */
export const DEFAULT_POLLING: PollSettings = {
  pollIntervalMs: 5 * SECOND,
  maxPollIntervalMs: 30 * SECOND,
  maxConcurrentJobs: 5
}

export interface ScheduleRun {
  jobs: number
  /** REST calls (submits and status polls); the run's one token request is not included. */
  calls: number
  callsPerJob: number
  /** From the first submit until the scheduler saw the last job end. */
  wallMs: number
  /** Every job submitted at once, first in first out on Marketo's 2 slots. */
  idealMs: number
  /** Most jobs this run had queued or importing at once. */
  maxOpen: number
  /** Mean time between a job's end in Marketo and the poll that saw it. */
  meanDetectionLagMs: number
  /** Programs the jobs imported into. */
  programs: number
}

/** The action's scheduler behind the action's call limiter (50 calls per 20 s, 5 at once). */
export async function runScheduler(
  durationsMs: number[],
  polling: PollSettings = DEFAULT_POLLING,
  parts: JobPart[] = partsOfRows(durationsMs.map(rowsFor)),
  endForecasts = true
): Promise<ScheduleRun> {
  const time = new VirtualTime()
  const marketo = new FakeMarketo(time.clock, (_request, index) => durationsMs[index] as number)
  const limiter = new CallLimiter({ ...DEFAULT_LIMITS, clock: time.clock, sleep: time.sleep })
  const api: ImportApi = {
    submitImport: (request) => limiter.run(() => marketo.submitImport(request)),
    getImportStatus: (batchId) => limiter.run(() => marketo.getImportStatus(batchId))
  }
  const start = time.clock.now()
  const outcome = await time.run(
    runImportJobs(parts, api, {
      programId: '1001',
      programMemberStatus: 'On List',
      ...polling,
      deadline: start + 24 * 3600 * SECOND,
      clock: time.clock,
      sleep: time.sleep,
      sourceOf: fakeSourceOf,
      endForecasts,
      log: { info: () => undefined, warning: () => undefined, progress: () => undefined }
    })
  )
  if (outcome.stop || outcome.results.some((r) => r.outcome !== 'Complete')) {
    throw new Error(`scheduler bench: the run did not complete (${outcome.stop?.message ?? ''})`)
  }
  const lags = outcome.results.map((result, i) => {
    const job = marketo.jobs.find((j) => j.batchId === result.batchId)
    if (!job) throw new Error(`scheduler bench: no job for part ${i + 1}`)
    return (result.endedAt as number) - job.end
  })
  return summarize(limiter.calls, time.clock.now() - start, marketo, start, lags)
}

/**
 * The baseline: every open job polled every `intervalMs`, the next part submitted as soon as a
 * poll saw one end, at most `maxConcurrentJobs` open.
 */
export async function runFixedPoll(
  durationsMs: number[],
  intervalMs = 5 * SECOND,
  maxConcurrentJobs = DEFAULT_POLLING.maxConcurrentJobs
): Promise<ScheduleRun> {
  const time = new VirtualTime()
  const marketo = new FakeMarketo(time.clock, (_request, index) => durationsMs[index] as number)
  const start = time.clock.now()
  const lags: number[] = []
  const work = async (): Promise<number> => {
    let calls = 0
    let next = 0
    const parts = listParts(durationsMs.length)
    const open: number[] = []
    const submitMore = async (): Promise<void> => {
      while (open.length < maxConcurrentJobs && next < durationsMs.length) {
        const request: SubmitRequest = {
          programId: '1001',
          programMemberStatus: 'On List',
          format: 'CSV',
          source: fakeSourceOf(parts[next] as Part)
        }
        next++
        calls++
        open.push((await marketo.submitImport(request)).batchId)
      }
    }
    await submitMore()
    while (open.length > 0) {
      await time.sleep(intervalMs)
      for (const batchId of [...open]) {
        calls++
        const status = await marketo.getImportStatus(batchId)
        if (status.status !== 'Complete') continue
        open.splice(open.indexOf(batchId), 1)
        const job = marketo.jobs.find((j) => j.batchId === batchId)
        lags.push(time.clock.now() - (job?.end ?? 0))
      }
      await submitMore()
    }
    return calls
  }
  const calls = await time.run(work())
  return summarize(calls, time.clock.now() - start, marketo, start, lags)
}

function summarize(
  calls: number,
  wallMs: number,
  marketo: FakeMarketo,
  start: number,
  lags: number[]
): ScheduleRun {
  const jobs = marketo.jobs.length
  return {
    jobs,
    calls,
    callsPerJob: calls / jobs,
    wallMs,
    idealMs: marketo.idealMakespan(start),
    maxOpen: marketo.maxOpenSeen,
    meanDetectionLagMs: lags.reduce((sum, lag) => sum + lag, 0) / Math.max(1, lags.length),
    programs: new Set(marketo.jobs.map((job) => job.request.programId)).size
  }
}

/** Marketo's pace in the bench: rows a job imports per second. */
export const ROWS_PER_SECOND = 100

/** The rows of a part Marketo takes `durationMs` over, at ROWS_PER_SECOND. */
export function rowsFor(durationMs: number): number {
  return Math.max(1, Math.round((durationMs / SECOND) * ROWS_PER_SECOND))
}

/** Single-part files of the given rows (FakeMarketo reads a part's byte length as its rows). */
export function partsOfRows(rows: number[]): Part[] {
  return listParts(rows.length).map((part, i) => {
    const count = rows[i] as number
    return { ...part, rows: count, bytes: count, byteEnd: count }
  })
}

/**
 * 20 parts of 1 to 5 minutes each (Marketo takes minutes for a 10 MB part), in a fixed
 * shuffled order. Each takes its rows at ROWS_PER_SECOND give or take up to 4 % (Marketo's pace
 * is not even), so forecasts made from the rows miss now and then.
 */
export function twentyPartDurations(): number[] {
  return Array.from({ length: 20 }, (_, i) => (60 + ((i * 7) % 9) * 30) * SECOND)
}

/** The rows of twentyPartDurations' parts: each duration's rows, off by the jitter above. */
export function twentyPartRows(): number[] {
  return twentyPartDurations().map((ms, i) => rowsFor(ms * (1 + (((i * 5) % 9) - 4) / 100)))
}

/** Time a GitHub runner takes to start a job before its first step. */
export const RUNNER_START_MS = 20 * SECOND

export interface ProgramsRun {
  programs: number
  /** One step: one runner start-up, then every program's part on one shared queue. */
  oneStepMs: number
  /** One matrix job per program, run one at a time, each with its runner start-up. */
  matrixMs: number
  /** Every part on Marketo's 2 slots back to back from the start. */
  idealMs: number
  oneStep: ScheduleRun
}

/**
 * `programs` programs with one file each, every job taking `jobMs`: the parts of all programs,
 * each carrying its own program as its import target, through one scheduler (as one step with
 * several imports runs them), against one scheduler run per program after a runner start-up
 * each (a matrix with max-parallel 1).
 */
export async function runPrograms(programs = 10, jobMs = 120 * SECOND): Promise<ProgramsRun> {
  const durations = Array.from({ length: programs }, () => jobMs)
  const parts = partsOfRows(durations.map(rowsFor)).map((part, i) => ({
    ...part,
    displayPath: `program-${1001 + i}.csv`,
    target: { programId: String(1001 + i), programMemberStatus: 'Attended' }
  }))
  const oneStep = await runScheduler(durations, DEFAULT_POLLING, parts)
  let matrixMs = 0
  for (const part of parts) {
    const job = await runScheduler([jobMs], DEFAULT_POLLING, [part])
    matrixMs += RUNNER_START_MS + job.wallMs
  }
  return {
    programs: oneStep.programs,
    oneStepMs: RUNNER_START_MS + oneStep.wallMs,
    matrixMs,
    idealMs: oneStep.idealMs,
    oneStep
  }
}
