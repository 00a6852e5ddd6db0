import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { SimClient } from '../simulator/client.js'
import { startSimulator } from '../simulator/server.js'
import type { Simulator, SimulatorOptions } from '../simulator/server.js'

const fixture = (name: string): string =>
  readFileSync(join(process.cwd(), '__fixtures__', 'simulator', name), 'utf8')

const FAST: SimulatorOptions = { msPerRow: 1, jobOverheadMs: 3, queuedMs: 2 }

let sim: Simulator
let client: SimClient

async function start(options: SimulatorOptions = {}): Promise<void> {
  sim = await startSimulator({ ...FAST, ...options })
  client = new SimClient(sim)
}

afterEach(async () => {
  await sim.stop()
})

async function runJob(content: string, format = 'CSV'): Promise<Record<string, unknown>> {
  const batchId = await client.submitOk({ content, format })
  await sim.waitForIdle()
  const answer = await client.status(batchId)
  return (answer.result as Array<Record<string, unknown>>)[0] as Record<string, unknown>
}

describe('identity', () => {
  beforeEach(() => start())

  it('issues a bearer token and hands the same one back with its remaining life', async () => {
    const first = await (await fetch(client.identityUrl())).json()
    expect(first).toEqual({
      access_token: expect.stringMatching(/^[0-9a-f-]+:ab$/),
      token_type: 'bearer',
      expires_in: 3600,
      scope: 'apiuser@example.com'
    })
    const again = (await (await fetch(client.identityUrl(), { method: 'POST' })).json()) as {
      access_token: string
      expires_in: number
    }
    expect(again.access_token).toBe((first as { access_token: string }).access_token)
    expect(again.expires_in).toBeLessThanOrEqual(3600)
    expect(sim.requests.map((r) => r.kind)).toEqual(['identity', 'identity'])
  })

  it('answers 401 invalid_client for wrong or missing credentials', async () => {
    for (const url of [
      client.identityUrl('sim-client-id', 'wrong'),
      `${sim.identityUrl}/oauth/token?grant_type=client_credentials`
    ]) {
      const response = await fetch(url)
      expect(response.status).toBe(401)
      expect(await response.json()).toEqual({
        error: 'invalid_client',
        error_description: 'Bad client credentials'
      })
    }
  })

  it('accepts form-encoded credentials on POST', async () => {
    const body = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret
    })
    const response = await fetch(`${sim.identityUrl}/oauth/token`, { method: 'POST', body })
    expect(response.status).toBe(200)
  })
})

