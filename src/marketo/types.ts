/** The wire shapes of Marketo's Bulk Program Member Import API, as the reference documents them. */

/** `format` as Adobe's OpenAPI file spells it (upper case). */
export type ImportFormat = 'CSV' | 'TSV' | 'SSV'

export type JobStatus = 'Queued' | 'Importing' | 'Complete' | 'Failed'

/** `result[0]` of the status call. */
export interface ImportJobStatus {
  batchId: number
  importId: string
  status: JobStatus
  numOfLeadsProcessed: number
  numOfRowsFailed: number
  numOfRowsWithWarning: number
  message: string
  /** Counts that were not whole numbers of rows, as `numOfRowsFailed is 2.5` (they read 0). */
  invalidCounts?: string[]
}

/** `result[0]` of the submit call. */
export interface SubmittedJob {
  batchId: number
  importId: string
  status: JobStatus
}

/**
 * One upload body: the bytes of a part of an input file. `open()` is called once per attempt,
 * because a consumed stream cannot be sent again.
 */
export interface UploadSource {
  /** File name sent in the multipart `filename`. */
  filename: string
  /** Exact byte length of what `open()` yields. */
  byteLength: number
  open(): NodeJS.ReadableStream
}

export interface SubmitRequest {
  programId: string
  programMemberStatus: string
  format: ImportFormat
  source: UploadSource
}

/**
 * What the scheduler reads from a failed call: `stopsRun` when nothing more can succeed
 * (permissions, quota, program); `retriesExhausted` when Marketo kept failing a call worth
 * retrying; `uncertain`/`uncertainAttempts` when a submit failed or was cut short after its whole
 * file was sent, so its job may exist. The client's errors implement it; tests may fake it.
 */
export interface FailureTraits {
  readonly stopsRun?: boolean
  readonly retriesExhausted?: boolean
  readonly uncertain?: boolean
  readonly uncertainAttempts?: number
}
