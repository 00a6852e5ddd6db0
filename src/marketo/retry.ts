/** The one retry policy every Marketo call goes through. */
import type { Sleep } from '../time.js'
import { handlingFor, type Handling, type Operation } from './error-codes.js'
import { toApiError } from './errors.js'

export interface RetryPolicy {
  /**
   * Attempts in a row that fail in a way worth retrying (back-off, rate window), the first one
   * included; a 1016 (the import queue is full, so Marketo is up) starts a new count.
   */
  maxAttempts: number
  /** First back-off ceiling; it doubles each attempt. */
  baseDelayMs: number
  /** Largest back-off ceiling. */
  maxDelayMs: number
  /** Marketo's rate window (606: 100 calls per 20 s). */
  rateWindowMs: number
  /** First wait when the import queue is full (1016); it doubles each wait. */
  queueWaitMs: number
  /** Largest wait for the import queue. */
  maxQueueWaitMs: number
}

export const DEFAULT_RETRY_POLICY: Readonly<RetryPolicy> = {
  maxAttempts: 6,
  baseDelayMs: 1_000,
  maxDelayMs: 30_000,
  rateWindowMs: 20_000,
  queueWaitMs: 5_000,
  maxQueueWaitMs: 60_000
}

export function resolveRetryPolicy(overrides: Partial<RetryPolicy> = {}): RetryPolicy {
  const policy = { ...DEFAULT_RETRY_POLICY }
  for (const [key, value] of Object.entries(overrides) as [keyof RetryPolicy, unknown][]) {
    if (typeof value === 'number' && Number.isFinite(value) && value >= 0) policy[key] = value
  }
  policy.maxAttempts = Math.max(1, Math.floor(policy.maxAttempts))
  return policy
}

/** Full jitter: a uniform wait below an exponentially growing ceiling (`failures` from 1). */
export function backoffDelay(failures: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (failures - 1))
  return Math.round(ceiling * clampUnit(random()))
}

/** Wait out the rate window, plus a little jitter so parallel callers do not return together. */
export function rateWindowDelay(policy: RetryPolicy, random: () => number): number {
  return policy.rateWindowMs + Math.round(policy.baseDelayMs * clampUnit(random()))
}

/**
 * Equal jitter for the import queue (`waits` from 1): at least half the ceiling, because
 * resubmitting at once into a full queue only spends quota.
 */
export function queueDelay(waits: number, policy: RetryPolicy, random: () => number): number {
  const ceiling = Math.min(policy.maxQueueWaitMs, policy.queueWaitMs * 2 ** (waits - 1))
  return Math.round(ceiling / 2 + (ceiling / 2) * clampUnit(random()))
}

function clampUnit(value: number): number {
  return Number.isFinite(value) ? Math.min(1, Math.max(0, value)) : 0.5
}

/**
 * One failed attempt, before the policy decides whether it is final. `code` is a Marketo code,
 * 'HTTP <status>', or a transport code; `uncertain` means the request may have taken effect.
 */
export class AttemptFailure extends Error {
  readonly code: string
  readonly httpStatus?: number
  readonly uncertain: boolean

  constructor(
    code: string,
    message: string,
    options: { httpStatus?: number; uncertain?: boolean } = {}
  ) {
    super(message)
    this.name = 'AttemptFailure'
    this.code = code
    if (options.httpStatus !== undefined) this.httpStatus = options.httpStatus
    this.uncertain = options.uncertain ?? false
  }
}

export interface RetryEvent {
  operation: Operation
  /** The attempt that failed, from 1. */
  attempt: number
  failure: AttemptFailure
  handling: Exclude<Handling, 'fatal'>
  delayMs: number
}

export interface RetryOptions {
  operation: Operation
  policy: RetryPolicy
  random: () => number
  sleep: Sleep
  now: () => number
  signal?: AbortSignal
  /** Called before the next attempt; `reauth` events come with a zero delay. */
  onRetry?: (event: RetryEvent) => void
}

/**
 * Runs `attempt` until it succeeds, an `AttemptFailure` is fatal or out of attempts (then a
 * `MarketoApiError`), or the signal aborts (then the signal's reason). Other errors pass through.
 */
export async function withRetry<T>(
  options: RetryOptions,
  attempt: (attemptNumber: number) => Promise<T>
): Promise<T> {
  const { operation, policy, random, sleep, signal } = options
  // Failures in a row with no usable answer; a full queue (1016) is an answer and ends a streak.
  let retryableFailures = 0
  let queueWaits = 0
  let uncertainAttempts = 0
  let reauthenticated = false
  for (let attemptNumber = 1; ; attemptNumber++) {
    signal?.throwIfAborted()
    let failure: AttemptFailure
    try {
      return await attempt(attemptNumber)
    } catch (error) {
      if (signal?.aborted) throw signal.reason
      if (!(error instanceof AttemptFailure)) throw error
      failure = error
    }
    if (failure.uncertain) uncertainAttempts++
    const handling = handlingFor(failure.code, operation)
    // Marketo answered something other than a token rejection: the renewed token was accepted,
    // so a later 601/602 (a token expiring during a long wait for a queue slot) renews it again.
    if (handling !== 'reauth' && failure.httpStatus !== undefined) reauthenticated = false
    const giveUp = (retriesExhausted: boolean): never => {
      throw toApiError(
        { code: failure.code, message: failure.message, ...httpStatusOf(failure) },
        {
          operation,
          now: options.now(),
          attempts: attemptNumber,
          failuresInARow: retryableFailures,
          retriesExhausted,
          uncertainAttempts
        }
      )
    }
    let delayMs = 0
    switch (handling) {
      case 'fatal':
        return giveUp(false)
      case 'reauth':
        if (reauthenticated) return giveUp(false)
        reauthenticated = true
        break
      case 'queueFull':
        retryableFailures = 0
        queueWaits++
        delayMs = queueDelay(queueWaits, policy, random)
        break
      case 'backoff':
      case 'rateWindow':
        retryableFailures++
        if (retryableFailures >= policy.maxAttempts) return giveUp(true)
        delayMs =
          handling === 'backoff'
            ? backoffDelay(retryableFailures, policy, random)
            : rateWindowDelay(policy, random)
        break
    }
    options.onRetry?.({ operation, attempt: attemptNumber, failure, handling, delayMs })
    if (delayMs > 0) await sleep(delayMs, signal)
  }
}

function httpStatusOf(failure: AttemptFailure): { httpStatus?: number } {
  return failure.httpStatus !== undefined ? { httpStatus: failure.httpStatus } : {}
}
