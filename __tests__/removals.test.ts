import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { MarketoClient } from '../src/marketo/index.js'
import { lookupBatches, MAX_URL_BYTES } from '../src/removals/batches.js'
import { EmailSet } from '../src/removals/email-set.js'
import { pastLimit, removalBlocked, removalLimit } from '../src/removals/guard.js'
import {
  NOT_A_MEMBER,
  NOT_A_MEMBER_AFTER_LOST_ANSWER,
  UNKNOWN_LEAD,
  removeCandidates
} from '../src/removals/remove.js'
import { runRemovals, type RemovalDeps, type RemovalRequest } from '../src/removals/run.js'
import type { RemovalCandidate } from '../src/removals/types.js'
import { startSimulator, type Simulator, type SimulatorOptions } from '../simulator/server.js'
import { planFile } from '../src/files/index.js'
import { instantTime } from '../testkit/instant-time.js'

let sim: Simulator | undefined
let dir: string | undefined

afterEach(async () => {
  await sim?.stop()
  sim = undefined
  if (dir) await rm(dir, { recursive: true, force: true })
  dir = undefined
})

async function start(options: SimulatorOptions): Promise<MarketoClient> {
  sim = await startSimulator({ exportMs: 0, ...options })
  return new MarketoClient({
    restUrl: sim.url,
    identityUrl: sim.identityUrl,
    clientId: sim.clientId,
    clientSecret: sim.clientSecret,
    // Retries go on at once: no test waits for a back-off.
    sleep: async () => undefined
  })
}

const lookupUrl = (): string => `${sim?.url}/rest/v1/leads.json`
const candidate = (email: string, line: number): RemovalCandidate => ({
  email,
  source: { file: 'list.csv', line }
})

describe('lookupBatches', () => {
  it('keeps at most 300 emails a batch', () => {
    const emails = Array.from({ length: 650 }, (_, i) => `p${i}@x.co`)
    expect(
      lookupBatches(emails, 'https://a.mktorest.com/rest/v1/leads.json').map((b) => b.length)
    ).toEqual([300, 300, 50])
  })

  it('keeps each batch URL within 8 KB, long emails included', () => {
    const base = 'https://123-ABC-456.mktorest.com/rest/v1/leads.json'
    const emails = Array.from(
      { length: 300 },
      (_, i) => `${'long.name+tag'.repeat(4)}${i}@example.com`
    )
    const batches = lookupBatches(emails, base)
    expect(batches.length).toBeGreaterThan(1)
    expect(batches.flat()).toEqual(emails)
    for (const batch of batches) {
      const query = new URLSearchParams({
        filterType: 'email',
        filterValues: batch.join(','),
        fields: 'id,email'
      })
      expect(`${base}?${query}`.length).toBeLessThanOrEqual(MAX_URL_BYTES)
    }
  })
})

describe('EmailSet', () => {
  it('holds what was added and nothing else, across growth', () => {
    const set = new EmailSet()
    for (let i = 0; i < 5000; i++) set.add(`m${i}@x.co`)
    expect(set.size).toBe(5000)
    expect(set.has('m4999@x.co')).toBe(true)
    expect(set.has('m5000@x.co')).toBe(false)
  })
})

describe('guards', () => {
  it('counts a share of the program’s members, and names the number and the limit past it', () => {
    const limit = removalLimit({ kind: 'percent', percent: 5 }, 40, ['On List'])
    expect(limit.count).toBe(2)
    expect(pastLimit(2, limit)).toBeUndefined()
    expect(pastLimit(3, limit)).toBe(
      `3 members to remove is past max-removals 5% of the program's 40 members with status "On List" (2): nobody was removed`
    )
  })

  it('blocks removal after a failed job, a file error or a stopped run', () => {
    const base = { results: [], fileProblems: 0, fileErrors: 0, dryRun: false }
    expect(removalBlocked(base)).toBeUndefined()
    expect(removalBlocked({ ...base, fileErrors: 1 })).toMatch(/file problem/)
    expect(removalBlocked({ ...base, stopped: 'timed out' })).toMatch(/timed out/)
  })
})

