/**
 * Keeps the action inside the share of Marketo's limits Adobe advises for one integration:
 * at most `callsPerWindow` calls started in any `windowMs`, and `concurrent` in flight.
 */
import type { Clock, Sleep } from '../time.js'

export interface LimiterOptions {
  callsPerWindow: number
  windowMs: number
  concurrent: number
  clock: Clock
  sleep: Sleep
  signal?: AbortSignal
}

export const DEFAULT_LIMITS = { callsPerWindow: 50, windowMs: 20_000, concurrent: 5 } as const

interface Waiter {
  resolve: () => void
  reject: (reason: unknown) => void
}

export class CallLimiter {
  private readonly options: LimiterOptions
  /** Start times inside the current window, oldest first. */
  private readonly starts: number[] = []
  private readonly waiters: Waiter[] = []
  private inFlight = 0
  private pumping = false
  private heldUntil = 0
  private started = 0
  private delayed = 0

  constructor(options: LimiterOptions) {
    this.options = {
      ...options,
      callsPerWindow: Math.max(1, Math.floor(options.callsPerWindow)),
      concurrent: Math.max(1, Math.floor(options.concurrent))
    }
  }

  /** Calls started so far. */
  get calls(): number {
    return this.started
  }

  /** Times a call had to wait for the window (not for a concurrency slot). */
  get windowWaits(): number {
    return this.delayed
  }

  /** Starts no call before `time` (after Marketo answered 606, every caller should pause). */
  holdUntil(time: number): void {
    this.heldUntil = Math.max(this.heldUntil, time)
  }

  /** Runs `task` once the limits allow, counting it as one call. */
  async run<T>(task: () => Promise<T>): Promise<T> {
    await this.acquire()
    try {
      return await task()
    } finally {
      this.inFlight--
      void this.pump()
    }
  }

  private acquire(): Promise<void> {
    this.options.signal?.throwIfAborted()
    return new Promise<void>((resolve, reject) => {
      this.waiters.push({ resolve, reject })
      void this.pump()
    })
  }

  /** Grants slots in arrival order; only one pump runs, and it is the only one that sleeps. */
  private async pump(): Promise<void> {
    if (this.pumping) return
    this.pumping = true
    try {
      while (this.waiters.length > 0 && this.inFlight < this.options.concurrent) {
        const waitMs = this.waitBeforeNextStart()
        if (waitMs > 0) {
          this.delayed++
          await this.options.sleep(waitMs, this.options.signal)
          continue
        }
        const waiter = this.waiters.shift()
        if (!waiter) break
        this.inFlight++
        this.started++
        this.starts.push(this.options.clock.now())
        waiter.resolve()
      }
    } catch (reason) {
      for (const waiter of this.waiters.splice(0)) waiter.reject(reason)
    } finally {
      this.pumping = false
    }
  }

  private waitBeforeNextStart(): number {
    const { clock, windowMs, callsPerWindow } = this.options
    const now = clock.now()
    while (this.starts.length > 0 && (this.starts[0] ?? 0) <= now - windowMs) this.starts.shift()
    const oldest = this.starts[0]
    const windowWait =
      this.starts.length >= callsPerWindow && oldest !== undefined ? oldest + windowMs - now : 0
    return Math.max(windowWait, this.heldUntil - now, 0)
  }
}
