/**
 * Which open jobs to poll, and when. Marketo runs an instance's import queue first in, first out,
 * two jobs at a time, so among this run's open jobs only the two oldest can be importing; the
 * others cannot end before one of those does. They are still checked now and then, in case
 * Marketo does not keep to its order.
 */

/** Marketo processes at most this many import jobs of an instance at once. */
export const MARKETO_PROCESSING_SLOTS = 2

/** A job that is not among the oldest open ones is still checked this many max intervals apart. */
export const WATCH_INTERVAL_FACTOR = 4

const BACK_OFF_FACTOR = 1.5

export interface PollTiming {
  pollIntervalMs: number
  maxPollIntervalMs: number
}

export interface PolledJob {
  /** When the next status call is due (clock time). */
  nextPollAt: number
  /** The wait used for the last scheduling; grows by BACK_OFF_FACTOR up to the max. */
  intervalMs: number
  /** Whether the job was among the oldest open jobs when it was last scheduled. */
  head: boolean
}

/** The first poll of a job, scheduled when it is submitted. */
export function firstPoll(now: number, head: boolean, timing: PollTiming): PolledJob {
  const intervalMs = head ? timing.pollIntervalMs : watchIntervalMs(timing)
  return { nextPollAt: now + intervalMs, intervalMs, head }
}

/** The poll after one that found the job still open. */
export function nextPoll(
  job: PolledJob,
  now: number,
  head: boolean,
  timing: PollTiming
): PolledJob {
  if (!head) return { nextPollAt: now + watchIntervalMs(timing), intervalMs: 0, head }
  const intervalMs = job.head
    ? Math.min(
        Math.max(job.intervalMs, timing.pollIntervalMs) * BACK_OFF_FACTOR,
        timing.maxPollIntervalMs
      )
    : timing.pollIntervalMs
  return { nextPollAt: now + intervalMs, intervalMs, head }
}

/**
 * A job that has just become one of the oldest open jobs (one ahead of it ended) may start at
 * once: bring its poll forward to the normal first interval.
 */
export function promoteToHead(job: PolledJob, now: number, timing: PollTiming): PolledJob {
  if (job.head) return job
  const nextPollAt = Math.min(job.nextPollAt, now + timing.pollIntervalMs)
  return { nextPollAt, intervalMs: timing.pollIntervalMs, head: true }
}

export function watchIntervalMs(timing: PollTiming): number {
  return timing.maxPollIntervalMs * WATCH_INTERVAL_FACTOR
}
