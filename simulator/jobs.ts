/** The instance-wide import queue: FIFO, a few jobs importing at once, row checks when a job runs. */
import { DELIMITERS, FILE_CONTENT_TYPES } from './delimited.js'
import type { SimFormat } from './delimited.js'
import { FAILURE_REASON_COLUMN, WARNING_REASON_COLUMN, checkRows, issueFile } from './rows.js'
import type { RowIssue } from './rows.js'

export type SimJobStatus = 'Queued' | 'Importing' | 'Complete' | 'Failed'

export interface SimJob {
  batchId: number
  importId: string
  programId: string
  programMemberStatus: string
  format: SimFormat
  filename: string
  status: SimJobStatus
  /** Data rows in the file (header and empty lines excluded). */
  rows: number
  numOfLeadsProcessed: number
  numOfRowsFailed: number
  numOfRowsWithWarning: number
  message: string
  content: Buffer
  createdAt: number
  startedAt?: number
  endedAt?: number
  /** Set once the job ends: the parsed header, failed and warned rows, imported emails. */
  header: string[]
  failures: RowIssue[]
  warnings: RowIssue[]
  importedEmails: string[]
  /** A scripted fault on this job: it ends Failed, or it never leaves Queued. */
  fault?: 'jobFails' | 'stuck'
  /** The upload was counted, not kept: every row imports, no emails are recorded. */
  countOnly?: boolean
  /** A scripted fault: text appended to its status messages, the reason of its failed and warned rows. */
  text?: { message?: string; reason?: string }
}

export interface QueueSettings {
  msPerRow: number
  jobOverheadMs: number
  queuedMs: number
  maxProcessing: number
  maxQueued: number
}

export interface NewJob {
  programId: string
  programMemberStatus: string
  format: SimFormat
  filename: string
  content: Buffer
  rows: number
  fault?: { kind: 'jobFails'; message?: string } | { kind: 'stuck' }
  countOnly?: boolean
  text?: SimJob['text']
}

export const FIRST_BATCH_ID = 1040
export const DEFAULT_JOB_FAILURE = 'Import failed: internal error'
const QUEUED_MESSAGE = 'Queued for processing'
const IMPORTING_MESSAGE = 'Import in progress'

export function completionMessage(imported: number, failed: number): string {
  const records = `${imported} records imported (${imported} members)`
  return failed === 0
    ? `Import succeeded, ${records}`
    : `Import completed with errors, ${records}, ${failed} failed`
}

export class ImportQueue {
  readonly jobs: SimJob[] = []
  private readonly settings: QueueSettings
  private readonly clock: () => number
  private readonly timers = new Set<NodeJS.Timeout>()
  private readonly failureMessages = new Map<number, string>()
  private wakeTimer: NodeJS.Timeout | undefined
  private idleWaiters: Array<() => void> = []
  private stopped = false
  private paused = false

  private readonly onComplete: (job: SimJob) => void

  /** `onComplete` sees each job that ends Complete (its imported rows become members). */
  constructor(
    settings: QueueSettings,
    clock: () => number = Date.now,
    onComplete: (job: SimJob) => void = () => undefined
  ) {
    this.settings = settings
    this.clock = clock
    this.onComplete = onComplete
  }

  /** Jobs Queued or Importing, stuck ones included: they hold a place in Marketo's queue. */
  get activeCount(): number {
    return this.jobs.filter((job) => job.status === 'Queued' || job.status === 'Importing').length
  }

  get isFull(): boolean {
    return this.activeCount >= this.settings.maxQueued
  }

  find(batchId: number): SimJob | undefined {
    return this.jobs.find((job) => job.batchId === batchId)
  }

  submit(newJob: NewJob): SimJob {
    const batchId = FIRST_BATCH_ID + this.jobs.length
    const job: SimJob = {
      batchId,
      importId: String(batchId),
      programId: newJob.programId,
      programMemberStatus: newJob.programMemberStatus,
      format: newJob.format,
      filename: newJob.filename,
      status: 'Queued',
      rows: newJob.rows,
      numOfLeadsProcessed: 0,
      numOfRowsFailed: 0,
      numOfRowsWithWarning: 0,
      message: QUEUED_MESSAGE,
      content: newJob.content,
      createdAt: this.clock(),
      header: [],
      failures: [],
      warnings: [],
      importedEmails: []
    }
    if (newJob.fault) job.fault = newJob.fault.kind
    if (newJob.countOnly) job.countOnly = true
    if (newJob.text) job.text = newJob.text
    if (newJob.fault?.kind === 'jobFails') {
      this.failureMessages.set(batchId, newJob.fault.message ?? DEFAULT_JOB_FAILURE)
    }
    this.jobs.push(job)
    this.pump()
    return job
  }