describe('removeCandidates against the simulator', () => {
  const members = {
    '1001': [
      { email: 'a@x.com', status: 'On List' },
      { email: 'b@x.com', status: 'On List' }
    ]
  }

  it('removes members, and reports an unknown email and a lead that is no member as such', async () => {
    const client = await start({ members, leads: ['lone@x.com'] })
    const removal = await removeCandidates(
      [candidate('a@x.com', 2), candidate('nobody@x.com', 3), candidate('lone@x.com', 4)],
      client,
      { programId: '1001', lookupUrl: lookupUrl() }
    )
    expect(removal.removed.map((m) => m.source)).toEqual([{ file: 'list.csv', line: 2 }])
    expect(removal.notRemoved.map((m) => [m.source, m.why])).toEqual([
      [{ file: 'list.csv', line: 3 }, UNKNOWN_LEAD],
      [{ file: 'list.csv', line: 4 }, NOT_A_MEMBER]
    ])
    expect([...(sim?.members('1001').keys() ?? [])]).toEqual(['b@x.com'])
  })

  it('says a member found gone by a delete sent again after a lost answer was most likely removed by it', async () => {
    const client = await start({ members })
    sim?.addFault({ on: 'memberDelete', fault: { kind: 'resetAfterAccept' } })
    const removal = await removeCandidates(
      [candidate('a@x.com', 2), candidate('b@x.com', 3)],
      client,
      { programId: '1001', lookupUrl: lookupUrl() }
    )
    expect(sim?.requests.filter((r) => r.kind === 'memberDelete')).toHaveLength(2)
    expect(removal.removed).toEqual([])
    expect(removal.notRemoved.map((m) => m.why)).toEqual([
      NOT_A_MEMBER_AFTER_LOST_ANSWER,
      NOT_A_MEMBER_AFTER_LOST_ANSWER
    ])
    expect(sim?.members('1001').size).toBe(0)
  })

  it('holds every removal when the role may not write leads (603), and removes nobody', async () => {
    const client = await start({ members, deniedPermissions: ['leadWrite'] })
    const removal = await removeCandidates(
      [candidate('a@x.com', 2), candidate('b@x.com', 3)],
      client,
      { programId: '1001', lookupUrl: lookupUrl() }
    )
    expect(removal.held).toMatch(/603/)
    expect(removal.notRemoved).toHaveLength(2)
    expect(sim?.members('1001').size).toBe(2)
  })

  it('holds every removal when the role may not read leads (603 on the lookup)', async () => {
    const client = await start({ members, deniedPermissions: ['lead'] })
    const removal = await removeCandidates([candidate('a@x.com', 2)], client, {
      programId: '1001',
      lookupUrl: lookupUrl()
    })
    expect(removal.held).toMatch(/603/)
    expect(sim?.requests.some((r) => r.kind === 'memberDelete')).toBe(false)
  })

  it('uses one lookup and one delete per 300 removals', async () => {
    const many = Array.from({ length: 650 }, (_, i) => ({
      email: `m${i}@x.com`,
      status: 'On List'
    }))
    const client = await start({ members: { '1001': many } })
    const removal = await removeCandidates(
      many.map((m, i) => candidate(m.email, i + 2)),
      client,
      { programId: '1001', lookupUrl: lookupUrl() }
    )
    expect(removal.removed).toHaveLength(650)
    const kinds = sim?.requests.map((r) => r.kind).filter((k) => k !== 'identity')
    expect(kinds).toEqual([
      'leads',
      'leads',
      'leads',
      'memberDelete',
      'memberDelete',
      'memberDelete'
    ])
  })

  it('stops between calls when cancelled, and accounts for what was not sent', async () => {
    const many = Array.from({ length: 400 }, (_, i) => ({
      email: `m${i}@x.com`,
      status: 'On List'
    }))
    const client = await start({ members: { '1001': many } })
    const controller = new AbortController()
    const removal = await removeCandidates(
      many.map((m, i) => candidate(m.email, i + 2)),
      client,
      {
        programId: '1001',
        lookupUrl: lookupUrl(),
        signal: controller.signal,
        onCall: (removed) => {
          if (removed > 0) controller.abort(new Error('cancelled by SIGINT'))
        }
      }
    )
    expect(removal.removed).toHaveLength(300)
    expect(removal.notRemoved).toHaveLength(100)
    expect(removal.held).toBe('the run was cancelled (cancelled by SIGINT)')
    expect(sim?.members('1001').size).toBe(100)
  })
})

