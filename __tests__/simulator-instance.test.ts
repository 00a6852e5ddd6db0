import { describe, expect, it } from '@jest/globals'
import { SimClient } from '../simulator/client.js'
import type { Simulator, SimulatorOptions } from '../simulator/server.js'
import { useSimulator } from './e2e/harness.js'

// The harness starts and stops the simulator around each test; `start` swaps in one with the
// test's options.
const simulator = useSimulator()
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
  warnings?: string[]
}

async function get(path: string): Promise<Answer> {
  const token = await client.token()
  const response = await fetch(`${sim.url}${path}`, {
    headers: { Authorization: `Bearer ${token}` }
  })
  return (await response.json()) as Answer
}

describe('program and channels', () => {
  it('describes a program with its channel and workspace', async () => {
    await start({ programInfo: { '1001': { name: 'Webinar December', workspace: 'EMEA' } } })
    const answer = await get('/rest/asset/v1/program/1001.json')
    expect(answer.success).toBe(true)
    expect(answer.result?.[0]).toMatchObject({
      id: 1001,
      name: 'Webinar December',
      channel: 'Webinar',
      workspace: 'EMEA',
      folder: { type: 'Folder' }
    })
  })

  it('answers an unknown program with success, no result and a warning', async () => {
    await start()
    const answer = await get('/rest/asset/v1/program/4242.json')
    expect(answer).toMatchObject({ success: true, warnings: [expect.stringMatching(/No assets/)] })
    expect(answer.result).toBeUndefined()
  })

  it('lists each channel once with its progression statuses in step order', async () => {
    await start({
      programs: { '1001': ['Member', 'Attended'], '1002': ['Member', 'Attended'], '2001': ['Sent'] }
    })
    const answer = await get('/rest/asset/v1/channels.json?maxReturn=200')
    expect(answer.result).toHaveLength(2)
    expect(answer.result?.[0]).toMatchObject({
      name: 'Webinar',
      progressionStatuses: [
        { name: 'Member', step: 0, success: false, hidden: false },
        { name: 'Attended', step: 1, success: true, hidden: false }
      ]
    })
    const program = await get('/rest/asset/v1/program/2001.json')
    expect(program.result?.[0]?.channel).toBe(answer.result?.[1]?.name)
  })

  it('pages channels with offset and refuses maxReturn past 200', async () => {
    await start({ programs: { '1': ['A'], '2': ['B'], '3': ['C'] } })
    const page = await get('/rest/asset/v1/channels.json?offset=1&maxReturn=1')
    expect(page.result?.map((c) => c.name)).toEqual(['Channel 2'])
    const past = await get('/rest/asset/v1/channels.json?offset=3')
    expect(past.result).toBeUndefined()
    expect((await get('/rest/asset/v1/channels.json?maxReturn=201')).errors?.[0]?.code).toBe('1003')
  })
})

describe('field descriptions', () => {
  it('describes lead and program member fields with name, displayName, dataType, updateable', async () => {
    await start()
    const lead = await get('/rest/v1/leads/describe2.json')
    const fields = lead.result?.[0]?.fields as Array<Record<string, unknown>>
    expect(fields).toContainEqual(
      expect.objectContaining({ name: 'email', displayName: 'Email Address', updateable: true })
    )
    expect(fields).toContainEqual(expect.objectContaining({ name: 'id', updateable: false }))
    const member = await get('/rest/v1/programs/members/describe.json')
    expect(member.result?.[0]).toMatchObject({ name: 'API Program Member' })
    expect(member.result?.[0]?.fields).toContainEqual(
      expect.objectContaining({ name: 'registrationCode', dataType: 'string' })
    )
  })
})

describe('permissions', () => {
  it('answers 603 on asset calls for a role without Read-Only Assets', async () => {
    await start({ deniedPermissions: ['assets'] })
    expect((await get('/rest/asset/v1/program/1001.json')).errors?.[0]?.code).toBe('603')
    expect((await get('/rest/asset/v1/channels.json')).errors?.[0]?.code).toBe('603')
    expect((await get('/rest/v1/leads/describe2.json')).success).toBe(true)
  })

  it('answers 603 on describe for a role without Read-Only Lead', async () => {
    await start({ deniedPermissions: ['lead'] })
    expect((await get('/rest/v1/leads/describe2.json')).errors?.[0]?.code).toBe('603')
    expect((await get('/rest/v1/programs/members/describe.json')).errors?.[0]?.code).toBe('603')
    expect((await get('/rest/asset/v1/program/1001.json')).success).toBe(true)
  })
})

describe('daily usage', () => {
  it("counts today's calls from the calls served, on top of the ones made before", async () => {
    await start({ usageToday: 49_000, clock: () => Date.parse('2026-12-02T12:00:00Z') })
    await get('/rest/asset/v1/program/1001.json')
    await get('/rest/v1/leads/describe2.json')
    const answer = await get('/rest/v1/stats/usage.json')
    expect(answer.result?.[0]).toMatchObject({ date: '2026-12-02T00:00:00Z', total: 49_003 })
  })
})

describe('a submit with a column that is no field', () => {
  it('rejects the whole file with 1006 and creates no job', async () => {
    await start({ rejectUnknownColumns: true })
    const submit = async (content: string): Promise<Answer> =>
      (await (await client.submit({ content })).json()) as Answer
    const answer = await submit('Email Address,firstName\na@x.com,Ann\n')
    expect(answer.errors?.[0]).toEqual({ code: '1006', message: "Field 'Email Address' not found" })
    expect(sim.jobs).toHaveLength(0)
    expect((await submit('email,firstName,registrationCode\r\na@x.com,Ann,7\n')).success).toBe(true)
  })
})
