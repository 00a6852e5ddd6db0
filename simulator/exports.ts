/**
 * Bulk program member exports: created, enqueued (10 queued per instance, 2 processing), then
 * Completed with a file that streams the members as they were when the export started; a daily
 * export size limit (500 MB by default) refuses new enqueues once the day's files reach it.
 */
import { randomUUID } from 'node:crypto'
import type { Membership } from './members.js'

export type SimExportStatus =
  'Created' | 'Queued' | 'Processing' | 'Completed' | 'Cancelled' | 'Failed'

export const EXPORT_FIELDS = ['leadId', 'email', 'statusName', 'programId'] as const
export type ExportField = (typeof EXPORT_FIELDS)[number]

export interface SimExport {
  exportId: string
  programId: string
  statusNames: string[]
  fields: ExportField[]
  status: SimExportStatus
  createdAt: string
  queuedAt?: string
  startedAt?: string
  finishedAt?: string
  numberOfRecords?: number
  fileSize?: number
  /** The file's rows, fixed when the export started. */
  rows?: string[]
}

export interface ExportSettings {
  maxProcessing: number
  maxQueued: number
  dailyBytes: number
  /** How long an export stays Processing. */
  processingMs: number
}

export class ExportQueue {
  readonly exports: SimExport[] = []
  private readonly settings: ExportSettings
  private readonly membership: Membership
  private readonly timers = new Set<NodeJS.Timeout>()
  private bytesToday = 0

  constructor(settings: ExportSettings, membership: Membership) {
    this.settings = settings
    this.membership = membership
  }

  create(programId: string, statusNames: string[], fields: ExportField[]): SimExport {
    const created: SimExport = {
      exportId: randomUUID(),
      programId,
      statusNames,
      fields,
      status: 'Created',
      createdAt: new Date().toISOString()
    }
    this.exports.push(created)
    return created
  }

  find(exportId: string): SimExport | undefined {
    return this.exports.find((job) => job.exportId === exportId)
  }

  /** An error message when the export cannot be enqueued (Marketo's 1029), else undefined. */
  enqueue(job: SimExport): string | undefined {
    if (job.status !== 'Created') return 'Job already queued'
    const active = this.exports.filter((e) => e.status === 'Queued' || e.status === 'Processing')
    if (active.length >= this.settings.maxQueued) return 'Too many jobs in queue'
    if (this.bytesToday >= this.settings.dailyBytes) return 'Export daily quota exceeded'
    job.status = 'Queued'
    job.queuedAt = new Date().toISOString()
    this.pump()
    return undefined
  }

  cancel(job: SimExport): void {
    if (job.status === 'Completed' || job.status === 'Failed') return
    job.status = 'Cancelled'
    this.pump()
  }

  /** The file's chunks: header, then the rows. */
  *file(job: SimExport): Generator<Buffer> {
    yield Buffer.from(`${job.fields.join(',')}\n`)
    let block: string[] = []
    for (const row of job.rows ?? []) {
      block.push(row)
      if (block.length === 4096) {
        yield Buffer.from(`${block.join('\n')}\n`)
        block = []
      }
    }
    if (block.length > 0) yield Buffer.from(`${block.join('\n')}\n`)
  }

  stop(): void {
    for (const timer of this.timers) clearTimeout(timer)
    this.timers.clear()
  }

  private pump(): void {
    let processing = this.exports.filter((e) => e.status === 'Processing').length
    for (const job of this.exports) {
      if (processing >= this.settings.maxProcessing) return
      if (job.status !== 'Queued') continue
      this.start(job)
      processing++
    }
  }

  private start(job: SimExport): void {
    job.status = 'Processing'
    job.startedAt = new Date().toISOString()
    const rows: string[] = []
    let bytes = Buffer.byteLength(`${job.fields.join(',')}\n`)
    for (const member of this.membership.members(job.programId, job.statusNames)) {
      const values: Record<ExportField, string> = {
        leadId: String(member.leadId),
        email: member.email,
        statusName: member.status,
        programId: job.programId
      }
      const row = job.fields.map((field) => values[field]).join(',')
      rows.push(row)
      bytes += row.length + 1
    }
    const timer = setTimeout(() => {
      this.timers.delete(timer)
      if (job.status !== 'Processing') return
      job.rows = rows
      job.numberOfRecords = rows.length
      job.fileSize = bytes
      this.bytesToday += bytes
      job.status = 'Completed'
      job.finishedAt = new Date().toISOString()
      this.pump()
    }, this.settings.processingMs)
    this.timers.add(timer)
  }

  /** The status answer's record, as the spec's ExportResponse has it. */
  static statusOf(job: SimExport): Record<string, unknown> {
    const result: Record<string, unknown> = {
      exportId: job.exportId,
      format: 'CSV',
      status: job.status,
      createdAt: job.createdAt
    }
    if (job.queuedAt) result.queuedAt = job.queuedAt
    if (job.startedAt) result.startedAt = job.startedAt
    if (job.finishedAt) result.finishedAt = job.finishedAt
    if (job.status === 'Completed') {
      result.numberOfRecords = job.numberOfRecords
      result.fileSize = job.fileSize
    }
    return result
  }
}
