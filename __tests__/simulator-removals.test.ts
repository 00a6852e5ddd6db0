import { describe, expect, it } from '@jest/globals'
import { SimClient } from '../simulator/client.js'
import type { Simulator, SimulatorOptions } from '../simulator/server.js'
import { useSimulator } from './e2e/harness.js'

// The harness starts and stops the simulator around each test; `start` swaps in one with the
// test's options.
const simulator = useSimulator({ exportMs: 0 })
let sim: Simulator
let client: SimClient

async function start(options: SimulatorOptions = {}): Promise<void> {
  sim = await simulator.restart(options)
  client = new SimClient(sim)
}

interface Answer {
  success: boolean
  result?: Array<Record<string, unknown>>
  errors?: Array<{ code: string; message: string }>
}

async function call(path: string, init: RequestInit = {}): Promise<Answer> {
  const token = await client.token()
  const response = await fetch(`${sim.url}${path}`, {
    ...init,
    headers: { Authorization: `Bearer ${token}`, ...(init.headers as Record<string, string>) }
  })
  return (await response.json()) as Answer
}

const postJson = (path: string, body: unknown): Promise<Answer> =>
  call(path, {
    method: 'POST',
    headers: { 'Content-Type': 'application/json' },
    body: JSON.stringify(body)
  })

const members = {
  '1001': [
    { email: 'a@x.com', status: 'On List' },
    { email: 'b@x.com', status: 'On List' },
    { email: 'c@x.com', status: 'Member' }
  ]
}

describe('lead lookup by email', () => {
  it('finds known leads (case-insensitive) and leaves unknown emails out', async () => {
    await start({ members, leads: ['lone@x.com'] })
    const answer = await call(
      '/rest/v1/leads.json?filterType=email&filterValues=A@x.com,nobody@x.com,lone@x.com&fields=id,email'
    )
    expect(answer.success).toBe(true)
    expect(answer.result?.map((lead) => lead.email)).toEqual(['a@x.com', 'lone@x.com'])
    expect(answer.result?.every((lead) => typeof lead.id === 'number')).toBe(true)
  })

  it('accepts the POST form with _method=GET and refuses more than 300 values', async () => {
    await start({ members })
    const form = new URLSearchParams({
      _method: 'GET',
      filterType: 'email',
      filterValues: 'b@x.com',
      fields: 'id,email'
    })
    const posted = await call('/rest/v1/leads.json', {
      method: 'POST',
      headers: { 'Content-Type': 'application/x-www-form-urlencoded' },
      body: form.toString()
    })
    expect(posted.result?.map((lead) => lead.email)).toEqual(['b@x.com'])
    const many = Array.from({ length: 301 }, (_, i) => `p${i}@x.com`).join(',')
    const tooMany = await call(`/rest/v1/leads.json?filterType=email&filterValues=${many}`)
    expect(tooMany.errors?.[0]?.code).toBe('1003')
  })

  it('answers HTTP 414 past Marketo’s 8 KB URL limit', async () => {
    await start()
    const token = await client.token()
    const long = 'x'.repeat(8200)
    const response = await fetch(
      `${sim.url}/rest/v1/leads.json?filterType=email&filterValues=${long}`,
      { headers: { Authorization: `Bearer ${token}` } }
    )
    expect(response.status).toBe(414)
  })
})

describe('member delete', () => {
  it('deletes members and skips leads that are not members, per record', async () => {
    await start({ members, leads: ['lone@x.com'] })
    const found = await call(
      '/rest/v1/leads.json?filterType=email&filterValues=a@x.com,lone@x.com&fields=id,email'
    )
    const ids = found.result?.map((lead) => lead.id as number) ?? []
    const answer = await postJson('/rest/v1/programs/1001/members/delete.json', {
      input: ids.map((leadId) => ({ leadId }))
    })
    expect(answer.result).toEqual([
      { leadId: ids[0], seq: 0, status: 'deleted' },
      {
        leadId: ids[1],
        seq: 1,
        status: 'skipped',
        reasons: [{ code: '1004', message: 'Lead not found in program' }]
      }
    ])
    expect([...sim.members('1001').keys()].sort()).toEqual(['b@x.com', 'c@x.com'])
  })

  it('refuses more than 300 records, a bad body and an unknown program', async () => {
    await start({ members })
    const input = Array.from({ length: 301 }, (_, i) => ({ leadId: i + 1 }))
    const path = '/rest/v1/programs/1001/members/delete.json'
    expect((await postJson(path, { input })).errors?.[0]?.code).toBe('1003')
    expect((await postJson(path, { input: [{ leadId: 'x' }] })).errors?.[0]?.code).toBe('1003')
    const unknown = await postJson('/rest/v1/programs/999/members/delete.json', {
      input: [{ leadId: 1 }]
    })
    expect(unknown.errors?.[0]?.code).toBe('1013')
    expect(sim.members('1001').size).toBe(3)
  })

  it('makes imported rows members with their job’s status', async () => {
    await start({ msPerRow: 0, jobOverheadMs: 0, queuedMs: 0 })
    await client.submit({ content: 'email\nnew@x.com\n' })
    await sim.waitForIdle()
    expect(sim.members('1001')).toEqual(new Map([['new@x.com', 'On List']]))
  })
})

