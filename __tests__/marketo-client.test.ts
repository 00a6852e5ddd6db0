import { afterEach, describe, expect, it } from '@jest/globals'
import { existsSync } from 'node:fs'
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { MockAgent, errors } from 'undici'
import {
  MarketoApiError,
  MarketoClient,
  SubmitInterrupted,
  type MarketoClientOptions,
  type UploadSource
} from '../src/marketo/index.js'
import { instantTime, type DataHandler, type ReplyOptions } from '../testkit/instant-time.js'

const ORIGIN = 'http://127.0.0.1:9'
const SECRET = 'client-SECRET-value'
const START = Date.UTC(2025, 0, 15, 12, 0, 0)
const STATUS_PATH = '/bulk/v1/program/members/import/1040/status.json'
const SUBMIT_PATH = '/bulk/v1/program/1234/members/import.json'
const CSV = 'email,firstName\nann@example.com,Ann\nbob@example.com,Bob\n'

const openClients: MockAgent[] = []
afterEach(async () => {
  for (const agent of openClients.splice(0)) await agent.close()
})

function setup(overrides: Partial<MarketoClientOptions> = {}) {
  const agent = new MockAgent({ enableCallHistory: true })
  agent.disableNetConnect()
  openClients.push(agent)
  const pool = agent.get(ORIGIN)
  const time = instantTime(START)
  const logs: string[] = []
  const secrets: string[] = []
  const log = {
    debug: (m: string) => logs.push(`debug ${m}`),
    info: (m: string) => logs.push(`info ${m}`),
    warning: (m: string) => logs.push(`warning ${m}`)
  }
  const client = new MarketoClient({
    restUrl: ORIGIN,
    identityUrl: `${ORIGIN}/identity`,
    clientId: 'client-id',
    clientSecret: SECRET,
    clock: time.clock,
    sleep: time.sleep,
    random: () => 0.5,
    dispatcher: agent,
    log,
    onSecret: (value) => secrets.push(value),
    ...overrides
  })
  let tokens = 0
  const identity = (times = 1, expiresIn = 3599): void => {
    for (let i = 0; i < times; i++) {
      pool
        .intercept({ path: (p) => p.startsWith('/identity/oauth/token?'), method: 'GET' })
        .reply(200, () => ({ access_token: `token-${++tokens}`, expires_in: expiresIn }))
    }
  }
  const calls = () => agent.getCallHistory()?.calls() ?? []
  const restCalls = () => calls().filter((c) => !c.path.startsWith('/identity'))
  const identityCalls = () => calls().filter((c) => c.path.startsWith('/identity'))
  return { agent, pool, time, logs, secrets, client, identity, calls, restCalls, identityCalls }
}

const STATUS_OK = {
  requestId: 'r1',
  success: true,
  result: [
    {
      batchId: 1040,
      importId: '1040',
      status: 'Complete',
      numOfLeadsProcessed: 2,
      numOfRowsFailed: 0,
      numOfRowsWithWarning: 0,
      message: 'Import succeeded, 2 records imported (2 members)'
    }
  ]
}
const marketoError = (code: string, message = `error ${code}`) => ({
  requestId: 'r',
  success: false,
  errors: [{ code, message }]
})
const SUBMITTED = {
  requestId: 'r',
  success: true,
  result: [{ batchId: 1040, importId: '1040', status: 'Queued' }]
}

function header(headers: unknown, name: string): string | undefined {
  const value = (headers as Record<string, string | string[]> | null | undefined)?.[name]
  return Array.isArray(value) ? value.join(',') : value
}

async function textOf(body: ReplyOptions['body']): Promise<string> {
  if (body === null || body === undefined) return ''
  if (typeof body === 'string') return body
  if (Buffer.isBuffer(body)) return body.toString('utf8')
  const chunks: Buffer[] = []
  for await (const chunk of body as Readable) chunks.push(Buffer.from(chunk as Buffer))
  return Buffer.concat(chunks).toString('utf8')
}

/** A reply computed asynchronously (MockAgent awaits a promise returned by the data handler). */
function later(handler: (opts: ReplyOptions) => Promise<object | string>) {
  return handler as unknown as DataHandler
}

