/**
 * One HTTP exchange with Marketo through undici, turned into either a response or an
 * `AttemptFailure` the retry policy understands. Logs method, path, status, code and duration;
 * never a query string, a header or a body.
 */
import { request, type Dispatcher } from 'undici'
import type { Readable } from 'node:stream'
import type { Clock } from '../time.js'
import { isTransientTransportCode } from './error-codes.js'
import { redactUrls } from './errors.js'
import { AttemptFailure } from './retry.js'
import { messageOf } from '../format.js'
import type { Log } from '../log.js'

/** What the client logs: calls and retries, never a token or a row. */
export type Logger = Pick<Log, 'debug' | 'info' | 'warning'>

export const silentLogger: Logger = { debug() {}, info() {}, warning() {} }

export interface HttpExchange {
  method: 'GET' | 'POST'
  url: string
  headers: Record<string, string>
  body?: Readable
  timeoutMs: number
  attempt: number
}

export interface HttpContext {
  dispatcher?: Dispatcher
  signal?: AbortSignal
  clock: Clock
  log: Logger
}

export type HttpResponse = Dispatcher.ResponseData

/** Sends one request; transport errors become `AttemptFailure`s (aborts pass through). */
export async function send(exchange: HttpExchange, context: HttpContext): Promise<HttpResponse> {
  try {
    return await request(exchange.url, {
      method: exchange.method,
      headers: exchange.headers,
      body: exchange.body ?? null,
      headersTimeout: exchange.timeoutMs,
      bodyTimeout: exchange.timeoutMs,
      ...(context.dispatcher ? { dispatcher: context.dispatcher } : {}),
      ...(context.signal ? { signal: context.signal } : {})
    })
  } catch (error) {
    throw transportFailure(error, context.signal)
  }
}

/**
 * The most a JSON answer may hold. Marketo's are a few hundred bytes (its own request bodies stop
 * at 1 MB); past this the answer is not read on, so a runaway body cannot take the memory.
 */
export const MAX_JSON_ANSWER_BYTES = 1024 * 1024

/** Reads a whole (small) answer body as text; a broken body is a transport failure. */
export async function readText(
  response: HttpResponse,
  signal?: AbortSignal,
  maxBytes = MAX_JSON_ANSWER_BYTES
): Promise<string> {
  const declared = Number(response.headers['content-length'])
  if (Number.isFinite(declared) && declared > maxBytes) {
    response.body.destroy()
    throw answerTooLarge(maxBytes, response.statusCode)
  }
  const chunks: Buffer[] = []
  let bytes = 0
  try {
    for await (const chunk of response.body as AsyncIterable<Buffer>) {
      bytes += chunk.length
      if (bytes > maxBytes) {
        response.body.destroy()
        throw answerTooLarge(maxBytes, response.statusCode)
      }
      chunks.push(chunk)
    }
  } catch (error) {
    throw transportFailure(error, signal)
  }
  return Buffer.concat(chunks).toString('utf8')
}

function answerTooLarge(maxBytes: number, httpStatus: number): AttemptFailure {
  return new AttemptFailure(
    'ANSWER_TOO_LARGE',
    `the answer is larger than ${maxBytes / 1024 / 1024} MiB, which no answer of this API is; it was not read`,
    { httpStatus }
  )
}

/** Drains an answer body we do not need (HTML error pages), so the connection can be reused. */
export async function discardBody(response: HttpResponse): Promise<void> {
  try {
    await response.body.dump()
  } catch {
    // The status code already says what happened.
  }
}

/** The error to rethrow for anything thrown by undici or while reading a body. */
export function transportFailure(error: unknown, signal?: AbortSignal): unknown {
  if (signal?.aborted) return signal.reason
  if (error instanceof AttemptFailure) return error
  const code = errorCode(error)
  const message = redactUrls(messageOf(error))
  if (code === 'UND_ERR_HEADERS_TIMEOUT' || code === 'UND_ERR_BODY_TIMEOUT') {
    return new AttemptFailure('timeout', `no answer in time (${code})`)
  }
  if (code && (isTransientTransportCode(code) || code === 'ENOTFOUND')) {
    return new AttemptFailure(code, message)
  }
  // Not a network failure (a bug, a local stream error): report it as it is, never retried.
  return new AttemptFailure(code ?? 'request failed', message)
}

function errorCode(error: unknown): string | undefined {
  let current: unknown = error
  // Node wraps socket errors: the useful code may sit on `cause`.
  for (let depth = 0; depth < 3 && current && typeof current === 'object'; depth++) {
    const code = (current as { code?: unknown }).code
    if (typeof code === 'string' && code !== 'UND_ERR') return code
    current = (current as { cause?: unknown }).cause
  }
  return undefined
}

/** `https://host/path` of a URL: never the query string, which may hold the client secret. */
export function pathOf(url: string): string {
  try {
    return new URL(url).pathname
  } catch {
    return redactUrls(url)
  }
}

export function logExchange(
  log: Logger,
  exchange: { method: string; url: string; attempt: number },
  outcome: { status?: number; code?: string; startedAt: number; endedAt: number }
): void {
  const status = outcome.status !== undefined ? `HTTP ${outcome.status}` : 'no answer'
  const code = outcome.code ? ` code ${outcome.code}` : ''
  log.debug(
    `Marketo ${exchange.method} ${pathOf(exchange.url)} -> ${status}${code} in ` +
      `${outcome.endedAt - outcome.startedAt} ms (attempt ${exchange.attempt})`
  )
}