  /** The failures or warnings file, or undefined when the job has none (or has not ended). */
  issueFile(
    job: SimJob,
    which: 'failures' | 'warnings'
  ): { body: string; contentType: string } | undefined {
    const issues = which === 'failures' ? job.failures : job.warnings
    if (job.status !== 'Complete' || issues.length === 0) return undefined
    const column = which === 'failures' ? FAILURE_REASON_COLUMN : WARNING_REASON_COLUMN
    return {
      body: issueFile(job.header, issues, column, DELIMITERS[job.format]),
      contentType: FILE_CONTENT_TYPES[job.format]
    }
  }

  importedEmails(programId?: string): Map<string, number> {
    const counts = new Map<string, number>()
    for (const job of this.jobs) {
      if (job.status !== 'Complete') continue
      if (programId !== undefined && job.programId !== programId) continue
      for (const email of job.importedEmails) counts.set(email, (counts.get(email) ?? 0) + 1)
    }
    return counts
  }

  /** Idle: nothing Queued or Importing, stuck jobs aside (they never move). */
  get isIdle(): boolean {
    return !this.jobs.some(
      (job) => job.status === 'Importing' || (job.status === 'Queued' && job.fault !== 'stuck')
    )
  }

  waitForIdle(): Promise<void> {
    if (this.isIdle || this.stopped) return Promise.resolve()
    return new Promise((resolve) => this.idleWaiters.push(resolve))
  }

  /** No queued job starts until `resume()`; jobs already importing finish. */
  pause(): void {
    this.paused = true
  }

  resume(): void {
    this.paused = false
    this.pump()
  }

  stop(): void {
    this.stopped = true
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
    if (this.wakeTimer) clearTimeout(this.wakeTimer)
    this.wakeTimer = undefined
    this.releaseIdleWaiters()
  }

  private later(ms: number, action: () => void): NodeJS.Timeout {
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      action()
    }, ms)
    this.timers.add(timer)
    return timer
  }

  /** Starts queued jobs, oldest first, while a processing slot is free. */
  private pump(): void {
    if (this.stopped || this.paused) return
    let importing = this.jobs.filter((job) => job.status === 'Importing').length
    while (importing < this.settings.maxProcessing) {
      const next = this.jobs.find((job) => job.status === 'Queued' && job.fault !== 'stuck')
      if (!next) return
      const waitMs = next.createdAt + this.settings.queuedMs - this.clock()
      if (waitMs > 0) {
        if (this.wakeTimer) clearTimeout(this.wakeTimer)
        this.wakeTimer = setTimeout(() => {
          this.wakeTimer = undefined
          this.pump()
        }, waitMs)
        return
      }
      this.start(next)
      importing++
    }
  }

  private start(job: SimJob): void {
    job.status = 'Importing'
    job.message = IMPORTING_MESSAGE
    job.startedAt = this.clock()
    const durationMs = this.settings.jobOverheadMs + this.settings.msPerRow * job.rows
    this.later(durationMs, () => {
      this.finish(job)
      this.pump()
      if (this.isIdle) this.releaseIdleWaiters()
    })
  }

  private finish(job: SimJob): void {
    job.endedAt = this.clock()
    if (job.countOnly) {
      const failure = this.failureMessages.get(job.batchId)
      job.status = failure === undefined ? 'Complete' : 'Failed'
      job.numOfLeadsProcessed = failure === undefined ? job.rows : 0
      job.message = failure ?? completionMessage(job.rows, 0)
      return
    }
    const checked = checkRows(job.content.toString('utf8'), DELIMITERS[job.format])
    job.header = checked.header
    const failure = this.failureMessages.get(job.batchId) ?? checked.jobFailure
    if (failure !== undefined) {
      job.status = 'Failed'
      job.message = failure
      return
    }
    job.status = 'Complete'
    const reason = job.text?.reason
    job.failures = reason ? checked.failures.map((row) => ({ ...row, reason })) : checked.failures
    job.warnings = reason ? checked.warnings.map((row) => ({ ...row, reason })) : checked.warnings
    job.importedEmails = checked.importedEmails
    job.numOfLeadsProcessed = checked.imported
    job.numOfRowsFailed = checked.failures.length
    job.numOfRowsWithWarning = checked.warnings.length
    job.message = completionMessage(checked.imported, checked.failures.length)
    this.onComplete(job)
  }

  private releaseIdleWaiters(): void {
    const waiters = this.idleWaiters
    this.idleWaiters = []
    for (const resolve of waiters) resolve()
  }
}