function csvSource(text = CSV): UploadSource & { opened: number } {
  const source = {
    filename: 'members.csv',
    byteLength: Buffer.byteLength(text),
    opened: 0,
    open() {
      source.opened++
      // Several chunks, as a file stream would give.
      return Readable.from([Buffer.from(text.slice(0, 10)), Buffer.from(text.slice(10))])
    }
  }
  return source
}

const submitRequest = (source: UploadSource = csvSource()) => ({
  programId: '1234',
  programMemberStatus: 'On List',
  format: 'CSV' as const,
  source
})

describe('authentication', () => {
  it('reuses one token for many calls and hands it to onSecret', async () => {
    const t = setup()
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).reply(200, STATUS_OK).times(5)
    for (let i = 0; i < 3; i++) await t.client.getImportStatus(1040)
    await Promise.all([t.client.getImportStatus(1040), t.client.getImportStatus(1040)])
    expect(t.identityCalls()).toHaveLength(1)
    expect(t.client.stats).toMatchObject({ calls: 5, identityCalls: 1, retries: 0 })
    expect(t.secrets).toEqual(['token-1'])
    const identityUrl = new URL(t.identityCalls()[0]!.fullUrl)
    expect(Object.fromEntries(identityUrl.searchParams)).toEqual({
      grant_type: 'client_credentials',
      client_id: 'client-id',
      client_secret: SECRET
    })
  })

  it('shares one identity request between concurrent callers', async () => {
    const t = setup()
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).reply(200, STATUS_OK).times(5)
    await Promise.all([1, 2, 3, 4, 5].map(() => t.client.getImportStatus(1040)))
    expect(t.identityCalls()).toHaveLength(1)
  })

  it('renews the token when less than 60 s of its life remain', async () => {
    const t = setup()
    t.identity(2)
    t.pool.intercept({ path: STATUS_PATH }).reply(200, STATUS_OK).times(3)
    await t.client.getImportStatus(1040)
    t.time.set(START + 3_599_000 - 60_000 - 1)
    await t.client.getImportStatus(1040)
    expect(t.identityCalls()).toHaveLength(1)
    t.time.set(START + 3_599_000 - 60_000)
    await t.client.getImportStatus(1040)
    expect(t.identityCalls()).toHaveLength(2)
    expect(header(t.restCalls()[2]!.headers, 'authorization')).toBe('Bearer token-2')
    expect(t.secrets).toEqual(['token-1', 'token-2'])
  })

  it.each(['601', '602'])('answers %s with one re-authentication and one retry', async (code) => {
    const t = setup()
    t.identity(2)
    t.pool.intercept({ path: STATUS_PATH }).reply(200, marketoError(code))
    t.pool.intercept({ path: STATUS_PATH }).reply(200, STATUS_OK)
    const status = await t.client.getImportStatus(1040)
    expect(status.status).toBe('Complete')
    expect(t.identityCalls()).toHaveLength(2)
    expect(t.restCalls().map((c) => header(c.headers, 'authorization'))).toEqual([
      'Bearer token-1',
      'Bearer token-2'
    ])
    expect(t.time.sleeps).toEqual([])
  })

  it('gives up when a fresh token is rejected too', async () => {
    const t = setup()
    t.identity(2)
    t.pool.intercept({ path: STATUS_PATH }).reply(200, marketoError('601')).times(2)
    const error = await t.client.getImportStatus(1040).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(MarketoApiError)
    expect(error).toMatchObject({ code: '601', stopsRun: true, operation: 'status' })
    expect(t.restCalls()).toHaveLength(2)
  })

  it('renews again when the renewed token later expires during a long wait for the queue', async () => {
    const t = setup()
    t.identity(3)
    const submit = () =>
      t.pool.intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
    submit().reply(200, marketoError('602'))
    submit().reply(200, marketoError('1016')).times(2)
    submit().reply(200, marketoError('602'))
    submit().reply(200, SUBMITTED)
    await expect(t.client.submitImport(submitRequest())).resolves.toMatchObject({ attempts: 5 })
    expect(t.identityCalls()).toHaveLength(3)
    expect(t.restCalls().map((c) => header(c.headers, 'authorization'))).toEqual([
      'Bearer token-1',
      'Bearer token-2',
      'Bearer token-2',
      'Bearer token-2',
      'Bearer token-3'
    ])
  })

  it('still gives up when the renewed token is rejected after a call that got no answer', async () => {
    const t = setup()
    t.identity(2)
    t.pool.intercept({ path: STATUS_PATH }).reply(200, marketoError('601'))
    t.pool
      .intercept({ path: STATUS_PATH })
      .replyWithError(Object.assign(new Error('socket hang up'), { code: 'ECONNRESET' }))
    t.pool.intercept({ path: STATUS_PATH }).reply(200, marketoError('601'))
    const error = await t.client.getImportStatus(1040).catch((e: unknown) => e)
    expect(error).toMatchObject({ code: '601', stopsRun: true })
    expect(t.identityCalls()).toHaveLength(2)
  })

  it('stops the run when the identity service answers 401', async () => {
    const t = setup()
    t.pool
      .intercept({ path: (p) => p.startsWith('/identity/oauth/token?') })
      .reply(401, { error: 'invalid_client', error_description: 'Bad client credentials' })
    const error = (await t.client.getImportStatus(1040).catch((e: unknown) => e)) as MarketoApiError
    expect(error).toBeInstanceOf(MarketoApiError)
    expect(error).toMatchObject({
      code: 'HTTP 401',
      httpStatus: 401,
      operation: 'identity',
      stopsRun: true,
      marketoMessage: 'invalid_client: Bad client credentials'
    })
    expect(error.advice).toMatch(/LaunchPoint/)
    expect(error.message).not.toContain(SECRET)
    expect(t.restCalls()).toHaveLength(0)
    expect(t.client.stats.calls).toBe(0)
  })

  it('retries the identity call on a gateway error', async () => {
    const t = setup()
    t.pool
      .intercept({ path: (p) => p.startsWith('/identity/oauth/token?') })
      .reply(503, '<html>Service Unavailable</html>')
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).reply(200, STATUS_OK)
    await t.client.getImportStatus(1040)
    expect(t.client.stats).toMatchObject({ identityCalls: 2, retries: 1, calls: 1 })
  })
})

