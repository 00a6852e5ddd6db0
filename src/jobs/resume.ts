import type { FilePlan, Part } from '../files/index.js'
import type { ImportApi } from './types.js'
import type { ImportJobStatus, SubmitRequest } from '../marketo/types.js'

/**
 * Resuming with `batch-ids`: nothing is submitted. The scheduler still "submits" each part in
 * order, and this adapter answers with the batch id the earlier run got for it, so the jobs are
 * polled, reported and judged exactly as in an uninterrupted run.
 *
 * Batch ids are matched to parts in submit order, which is the order the earlier run split and
 * submitted the same files in. Parts past the last batch id were not submitted by that run.
 */
export class ResumeApi implements ImportApi {
  private submits = 0

  constructor(
    private readonly batchIds: number[],
    private readonly api: Pick<ImportApi, 'getImportStatus'>
  ) {}

  async submitImport(
    _request: SubmitRequest
  ): Promise<{ batchId: number; importId: string; status: 'Queued'; uncertainAttempts: number }> {
    const batchId = this.batchIds[this.submits++]
    if (batchId === undefined) {
      throw new Error('not submitted by the run being resumed (it has no batch id for this part)')
    }
    return { batchId, importId: String(batchId), status: 'Queued', uncertainAttempts: 0 }
  }

  getImportStatus(batchId: number): Promise<ImportJobStatus> {
    return this.api.getImportStatus(batchId)
  }
}

/**
 * Without `files`, the rows behind each batch id are unknown until Marketo reports them: one
 * stand-in part per batch id, whose rows are filled in from Marketo's counts when the job ends.
 */
export function batchOnlyParts(batchIds: number[]): Part[] {
  return batchIds.map((batchId) => ({
    path: '',
    displayPath: `batch ${batchId}`,
    format: 'CSV',
    index: 1,
    count: 1,
    byteStart: 0,
    byteEnd: 0,
    bytes: 0,
    rows: 0,
    firstLine: 0
  }))
}

/** Checks that the files given with batch-ids can be the ones that earlier run submitted. */
export function resumeMismatch(plans: FilePlan[], batchIds: number[]): string | undefined {
  const parts = plans.reduce((total, plan) => total + plan.parts.length, 0)
  if (batchIds.length <= parts) return undefined
  return (
    `batch-ids: ${batchIds.length} batch ids, but the files split into only ${parts} parts; ` +
    'give the same files, format and chunk-size as the run being resumed'
  )
}
