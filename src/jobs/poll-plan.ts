/**
 * Which open jobs to poll, and when. Marketo runs an instance's import queue first in, first out,
 * two jobs at a time, so among this run's open jobs only the two oldest can be importing; the
 * others cannot end before one of those does. They are still checked now and then, in case
 * Marketo does not keep to its order.
 */

import { FORECAST_MARGIN_MS, FORECAST_MARGIN_SHARE } from './end-forecast.js'

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
  /** Predicted end the next poll is aimed at (see end-forecast.ts), once there is one. */
  forecastEnd?: number
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
  // A poll aimed at a predicted end missed: back off from poll-interval again, keeping the
  // forecast so the job is not re-aimed.
  if (job.forecastEnd !== undefined && job.intervalMs === 0) {
    return { ...pollAfter(now, timing.pollIntervalMs), forecastEnd: job.forecastEnd }
  }
  const intervalMs = job.head
    ? Math.min(
        Math.max(job.intervalMs, timing.pollIntervalMs) * BACK_OFF_FACTOR,
        timing.maxPollIntervalMs
      )
    : timing.pollIntervalMs
  return {
    nextPollAt: now + intervalMs,
    intervalMs,
    head,
    ...(job.forecastEnd !== undefined ? { forecastEnd: job.forecastEnd } : {})
  }
}

/**
 * The poll of an importing job aimed just after its predicted end (by a second and a small share
 * of the wait, as Marketo's pace is not even). An end already past (the job
 * is overdue) keeps the back-off as it is, so no wait exceeds max-poll-interval.
 */
export function aimAtForecast(
  job: PolledJob,
  now: number,
  forecastEnd: number,
  timing: PollTiming
): PolledJob {
  const at =
    forecastEnd + FORECAST_MARGIN_MS + FORECAST_MARGIN_SHARE * Math.max(0, forecastEnd - now)
  if (at <= now + timing.pollIntervalMs) return { ...job, forecastEnd }
  return { nextPollAt: at, intervalMs: 0, head: true, forecastEnd }
}

function pollAfter(now: number, intervalMs: number): PolledJob {
  return { nextPollAt: now + intervalMs, intervalMs, head: true }
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