describe('retries', () => {
  it('backs off with jitter and stops after maxAttempts', async () => {
    const t = setup()
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).reply(200, marketoError('604')).persist()
    const error = (await t.client.getImportStatus(1040).catch((e: unknown) => e)) as MarketoApiError
    expect(error).toBeInstanceOf(MarketoApiError)
    expect(error).toMatchObject({
      code: '604',
      retriesExhausted: true,
      attempts: 6,
      stopsRun: false
    })
    expect(error.advice).toBe(
      'Marketo did not answer after 6 attempts; run again later or resume with batch-ids.'
    )
    expect(t.restCalls()).toHaveLength(6)
    // random() = 0.5 under ceilings of 1, 2, 4, 8, 16 s.
    expect(t.time.sleeps).toEqual([500, 1000, 2000, 4000, 8000])
  })

  it('honours a smaller maxAttempts and caps each wait at maxDelayMs', async () => {
    const t = setup({ retry: { maxAttempts: 4, maxDelayMs: 1500 }, random: () => 1 })
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).reply(200, marketoError('615')).persist()
    await expect(t.client.getImportStatus(1040)).rejects.toMatchObject({ code: '615', attempts: 4 })
    expect(t.time.sleeps).toEqual([1000, 1500, 1500])
  })

  it('retries a 502 with an HTML body', async () => {
    const t = setup()
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).reply(502, '<html><body>Bad Gateway</body></html>', {
      headers: { 'content-type': 'text/html' }
    })
    t.pool.intercept({ path: STATUS_PATH }).reply(200, STATUS_OK)
    await expect(t.client.getImportStatus(1040)).resolves.toMatchObject({ status: 'Complete' })
    expect(t.client.stats.retries).toBe(1)
    expect(t.time.sleeps).toHaveLength(1)
  })

  it('reports the HTTP status when 5xx answers never stop', async () => {
    const t = setup({ retry: { maxAttempts: 2 } })
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).reply(504, '<html>Gateway Timeout</html>').persist()
    await expect(t.client.getImportStatus(1040)).rejects.toMatchObject({
      code: 'HTTP 504',
      httpStatus: 504,
      retriesExhausted: true,
      advice: 'Marketo did not answer after 2 attempts; run again later or resume with batch-ids.'
    })
  })

  it.each([
    ['a connection reset', Object.assign(new Error('read ECONNRESET'), { code: 'ECONNRESET' })],
    ['a closed socket', new errors.SocketError('other side closed')],
    [
      'a refused connection',
      Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' })
    ],
    ['a headers timeout', new errors.HeadersTimeoutError()],
    ['a body timeout', new errors.BodyTimeoutError()]
  ])('retries %s', async (_name, failure) => {
    const t = setup()
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).replyWithError(failure)
    t.pool.intercept({ path: STATUS_PATH }).reply(200, STATUS_OK)
    await expect(t.client.getImportStatus(1040)).resolves.toMatchObject({ status: 'Complete' })
    expect(t.restCalls()).toHaveLength(2)
  })

  it.each([
    ['a truncated body', '{"requestId":"r1","success":true,"result":[{"batchId":10'],
    ['an HTML page', '<html>maintenance</html>'],
    ['an empty body', ''],
    [
      'a malformed result',
      JSON.stringify({ success: true, result: [{ batchId: 1040, status: 'Odd' }] })
    ]
  ])('retries a 200 with %s', async (_name, body) => {
    const t = setup()
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).reply(200, body)
    t.pool.intercept({ path: STATUS_PATH }).reply(200, STATUS_OK)
    await expect(t.client.getImportStatus(1040)).resolves.toMatchObject({ status: 'Complete' })
    expect(t.client.stats.retries).toBe(1)
  })

  it('fills in missing status numbers and message', async () => {
    const t = setup()
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).reply(200, {
      success: true,
      result: [{ batchId: 1040, status: 'Importing' }]
    })
    await expect(t.client.getImportStatus(1040)).resolves.toEqual({
      batchId: 1040,
      importId: '1040',
      status: 'Importing',
      numOfLeadsProcessed: 0,
      numOfRowsFailed: 0,
      numOfRowsWithWarning: 0,
      message: ''
    })
  })

  it('waits out the 20 s window on 606 and holds other calls back', async () => {
    const t = setup()
    t.identity()
    const starts: number[] = []
    t.pool
      .intercept({ path: STATUS_PATH })
      .reply(200, () => (starts.push(t.time.now()), marketoError('606')))
    t.pool
      .intercept({ path: STATUS_PATH })
      .reply(200, () => (starts.push(t.time.now()), STATUS_OK))
      .times(2)
    await t.client.getImportStatus(1040)
    await t.client.getImportStatus(1040)
    expect(t.time.sleeps[0]).toBeGreaterThanOrEqual(20_000)
    expect(t.time.sleeps[0]).toBeLessThanOrEqual(21_000)
    expect(starts[1]! - starts[0]!).toBeGreaterThanOrEqual(20_000)
    expect(t.client.stats.rateLimitWaits).toBe(1)
    expect(t.logs.some((l) => l.startsWith('info Marketo rate limit reached (606)'))).toBe(true)
  })

  it('stops waiting when the signal aborts', async () => {
    const controller = new AbortController()
    const t = setup({ signal: controller.signal })
    t.identity()
    let submits = 0
    t.pool
      .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
      .reply(200, () => {
        if (++submits === 3) controller.abort(new Error('timed out'))
        return marketoError('1016')
      })
      .persist()
    const error = await t.client.submitImport(submitRequest()).catch((e: unknown) => e)
    // Marketo answered 1016 each time: it holds no job for this part, and the error says so.
    expect(error).toBeInstanceOf(SubmitInterrupted)
    expect(error).toMatchObject({ message: 'timed out', uncertain: false, uncertainAttempts: 0 })
    expect(submits).toBe(3)
  })

  it('says a job may exist when a submit is cut short after an uncertain failure', async () => {
    const controller = new AbortController()
    const t = setup({ signal: controller.signal })
    t.identity()
    t.pool.intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' }).reply(
      502,
      later(async (opts) => {
        await textOf(opts.body)
        controller.abort(new Error('the timeout was reached'))
        return '<html>Bad Gateway</html>'
      })
    )
    const error = await t.client.submitImport(submitRequest()).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(SubmitInterrupted)
    expect(error).toMatchObject({ uncertain: true, uncertainAttempts: 1 })
  })

  it('counts failures in a row: an answer such as 1016 in between starts a new count', async () => {
    const t = setup()
    t.identity()
    const submit = () =>
      t.pool.intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
    submit().reply(200, marketoError('611')).times(5)
    submit().reply(200, marketoError('1016'))
    submit().reply(200, marketoError('611')).times(5)
    submit().reply(200, SUBMITTED)
    await expect(t.client.submitImport(submitRequest())).resolves.toMatchObject({
      attempts: 12,
      queueFullWaits: 1
    })
    submit().reply(200, marketoError('1016'))
    submit().reply(200, marketoError('611')).times(6)
    const error = (await t.client
      .submitImport(submitRequest())
      .catch((e: unknown) => e)) as MarketoApiError
    expect(error).toMatchObject({ code: '611', attempts: 7, retriesExhausted: true })
    expect(error.advice).toBe(
      'Marketo did not answer after 6 attempts; run again later or resume with batch-ids.'
    )
  })

  it('names the uploads that may have created a job when every attempt failed after sending', async () => {
    const t = setup()
    t.identity()
    t.pool
      .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
      .reply(
        200,
        later(async (opts) => (await textOf(opts.body), '{"requestId":"r1","success":true,"resu'))
      )
      .persist()
    const error = (await t.client
      .submitImport(submitRequest())
      .catch((e: unknown) => e)) as MarketoApiError
    expect(error).toBeInstanceOf(MarketoApiError)
    expect(error).toMatchObject({
      code: 'invalid answer',
      retriesExhausted: true,
      attempts: 6,
      uncertainAttempts: 6
    })
    expect(error.message).toBe(
      'Submitting the import job failed (invalid answer: answer is not the expected JSON ' +
        '(truncated?)). Marketo did not answer after 6 attempts; run again later or resume with ' +
        'batch-ids. Marketo may have created a job for this part: 6 attempts failed only after ' +
        'the whole file was sent. Importing it again is safe, since Marketo matches members by ' +
        'email.'
    )
  })

  it('does not mention a job for failures before the file was sent', async () => {
    const t = setup()
    t.identity()
    t.pool
      .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
      .persist()
    const error = (await t.client
      .submitImport(submitRequest())
      .catch((e: unknown) => e)) as MarketoApiError
    expect(error).toMatchObject({ code: 'ECONNREFUSED', uncertainAttempts: 0 })
    expect(error.message).not.toContain('may have created a job')
  })
})

