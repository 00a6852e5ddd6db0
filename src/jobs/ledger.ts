import { notSubmitted, type ScheduleOutcome } from './scheduler.js'
import type { JobPart, JobResult } from './types.js'

/**
 * What the import stage knows of each job as it goes: the results of the parts submitted so far
 * (the scheduler keeps updating them). When a run breaks off, its report is built from this.
 */
export class JobLedger {
  private readonly submitted = new Map<JobPart, JobResult>()

  private readonly parts: JobPart[]

  constructor(parts: readonly JobPart[]) {
    this.parts = [...parts]
  }

  /** Parts that arrived after the start (a file's, once its checks passed). */
  add(parts: readonly JobPart[]): void {
    this.parts.push(...parts)
  }

  record(result: JobResult): void {
    this.submitted.set(result.part, result)
  }

  /** Batch ids in submit order. */
  batchIds(): number[] {
    return [...this.submitted.values()].flatMap((result) =>
      result.batchId === undefined ? [] : [result.batchId]
    )
  }

  /** The outcome as far as it is known when the run broke off for `reason`. */
  outcomeSoFar(reason: string): ScheduleOutcome {
    const results = this.parts.map(
      (part) =>
        this.submitted.get(part) ?? notSubmitted(part, part.held ?? `not submitted: ${reason}`)
    )
    return { results, stop: { kind: 'error', message: reason } }
  }
}
