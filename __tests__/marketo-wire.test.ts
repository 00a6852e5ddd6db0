/** The client against a real HTTP server on 127.0.0.1: what a mock cannot show. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { Agent } from 'undici'
import {
  MarketoApiError,
  MarketoClient,
  SubmitInterrupted,
  type UploadSource
} from '../src/marketo/index.js'
import type { Sleep } from '../src/time.js'
import { MAX_MESSAGE_CHARS } from '../src/marketo/answers.js'
import { MAX_JSON_ANSWER_BYTES } from '../src/marketo/http.js'

const CSV = 'email,firstName\nann@example.com,Ann\n'.repeat(2000)

interface Received {
  method: string
  path: string
  headers: IncomingMessage['headers']
  body: string
}

type Handler = (request: Received, response: ServerResponse, raw: IncomingMessage) => void

let server: Server | undefined
let agent: Agent | undefined
afterEach(async () => {
  await agent?.close()
  agent = undefined
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

/** Starts a server whose submit/status answers come from `handlers`, one per request. */
async function start(handlers: Handler[]): Promise<{ origin: string; received: Received[] }> {
  const received: Received[] = []
  server = createServer((raw, response) => {
    if (raw.url?.startsWith('/identity/oauth/token?')) {
      response.setHeader('content-type', 'application/json')
      response.end(JSON.stringify({ access_token: 'wire-token', expires_in: 3599 }))
      return
    }
    const chunks: Buffer[] = []
    raw.on('data', (chunk: Buffer) => chunks.push(chunk))
    raw.on('error', () => undefined)
    raw.on('end', () => {
      const request = {
        method: raw.method ?? '',
        path: raw.url ?? '',
        headers: raw.headers,
        body: Buffer.concat(chunks).toString('utf8')
      }
      received.push(request)
      const handler = handlers.shift()
      if (handler) handler(request, response, raw)
      else response.writeHead(500).end()
    })
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  return { origin: `http://127.0.0.1:${port}`, received }
}

function client(
  origin: string,
  requestTimeoutMs?: number,
  signal?: AbortSignal,
  submitTimeoutMs?: number
): MarketoClient {
  let now = Date.UTC(2025, 0, 15, 12)
  const sleep: Sleep = async (ms) => {
    now += ms
  }
  agent = new Agent()
  return new MarketoClient({
    restUrl: origin,
    identityUrl: `${origin}/identity`,
    clientId: 'id',
    clientSecret: 'secret',
    clock: { now: () => now },
    sleep,
    random: () => 0.5,
    dispatcher: agent,
    ...(requestTimeoutMs ? { requestTimeoutMs } : {}),
    ...(signal ? { signal } : {}),
    ...(submitTimeoutMs ? { submitTimeoutMs } : {})
  })
}

const json = (body: object) => (_request: Received, response: ServerResponse) => {
  response.setHeader('content-type', 'application/json')
  response.end(JSON.stringify(body))
}
const hangUp = (_request: Received, _response: ServerResponse, raw: IncomingMessage) => {
  raw.socket.destroy()
}
const SUBMITTED = {
  success: true,
  result: [{ batchId: 55, importId: '55', status: 'Queued' }]
}

function source(text = CSV): UploadSource {
  return {
    filename: 'members.csv',
    byteLength: Buffer.byteLength(text),
    open: () => Readable.from([Buffer.from(text)])
  }
}

describe('over a real connection', () => {
  it('resubmits when the connection drops after the whole file was sent, counting it uncertain', async () => {
    const { origin, received } = await start([hangUp, json(SUBMITTED)])
    const outcome = await client(origin).submitImport({
      programId: '9',
      programMemberStatus: 'Member',
      format: 'CSV',
      source: source()
    })
    expect(outcome).toEqual({
      batchId: 55,
      importId: '55',
      status: 'Queued',
      attempts: 2,
      uncertainAttempts: 1,
      queueFullWaits: 0
    })
    expect(received).toHaveLength(2)
    for (const request of received) {
      expect(request.headers.authorization).toBe('Bearer wire-token')
      expect(Number(request.headers['content-length'])).toBe(Buffer.byteLength(request.body))
      expect(request.body).toContain(`\r\n\r\n${CSV}\r\n--`)
      expect(request.path).toBe(
        '/bulk/v1/program/9/members/import.json?format=CSV&programMemberStatus=Member'
      )
    }
  })

  it('retries a call that gets no answer within requestTimeoutMs', async () => {
    const status = {
      success: true,
      result: [{ batchId: 55, importId: '55', status: 'Complete', numOfLeadsProcessed: 2 }]
    }
    const { origin, received } = await start([() => undefined, json(status)])
    const answer = await client(origin, 150).getImportStatus(55)
    expect(answer).toMatchObject({ status: 'Complete', numOfLeadsProcessed: 2, numOfRowsFailed: 0 })
    expect(received).toHaveLength(2)
  })

  it('gives up on answers slower than requestTimeoutMs after every attempt, naming them', async () => {
    const never = () => undefined
    const { origin, received } = await start(Array(6).fill(never) as Handler[])
    const error = (await client(origin, 100)
      .getImportStatus(55)
      .catch((e: unknown) => e)) as MarketoApiError
    expect(error).toBeInstanceOf(MarketoApiError)
    expect(error).toMatchObject({ code: 'timeout', retriesExhausted: true, attempts: 6 })
    expect(error.message).toBe(
      'Reading the import job status failed (timeout: no answer in time (UND_ERR_HEADERS_TIMEOUT)). ' +
        'Marketo did not answer after 6 attempts; run again later or resume with batch-ids.'
    )
    expect(received).toHaveLength(6)
  })

  it('takes a slow answer that comes within requestTimeoutMs, without asking again', async () => {
    const slow = (_request: Received, response: ServerResponse) => {
      setTimeout(() => json(SUBMITTED)(_request, response), 150)
    }
    const { origin, received } = await start([slow])
    const outcome = await client(origin, 1000).submitImport({
      programId: '9',
      programMemberStatus: 'Member',
      format: 'CSV',
      source: source()
    })
    expect(outcome).toMatchObject({ batchId: 55, attempts: 1, uncertainAttempts: 0 })
    expect(received).toHaveLength(1)
  })

  it('resubmits, marked uncertain, an upload answered slower than submitTimeoutMs', async () => {
    const { origin, received } = await start([() => undefined, json(SUBMITTED)])
    const outcome = await client(origin, undefined, undefined, 150).submitImport({
      programId: '9',
      programMemberStatus: 'Member',
      format: 'CSV',
      source: source()
    })
    expect(outcome).toMatchObject({ batchId: 55, attempts: 2, uncertainAttempts: 1 })
    expect(received).toHaveLength(2)
  })

  it('says a job may exist when the run stops while a sent upload awaits its answer', async () => {
    const controller = new AbortController()
    const stopRun = () => controller.abort(new Error('the timeout was reached'))
    const { origin, received } = await start([stopRun])
    const error = await client(origin, undefined, controller.signal)
      .submitImport({
        programId: '9',
        programMemberStatus: 'Member',
        format: 'CSV',
        source: source()
      })
      .catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SubmitInterrupted)
    expect(error).toMatchObject({
      message: 'the timeout was reached',
      uncertain: true,
      uncertainAttempts: 1
    })
    expect(received).toHaveLength(1)
  })

  it('passes an error reading the file through, without retrying', async () => {
    const { origin, received } = await start([json(SUBMITTED), json(SUBMITTED)])
    const broken: UploadSource = {
      filename: 'broken.csv',
      byteLength: 1000,
      open: () =>
        new Readable({
          read() {
            this.destroy(Object.assign(new Error('EACCES: permission denied'), { code: 'EACCES' }))
          }
        })
    }
    const error = await client(origin)
      .submitImport({
        programId: '9',
        programMemberStatus: 'Member',
        format: 'CSV',
        source: broken
      })
      .catch((e: unknown) => e)
    expect(error).not.toBeInstanceOf(MarketoApiError)
    expect(error).toMatchObject({ code: 'EACCES', message: 'EACCES: permission denied' })
    expect(received.length).toBeLessThanOrEqual(1)
  })
})

describe('answers that are not what Marketo documents', () => {
  const STATUS = {
    success: true,
    result: [{ batchId: 55, importId: '55', status: 'Complete', numOfLeadsProcessed: 1 }]
  }

  /** A status answer of `bytes` bytes (a long message), sent chunked, with no Content-Length. */
  const chunked = (bytes: number) => (_request: Received, response: ServerResponse) => {
    response.writeHead(200, { 'content-type': 'application/json' })
    const text = JSON.stringify(STATUS)
    const padded = JSON.stringify({
      ...STATUS,
      result: [{ ...STATUS.result[0], message: 'x'.repeat(bytes - text.length - 13) }]
    })
    Readable.from(
      (function* () {
        for (let at = 0; at < padded.length; at += 65_536) yield padded.slice(at, at + 65_536)
      })()
    ).pipe(response)
  }

  it('reads an answer of exactly 1 MiB', async () => {
    const { origin } = await start([chunked(MAX_JSON_ANSWER_BYTES)])
    const status = await client(origin).getImportStatus(55)
    expect(status).toMatchObject({ status: 'Complete', numOfLeadsProcessed: 1 })
    expect(status.message).toHaveLength(MAX_MESSAGE_CHARS + 1)
  })

  it('stops reading past 1 MiB, and does not ask again', async () => {
    const { origin, received } = await start([chunked(2 * MAX_JSON_ANSWER_BYTES), json(STATUS)])
    const failure = await client(origin)
      .getImportStatus(55)
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MarketoApiError)
    expect(failure).toMatchObject({ code: 'ANSWER_TOO_LARGE', stopsRun: true })
    expect((failure as Error).message).toContain(
      'the answer is larger than 1 MiB, which no answer of this API is; it was not read'
    )
    expect(received).toHaveLength(1)
  })

  it('refuses an answer whose Content-Length passes 1 MiB without waiting for its body', async () => {
    const { origin } = await start([
      (_request, response) => {
        response.writeHead(200, { 'content-length': String(300 * 2 ** 20) })
        response.write('{"success":') // the rest never comes
      }
    ])
    await expect(client(origin).getImportStatus(55)).rejects.toMatchObject({
      code: 'ANSWER_TOO_LARGE'
    })
  })

  it.each([
    ['an empty result', { success: true, result: [] }],
    ['no result', { success: true }],
    ['a result without a batchId', { success: true, result: [{ status: 'Queued' }] }]
  ])('a submit answered 200 with %s is reported once as uncertain', async (_, body) => {
    const { origin, received } = await start([json(body), json(SUBMITTED)])
    const failure = await client(origin)
      .submitImport({
        programId: '9',
        programMemberStatus: 'Member',
        format: 'CSV',
        source: source()
      })
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MarketoApiError)
    const error = failure as MarketoApiError
    expect(error).toMatchObject({ code: 'NO_JOB_IN_ANSWER', stopsRun: true, uncertainAttempts: 1 })
    expect(error.message).toContain('it may have created a job for this part anyway')
    expect(error.message).toContain(
      'Check the import jobs of the program in Marketo before running'
    )
    expect(error.message).not.toContain('did not answer')
    expect(received).toHaveLength(1)
  })
})