describe('submitting an import', () => {
  it('streams a multipart body with an exact length, the token in a header, format in upper case', async () => {
    const t = setup()
    t.identity()
    let received = ''
    let receivedHeaders: ReplyOptions['headers']
    let path = ''
    t.pool.intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' }).reply(
      200,
      later(async (opts) => {
        received = await textOf(opts.body)
        receivedHeaders = opts.headers
        path = opts.path
        return SUBMITTED
      })
    )
    const outcome = await t.client.submitImport(submitRequest())
    expect(outcome).toEqual({
      batchId: 1040,
      importId: '1040',
      status: 'Queued',
      attempts: 1,
      uncertainAttempts: 0,
      queueFullWaits: 0
    })
    const url = new URL(path, ORIGIN)
    expect(url.searchParams.get('format')).toBe('CSV')
    expect(url.searchParams.get('programMemberStatus')).toBe('On List')
    expect(url.searchParams.has('access_token')).toBe(false)
    expect(header(receivedHeaders, 'authorization')).toBe('Bearer token-1')
    const boundary = /boundary=(.+)$/.exec(header(receivedHeaders, 'content-type') ?? '')?.[1]
    expect(boundary).toBeDefined()
    expect(Number(header(receivedHeaders, 'content-length'))).toBe(Buffer.byteLength(received))
    expect(received).toBe(
      `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="members.csv"\r\n` +
        `Content-Type: text/csv\r\n\r\n${CSV}\r\n--${boundary}--\r\n`
    )
  })

  it('encodes the program id and status in the URL', async () => {
    const t = setup()
    t.identity()
    t.pool
      .intercept({
        path: (p) => p.startsWith('/bulk/v1/program/12%2F34/members/import.json?'),
        method: 'POST'
      })
      .reply(200, SUBMITTED)
    await t.client.submitImport({
      programId: '12/34',
      programMemberStatus: 'Member & Co',
      format: 'TSV',
      source: csvSource()
    })
    const [call] = t.restCalls()
    expect(call?.fullUrl).toBe(
      `${ORIGIN}/bulk/v1/program/12%2F34/members/import.json?format=TSV&programMemberStatus=Member%20%26%20Co`
    )
  })

  it('waits while the import queue is full and resubmits a complete, rebuilt body', async () => {
    const t = setup()
    t.identity()
    const bodies: string[] = []
    const boundaries: string[] = []
    t.pool
      .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
      .reply(
        200,
        later(async (opts) => {
          bodies.push(await textOf(opts.body))
          boundaries.push(header(opts.headers, 'content-type') ?? '')
          return bodies.length < 3 ? marketoError('1016', 'Too many imports') : SUBMITTED
        })
      )
      .times(3)
    const source = csvSource()
    const outcome = await t.client.submitImport(submitRequest(source))
    expect(outcome).toMatchObject({
      batchId: 1040,
      attempts: 3,
      queueFullWaits: 2,
      uncertainAttempts: 0
    })
    expect(source.opened).toBe(3)
    for (const [i, body] of bodies.entries()) {
      const boundary = boundaries[i]!.split('boundary=')[1]
      expect(body).toContain(`\r\n\r\n${CSV}\r\n--${boundary}--\r\n`)
    }
    // Equal jitter (random 0.5) under ceilings of 5 s then 10 s.
    expect(t.time.sleeps).toEqual([3750, 7500])
  })

  it('resubmits after a failure that came once the whole body was sent, and counts it', async () => {
    const t = setup()
    t.identity()
    t.pool.intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' }).reply(
      200,
      later(async (opts) => {
        await textOf(opts.body)
        return '{"requestId":"r1","success":true,"resu'
      })
    )
    t.pool
      .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
      .reply(200, SUBMITTED)
    const outcome = await t.client.submitImport(submitRequest())
    expect(outcome).toMatchObject({ attempts: 2, uncertainAttempts: 1 })
    expect(t.logs.some((l) => l.startsWith('warning') && l.includes('duplicate job'))).toBe(true)
  })

  it('does not count a failure before the body was sent as uncertain', async () => {
    const t = setup()
    t.identity()
    t.pool
      .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
      .replyWithError(Object.assign(new Error('connect ECONNREFUSED'), { code: 'ECONNREFUSED' }))
    t.pool
      .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
      .reply(200, SUBMITTED)
    await expect(t.client.submitImport(submitRequest())).resolves.toMatchObject({
      attempts: 2,
      uncertainAttempts: 0
    })
  })

  it('does not count a Marketo error code as uncertain', async () => {
    const t = setup()
    t.identity()
    t.pool.intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' }).reply(
      200,
      later(async (opts) => (await textOf(opts.body), marketoError('611')))
    )
    t.pool
      .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
      .reply(200, SUBMITTED)
    await expect(t.client.submitImport(submitRequest())).resolves.toMatchObject({
      attempts: 2,
      uncertainAttempts: 0
    })
  })

  it('stops on 413 with the 10 MB advice', async () => {
    const t = setup()
    t.identity()
    t.pool
      .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
      .reply(413, '<html>Request Entity Too Large</html>')
    const error = (await t.client
      .submitImport(submitRequest())
      .catch((e: unknown) => e)) as MarketoApiError
    expect(error).toMatchObject({
      code: 'HTTP 413',
      httpStatus: 413,
      operation: 'submit',
      stopsRun: false
    })
    expect(error.advice).toMatch(/10 MB/)
    expect(t.restCalls()).toHaveLength(1)
  })

  it.each([
    ['603', true, /Read-Write Lead/],
    ['607', true, /2025-01-16T06:00:00\.000Z/],
    ['1013', true, /program-id/],
    ['1025', true, /program-member-status|channel/],
    ['1003', false, /empty/],
    ['609', false, /bug in the action/],
    ['9999', false, /9999/]
  ])('stops on %s (stopsRun %s) with advice', async (code, stopsRun, advice) => {
    const t = setup()
    t.identity()
    t.pool
      .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
      .reply(200, marketoError(code, `Marketo message ${code}`))
    const error = (await t.client
      .submitImport(submitRequest())
      .catch((e: unknown) => e)) as MarketoApiError
    expect(error).toBeInstanceOf(MarketoApiError)
    expect(error).toMatchObject({
      code,
      stopsRun,
      operation: 'submit',
      marketoMessage: `Marketo message ${code}`
    })
    expect(error.advice).toMatch(advice)
    expect(t.restCalls()).toHaveLength(1)
  })
})

