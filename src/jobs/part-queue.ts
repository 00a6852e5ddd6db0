import type { JobPart } from './types.js'

/**
 * The parts of a run as they become ready: the checks add each file's parts once it passed, and
 * end the queue after the last file; the scheduler takes them in that order as its slots free up.
 * Adding never waits, so the checks of the next files go on however busy Marketo's queue is.
 */
export class PartQueue implements AsyncIterable<JobPart> {
  private readonly ready: JobPart[] = []
  private ended = false
  private wake: (() => void) | undefined

  add(parts: readonly JobPart[]): void {
    if (this.ended) throw new Error('PartQueue: add after end()')
    this.ready.push(...parts)
    this.notify()
  }

  /** No more parts will come. */
  end(): void {
    this.ended = true
    this.notify()
  }

  async *[Symbol.asyncIterator](): AsyncGenerator<JobPart> {
    for (let taken = 0; ;) {
      if (taken < this.ready.length) {
        yield this.ready[taken++] as JobPart
        continue
      }
      if (this.ended) return
      await new Promise<void>((resolve) => (this.wake = resolve))
    }
  }

  private notify(): void {
    const wake = this.wake
    this.wake = undefined
    wake?.()
  }
}

/**
 * Checks the files one after another and adds the parts of each file that passed to `queue` as
 * soon as it has: `check` gives them, or undefined for a file held back whole. The queue ends
 * after the last file, or when a check throws (the error is thrown on).
 */
export async function feedCheckedParts<F>(
  files: Iterable<F>,
  check: (file: F) => Promise<readonly JobPart[] | undefined>,
  queue: PartQueue
): Promise<void> {
  try {
    for (const file of files) {
      const parts = await check(file)
      if (parts !== undefined) queue.add(parts)
    }
  } finally {
    queue.end()
  }
}
