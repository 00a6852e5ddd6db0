import type { Part } from '../files/types.js'
import type { ImportJobStatus, SubmitRequest, SubmittedJob } from '../marketo/types.js'

/**
 * A job already in Marketo, known by its batch id alone (batch-ids without files): nothing is
 * submitted for it, and its rows are the ones Marketo reports once it ends.
 */
export interface BatchPart {
  kind: 'batch'
  batchId: number
  /** `batch 1040`, where a file part shows its path. */
  displayPath: string
  index: 1
  count: 1
}

/** The program and member status a job imports into. */
export interface ImportTarget {
  programId: string
  programMemberStatus: string
}

/**
 * What one import job carries: a part of a file, or a batch resumed without its file. A part
 * with its own `target` imports there (parts of several imports sharing one queue); without one,
 * into the scheduler's program and status.
 */
export type JobPart = (Part | BatchPart) & {
  target?: ImportTarget
  /** Set on a part that is never submitted (rows whose status cannot be imported): why. */
  held?: string
}

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
  part: JobPart
  outcome: PartOutcome
  batchId?: number
  /** Marketo's numOfLeadsProcessed, numOfRowsFailed, numOfRowsWithWarning (0 until Complete). */
  imported: number
  failed: number
  warned: number
  /** Marketo's message, or why the part was not submitted. */
  message: string
  /**
   * Counts of Marketo's status answer that are not whole numbers of rows (a fraction, a string,
   * a negative), as `numOfRowsFailed is "0x10"`; the counts then read 0, and the report says so.
   */
  invalidCounts?: string[]
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
  /** Why a file its counts call for is not there (Marketo has none, the download failed). */
  rowFileProblems?: { kind: 'failures' | 'warnings'; message: string }[]
}
