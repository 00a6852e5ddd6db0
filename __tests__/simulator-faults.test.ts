import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { SimClient } from '../simulator/client.js'
import { startSimulator } from '../simulator/server.js'
import type { Simulator } from '../simulator/server.js'

let sim: Simulator
let client: SimClient
const csv = 'email\na@b.com\nc@d.com\n'
const statusPath = '/bulk/v1/program/members/import/1040/status.json'

beforeEach(async () => {
  sim = await startSimulator({ msPerRow: 1, jobOverheadMs: 3, queuedMs: 2 })
  client = new SimClient(sim)
})

afterEach(async () => {
  await sim.stop()
})

async function statusCode(): Promise<string | undefined> {
  const answer = (await (await client.get(statusPath)).json()) as {
    errors?: Array<{ code: string }>
  }
  return answer.errors?.[0]?.code
}

describe('fault rules', () => {
  it('answers an HTTP error with a gateway HTML page, then behaves again', async () => {
    await client.token()
    sim.addFault({ on: 'status', fault: { kind: 'http', status: 502, html: true } })
    const response = await client.get(statusPath)
    expect(response.status).toBe(502)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await response.text()).toContain('<h1>502 Bad Gateway</h1>')
    expect(await statusCode()).toBe('1013')
    expect(sim.requests.map((r) => r.fault)).toEqual([undefined, 'http', undefined])
    expect(sim.requests[1]?.response).toEqual({ status: 502 })
  })

  it('answers an HTTP error with a plain body when html is not set', async () => {
    sim.addFault({ on: 'status', fault: { kind: 'http', status: 503 } })
    const response = await client.get(statusPath)
    expect(response.status).toBe(503)
    expect(await response.text()).toBe('503 Service Unavailable')
  })

  it('answers a Marketo error code on the nth call for `times` calls', async () => {
    sim.addFault({ on: 'status', nth: 2, times: 2, fault: { kind: 'code', code: '611' } })
    const codes = []
    for (let i = 0; i < 4; i++) codes.push(await statusCode())
    expect(codes).toEqual(['1013', '611', '611', '1013'])
    sim.addFault({ on: 'status', fault: { kind: 'code', code: '799', message: 'Custom' } })
    const answer = await (await client.get(statusPath)).json()
    expect(answer).toMatchObject({ success: false, errors: [{ code: '799', message: 'Custom' }] })
  })

  it('applies a rule forever with times: Infinity until clearFaults', async () => {
    sim.addFault({ on: 'any', times: Infinity, fault: { kind: 'code', code: '606' } })
    expect(await statusCode()).toBe('606')
    expect(await statusCode()).toBe('606')
    expect(
      sim.requests.filter((r) => r.kind === 'identity').every((r) => r.fault === undefined)
    ).toBe(true)
    sim.clearFaults()
    expect(await statusCode()).toBe('1013')
  })

  it('faults the identity call only when targeted', async () => {
    sim.addFault({ on: 'identity', fault: { kind: 'http', status: 502, html: true } })
    expect((await fetch(client.identityUrl())).status).toBe(502)
    expect((await fetch(client.identityUrl())).status).toBe(200)
  })

  it('resets the connection without answering', async () => {
    await client.token()
    sim.addFault({ on: 'submit', fault: { kind: 'reset' } })
    await expect(client.submit({ content: csv })).rejects.toThrow()
    expect(sim.jobs).toHaveLength(0)
    expect(sim.requests.at(-1)).toMatchObject({
      kind: 'submit',
      fault: 'reset',
      response: { status: 0 }
    })
    expect(await client.submitOk({ content: csv })).toBe(1040)
  })

  it('creates the job, then resets the connection, with resetAfterAccept', async () => {
    await client.token()
    sim.addFault({ on: 'submit', fault: { kind: 'resetAfterAccept' } })
    await expect(client.submit({ content: csv })).rejects.toThrow()
    expect(sim.jobs).toHaveLength(1)
    expect(sim.requests.at(-1)).toMatchObject({
      fault: 'resetAfterAccept',
      response: { status: 0 }
    })
    await sim.waitForIdle()
    expect(sim.jobs[0]?.status).toBe('Complete')
    expect(sim.importedEmails().get('a@b.com')).toBe(1)
  })

  it('delays the answer but processes the call first', async () => {
    await client.token()
    sim.addFault({ on: 'submit', fault: { kind: 'delay', ms: 60 } })
    const answer = await (await client.submit({ content: csv })).json()
    const answeredAt = Date.now()
    expect(answer).toMatchObject({ success: true })
    expect(answeredAt - (sim.jobs[0]?.createdAt as number)).toBeGreaterThanOrEqual(59)
    expect(sim.requests.at(-1)?.fault).toBe('delay')
  })

  it('answers half a JSON body with truncated', async () => {
    sim.addFault({ on: 'status', fault: { kind: 'truncated' } })
    const response = await client.get(statusPath)
    expect(response.status).toBe(200)
    const text = await response.text()
    expect(text.startsWith('{"requestId":')).toBe(true)
    expect(() => JSON.parse(text)).toThrow()
  })

  it('answers an HTML page with status 200 with nonJson', async () => {
    sim.addFault({ on: 'failures', fault: { kind: 'nonJson' } })
    const response = await client.issueFile(1040, 'failures')
    expect(response.status).toBe(200)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await response.text()).toMatch(/^<html>/)
  })

  it('fails the accepted job with jobFails, counting accepted submits only', async () => {
    sim.addFault({ on: 'submit', nth: 2, fault: { kind: 'jobFails' } })
    sim.addFault({
      on: 'submit',
      nth: 3,
      fault: { kind: 'jobFails', message: 'Import failed: bad day' }
    })
    await client.submitOk({ content: csv })
    const rejected = await (
      await client.submit({ content: csv, programMemberStatus: 'Nope' })
    ).json()
    expect(rejected).toMatchObject({ errors: [{ code: '1025' }] })
    await client.submitOk({ content: csv })
    await client.submitOk({ content: csv })
    await sim.waitForIdle()
    expect(sim.jobs.map((job) => [job.status, job.message])).toEqual([
      ['Complete', 'Import succeeded, 2 records imported (2 members)'],
      ['Failed', 'Import failed: internal error'],
      ['Failed', 'Import failed: bad day']
    ])
    expect(sim.jobs[1]).toMatchObject({
      numOfLeadsProcessed: 0,
      numOfRowsFailed: 0,
      fault: 'jobFails'
    })
    expect(sim.importedEmails().get('a@b.com')).toBe(1)
  })

  it('keeps a stuck job Queued, holding a place in the queue', async () => {
    await sim.stop()
    sim = await startSimulator({ msPerRow: 1, jobOverheadMs: 3, queuedMs: 2, maxQueued: 2 })
    client = new SimClient(sim)
    sim.addFault({ on: 'submit', times: 2, fault: { kind: 'stuck' } })
    await client.submitOk({ content: csv })
    await client.submitOk({ content: csv })
    expect(await (await client.submit({ content: csv })).json()).toMatchObject({
      errors: [{ code: '1016' }]
    })
    await sim.waitForIdle()
    expect(sim.jobs.map((job) => [job.status, job.fault])).toEqual([
      ['Queued', 'stuck'],
      ['Queued', 'stuck']
    ])
  })

  it('does not hold back the jobs behind a stuck one', async () => {
    sim.addFault({ on: 'submit', fault: { kind: 'stuck' } })
    const stuck = await client.submitOk({ content: csv })
    const next = await client.submitOk({ content: csv })
    await sim.waitForIdle()
    expect((await client.status(stuck)).result).toMatchObject([
      { status: 'Queued', message: 'Queued for processing' }
    ])
    expect((await client.status(next)).result).toMatchObject([{ status: 'Complete' }])
  })

  it('refuses submit-only faults on other targets', () => {
    expect(() => sim.addFault({ on: 'status', fault: { kind: 'stuck' } })).toThrow(
      /submit calls only/
    )
    expect(() => sim.addFault({ on: 'status', nth: 0, fault: { kind: 'reset' } })).toThrow(/nth/)
  })
})

