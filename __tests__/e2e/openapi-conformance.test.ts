/**
 * Every request the action sends to Marketo conforms to Adobe's OpenAPI file: the built action
 * runs through Prism's validating proxy of swagger-mapi.json in front of the simulator, and the
 * proxy's log must hold no request violation. A request known to break the spec proves the
 * check can fail.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { createServer } from 'node:net'
import { resolve } from 'node:path'
import { runAction } from '../../scripts/run-action.js'
import { readSample, simulatorInputs, useSimulator } from './harness.js'

const ROOT = resolve(import.meta.dirname, '../..')
const SPEC = resolve(ROOT, '../shared/reference/openapi/swagger-mapi.json')
const FIXTURE_SPEC = resolve(ROOT, '__fixtures__/openapi/swagger-mapi.json')
const PRISM = resolve(ROOT, 'node_modules/.bin/prism')
/** The two asset calls of the instance checks, cut from Adobe's swagger-asset.json unchanged. */
const ASSET_SPEC = resolve(ROOT, '__fixtures__/openapi/swagger-asset-instance.json')

interface Swagger {
  paths: Record<string, unknown>
  definitions: Record<string, unknown>
}

/**
 * One file for the one proxy: swagger-mapi.json with the asset calls added, their definitions
 * renamed `asset_*` so that none replaces one of the same name in swagger-mapi.json.
 */
function mergedSpec(mapiPath: string): string {
  const mapi = JSON.parse(readFileSync(mapiPath, 'utf8')) as Swagger
  const assetText = readFileSync(ASSET_SPEC, 'utf8').replace(
    /#\/definitions\//g,
    '#/definitions/asset_'
  )
  const asset = JSON.parse(assetText) as Swagger
  const definitions = { ...mapi.definitions }
  for (const [name, definition] of Object.entries(asset.definitions)) {
    definitions[`asset_${name}`] = definition
  }
  const merged = { ...mapi, paths: { ...mapi.paths, ...asset.paths }, definitions }
  const path = resolve(mkdtempSync(resolve(tmpdir(), 'openapi-')), 'swagger-merged.json')
  writeFileSync(path, JSON.stringify(merged))
  return path
}

// A member in none of the files: the mirror run removes it through the proxy.
const sim = useSimulator(
  { members: { '1001': [{ email: 'gone@example.com', status: 'On List' }] } },
  { scope: 'all' }
)
let prism: ChildProcess
let prismUrl: string
let prismLog = ''

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

/** Lines of the proxy's log that report a request breaking the spec. */
function requestViolations(): string[] {
  return prismLog.split('\n').filter((line) => /Violation: request/.test(line))
}

beforeAll(async () => {
  const port = await freePort()
  prismUrl = `http://127.0.0.1:${port}`
  const spec = mergedSpec(existsSync(SPEC) ? SPEC : FIXTURE_SPEC)
  prism = spawn(PRISM, ['proxy', '-h', '127.0.0.1', '-p', String(port), spec, sim().url], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, FORCE_COLOR: '0', NO_COLOR: '1' }
  })
  await new Promise<void>((ready, failed) => {
    const timer = setTimeout(() => failed(new Error(`Prism did not start:\n${prismLog}`)), 60_000)
    const onData = (chunk: Buffer): void => {
      prismLog += chunk.toString('utf8')
      if (prismLog.includes('Prism is listening')) {
        clearTimeout(timer)
        ready()
      }
    }
    prism.stdout?.on('data', onData)
    prism.stderr?.on('data', onData)
    prism.once('exit', (code) => failed(new Error(`Prism exited (${code}):\n${prismLog}`)))
  })
}, 90_000)

afterAll(() => {
  prism?.kill('SIGTERM')
})

describe('requests against Adobe’s OpenAPI file', () => {
  it('the action sends only requests the spec allows', async () => {
    const lannister = await readSample('Lead-House-Lannister.csv')
    const targaryen = await readSample('Lead-House-Targaryen.csv')
    const run = await runAction({
      inputs: simulatorInputs(sim(), {
        'rest-url': prismUrl,
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
      'channels',
      'describe',
      'export',
      'failures',
      'identity',
      'memberDelete',
      'program',
      'status',
      'submit',
      'usage',
      'warnings'
    ])
    expect(run.outputs['rows-removed']).toBe('1')
    const proxied = prismLog.split('\n').filter((line) => line.includes('Request received'))
    expect(proxied.length).toBe(sim().requests.filter((r) => r.kind !== 'identity').length)
    expect(requestViolations()).toEqual([])
  }, 60_000)

  it('the lead lookup as the action sends it (a mirror has no lookup) conforms', async () => {
    const before = requestViolations().length
    const token = (await (await fetch(simulatorTokenUrl())).json()) as { access_token: string }
    const query = new URLSearchParams({
      filterType: 'email',
      filterValues: 'a@x.com,b@x.com',
      fields: 'id,email'
    })
    const answer = await fetch(`${prismUrl}/rest/v1/leads.json?${query}`, {
      headers: { Authorization: `Bearer ${token.access_token}` }
    })
    expect(answer.status).toBe(200)
    expect(sim().requests.at(-1)?.kind).toBe('leads')
    expect(requestViolations().slice(before)).toEqual([])
  })

  it('the proxy does report a request that breaks the spec (lower-case format)', async () => {
    const before = requestViolations().length
    const body = new FormData()
    body.append('file', new Blob(['email\na@b.co\n'], { type: 'text/csv' }), 'x.csv')
    await fetch(
      `${prismUrl}/bulk/v1/program/1001/members/import.json?format=csv&programMemberStatus=On%20List`,
      {
        method: 'POST',
        body
      }
    )
    await new Promise((r) => setTimeout(r, 300))
    expect(requestViolations().length).toBeGreaterThan(before)
  })
})
