import type { Clock, Sleep } from '../src/time.js'

interface Timer {
  at: number
  seq: number
  resolve: () => void
}

/**
 * A clock and sleep for tests: time only moves when every pending promise has settled, and then
 * jumps to the earliest sleeper. Waits of minutes run in milliseconds, in a deterministic order.
 */
export class VirtualTime {
  private nowMs: number
  private timers: Timer[] = []
  private seq = 0

  constructor(start = Date.UTC(2026, 0, 1)) {
    this.nowMs = start
  }

  readonly clock: Clock = { now: () => this.nowMs }

  readonly sleep: Sleep = (ms, signal) =>
    new Promise<void>((resolve, reject) => {
      if (signal?.aborted) {
        reject(signal.reason)
        return
      }
      const timer: Timer = { at: this.nowMs + Math.max(0, ms), seq: this.seq++, resolve }
      const onAbort = (): void => {
        this.timers = this.timers.filter((t) => t !== timer)
        reject(signal?.reason)
      }
      timer.resolve = () => {
        signal?.removeEventListener('abort', onAbort)
        resolve()
      }
      signal?.addEventListener('abort', onAbort, { once: true })
      this.timers.push(timer)
    })

  /** Runs `work` to the end, advancing time whenever nothing else can happen. */
  async run<T>(work: Promise<T>, maxSteps = 1_000_000): Promise<T> {
    let done = false
    const settled = work.finally(() => {
      done = true
    })
    settled.catch(() => undefined)
    for (let step = 0; !done; step++) {
      if (step > maxSteps) throw new Error('virtual time: too many steps')
      await idle()
      if (done) break
      this.timers.sort((a, b) => a.at - b.at || a.seq - b.seq)
      const next = this.timers.shift()
      if (!next) {
        await idle()
        if (!done) throw new Error('virtual time: deadlock, nothing is sleeping')
        break
      }
      this.nowMs = Math.max(this.nowMs, next.at)
      next.resolve()
    }
    return settled
  }

  advance(ms: number): void {
    this.nowMs += ms
  }
}

/** Lets every queued promise callback and immediate run. */
async function idle(): Promise<void> {
  for (let i = 0; i < 5; i++) await new Promise((resolve) => setImmediate(resolve))
}
