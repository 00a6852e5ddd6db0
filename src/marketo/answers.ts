/** Reads Marketo's JSON answers into typed values or `AttemptFailure`s; never logs a body. */
import type { ImportJobStatus, JobStatus, SubmittedJob } from './types.js'
import { AttemptFailure } from './retry.js'

const JOB_STATUSES: readonly JobStatus[] = ['Queued', 'Importing', 'Complete', 'Failed']

/** `{"code":"606","message":".."}` of a `success:false` answer, if the body is one. */
export function marketoError(body: unknown): { code: string; message: string } | undefined {
  if (!isObject(body) || body.success !== false) return undefined
  const first = Array.isArray(body.errors) ? (body.errors[0] as unknown) : undefined
  if (!isObject(first) || (typeof first.code !== 'string' && typeof first.code !== 'number')) {
    return { code: 'invalid answer', message: 'success:false without an error code' }
  }
  return {
    code: String(first.code),
    message: typeof first.message === 'string' ? first.message : ''
  }
}

export function parseJson(text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch {
    return undefined
  }
}

/**
 * The `result` array of a REST answer, or the failure it stands for: a Marketo error code,
 * an HTTP status (a gateway's HTML page), or an unreadable body (retried).
 */
export function resultOf(status: number, text: string): unknown[] {
  const body = parseJson(text)
  const error = marketoError(body)
  if (error) throw new AttemptFailure(error.code, error.message, { httpStatus: status })
  if (status === 401) {
    // Marketo answers a bad token with 601 inside a 200; a bare 401 means the same thing.
    throw new AttemptFailure('601', 'access token rejected', { httpStatus: status })
  }
  if (status < 200 || status >= 300) {
    throw new AttemptFailure(`HTTP ${status}`, `HTTP ${status}`, { httpStatus: status })
  }
  if (!isObject(body) || body.success !== true || !Array.isArray(body.result)) {
    throw new AttemptFailure(
      'invalid answer',
      text.length === 0 ? 'empty answer' : 'answer is not the expected JSON (truncated?)',
      { httpStatus: status }
    )
  }
  return body.result as unknown[]
}

export function parseJobStatus(value: unknown): ImportJobStatus | undefined {
  const job = parseSubmittedJob(value)
  if (!job || !isObject(value)) return undefined
  return {
    ...job,
    numOfLeadsProcessed: count(value.numOfLeadsProcessed),
    numOfRowsFailed: count(value.numOfRowsFailed),
    numOfRowsWithWarning: count(value.numOfRowsWithWarning),
    message: typeof value.message === 'string' ? value.message : ''
  }
}

export function parseSubmittedJob(value: unknown): SubmittedJob | undefined {
  if (!isObject(value)) return undefined
  const batchId = typeof value.batchId === 'string' ? Number(value.batchId) : value.batchId
  if (typeof batchId !== 'number' || !Number.isSafeInteger(batchId) || batchId < 0) return undefined
  const status = value.status
  if (typeof status !== 'string' || !(JOB_STATUSES as readonly string[]).includes(status)) {
    return undefined
  }
  const importId = typeof value.importId === 'string' ? value.importId : String(batchId)
  return { batchId, importId, status: status as JobStatus }
}

function count(value: unknown): number {
  const number = typeof value === 'string' ? Number(value) : value
  return typeof number === 'number' && Number.isFinite(number) && number >= 0 ? number : 0
}

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
