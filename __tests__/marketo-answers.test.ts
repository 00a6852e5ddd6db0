/** Reading Marketo's answers: a cap on every JSON body, counts that must be whole rows. */
import { afterEach, describe, expect, it } from '@jest/globals'
import { createServer, type Server, type ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { Readable } from 'node:stream'
import { Agent, request } from 'undici'
import { MAX_MESSAGE_CHARS, parseJobStatus } from '../src/marketo/answers.js'
import { MAX_JSON_ANSWER_BYTES, readText } from '../src/marketo/http.js'
import { AttemptFailure } from '../src/marketo/retry.js'
import { MarketoApiError, MarketoClient, type UploadSource } from '../src/marketo/index.js'
import { instantTime } from '../testkit/instant-time.js'

let server: Server | undefined
let agent: Agent | undefined
afterEach(async () => {
  await agent?.close()
  agent = undefined
  await new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve()))
  server = undefined
})

/** A server on 127.0.0.1 that answers every request with `answer`; the requests it saw. */
async function serve(answer: (response: ServerResponse, path: string) => void): Promise<{
  origin: string
  paths: string[]
}> {
  const paths: string[] = []
  server = createServer((raw, response) => {
    raw.resume()
    raw.on('end', () => {
      paths.push(raw.url ?? '')
      answer(response, raw.url ?? '')
    })
  })
  await new Promise<void>((resolve) => server?.listen(0, '127.0.0.1', resolve))
  agent = new Agent()
  return { origin: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, paths }
}

/** `bytes` of JSON, sent in 64 KiB chunks without a Content-Length (chunked). */
function chunkedJson(response: ServerResponse, bytes: number): void {
  response.writeHead(200, { 'content-type': 'application/json' })
  const open = '{"success":true,"result":[],"message":"'
  const body = open + 'x'.repeat(Math.max(0, bytes - open.length - 2)) + '"}'
  Readable.from(
    (function* () {
      for (let at = 0; at < body.length; at += 65_536) yield body.slice(at, at + 65_536)
    })()
  ).pipe(response)
}

async function read(origin: string): Promise<string> {
  const response = await request(`${origin}/status.json`, { dispatcher: agent })
  return readText(response)
}

describe('the capped answer reader', () => {
  it('reads an answer of exactly 1 MiB', async () => {
    const { origin } = await serve((response) => chunkedJson(response, MAX_JSON_ANSWER_BYTES))
    expect(await read(origin)).toHaveLength(MAX_JSON_ANSWER_BYTES)
  })

  it('stops one byte past 1 MiB of a chunked answer, with a clear error', async () => {
    const { origin } = await serve((response) => chunkedJson(response, 2 * MAX_JSON_ANSWER_BYTES))
    const failure = await read(origin).catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(AttemptFailure)
    expect(failure).toMatchObject({
      code: 'ANSWER_TOO_LARGE',
      message: 'the answer is larger than 1 MiB, which no answer of this API is; it was not read'
    })
  })

  it('refuses an answer whose Content-Length passes 1 MiB before reading it', async () => {
    const { origin } = await serve((response) => {
      response.writeHead(200, { 'content-length': String(300 * 2 ** 20) })
      response.write('{"success":')
      // The rest never comes: the reader must not wait for it.
    })
    await expect(read(origin)).rejects.toMatchObject({ code: 'ANSWER_TOO_LARGE' })
  })
})

describe('status counts', () => {
  const status = (counts: Record<string, unknown>): ReturnType<typeof parseJobStatus> =>
    parseJobStatus({
      batchId: 1040,
      importId: '1040',
      status: 'Complete',
      message: 'ok',
      ...counts
    })

  it('reads whole non-negative numbers, and a missing count as 0', () => {
    expect(status({ numOfLeadsProcessed: 7, numOfRowsFailed: 1 })).toEqual({
      batchId: 1040,
      importId: '1040',
      status: 'Complete',
      numOfLeadsProcessed: 7,
      numOfRowsFailed: 1,
      numOfRowsWithWarning: 0,
      message: 'ok'
    })
  })

  it.each([
    [{ numOfLeadsProcessed: 2.5 }, 'numOfLeadsProcessed is 2.5'],
    [{ numOfRowsFailed: '0x10' }, 'numOfRowsFailed is "0x10"'],
    [{ numOfRowsFailed: '3' }, 'numOfRowsFailed is "3"'],
    [{ numOfRowsWithWarning: -1 }, 'numOfRowsWithWarning is -1'],
    [{ numOfLeadsProcessed: 2 ** 53 }, `numOfLeadsProcessed is ${2 ** 53}`],
    [{ numOfLeadsProcessed: { n: 1 } }, 'numOfLeadsProcessed is a object'],
    [{ numOfLeadsProcessed: [1] }, 'numOfLeadsProcessed is an array']
  ])('names %j as not a whole number of rows, and reads it as 0', (counts, named) => {
    const parsed = status({ numOfLeadsProcessed: 1, numOfRowsFailed: 0, ...counts })
    expect(parsed?.invalidCounts).toEqual([named])
    const field = Object.keys(counts)[0] as 'numOfLeadsProcessed'
    expect(parsed?.[field]).toBe(0)
  })

  it('cuts a message longer than a sentence', () => {
    const parsed = status({ message: 'm'.repeat(5000) })
    expect(parsed?.message).toHaveLength(MAX_MESSAGE_CHARS + 1)
    expect(parsed?.message.endsWith('…')).toBe(true)
  })
})

describe('a submit answered 200 without a job', () => {
  const csv = Buffer.from('email\nann@example.com\n')
  const source: UploadSource = {
    filename: 'leads.csv',
    byteLength: csv.length,
    open: () => Readable.from([csv])
  }

  it.each([
    ['an empty result', { requestId: 'r', success: true, result: [] }],
    ['no result', { requestId: 'r', success: true }],
    [
      'a result without a batchId',
      { requestId: 'r', success: true, result: [{ status: 'Queued' }] }
    ]
  ])('with %s is reported once as uncertain, not retried', async (_, body) => {
    const { origin, paths } = await serve((response, path) => {
      response.setHeader('content-type', 'application/json')
      response.end(
        JSON.stringify(
          path.startsWith('/identity') ? { access_token: 'token', expires_in: 3599 } : body
        )
      )
    })
    const time = instantTime(Date.UTC(2025, 0, 15))
    const client = new MarketoClient({
      restUrl: origin,
      identityUrl: `${origin}/identity`,
      clientId: 'id',
      clientSecret: 'secret',
      clock: time.clock,
      sleep: time.sleep,
      dispatcher: agent as Agent
    })
    const failure = await client
      .submitImport({ programId: '1001', programMemberStatus: 'On List', format: 'CSV', source })
      .catch((error: unknown) => error)
    expect(failure).toBeInstanceOf(MarketoApiError)
    const error = failure as MarketoApiError
    expect(error).toMatchObject({ code: 'NO_JOB_IN_ANSWER', stopsRun: true, uncertainAttempts: 1 })
    expect(error.message).toContain('it may have created a job for this part anyway')
    expect(error.message).toContain(
      'Check the import jobs of the program in Marketo before running'
    )
    expect(error.message).not.toContain('did not answer')
    expect(paths.filter((path) => path.includes('/members/import.json'))).toHaveLength(1)
    expect(time.sleeps).toEqual([])
  })
})
