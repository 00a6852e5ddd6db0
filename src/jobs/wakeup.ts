import type { Clock, Sleep } from '../time.js'

/**
 * Lets the submitter and the poller wake each other: a job submitted, a job ended, the run
 * stopped. Every waiter wakes on the next `notify()`.
 */
export class Wakeup {
  private controller = new AbortController()

  notify(): void {
    this.controller.abort()
    this.controller = new AbortController()
  }

  /** Resolves on the next notify(). */
  wait(): Promise<void> {
    const { signal } = this.controller
    return new Promise((resolve) =>
      signal.addEventListener('abort', () => resolve(), { once: true })
    )
  }

  /** Resolves at clock time `until`, on the next notify(), or when `cancel` aborts. */
  async sleepUntil(until: number, clock: Clock, sleep: Sleep, cancel?: AbortSignal): Promise<void> {
    const signals = [this.controller.signal]
    if (cancel) signals.push(cancel)
    try {
      await sleep(Math.max(0, until - clock.now()), AbortSignal.any(signals))
    } catch (error) {
      if (!signals.some((signal) => signal.aborted)) throw error
    }
  }
}