describe('access tokens', () => {
  beforeEach(() => start())
  const statusPath = '/bulk/v1/program/members/import/1040/status.json'

  it('answers 601 without or with an unknown token, HTTP 200 and a requestId', async () => {
    const missing = await fetch(`${sim.url}${statusPath}`)
    expect(missing.status).toBe(200)
    const answer = (await missing.json()) as Record<string, unknown>
    expect(answer).toEqual({
      requestId: expect.stringMatching(/^[0-9a-f]+#[0-9a-f]+$/),
      success: false,
      errors: [{ code: '601', message: 'Access token invalid' }]
    })
    const unknown = await (await client.get(statusPath, 'nope:ab')).json()
    expect(unknown).toMatchObject({ errors: [{ code: '601' }] })
    expect(sim.requests.map((r) => r.response)).toEqual([
      { status: 200, code: '601' },
      { status: 200, code: '601' }
    ])
  })

  it('answers 602 after expireTokens, and identity then issues a new token', async () => {
    const token = await client.token()
    expect(await (await client.get(statusPath, token)).json()).toMatchObject({
      errors: [{ code: '1013' }]
    })
    sim.expireTokens()
    expect(await (await client.get(statusPath, token)).json()).toMatchObject({
      errors: [{ code: '602', message: 'Access token expired' }]
    })
    const renewed = await client.token(true)
    expect(renewed).not.toBe(token)
    expect(await (await client.get(statusPath, renewed)).json()).toMatchObject({
      errors: [{ code: '1013' }]
    })
  })

  it('answers 601 after invalidateTokens', async () => {
    const token = await client.token()
    sim.invalidateTokens()
    expect(await (await client.get(statusPath, token)).json()).toMatchObject({
      errors: [{ code: '601' }]
    })
  })

  it('expires tokens after tokenTtlSeconds', async () => {
    await sim.stop()
    let now = 1_000_000
    await start({ tokenTtlSeconds: 60, clock: () => now })
    const token = await client.token()
    now += 30_500
    const again = (await (await fetch(client.identityUrl())).json()) as Record<string, unknown>
    expect(again).toMatchObject({ access_token: token, expires_in: 29 })
    now += 29_500
    expect(await (await client.get(statusPath, token)).json()).toMatchObject({
      errors: [{ code: '602' }]
    })
    expect(await client.token(true)).not.toBe(token)
  })

  it('records an access_token query parameter (still honoured) so tests can catch it', async () => {
    const token = await client.token()
    await fetch(`${sim.url}${statusPath}?access_token=${encodeURIComponent(token)}`)
    expect(sim.requests.at(-1)?.query.access_token).toBe(token)
    expect(sim.requests.at(-1)?.response.code).toBe('1013')
  })
})

describe('import jobs', () => {
  beforeEach(() => start())

  it("imports the reference page's Lannister file", async () => {
    sim.pauseProcessing()
    const content = fixture('lannister.csv')
    const submitted = await client.submit({
      content,
      format: 'csv',
      filename: 'Lead-House-Lannister.csv'
    })
    expect(await submitted.json()).toEqual({
      requestId: expect.any(String),
      success: true,
      result: [{ batchId: 1040, importId: '1040', status: 'Queued' }]
    })
    const queued = await client.status(1040)
    expect((queued.result as unknown[])[0]).toMatchObject({
      status: 'Queued',
      numOfLeadsProcessed: 0,
      message: 'Queued for processing'
    })
    sim.resumeProcessing()
    await sim.waitForIdle()
    expect(await client.status(1040)).toEqual({
      requestId: expect.any(String),
      success: true,
      result: [
        {
          batchId: 1040,
          importId: '1040',
          status: 'Complete',
          numOfLeadsProcessed: 8,
          numOfRowsFailed: 0,
          numOfRowsWithWarning: 0,
          message: 'Import succeeded, 8 records imported (8 members)'
        }
      ]
    })
    const job = sim.jobs[0]
    expect(job).toMatchObject({
      programId: '1001',
      programMemberStatus: 'On List',
      format: 'CSV',
      rows: 8
    })
    expect(job?.filename).toBe('Lead-House-Lannister.csv')
    expect(job?.content.toString('utf8')).toBe(content)
    const submit = sim.requests.find((r) => r.kind === 'submit')
    expect(submit?.upload).toMatchObject({
      fieldName: 'file',
      filename: 'Lead-House-Lannister.csv',
      contentType: 'text/csv'
    })
    expect(submit?.query.format).toBe('csv')
    expect(sim.importedEmails('1001').get('tyrion@lannister.com')).toBe(1)
    expect(sim.importedEmails('1002').size).toBe(0)
  })

  it("writes the reference page's Targaryen failure, with no trailing newline", async () => {
    const result = await runJob(fixture('targaryen.csv'))
    expect(result).toMatchObject({
      status: 'Complete',
      numOfLeadsProcessed: 0,
      numOfRowsFailed: 1,
      message: 'Import completed with errors, 0 records imported (0 members), 1 failed'
    })
    const failures = await client.issueFile(1040, 'failures')
    expect(failures.status).toBe(200)
    expect(failures.headers.get('content-type')).toBe('text/csv')
    expect(await failures.text()).toBe(
      'firstName,lastName,email,title,company,leadScore,Import Failure Reason\n' +
        'Aerys,Targaryen,Aerys@Targaryen.com,Targaryen,House Targaryen,TEXT_VALUE_IN_INTEGER_FIELD,Invalid data type in field Lead Score'
    )
    expect(sim.importedEmails().size).toBe(0)
  })

  it('imports a row with an invalid email and lists it in the warnings file', async () => {
    const result = await runJob('email,firstName\nnot-an-email,Arya\nsansa@stark.com,Sansa\n')
    expect(result).toMatchObject({
      status: 'Complete',
      numOfLeadsProcessed: 2,
      numOfRowsFailed: 0,
      numOfRowsWithWarning: 1,
      message: 'Import succeeded, 2 records imported (2 members)'
    })
    expect(await (await client.issueFile(1040, 'warnings')).text()).toBe(
      'email,firstName,Import Warning Reason\nnot-an-email,Arya,Invalid email address'
    )
    expect((await client.issueFile(1040, 'failures')).status).toBe(404)
    expect([...sim.importedEmails().keys()]).toEqual(['not-an-email', 'sansa@stark.com'])
  })

  it('reads quoted delimiters, quoted CRLF/LF line breaks, doubled quotes, a BOM and blank lines', async () => {
    const content =
      '\uFEFFEmail,Note,LeadScore\r\n' +
      'a@x.com,"one, two",1\r\n' +
      '\r\n' +
      'b@x.com,"line\r\nbreak",2\r\n' +
      'c@x.com,"say ""hi""\nthere",x\r\n' +
      'd@x.com,plain\r\n' +
      ',"no email",3\r\n'
    const result = await runJob(content)
    expect(result).toMatchObject({ numOfLeadsProcessed: 2, numOfRowsFailed: 3 })
    expect(sim.jobs[0]?.rows).toBe(5)
    expect(await (await client.issueFile(1040, 'failures')).text()).toBe(
      'Email,Note,LeadScore,Import Failure Reason\n' +
        'c@x.com,"say ""hi""\nthere",x,Invalid data type in field Lead Score\n' +
        'd@x.com,plain,Incorrect number of fields\n' +
        ',no email,3,Missing value in required field email'
    )
  })

  it('imports TSV and answers its failures as TSV', async () => {
    const content = 'email\tcompany\tleadScore\nx@y.com\tA, Inc.\t5\nz@y.com\tB\tlots\n'
    const result = await runJob(content, 'tsv')
    expect(result).toMatchObject({ numOfLeadsProcessed: 1, numOfRowsFailed: 1 })
    const failures = await client.issueFile(1040, 'failures')
    expect(failures.headers.get('content-type')).toBe('text/tab-separated-values')
    expect(await failures.text()).toBe(
      'email\tcompany\tleadScore\tImport Failure Reason\nz@y.com\tB\tlots\tInvalid data type in field Lead Score'
    )
  })

  it('imports SSV (semicolons), quoting fields with semicolons in its failures file', async () => {
    const result = await runJob('email;company;leadScore\nx@y.com;"House; Stark";high\n', 'SSV')
    expect(result).toMatchObject({ numOfRowsFailed: 1 })
    const failures = await client.issueFile(1040, 'failures')
    expect(failures.headers.get('content-type')).toBe('text/plain')
    expect(await failures.text()).toBe(
      'email;company;leadScore;Import Failure Reason\nx@y.com;"House; Stark";high;Invalid data type in field Lead Score'
    )
  })

  it('fails the whole job when the header has no email column', async () => {
    const result = await runJob('firstName,lastName\nJon,Snow\n')
    expect(result).toEqual({
      batchId: 1040,
      importId: '1040',
      status: 'Failed',
      numOfLeadsProcessed: 0,
      numOfRowsFailed: 0,
      numOfRowsWithWarning: 0,
      message: "Import failed: required field 'email' not found in header"
    })
    expect((await client.issueFile(1040, 'failures')).status).toBe(404)
  })

  it('counts a completed job in importedEmails once per import', async () => {
    await runJob('email\nA@b.com\na@B.com\n')
    await runJob('email\na@b.com\n')
    expect(sim.importedEmails()).toEqual(new Map([['a@b.com', 3]]))
  })
})

describe('submit validation', () => {
  beforeEach(() => start())
  const lannister = (): string => fixture('lannister.csv')

  it.each([
    ['no format', { format: null }, '1003', 'Invalid format'],
    ['an unknown format', { format: 'XLS' }, '1003', 'Invalid format'],
    ['no status', { programMemberStatus: null }, '1003', 'Program member status not specified'],
    ['an unknown program', { programId: '999' }, '1013', 'Object not found'],
    ['an unknown status', { programMemberStatus: 'Sleeping' }, '1025', 'Program status not found'],
    ['no file part', { fieldName: 'upload' }, '1003', 'File not specified'],
    ['an empty file', { content: '' }, '1003', 'Empty file'],
    ['a header only', { content: 'email,firstName\n\n' }, '1003', 'Empty file']
  ] as const)('rejects %s', async (_name, options, code, message) => {
    const answer = await (await client.submit({ content: lannister(), ...options })).json()
    expect(answer).toEqual({
      requestId: expect.any(String),
      success: false,
      errors: [{ code, message }]
    })
    expect(sim.jobs).toHaveLength(0)
  })

  it('answers 612 for a body that is not multipart', async () => {
    const token = await client.token()
    const response = await fetch(
      `${sim.url}/bulk/v1/program/1001/members/import.json?format=CSV&programMemberStatus=On%20List`,
      {
        method: 'POST',
        headers: { Authorization: `Bearer ${token}`, 'Content-Type': 'text/csv' },
        body: lannister()
      }
    )
    expect(await response.json()).toMatchObject({ errors: [{ code: '612' }] })
  })

  it('answers 605 for a wrong method and 404 for an unknown path', async () => {
    const wrong = await client.get('/bulk/v1/program/1001/members/import.json')
    expect(await wrong.json()).toMatchObject({
      errors: [{ code: '605', message: 'Request method not supported' }]
    })
    const unknown = await client.get('/rest/v1/activities.json')
    expect(unknown.status).toBe(404)
    expect(await unknown.json()).toMatchObject({ success: false })
    expect(sim.requests.at(-1)?.kind).toBe('other')
  })

  it('answers 1013 for an unknown batch and 1003 for a non-numeric one', async () => {
    expect(await client.status(4242)).toMatchObject({
      errors: [{ code: '1013', message: 'Object not found' }]
    })
    expect(await client.status('abc')).toMatchObject({ errors: [{ code: '1003' }] })
  })
})

describe('files when there are none', () => {
  it('answers 404 with JSON by default', async () => {
    await start()
    await runJob(fixture('lannister.csv'))
    const response = await client.issueFile(1040, 'failures')
    expect(response.status).toBe(404)
    expect(response.headers.get('content-type')).toMatch(/^application\/json/)
    expect(await response.json()).toMatchObject({ success: false })
  })

  it("answers 200 with an empty body when noFileAnswer is 'empty'", async () => {
    await start({ noFileAnswer: 'empty' })
    await runJob(fixture('lannister.csv'))
    for (const which of ['failures', 'warnings'] as const) {
      const response = await client.issueFile(1040, which)
      expect(response.status).toBe(200)
      expect(await response.text()).toBe('')
    }
  })

  it('answers no file while the job is still queued', async () => {
    await start()
    sim.pauseProcessing()
    const batchId = await client.submitOk({ content: fixture('targaryen.csv') })
    expect((await client.issueFile(batchId, 'failures')).status).toBe(404)
  })
})
