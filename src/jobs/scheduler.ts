import type { ImportJobStatus, UploadSource } from '../marketo/types.js'
import type { Part } from '../files/types.js'
import { describePart, isBatchPart } from './parts.js'
import type { Clock, Sleep } from '../time.js'
import { importRate, predictEnd, type EndedJobTiming } from './end-forecast.js'
import {
  aimAtForecast,
  firstPoll,
  MARKETO_PROCESSING_SLOTS,
  nextPoll,
  promoteToHead,
  type PolledJob,
  type PollTiming
} from './poll-plan.js'
import type { ImportApi, ImportTarget, JobPart, JobResult } from './types.js'
import { Wakeup } from './wakeup.js'
import { messageOf } from '../format.js'
import type { FailureTraits } from '../marketo/types.js'
import type { Log } from '../log.js'

export interface SchedulerOptions extends PollTiming, ImportTarget {
  /** Jobs this run keeps queued or importing at once. */
  maxConcurrentJobs: number
  /** Clock time after which nothing is submitted and open jobs are left as they are. */
  deadline: number
  clock: Clock
  sleep: Sleep
  /**
   * The run's stop switch, shared with the Marketo client so calls in flight end with the run.
   * Aborting it from outside cancels the run; the scheduler aborts it at the deadline or on an
   * error that stops the run.
   */
  controller?: AbortController
  sourceOf(part: Part): UploadSource
  /**
   * Called as soon as a part has its batch id (submitted, or resumed), with its result, which the
   * scheduler goes on updating: what a run killed from outside still knows.
   */
  onSubmitted?(result: JobResult): void
  /** Called once per job that ended (Complete or Failed); awaited before the run returns. */
  onJobEnded?(result: JobResult): Promise<void>
  log: SchedulerLog
  /**
   * Whether importing jobs are polled just after their forecast end (the default). `false` polls
   * by the back-off alone, as before forecasts: the benchmark runs both side by side.
   */
  endForecasts?: boolean
}

export interface SchedulerLog extends Pick<Log, 'info' | 'warning'> {
  /** One line per poll round. */
  progress(snapshot: ProgressSnapshot): void
}

export interface ProgressSnapshot {
  partsTotal: number
  partsEnded: number
  partsOpen: number
  partsWaiting: number
  rowsImported: number
  elapsedMs: number
}

/** Why the run stopped before every part ended, if it did. */
export interface RunStop {
  kind: 'timeout' | 'cancelled' | 'error'
  message: string
}

/**
 * The parts to import: all known at the start (an array), or arriving while the run goes on
 * (each file's parts once its checks passed), the source ending when no more will come.
 */
export type PartSource = Iterable<JobPart> | AsyncIterable<JobPart>

export interface ScheduleOutcome {
  /** One result per part, in the order the parts were given. */
  results: JobResult[]
  stop?: RunStop
}

interface OpenJob {
  result: JobResult
  poll: PolledJob
  /**
   * When the job began importing, as far as the run knows: the first poll that saw it
   * `Importing`, or the estimated end of the job ahead of it that ended (Marketo starts the next
   * queued job then). A poll that finds it still `Queued` clears it.
   */
  importingSince?: number
  /** Clock time of the last poll that saw it `Importing`. */
  lastImportingAt?: number
  /** Clock time it was last known queued: its submit, or a poll that found it `Queued`. */
  queuedAt: number
}

function traitsOf(error: unknown): FailureTraits {
  return typeof error === 'object' && error !== null ? (error as FailureTraits) : {}
}

/**
 * Whether the run must stop after `error`: an account-level problem, or Marketo not answering
 * through every retry (more calls would only fail the same way; open jobs can be resumed).
 */
function stopsTheRun(error: unknown): boolean {
  const traits = traitsOf(error)
  return traits.stopsRun === true || traits.retriesExhausted === true
}

/**
 * Moves parts through Marketo: keeps up to `maxConcurrentJobs` jobs open, submits the next part as
 * soon as one ends (and has arrived), polls open jobs with back-off, and stops at the deadline or
 * on cancel. It returns once the source has ended and every job it can follow has: the parts that
 * arrive after a stop are not submitted, with the reason.
 */