describe('stop', () => {
  it('closes the server with pending delayed answers, queued jobs and idle keep-alive sockets', async () => {
    await client.token()
    await client.submitOk({ content: csv })
    sim.addFault({ on: 'status', fault: { kind: 'delay', ms: 10_000 } })
    const pending = client.get(statusPath).then(
      () => 'answered',
      () => 'failed'
    )
    await new Promise((resolve) => setTimeout(resolve, 20))
    await sim.stop()
    expect(await pending).toBe('failed')
    await expect(fetch(client.identityUrl())).rejects.toThrow()
    await sim.waitForIdle()
  })
})

describe('faults that echo what the action sent, or say hostile things', () => {
  const messageOf = async (batchId: number): Promise<string> =>
    ((await client.status(batchId)) as { result: { message: string }[] }).result[0]!.message

  it('echoSecret: a 401 whose error_description holds the client_secret sent', async () => {
    sim.addFault({ on: 'identity', fault: { kind: 'echoSecret' } })
    const query = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: sim.clientId,
      client_secret: sim.clientSecret
    })
    const response = await fetch(`${sim.identityUrl}/oauth/token?${query.toString()}`)
    expect(response.status).toBe(401)
    expect(await response.json()).toEqual({
      error: 'invalid_client',
      error_description: `Bad client credentials: ${sim.clientSecret}`
    })
  })

  it('echoToken: the status message holds the access token of the call', async () => {
    const batchId = await client.submitOk({ content: csv })
    sim.addFault({ on: 'status', fault: { kind: 'echoToken' } })
    const token = await client.token()
    expect(await messageOf(batchId)).toMatch(
      new RegExp(`\\(access token ${token.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\)$`)
    )
    // The rule applies to one call: the next status is Marketo's own message again.
    expect(await messageOf(batchId)).not.toContain(token)
  })

  it('hostileText: the job says `message` and its failed rows say `reason`', async () => {
    sim.addFault({
      on: 'submit',
      fault: { kind: 'hostileText', message: '\n::error::x', reason: 'Bad\n::error::y' }
    })
    const batchId = await client.submitOk({ content: 'email,leadScore\na@b.com,1\nc@d.com,TEXT\n' })
    await sim.waitForIdle()
    expect(await messageOf(batchId)).toMatch(/\n::error::x$/)
    const failures = await (await client.issueFile(batchId, 'failures')).text()
    expect(failures).toBe('email,leadScore,Import Failure Reason\nc@d.com,TEXT,"Bad\n::error::y"')
  })
})
