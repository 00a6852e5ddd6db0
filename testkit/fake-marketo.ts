import { Readable } from 'node:stream'
import type { Part } from '../src/files/types.js'
import type { SchedulerOptions } from '../src/jobs/scheduler.js'
import type { ImportApi } from '../src/jobs/types.js'
import type { ImportJobStatus, SubmitRequest, UploadSource } from '../src/marketo/types.js'
import type { Clock } from '../src/time.js'
import type { VirtualTime } from './virtual-time.js'

interface FakeJob {
  batchId: number
  request: SubmitRequest
  submittedAt: number
  durationMs: number
  start: number
  end: number
  stuck: boolean
}

/**
 * An in-memory Marketo import queue on an injected clock: first in, first out, two jobs at a
 * time. For scheduler tests; the real HTTP behaviour is the simulator's.
 */
export class FakeMarketo implements ImportApi {
  readonly jobs: FakeJob[] = []
  statusCalls = 0
  maxOpenSeen = 0
  submitError?: (request: SubmitRequest, index: number) => Error | undefined
  /** An error for a status call instead of the answer (`call` counts status calls from 0). */
  statusError?: (batchId: number, call: number) => Error | undefined
  stuckJobs = new Set<number>()
  private submits = 0

  constructor(
    private readonly clock: Clock,
    private readonly durationOf: (request: SubmitRequest, index: number) => number
  ) {}

  async submitImport(request: SubmitRequest): Promise<{
    batchId: number
    importId: string
    status: 'Queued'
    uncertainAttempts: number
  }> {
    const error = this.submitError?.(request, this.submits++)
    if (error) throw error
    const index = this.jobs.length
    const now = this.clock.now()
    const job: FakeJob = {
      batchId: 1040 + index,
      request,
      submittedAt: now,
      durationMs: this.durationOf(request, index),
      start: 0,
      end: 0,
      stuck: this.stuckJobs.has(index)
    }
    this.jobs.push(job)
    this.reschedule()
    const open = this.jobs.filter((j) => j.end > now).length
    this.maxOpenSeen = Math.max(this.maxOpenSeen, open)
    return {
      batchId: job.batchId,
      importId: String(job.batchId),
      status: 'Queued',
      uncertainAttempts: 0
    }
  }

  async getImportStatus(batchId: number): Promise<ImportJobStatus> {
    const error = this.statusError?.(batchId, this.statusCalls)
    this.statusCalls++
    if (error) throw error
    const job = this.jobs.find((j) => j.batchId === batchId)
    if (!job) throw new Error(`unknown batch ${batchId}`)
    const now = this.clock.now()
    const rows = job.request.source.byteLength
    const base = { batchId, importId: String(batchId), numOfRowsFailed: 0, numOfRowsWithWarning: 0 }
    if (now < job.start) return { ...base, status: 'Queued', numOfLeadsProcessed: 0, message: '' }
    if (now < job.end) return { ...base, status: 'Importing', numOfLeadsProcessed: 0, message: '' }
    return { ...base, status: 'Complete', numOfLeadsProcessed: rows, message: `${rows} imported` }
  }

  /** First in, first out on two slots, from each job's submit time. */
  private reschedule(): void {
    const slots = [0, 0]
    for (const job of this.jobs) {
      if (job.stuck) {
        job.start = job.end = Number.POSITIVE_INFINITY
        continue
      }
      slots.sort((a, b) => a - b)
      job.start = Math.max(job.submittedAt, slots[0] as number)
      job.end = job.start + job.durationMs
      slots[0] = job.end
    }
  }

  /** When the last job ends if every job had been submitted at time 0 (the ideal schedule). */
  idealMakespan(start: number): number {
    const slots = [start, start]
    for (const job of this.jobs) {
      slots.sort((a, b) => a - b)
      slots[0] = (slots[0] as number) + job.durationMs
    }
    return Math.max(...slots) - start
  }
}

/**
 * Single-part CSV files for scheduler runs. FakeMarketo reports a part's byte length as its
 * row count, so each part's bytes equal its rows.
 */
export function listParts(count: number, rows = 100): Part[] {
  return Array.from({ length: count }, (_, i) => ({
    path: `/data/list-${i + 1}.csv`,
    displayPath: `list-${i + 1}.csv`,
    format: 'CSV' as const,
    index: 1,
    count: 1,
    byteStart: 0,
    byteEnd: rows,
    bytes: rows,
    rows,
    firstLine: 2
  }))
}

/** The upload of a part for FakeMarketo: no bytes, and its rows as its byte length. */
export function fakeSourceOf(part: Part): UploadSource {
  return { filename: part.displayPath, byteLength: part.rows, open: () => Readable.from([]) }
}

/**
 * The scheduler's options of the scheduler tests: program 1001 as `On List`, 5 jobs at once,
 * polls from 5 s backing off to 30 s, an hour to go, on `time`'s clock, with `log`'s progress.
 */
export function fakeSchedulerOptions(
  time: VirtualTime,
  progress: SchedulerOptions['log']['progress'] = () => undefined
): SchedulerOptions {
  return {
    programId: '1001',
    programMemberStatus: 'On List',
    maxConcurrentJobs: 5,
    pollIntervalMs: 5 * 1000,
    maxPollIntervalMs: 30 * 1000,
    deadline: time.clock.now() + 60 * 60 * 1000,
    clock: time.clock,
    sleep: time.sleep,
    sourceOf: fakeSourceOf,
    log: { info: () => undefined, warning: () => undefined, progress }
  }
}