export async function runImportJobs(
  parts: PartSource,
  api: ImportApi,
  options: SchedulerOptions
): Promise<ScheduleOutcome> {
  const { clock } = options
  const startedAt = clock.now()
  const incoming = iteratorOf(parts)
  /** The parts arrived so far, each with its result (not submitted until it is). */
  const results: JobResult[] = []
  const arrive = async (): Promise<number | undefined> => {
    const next = await incoming.next()
    return next.done
      ? undefined
      : results.push(notSubmitted(next.value, next.value.held ?? 'not submitted')) - 1
  }
  // Parts from this index on were never tried: a stop says why in their results.
  let untried = 0
  const open: OpenJob[] = []
  // How long the jobs that ended took: what end forecasts are made from.
  const endedTimings: EndedJobTiming[] = []
  const endings: Promise<void>[] = []
  const wakeup = new Wakeup()
  let stop: RunStop | undefined
  // Set when submitting more cannot succeed (quota, permissions, program): open jobs still end.
  let submitBlocked: RunStop | undefined
  let submitting = true
  // Aborts calls in flight (a submit waiting out a full queue, a slow poll) once the run stops.
  const stopping = options.controller ?? new AbortController()

  const stopWith = (reason: RunStop): void => {
    if (!stop) stop = reason
    if (!stopping.signal.aborted) stopping.abort(new Error(reason.message))
    wakeup.notify()
  }
  const onAbort = (): void => stopWith({ kind: 'cancelled', message: 'the run was cancelled' })
  if (stopping.signal.aborted) onAbort()
  stopping.signal.addEventListener('abort', onAbort, { once: true })

  const timedOut = (): void => stopWith({ kind: 'timeout', message: 'the timeout was reached' })
  const checkDeadline = (): void => {
    if (clock.now() >= options.deadline) timedOut()
  }

  // The poller checks the deadline between calls; this ends a call that outlives it (a status
  // call retrying through an outage, a submit waiting for a queue slot).
  const finished = new AbortController()
  const deadlineWatch = options
    .sleep(
      Math.max(0, options.deadline - clock.now()),
      AbortSignal.any([finished.signal, stopping.signal])
    )
    .then(
      () => {
        if (!finished.signal.aborted) timedOut()
      },
      () => undefined
    )

  const submitter = async (): Promise<void> => {
    try {
      await submitAll()
      // Stopped: the parts still to come are accounted for as not submitted.
      for (let more = true; more;) more = (await arrive()) !== undefined
    } finally {
      submitting = false
      wakeup.notify()
    }
  }

  const submitAll = async (): Promise<void> => {
    for (;;) {
      while (!stop && open.length >= options.maxConcurrentJobs) await wakeup.wait()
      checkDeadline()
      if (stop || submitBlocked) return
      const index = await arrive()
      if (index === undefined) return
      // The wait for the part may have outlived the deadline.
      checkDeadline()
      if (stop || submitBlocked) return
      const part = (results[index] as JobResult).part
      // A held part keeps its reason, and is not submitted.
      if (part.held !== undefined) continue
      untried = index + 1
      try {
        // A batch resumed without its file is in Marketo already: it is only polled.
        const job = isBatchPart(part)
          ? { batchId: part.batchId, status: 'Queued', uncertainAttempts: 0 }
          : await api.submitImport({
              programId: part.target?.programId ?? options.programId,
              programMemberStatus: part.target?.programMemberStatus ?? options.programMemberStatus,
              format: part.format,
              source: options.sourceOf(part)
            })
        const result: JobResult = {
          part,
          outcome: 'Queued',
          batchId: job.batchId,
          imported: 0,
          failed: 0,
          warned: 0,
          message: '',
          uncertainResubmits: job.uncertainAttempts,
          submittedAt: clock.now()
        }
        results[index] = result
        options.onSubmitted?.(result)
        const head = open.length < MARKETO_PROCESSING_SLOTS
        open.push({ result, poll: firstPoll(clock.now(), head, options), queuedAt: clock.now() })
        options.log.info(
          isBatchPart(part)
            ? `Resuming batch ${job.batchId}`
            : `Submitted ${describePart(part)}: batch ${job.batchId}, ${part.rows} rows, ${job.status}` +
                (job.uncertainAttempts > 0
                  ? ` (resubmitted after an uncertain failure; a duplicate job may exist)`
                  : '')
        )
        wakeup.notify()
      } catch (error) {
        const traits = traitsOf(error)
        const uncertainAttempts = traits.uncertainAttempts ?? 0
        const stoppedBy = stop as RunStop | undefined // set by stopWith() from another task
        if (stoppedBy) {
          // Without word from the client, assume the upload may have gone through.
          const uncertain = traits.uncertain ?? true
          results[index] = notSubmitted(
            part,
            uncertain ? uncertainSubmit(stoppedBy) : `not submitted: ${stoppedBy.message}`,
            uncertainAttempts
          )
          return
        }
        const message = messageOf(error)
        results[index] = notSubmitted(part, message, uncertainAttempts)
        options.log.warning(`Not submitted: ${describePart(part)}: ${message}`)
        if (stopsTheRun(error)) submitBlocked = { kind: 'error', message }
      }
    }
  }

  const poller = async (): Promise<void> => {
    while (!stop && (submitting || open.length > 0)) {
      const due = nextDue(open)
      const until = Math.min(due ?? Number.POSITIVE_INFINITY, options.deadline)
      if (until > clock.now()) {
        await wakeup.sleepUntil(until, clock, options.sleep, stopping.signal)
        checkDeadline()
        continue
      }
      checkDeadline()
      if (stop) break
      await pollDueJobs()
      options.log.progress(snapshot())
    }
  }

  const pollDueJobs = async (): Promise<void> => {
    const now = clock.now()
    const due = open.filter((job) => job.poll.nextPollAt <= now)
    const polled = await Promise.all(
      due.map(async (job) => {
        try {
          return { job, status: await api.getImportStatus(job.result.batchId as number) }
        } catch (error) {
          return { job, error }
        }
      })
    )
    for (const { job, status, error } of polled) {
      if (stop) return
      if (error !== undefined) {
        const message = messageOf(error)
        // The job itself may well be fine: leave it open, to be resumed with its batch id.
        if (stopsTheRun(error)) {
          stopWith({ kind: 'error', message })
          return
        }
        end(job, { outcome: 'Failed', message: `status unavailable: ${message}` })
      } else if (status) {
        if (status.status === 'Complete' || status.status === 'Failed') end(job, fromStatus(status))
        else {
          job.result.outcome = status.status
          if (status.status === 'Importing') {
            // It began somewhere between the last time it was known queued and now.
            job.importingSince ??= (job.queuedAt + now) / 2
            job.lastImportingAt = now
          } else {
            job.importingSince = undefined
            job.lastImportingAt = undefined
            job.queuedAt = now
          }
        }
      }
    }
    rescheduleOpenJobs(due)
  }

  const end = (job: OpenJob, update: Partial<JobResult>): void => {
    Object.assign(job.result, update, { endedAt: clock.now() })
    open.splice(open.indexOf(job), 1)
    // The job that takes the freed slot started when this one ended, somewhere in the last wait.
    const endedAbout = endEstimate(job, clock.now())
    const next = open[MARKETO_PROCESSING_SLOTS - 1]
    if (endedAbout !== undefined && next && next.importingSince === undefined) {
      next.importingSince = endedAbout
    }
    const { result } = job
    // Only a job seen importing and then ended bounds its end on both sides.
    if (
      job.importingSince !== undefined &&
      job.lastImportingAt !== undefined &&
      !isBatchPart(result.part)
    ) {
      endedTimings.push({
        rows: result.part.rows,
        importingSince: job.importingSince,
        lastImportingAt: job.lastImportingAt,
        endSeenAt: clock.now()
      })
    }
    options.log.info(
      `${result.outcome === 'Complete' ? 'Finished' : 'Failed'}: ${describePart(result.part)}` +
        `, batch ${result.batchId}: ${result.message || result.outcome}`
    )
    if (options.onJobEnded) endings.push(options.onJobEnded(result))
    wakeup.notify()
  }

  const rescheduleOpenJobs = (polled: OpenJob[]): void => {
    const now = clock.now()
    const rate = options.endForecasts === false ? undefined : importRate(endedTimings)
    // While both oldest jobs were importing, every job behind them was still queued.
    const busyAt = slotsBusyAt(open.slice(0, MARKETO_PROCESSING_SLOTS))
    if (busyAt !== undefined) {
      for (const job of open.slice(MARKETO_PROCESSING_SLOTS)) {
        if (job.importingSince === undefined) job.queuedAt = Math.max(job.queuedAt, busyAt)
      }
    }
    open.forEach((job, position) => {
      const head = position < MARKETO_PROCESSING_SLOTS
      if (polled.includes(job)) job.poll = nextPoll(job.poll, now, head, options)
      else if (head) job.poll = promoteToHead(job.poll, now, options)
      // Found still queued after a forecast: aim again once it is seen importing.
      if (job.importingSince === undefined && job.poll.forecastEnd !== undefined) {
        job.poll = { nextPollAt: job.poll.nextPollAt, intervalMs: job.poll.intervalMs, head }
      }
      // Aimed once seen importing, and again after a miss with what the run knows by then.
      const aim = head && (job.poll.forecastEnd === undefined || polled.includes(job))
      const forecastEnd = aim ? forecastOf(job, rate) : undefined
      if (forecastEnd !== undefined) job.poll = aimAtForecast(job.poll, now, forecastEnd, options)
    })
    // A job behind the oldest ones cannot start before one of them ends: while one is predicted
    // to end later, its check waits until just after, when it is promoted anyway.
    const heads = open.slice(0, MARKETO_PROCESSING_SLOTS)
    const aimed = heads.filter((job) => job.poll.forecastEnd !== undefined)
    if (aimed.length === heads.length && aimed.length > 0) {
      const firstEnd = Math.min(...aimed.map((job) => job.poll.nextPollAt))
      for (const job of open.slice(MARKETO_PROCESSING_SLOTS)) {
        job.poll = {
          ...job.poll,
          nextPollAt: Math.max(job.poll.nextPollAt, firstEnd + options.pollIntervalMs)
        }
      }
    }
  }

  const snapshot = (): ProgressSnapshot => {
    const ended = results.filter((r) => r.outcome === 'Complete' || r.outcome === 'Failed')
    // The parts known so far: more may still arrive.
    return {
      partsTotal: results.length,
      partsEnded: ended.length,
      partsOpen: open.length,
      partsWaiting: results.length - ended.length - open.length,
      rowsImported: ended.reduce((sum, r) => sum + r.imported, 0),
      elapsedMs: clock.now() - startedAt
    }
  }

  try {
    await Promise.all([submitter(), poller()])
  } finally {
    finished.abort()
    await deadlineWatch
    stopping.signal.removeEventListener('abort', onAbort)
  }
  const stoppedBy = stop ?? submitBlocked
  if (stoppedBy) {
    for (const result of results.slice(untried)) {
      if (result.part.held === undefined) result.message = `not submitted: ${stoppedBy.message}`
    }
  }
  await Promise.all(endings)
  return stoppedBy ? { results, stop: stoppedBy } : { results }
}

