export {
  MarketoClient,
  DEFAULT_REQUEST_TIMEOUT_MS,
  MIN_SUBMIT_TIMEOUT_MS,
  type ClientStats,
  type MarketoClientOptions,
  type SubmitOutcome
} from './client.js'
export {
  MARKETO_ERRORS,
  handlingFor,
  nextQuotaReset,
  type Handling,
  type Operation
} from './error-codes.js'
export {
  MarketoApiError,
  SubmitInterrupted,
  redactUrls,
  toApiError,
  uncertainJobNote,
  type MarketoApiErrorDetails
} from './errors.js'
export type { ChannelInfo, FieldInfo, ProgramInfo, ProgressionStatus } from './instance.js'
export { DEFAULT_LIMITS } from './limiter.js'
export { DEFAULT_RETRY_POLICY, resolveRetryPolicy, type RetryPolicy } from './retry.js'
export type { Logger } from './http.js'
export {
  CONTENT_TYPES,
  MARKETO_MAX_BODY_BYTES,
  multipartEnvelope,
  multipartOverheadBytes,
  type MultipartEnvelope
} from './multipart.js'
export type {
  ImportFormat,
  ImportJobStatus,
  JobStatus,
  SubmitRequest,
  SubmittedJob,
  UploadSource
} from './types.js'