describe('runRemovals', () => {
  async function deps(client: MarketoClient): Promise<RemovalDeps> {
    dir = await mkdtemp(join(tmpdir(), 'removals-'))
    const time = instantTime(0)
    return {
      api: client,
      exportPath: join(dir, 'export.csv'),
      lookupUrl: lookupUrl(),
      pollIntervalMs: 1,
      maxPollIntervalMs: 4,
      deadline: Number.MAX_SAFE_INTEGER,
      clock: time.clock,
      // The simulator's exports end on its own timer: wait for it for real, in small steps.
      sleep: () => new Promise((resolve) => setImmediate(resolve)),
      calls: () => client.stats.calls,
      info: () => undefined
    }
  }

  const program = Array.from({ length: 40 }, (_, i) => ({
    email: `m${i}@x.com`,
    status: 'On List'
  }))

  async function mirrorRequest(
    keep: number,
    maxRemovals: RemovalRequest['maxRemovals']
  ): Promise<RemovalRequest> {
    const path = join(dir as string, 'list.csv')
    const rows = program.slice(0, keep).map((m) => m.email.toUpperCase())
    await writeFile(path, `email\n${rows.join('\n')}\n`)
    const plan = await planFile(path, {
      displayPath: 'list.csv',
      format: 'CSV',
      chunkSizeBytes: 1_000_000
    })
    return {
      mode: 'mirror',
      dryRun: false,
      programId: '1001',
      statuses: ['On List'],
      maxRemovals,
      candidates: [],
      plans: [plan]
    }
  }

  it('mirror removes the members in none of the files and keeps the others', async () => {
    const client = await start({
      members: { '1001': [...program, { email: 'x@x.com', status: 'Member' }] }
    })
    const d = await deps(client)
    const outcome = await runRemovals(await mirrorRequest(38, { kind: 'percent', percent: 5 }), d)
    expect(outcome.held).toBeUndefined()
    expect(outcome.currentMembers).toBe(40)
    expect(outcome.removed).toHaveLength(2)
    expect(outcome.removed.every((m) => m.source === 'not in the files')).toBe(true)
    const left = sim?.members('1001')
    expect(left?.size).toBe(39)
    expect(left?.has('m39@x.com')).toBe(false)
    expect(left?.get('x@x.com')).toBe('Member')
  })

  it('mirror past max-removals removes nobody and names the number and the limit', async () => {
    const client = await start({ members: { '1001': program } })
    const d = await deps(client)
    const outcome = await runRemovals(await mirrorRequest(37, { kind: 'percent', percent: 5 }), d)
    expect(outcome.held).toMatch(
      /^3 members to remove is past max-removals 5% .*\(2\): nobody was removed$/
    )
    expect(outcome.removed).toHaveLength(0)
    expect(outcome.notListed).toBe(3)
    expect(sim?.members('1001').size).toBe(40)
    expect(sim?.requests.some((r) => r.kind === 'memberDelete')).toBe(false)
  })

  it('a dry run of mirror counts who would be removed and removes nobody', async () => {
    const client = await start({ members: { '1001': program } })
    const d = await deps(client)
    const request = {
      ...(await mirrorRequest(39, { kind: 'count', count: 5 } as const)),
      dryRun: true
    }
    const outcome = await runRemovals(request, d)
    expect(outcome.wouldRemove).toEqual(['not in the files'])
    expect(sim?.members('1001').size).toBe(40)
  })
})