function iteratorOf(parts: PartSource): AsyncIterator<JobPart> | Iterator<JobPart> {
  return Symbol.asyncIterator in parts
    ? parts[Symbol.asyncIterator]()
    : (parts as Iterable<JobPart>)[Symbol.iterator]()
}

function uncertainSubmit(stop: RunStop): string {
  return `${stop.message} while this part was being submitted; Marketo may or may not have created its job`
}

/** The last time every slot was known busy with one of `heads`, if the run knows one. */
function slotsBusyAt(heads: OpenJob[]): number | undefined {
  if (heads.length < MARKETO_PROCESSING_SLOTS) return undefined
  let from = Number.NEGATIVE_INFINITY
  let until = Number.POSITIVE_INFINITY
  for (const job of heads) {
    if (job.importingSince === undefined || job.lastImportingAt === undefined) return undefined
    from = Math.max(from, job.importingSince)
    until = Math.min(until, job.lastImportingAt)
  }
  return until >= from ? until : undefined
}

/**
 * About when a job that has just been seen ended did end: in the middle of the wait since it was
 * last seen importing or, when the poll aimed at its forecast was the first to see it, at the
 * forecast (it ended before that poll; the forecast is the run's best guess of when).
 */
function endEstimate(job: OpenJob, now: number): number | undefined {
  if (job.lastImportingAt !== undefined) return (job.lastImportingAt + now) / 2
  if (job.importingSince === undefined) return undefined
  return Math.min(job.poll.forecastEnd ?? now, now)
}