describe('failures and warnings files', () => {
  let folder = ''
  afterEach(async () => {
    if (folder) await rm(folder, { recursive: true, force: true })
  })

  const failuresPath = '/bulk/v1/program/members/import/1040/failures.json'
  const failures = 'email,leadScore,Import Failure Reason\nann@example.com,x,Invalid data type\n'

  it('streams the file to the destination, creating folders', async () => {
    folder = await mkdtemp(join(tmpdir(), 'marketo-'))
    const t = setup()
    t.identity()
    t.pool
      .intercept({ path: failuresPath })
      .reply(200, failures, { headers: { 'content-type': 'text/csv' } })
    const destination = join(folder, 'deep', 'er', 'failures.csv')
    await expect(t.client.downloadFailures(1040, destination)).resolves.toBe(true)
    expect(await readFile(destination, 'utf8')).toBe(failures)
    expect(await readdir(join(folder, 'deep', 'er'))).toEqual(['failures.csv'])
    expect(header(t.restCalls()[0]!.headers, 'authorization')).toBe('Bearer token-1')
  })

  it('downloads warnings from their own path', async () => {
    folder = await mkdtemp(join(tmpdir(), 'marketo-'))
    const t = setup()
    t.identity()
    t.pool
      .intercept({ path: '/bulk/v1/program/members/import/1040/warnings.json' })
      .reply(200, 'email,Import Warning Reason\nbad@,Invalid email address\n')
    const destination = join(folder, 'warnings.csv')
    await expect(t.client.downloadWarnings(1040, destination)).resolves.toBe(true)
    expect(await readFile(destination, 'utf8')).toContain('Invalid email address')
  })

  it.each([
    ['a 404', 404, '{"message":"not found"}'],
    ['an empty body', 200, ''],
    ['a blank body', 200, '\r\n']
  ])('answers false and leaves no file on %s', async (_name, status, body) => {
    folder = await mkdtemp(join(tmpdir(), 'marketo-'))
    const t = setup()
    t.identity()
    t.pool.intercept({ path: failuresPath }).reply(status, body)
    const destination = join(folder, 'failures.csv')
    await expect(t.client.downloadFailures(1040, destination)).resolves.toBe(false)
    expect(existsSync(destination)).toBe(false)
    expect(await readdir(folder)).toEqual([])
  })

  it('treats a JSON success:false answer as a Marketo error', async () => {
    folder = await mkdtemp(join(tmpdir(), 'marketo-'))
    const t = setup()
    t.identity()
    t.pool.intercept({ path: failuresPath }).reply(200, marketoError('1013', 'Import not found'))
    const destination = join(folder, 'failures.csv')
    await expect(t.client.downloadFailures(1040, destination)).rejects.toMatchObject({
      code: '1013',
      operation: 'failures',
      stopsRun: false
    })
    expect(existsSync(destination)).toBe(false)
  })

  it('retries a download that breaks and leaves no partial file', async () => {
    folder = await mkdtemp(join(tmpdir(), 'marketo-'))
    const t = setup()
    t.identity()
    t.pool.intercept({ path: failuresPath }).reply(502, '<html>Bad Gateway</html>')
    t.pool.intercept({ path: failuresPath }).reply(200, failures)
    const destination = join(folder, 'failures.csv')
    await expect(t.client.downloadFailures(1040, destination)).resolves.toBe(true)
    expect(await readdir(folder)).toEqual(['failures.csv'])
  })
})

