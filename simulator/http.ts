/** Reading a request body under a cap, and answering one call the way Marketo's edge does. */
import { randomBytes } from 'node:crypto'
import type { IncomingMessage, ServerResponse } from 'node:http'
import { Readable } from 'node:stream'
import type { CallKind } from './faults.js'

export interface RecordedUpload {
  fieldName: string
  filename: string
  contentType: string
  content: Buffer
}

export interface RecordedRequest {
  seq: number
  kind: CallKind
  method: string
  /** Path without the query string. */
  path: string
  query: Record<string, string>
  /** Lower-cased names; repeated headers joined with `, `. */
  headers: Record<string, string>
  bodyBytes: number
  upload?: RecordedUpload
  /** status 0: no answer was sent (the socket was destroyed or the client went away). */
  response: { status: number; code?: string }
  fault?: string
  /** When the call arrived and when its answer was written (or the socket dropped), by the simulator's clock. */
  arrivedAt: number
  answeredAt?: number
}

/** Like Marketo's `17f4a#16f87f87325`: a short random hex, `#`, the time in hex. */
export function requestId(): string {
  return `${randomBytes(3).toString('hex').slice(0, 5)}#${Date.now().toString(16)}`
}

export const TOO_LARGE_HTML = '<html><body><h1>413 Request Entity Too Large</h1></body></html>'

export interface ReadBody {
  body: Buffer
  /** Bytes received, including any discarded past the cap. */
  bytes: number
  tooLarge: boolean
  /** Reading stopped before the end: the connection must close after the answer. */
  cut: boolean
  /** The client went away before the body ended. */
  aborted: boolean
}

/**
 * Buffers a body up to `maxBytes`. Past it (by Content-Length or by bytes actually sent) the
 * rest is drained and discarded up to `maxBytes + slackBytes`, so a client that is still
 * uploading can read the 413; a body larger than that is cut off.
 */
export function readBody(
  req: IncomingMessage,
  maxBytes: number,
  slackBytes: number
): Promise<ReadBody> {
  return new Promise((resolve) => {
    const declared = Number(req.headers['content-length'])
    let tooLarge = Number.isFinite(declared) && declared > maxBytes
    let chunks: Buffer[] = []
    let bytes = 0
    let settled = false
    const finish = (cut: boolean, aborted: boolean): void => {
      if (settled) return
      settled = true
      resolve({
        body: tooLarge ? Buffer.alloc(0) : Buffer.concat(chunks),
        bytes,
        tooLarge,
        cut,
        aborted
      })
    }
    if (Number.isFinite(declared) && declared > maxBytes + slackBytes) {
      finish(true, false)
      return
    }
    req.on('data', (chunk: Buffer) => {
      bytes += chunk.length
      if (bytes > maxBytes) tooLarge = true
      if (tooLarge) chunks = []
      else chunks.push(chunk)
      if (bytes > maxBytes + slackBytes) {
        req.pause()
        finish(true, false)
      }
    })
    req.on('end', () => finish(false, false))
    req.on('error', () => finish(false, true))
    req.on('close', () => finish(false, !req.complete))
  })
}

/** One call being answered: records what was sent, and can hold the answer back (delay fault). */
export class Exchange {
  readonly req: IncomingMessage
  readonly res: ServerResponse
  readonly record: RecordedRequest
  delayMs = 0
  private readonly schedule: (ms: number, action: () => void) => void
  private readonly clock: () => number

  constructor(
    req: IncomingMessage,
    res: ServerResponse,
    record: RecordedRequest,
    schedule: (ms: number, action: () => void) => void,
    clock: () => number = Date.now
  ) {
    this.req = req
    this.res = res
    this.record = record
    this.schedule = schedule
    this.clock = clock
  }

  send(
    status: number,
    body: string | Buffer,
    headers: Record<string, string>,
    code?: string
  ): void {
    this.record.response = code === undefined ? { status } : { status, code }
    const payload = typeof body === 'string' ? Buffer.from(body, 'utf8') : body
    const write = (): void => {
      if (this.res.destroyed || this.res.writableEnded) return
      this.record.answeredAt = this.clock()
      this.res.writeHead(status, { ...headers, 'Content-Length': String(payload.length) })
      this.res.end(payload)
    }
    if (this.delayMs > 0) this.schedule(this.delayMs, write)
    else write()
  }

  /** Answers with a body of unknown length, written chunk by chunk as the client reads it. */
  stream(status: number, chunks: Iterable<Buffer>, headers: Record<string, string>): void {
    this.record.response = { status }
    const write = (): void => {
      if (this.res.destroyed || this.res.writableEnded) return
      this.record.answeredAt = this.clock()
      this.res.writeHead(status, headers)
      Readable.from(chunks).pipe(this.res)
    }
    if (this.delayMs > 0) this.schedule(this.delayMs, write)
    else write()
  }

  json(body: Record<string, unknown>, status = 200): void {
    const errors = body.errors as Array<{ code?: string }> | undefined
    const code = body.success === false ? errors?.[0]?.code : undefined
    this.send(
      status,
      JSON.stringify(body),
      { 'Content-Type': 'application/json;charset=UTF-8' },
      code
    )
  }

  /** Marketo's usual error: HTTP 200, `success: false`, one error with a code in digits. */
  error(code: string, message: string): void {
    this.json({ requestId: requestId(), success: false, errors: [{ code, message }] })
  }

  notFound(message: string): void {
    this.json({ requestId: requestId(), success: false, errors: [{ code: '404', message }] }, 404)
  }

  html(status: number, html: string, headers: Record<string, string> = {}): void {
    this.send(status, html, { 'Content-Type': 'text/html; charset=utf-8', ...headers })
  }

  /** Destroys the socket without answering. */
  drop(): void {
    this.record.response = { status: 0 }
    this.record.answeredAt = this.clock()
    this.req.socket.destroy()
  }
}
