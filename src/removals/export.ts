/**
 * One bulk program member export, start to file: create, enqueue, poll the status (backing off
 * from poll-interval to max-poll-interval), then stream the file to disk.
 */
import type { MemberExport } from '../marketo/members.js'
import type { Clock, Sleep } from '../time.js'

export interface ExportApi {
  createMemberExport(programId: string, statusNames: string[]): Promise<MemberExport>
  enqueueMemberExport(exportId: string): Promise<MemberExport>
  getMemberExportStatus(exportId: string): Promise<MemberExport>
  downloadMemberExport(exportId: string, destinationPath: string): Promise<boolean>
}

export interface ExportOptions {
  programId: string
  statusNames: string[]
  destinationPath: string
  pollIntervalMs: number
  maxPollIntervalMs: number
  /** Epoch ms past which the export is given up (the step's timeout). */
  deadline: number
  clock: Clock
  sleep: Sleep
  signal?: AbortSignal
}

export interface ExportedMembers {
  /** False: Marketo's file was empty (no members). */
  saved: boolean
  polls: number
}

export async function exportMembers(
  api: ExportApi,
  options: ExportOptions
): Promise<ExportedMembers> {
  const created = await api.createMemberExport(options.programId, options.statusNames)
  let job = await api.enqueueMemberExport(created.exportId)
  let polls = 0
  let interval = options.pollIntervalMs
  while (job.status !== 'Completed') {
    if (job.status === 'Failed' || job.status === 'Cancelled') {
      throw new Error(
        `Marketo's member export ${job.status.toLowerCase()}` +
          (job.errorMsg ? `: ${job.errorMsg}` : '')
      )
    }
    if (options.clock.now() + interval > options.deadline) {
      throw new Error("the timeout came before Marketo's member export completed")
    }
    await options.sleep(interval, options.signal)
    interval = Math.min(options.maxPollIntervalMs, interval * 2)
    job = await api.getMemberExportStatus(created.exportId)
    polls++
  }
  const saved = await api.downloadMemberExport(created.exportId, options.destinationPath)
  return { saved, polls }
}
