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
    code: cut(String(first.code), 40),
    message: typeof first.message === 'string' ? cut(first.message, MAX_MESSAGE_CHARS) : ''
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
  // A success without `result` is read, not retried: it is an answer, just an empty one.
  if (isObject(body) && body.success === true && body.result === undefined) return []
  if (!isObject(body) || body.success !== true || !Array.isArray(body.result)) {
    throw new AttemptFailure(
      'invalid answer',
      text.length === 0 ? 'empty answer' : 'answer is not the expected JSON (truncated?)',
      { httpStatus: status }
    )
  }
  return body.result as unknown[]
}

/** Marketo's messages are a sentence; anything longer is cut here, before any report holds it. */
export const MAX_MESSAGE_CHARS = 1000

const COUNT_FIELDS = ['numOfLeadsProcessed', 'numOfRowsFailed', 'numOfRowsWithWarning'] as const

/**
 * `result[0]` of a status answer. Its counts must be whole numbers of rows: one that is not (a
 * fraction, a negative, a string such as "0x10") reads 0 and is named in `invalidCounts`, so
 * the report says what Marketo sent instead of guessing what it meant. A missing count is 0.
 */
export function parseJobStatus(value: unknown): ImportJobStatus | undefined {
  const job = parseSubmittedJob(value)
  if (!job || !isObject(value)) return undefined
  const invalidCounts: string[] = []
  const count = (field: (typeof COUNT_FIELDS)[number]): number => {
    const given = value[field]
    if (given === undefined || given === null) return 0
    if (typeof given === 'number' && Number.isSafeInteger(given) && given >= 0) return given
    invalidCounts.push(`${field} is ${describeValue(given)}`)
    return 0
  }
  const [numOfLeadsProcessed, numOfRowsFailed, numOfRowsWithWarning] = COUNT_FIELDS.map(count)
  return {
    ...job,
    numOfLeadsProcessed: numOfLeadsProcessed as number,
    numOfRowsFailed: numOfRowsFailed as number,
    numOfRowsWithWarning: numOfRowsWithWarning as number,
    message: typeof value.message === 'string' ? cut(value.message, MAX_MESSAGE_CHARS) : '',
    ...(invalidCounts.length > 0 ? { invalidCounts } : {})
  }
}

/** A JSON value as it was sent, short: `2.5`, `"0x10"`, `-3`, `an object`. */
function describeValue(value: unknown): string {
  if (typeof value === 'number') return String(value)
  if (typeof value === 'string') return JSON.stringify(cut(value, 20))
  return Array.isArray(value)
    ? 'an array'
    : `a ${typeof value === 'object' ? 'object' : typeof value}`
}

function cut(text: string, chars: number): string {
  return text.length > chars ? `${text.slice(0, chars)}…` : text
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

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}
