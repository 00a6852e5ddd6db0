/**
 * Every request the action sends to Marketo conforms to Adobe's OpenAPI files: the built action
 * runs through Prism's validating proxy of swagger-mapi.json in front of the simulator, the
 * asset calls that describe the instance through a second proxy of swagger-asset.json, and the
 * proxies' logs must hold no request violation. A request known to break the spec proves the
 * check can fail.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync } from 'node:fs'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { runAction } from '../../scripts/run-action.js'
import { readSample, simulatorInputs, useSimulator } from './harness.js'

const ROOT = resolve(import.meta.dirname, '../..')
/** Adobe's file from the shared reference, else the copy kept with the fixtures. */
const spec = (name: string): string => {
  const shared = resolve(ROOT, '../shared/reference/openapi', name)
  return existsSync(shared) ? shared : resolve(ROOT, '__fixtures__/openapi', name)
}
const PRISM = resolve(ROOT, 'node_modules/.bin/prism')

// A member in none of the files: the mirror run removes it through the proxy.
const sim = useSimulator(
  { members: { '1001': [{ email: 'gone@example.com', status: 'On List' }] } },
  { scope: 'all' }
)
interface Proxy {
  process: ChildProcess
  url: string
  log: string
}
let mapi: Proxy
let asset: Proxy

function simulatorTokenUrl(): string {
  const query = new URLSearchParams({
    grant_type: 'client_credentials',
    client_id: sim().clientId,
    client_secret: sim().clientSecret
  })
  return `${sim().identityUrl}/oauth/token?${query}`
}

async function freePort(): Promise<number> {
  return new Promise((resolvePort, reject) => {
    const server = createServer()
    server.once('error', reject)
    server.listen(0, '127.0.0.1', () => {
      const { port } = server.address() as { port: number }
      server.close(() => resolvePort(port))
    })
  })
}

/** Lines of a proxy's log that report a request breaking its spec. */
function requestViolations(proxy: Proxy = mapi): string[] {
  return proxy.log.split('\n').filter((line) => /Violation: request/.test(line))
}

