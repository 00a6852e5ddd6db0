/** Marketo's per-instance API limits: calls per sliding window (606) and calls in flight (615). */

export interface RateLimit {
  calls: number
  windowMs: number
}

export interface LimitError {
  code: '606' | '615'
  message: string
}

export class CallLimits {
  private readonly stamps: number[] = []
  private inFlight = 0
  private readonly rate: RateLimit
  private readonly maxConcurrent: number
  private readonly clock: () => number

  constructor(rate: RateLimit, maxConcurrent: number, clock: () => number = Date.now) {
    this.rate = rate
    this.maxConcurrent = maxConcurrent
    this.clock = clock
  }

  /**
   * Counts a call that just arrived and says which limit it breaks, if any. Every call counts,
   * the rejected ones too; the caller must call `leave()` once the call is answered or dropped.
   */
  arrive(): LimitError | undefined {
    const now = this.clock()
    while (this.stamps.length > 0 && (this.stamps[0] as number) <= now - this.rate.windowMs) {
      this.stamps.shift()
    }
    this.stamps.push(now)
    this.inFlight++
    if (this.stamps.length > this.rate.calls) {
      const seconds = this.rate.windowMs / 1000
      return {
        code: '606',
        message: `Max rate limit '${this.rate.calls}' exceeded with in '${seconds}' secs`
      }
    }
    if (this.inFlight > this.maxConcurrent) {
      return { code: '615', message: 'Concurrent access limit reached' }
    }
    return undefined
  }

  leave(): void {
    this.inFlight = Math.max(0, this.inFlight - 1)
  }

  get callsInFlight(): number {
    return this.inFlight
  }
}