/** When an importing file part is predicted to end, once the run has a rate to go by. */
function forecastOf(job: OpenJob, rate: number | undefined): number | undefined {
  const { part } = job.result
  if (job.importingSince === undefined || isBatchPart(part)) return undefined
  return predictEnd(part.rows, job.importingSince, rate)
}

function nextDue(open: OpenJob[]): number | undefined {
  let due: number | undefined
  for (const job of open)
    if (due === undefined || job.poll.nextPollAt < due) due = job.poll.nextPollAt
  return due
}

function fromStatus(status: ImportJobStatus): Partial<JobResult> {
  return {
    outcome: status.status === 'Complete' ? 'Complete' : 'Failed',
    imported: status.numOfLeadsProcessed,
    failed: status.numOfRowsFailed,
    warned: status.numOfRowsWithWarning,
    message: status.message,
    ...(status.invalidCounts ? { invalidCounts: status.invalidCounts } : {})
  }
}

/** A part that never reached Marketo, and why. */
export function notSubmitted(part: JobPart, message: string, uncertainAttempts = 0): JobResult {
  return {
    part,
    outcome: 'NotSubmitted',
    imported: 0,
    failed: 0,
    warned: 0,
    message,
    uncertainResubmits: uncertainAttempts
  }
}

export { describePart }