describe('secrets stay out of URLs and logs', () => {
  it('sends the token only as a Bearer header and logs paths without queries', async () => {
    const folder = await mkdtemp(join(tmpdir(), 'marketo-'))
    try {
      const t = setup({ restUrl: `${ORIGIN}/`, identityUrl: `${ORIGIN}/identity/` })
      t.identity()
      t.pool
        .intercept({ path: (p) => p.startsWith(SUBMIT_PATH), method: 'POST' })
        .reply(200, SUBMITTED)
      t.pool.intercept({ path: STATUS_PATH }).reply(200, marketoError('602'))
      t.identity()
      t.pool.intercept({ path: STATUS_PATH }).reply(200, STATUS_OK)
      t.pool
        .intercept({ path: '/bulk/v1/program/members/import/1040/failures.json' })
        .reply(200, 'email,Import Failure Reason\nann@example.com,bad\n')
      await t.client.submitImport(submitRequest())
      await t.client.getImportStatus(1040)
      await t.client.downloadFailures(1040, join(folder, 'f.csv'))
      for (const call of t.calls()) {
        expect(call.fullUrl).not.toContain('access_token')
        expect(call.fullUrl).not.toContain('token-')
      }
      for (const call of t.restCalls()) {
        expect(header(call.headers, 'authorization')).toMatch(/^Bearer token-\d$/)
      }
      for (const call of t.identityCalls()) {
        expect(header(call.headers, 'authorization')).toBeUndefined()
        expect(call.path).toBe('/identity/oauth/token')
      }
      const debug = t.logs.filter((l) => l.startsWith('debug'))
      expect(debug).toContain(
        'debug Marketo GET /bulk/v1/program/members/import/1040/status.json -> HTTP 200 code 602 in 0 ms (attempt 1)'
      )
      expect(debug.some((l) => l.includes('GET /identity/oauth/token -> HTTP 200'))).toBe(true)
      for (const line of t.logs) {
        expect(line).not.toContain('?')
        expect(line).not.toContain(SECRET)
        expect(line).not.toContain('token-1')
        expect(line).not.toContain('ann@example.com')
      }
    } finally {
      await rm(folder, { recursive: true, force: true })
    }
  })

  it('accepts the REST endpoint as Admin > Web Services shows it (ending in /rest)', async () => {
    const t = setup({ restUrl: `${ORIGIN}/rest/` })
    t.identity()
    t.pool.intercept({ path: STATUS_PATH }).reply(200, STATUS_OK)
    await expect(t.client.getImportStatus(1040)).resolves.toMatchObject({ batchId: 1040 })
  })

  it('removes the query string from an error that quotes the identity URL', async () => {
    const t = setup()
    // No identity interceptor: undici's error message quotes the path with its query.
    const error = (await t.client.getImportStatus(1040).catch((e: unknown) => e)) as MarketoApiError
    expect(error).toBeInstanceOf(MarketoApiError)
    expect(error.operation).toBe('identity')
    expect(error.message).toContain('/identity/oauth/token?…')
    expect(error.message).not.toContain(SECRET)
    expect(error.marketoMessage).not.toContain(SECRET)
    expect(t.logs.join('\n')).not.toContain(SECRET)
  })
})
