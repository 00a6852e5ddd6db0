import type { Part } from '../files/types.js'
import type { ImportJobStatus, SubmitRequest, SubmittedJob } from '../marketo/types.js'

/** What the scheduler needs from Marketo: the client implements it, tests may fake it. */
export interface ImportApi {
  submitImport(request: SubmitRequest): Promise<SubmittedJob & { uncertainAttempts: number }>
  getImportStatus(batchId: number): Promise<ImportJobStatus>
}

/**
 * Where a part ended up. `Queued`/`Importing` remain only when the run stopped (timeout or
 * cancel) before the job ended; `NotSubmitted` parts never reached Marketo.
 */
export type PartOutcome = 'Complete' | 'Failed' | 'Queued' | 'Importing' | 'NotSubmitted'

export interface JobResult {
  part: Part
  outcome: PartOutcome
  batchId?: number
  /** Marketo's numOfLeadsProcessed, numOfRowsFailed, numOfRowsWithWarning (0 until Complete). */
  imported: number
  failed: number
  warned: number
  /** Marketo's message, or why the part was not submitted. */
  message: string
  /**
   * Times a submit of the part failed after its whole upload was sent (the connection broke, a
   * gateway error, a garbled answer): each time Marketo may have created a job. When the part
   * ended up submitted, it was resubmitted that many times, so a duplicate job may exist; when it
   * is `NotSubmitted`, a job for it may exist anyway.
   */
  uncertainResubmits: number
  submittedAt?: number
  endedAt?: number
  /** Marketo's failure and warning files for this job, once downloaded into output-dir. */
  failuresFile?: string
  warningsFile?: string
}