/** Prism's validating proxy of one of Adobe's files in front of the simulator. */
async function startProxy(file: string): Promise<Proxy> {
  const port = await freePort()
  const process_ = spawn(
    PRISM,
    ['proxy', '-h', '127.0.0.1', '-p', String(port), spec(file), sim().url],
    { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' } }
  )
  const proxy: Proxy = { process: process_, url: `http://127.0.0.1:${port}`, log: '' }
  await new Promise<void>((ready, failed) => {
    const timer = setTimeout(() => failed(new Error(`Prism did not start:\n${proxy.log}`)), 60_000)
    const onData = (chunk: Buffer): void => {
      proxy.log += chunk.toString('utf8')
      if (proxy.log.includes('Prism is listening')) {
        clearTimeout(timer)
        ready()
      }
    }
    process_.stdout?.on('data', onData)
    process_.stderr?.on('data', onData)
    process_.once('exit', (code) => failed(new Error(`Prism exited (${code}):\n${proxy.log}`)))
  })
  return proxy
}

beforeAll(async () => {
  ;[mapi, asset] = await Promise.all([
    startProxy('swagger-mapi.json'),
    startProxy('swagger-asset.json')
  ])
}, 90_000)

afterAll(() => {
  mapi?.process.kill('SIGTERM')
  asset?.process.kill('SIGTERM')
})

async function simulatorToken(): Promise<string> {
  const answer = (await (await fetch(simulatorTokenUrl())).json()) as { access_token: string }
  return answer.access_token
}

describe('requests against Adobe’s OpenAPI file', () => {
  it('the action sends only requests the spec allows', async () => {
    const lannister = await readSample('Lead-House-Lannister.csv')
    const targaryen = await readSample('Lead-House-Targaryen.csv')
    const run = await runAction({
      inputs: simulatorInputs(sim(), {
        'rest-url': mapi.url,
        // The identity endpoint is in swagger-identity.json, a separate file: straight to the simulator.
        'identity-url': sim().identityUrl,
        files: '*.csv\n*.tsv',
        'max-failed-rows': '1',
        mirror: 'true',
        'max-removals': '1',
        'poll-interval': '0.1',
        'max-poll-interval': '0.3'
      }),
      // Every call kind: submit, status, failures (Aerys) and warnings (Rhaegar), then the
      // member export and delete of the mirror.
      files: { 'lannister.csv': lannister, 'targaryen.tsv': targaryen.replace(/,/g, '\t') }
    })
    expect(run.code).toBe(0)
    const kinds = new Set(sim().requests.map((r) => r.kind))
    expect([...kinds].sort()).toEqual([
      'export',
      'failures',
      'identity',
      'memberDelete',
      'status',
      'submit',
      'warnings'
    ])
    expect(run.outputs['rows-removed']).toBe('1')
    const proxied = mapi.log.split('\n').filter((line) => line.includes('Request received'))
    expect(proxied.length).toBe(sim().requests.filter((r) => r.kind !== 'identity').length)
    expect(requestViolations()).toEqual([])
  }, 60_000)

  it('the lead lookup as the action sends it (a mirror has no lookup) conforms', async () => {
    const before = requestViolations().length
    const token = await simulatorToken()
    const query = new URLSearchParams({
      filterType: 'email',
      filterValues: 'a@x.com,b@x.com',
      fields: 'id,email'
    })
    const answer = await fetch(`${mapi.url}/rest/v1/leads.json?${query}`, {
      headers: { Authorization: `Bearer ${token}` }
    })
    expect(answer.status).toBe(200)
    expect(sim().requests.at(-1)?.kind).toBe('leads')
    expect(requestViolations().slice(before)).toEqual([])
  })

  it('the calls that describe the instance conform, the asset ones to swagger-asset.json', async () => {
    const before = { mapi: requestViolations(mapi).length, asset: requestViolations(asset).length }
    const headers = { Authorization: `Bearer ${await simulatorToken()}` }
    const calls: Array<[Proxy, string, string]> = [
      [asset, '/rest/asset/v1/program/1001.json', 'program'],
      [asset, '/rest/asset/v1/channels.json?offset=0&maxReturn=200', 'channels'],
      [mapi, '/rest/v1/leads/describe2.json', 'describe'],
      [mapi, '/rest/v1/programs/members/describe.json', 'describe'],
      [mapi, '/rest/v1/stats/usage.json', 'usage']
    ]
    for (const [proxy, path, kind] of calls) {
      const answer = await fetch(`${proxy.url}${path}`, { headers })
      expect(answer.status).toBe(200)
      expect(((await answer.json()) as { success: boolean }).success).toBe(true)
      expect(sim().requests.at(-1)?.kind).toBe(kind)
    }
    expect(requestViolations(mapi).slice(before.mapi)).toEqual([])
    expect(requestViolations(asset).slice(before.asset)).toEqual([])
  })

  it('the asset proxy does report a request that breaks its spec (a program id not a number)', async () => {
    const before = requestViolations(asset).length
    const headers = { Authorization: `Bearer ${await simulatorToken()}` }
    await fetch(`${asset.url}/rest/asset/v1/program/webinar.json`, { headers })
    await new Promise((r) => setTimeout(r, 300))
    expect(requestViolations(asset).length).toBeGreaterThan(before)
  })

  it('the proxy does report a request that breaks the spec (lower-case format)', async () => {
    const before = requestViolations().length
    const body = new FormData()
    body.append('file', new Blob(['email\na@b.co\n'], { type: 'text/csv' }), 'x.csv')
    await fetch(
      `${mapi.url}/bulk/v1/program/1001/members/import.json?format=csv&programMemberStatus=On%20List`,
      {
        method: 'POST',
        body
      }
    )
    await new Promise((r) => setTimeout(r, 300))
    expect(requestViolations().length).toBeGreaterThan(before)
  })
})
