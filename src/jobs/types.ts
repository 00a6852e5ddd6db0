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
  /** Times the part was submitted again after a connection broke once its upload was sent. */
  uncertainResubmits: number
  submittedAt?: number
  endedAt?: number
  /** Marketo's failure and warning files for this job, once downloaded into output-dir. */
  failuresFile?: string
  warningsFile?: string
}