const EXPORT = '/bulk/v1/program/members/export'

async function completedExport(statusNames: string[]): Promise<string> {
  const created = await postJson(`${EXPORT}/create.json`, {
    fields: ['leadId', 'email'],
    filter: { programId: 1001, statusNames }
  })
  const exportId = created.result?.[0]?.exportId as string
  expect(created.result?.[0]?.status).toBe('Created')
  expect((await call(`${EXPORT}/${exportId}/enqueue.json`, { method: 'POST' })).success).toBe(true)
  for (;;) {
    const status = await call(`${EXPORT}/${exportId}/status.json`)
    if (status.result?.[0]?.status === 'Completed') return exportId
    expect(['Queued', 'Processing']).toContain(status.result?.[0]?.status)
  }
}

describe('program member export', () => {
  it('exports the members with the asked statuses as a CSV file', async () => {
    await start({ members })
    const exportId = await completedExport(['On List'])
    const token = await client.token()
    const file = await fetch(`${sim.url}${EXPORT}/${exportId}/file.json`, {
      headers: { Authorization: `Bearer ${token}` }
    })
    const lines = (await file.text()).trim().split('\n')
    expect(lines[0]).toBe('leadId,email')
    expect(lines.slice(1).map((line) => line.split(',')[1])).toEqual(['a@x.com', 'b@x.com'])
    const status = await call(`${EXPORT}/${exportId}/status.json`)
    expect(status.result?.[0]).toMatchObject({ numberOfRecords: 2, status: 'Completed' })
  })

  it('holds 10 exports queued and refuses the 11th enqueue with 1029', async () => {
    await start({ members, exportMs: 60_000 })
    const codes: string[] = []
    for (let i = 0; i < 11; i++) {
      const created = await postJson(`${EXPORT}/create.json`, {
        fields: ['leadId', 'email'],
        filter: { programId: 1001 }
      })
      const exportId = created.result?.[0]?.exportId as string
      const answer = await call(`${EXPORT}/${exportId}/enqueue.json`, { method: 'POST' })
      codes.push(answer.success ? 'ok' : (answer.errors?.[0]?.code ?? ''))
    }
    expect(codes).toEqual([...Array(10).fill('ok'), '1029'])
    expect(sim.exports.filter((e) => e.status === 'Processing')).toHaveLength(2)
  })

  it('refuses an enqueue with 1029 once the day’s export files reach the size limit', async () => {
    await start({ members, exportDailyBytes: 10 })
    await completedExport([])
    const created = await postJson(`${EXPORT}/create.json`, {
      fields: ['leadId'],
      filter: { programId: 1001 }
    })
    const exportId = created.result?.[0]?.exportId as string
    const answer = await call(`${EXPORT}/${exportId}/enqueue.json`, { method: 'POST' })
    expect(answer.errors?.[0]).toEqual({ code: '1029', message: 'Export daily quota exceeded' })
  })

  it('refuses an unknown field, a missing programId and a file before completion', async () => {
    await start({ members, exportMs: 60_000 })
    const bad = await postJson(`${EXPORT}/create.json`, {
      fields: ['ssn'],
      filter: { programId: 1001 }
    })
    expect(bad.errors?.[0]?.code).toBe('1003')
    const noProgram = await postJson(`${EXPORT}/create.json`, { fields: ['leadId'], filter: {} })
    expect(noProgram.errors?.[0]?.code).toBe('1003')
    const created = await postJson(`${EXPORT}/create.json`, {
      fields: ['leadId'],
      filter: { programId: 1001 }
    })
    const exportId = created.result?.[0]?.exportId as string
    expect((await call(`${EXPORT}/${exportId}/file.json`)).errors?.[0]?.code).toBe('1003')
  })
})

describe('permissions', () => {
  it('answers 603 to the lookup and the export without Read-Only Lead, and to the delete without Read-Write Lead', async () => {
    await start({ members, deniedPermissions: ['lead'] })
    const lookup = await call('/rest/v1/leads.json?filterType=email&filterValues=a@x.com')
    expect(lookup.errors?.[0]).toEqual({ code: '603', message: 'Access denied' })
    const created = await postJson(`${EXPORT}/create.json`, {
      fields: ['leadId'],
      filter: { programId: 1001 }
    })
    expect(created.errors?.[0]?.code).toBe('603')
    await start({ members, deniedPermissions: ['leadWrite'] })
    const deleted = await postJson('/rest/v1/programs/1001/members/delete.json', {
      input: [{ leadId: 1 }]
    })
    expect(deleted.errors?.[0]?.code).toBe('603')
    expect(sim.members('1001').size).toBe(3)
    const read = await call('/rest/v1/leads.json?filterType=email&filterValues=a@x.com')
    expect(read.success).toBe(true)
  })
})
