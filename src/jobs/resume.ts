import type { FilePlan } from '../files/index.js'
import type { RunMode } from '../inputs/run-mode.js'
import type { BatchPart, ImportApi, JobPart } from './types.js'
import type { ImportJobStatus, SubmitRequest } from '../marketo/types.js'

/**
 * Resuming with `batch-ids` and the files: nothing is submitted. The scheduler still "submits" each part in
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
 * batch part per batch id, which the scheduler polls without submitting anything.
 */
export function batchOnlyParts(batchIds: number[]): BatchPart[] {
  return batchIds.map((batchId) => ({
    kind: 'batch',
    batchId,
    displayPath: `batch ${batchId}`,
    index: 1,
    count: 1
  }))
}

/** The jobs of a run: the parts of its checked files, or, resuming without files, its batch ids. */
export function jobPartsOf(mode: RunMode, plans: FilePlan[]): JobPart[] {
  if (mode.kind === 'resume' && !mode.withFiles) return batchOnlyParts(mode.batchIds)
  return plans.flatMap((plan) => plan.parts)
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
