import { afterEach, describe, expect, it } from '@jest/globals'
import { setImmediate as tick } from 'node:timers/promises'
import { MockAgent } from 'undici'
import { CallLimiter } from '../src/marketo/limiter.js'
import { MarketoClient } from '../src/marketo/index.js'
import { instantTime, type DataHandler } from '../testkit/instant-time.js'

const START = Date.UTC(2025, 0, 15, 12)

/** The most starts inside any window of `windowMs` (half-open, as the limiter counts). */
function busiestWindow(starts: number[], windowMs: number): number {
  const sorted = [...starts].sort((a, b) => a - b)
  let most = 0
  for (let i = 0, j = 0; j < sorted.length; j++) {
    while ((sorted[i] ?? 0) <= (sorted[j] ?? 0) - windowMs) i++
    most = Math.max(most, j - i + 1)
  }
  return most
}

describe('CallLimiter', () => {
  it('never starts more than 50 calls in 20 s nor runs more than 5 at once', async () => {
    const time = instantTime(START)
    const limiter = new CallLimiter({
      callsPerWindow: 50,
      windowMs: 20_000,
      concurrent: 5,
      ...time
    })
    const starts: number[] = []
    let inFlight = 0
    let mostInFlight = 0
    const task = async (): Promise<void> => {
      starts.push(time.clock.now())
      inFlight++
      mostInFlight = Math.max(mostInFlight, inFlight)
      for (let i = 0; i < 3; i++) await tick()
      inFlight--
    }
    await Promise.all(Array.from({ length: 200 }, () => limiter.run(task)))
    expect(limiter.calls).toBe(200)
    expect(starts).toHaveLength(200)
    expect(mostInFlight).toBe(5)
    expect(busiestWindow(starts, 20_000)).toBe(50)
    // 200 calls at 50 per window need three full windows of waiting, and no more.
    expect(time.clock.now() - START).toBe(60_000)
  })

  it('releases the slot of a call that fails', async () => {
    const time = instantTime(START)
    const limiter = new CallLimiter({
      callsPerWindow: 50,
      windowMs: 20_000,
      concurrent: 1,
      ...time
    })
    await expect(limiter.run(() => Promise.reject(new Error('boom')))).rejects.toThrow('boom')
    await expect(limiter.run(async () => 'next')).resolves.toBe('next')
  })

  it('holds every call back after a rate-limit answer', async () => {
    const time = instantTime(START)
    const limiter = new CallLimiter({
      callsPerWindow: 50,
      windowMs: 20_000,
      concurrent: 5,
      ...time
    })
    limiter.holdUntil(START + 20_000)
    const startedAt = await limiter.run(async () => time.clock.now())
    expect(startedAt).toBe(START + 20_000)
  })

  it('rejects waiting calls when the signal aborts', async () => {
    const time = instantTime(START)
    const controller = new AbortController()
    const limiter = new CallLimiter({
      callsPerWindow: 1,
      windowMs: 20_000,
      concurrent: 5,
      ...time,
      signal: controller.signal
    })
    await limiter.run(async () => undefined)
    controller.abort(new Error('cancelled'))
    await expect(limiter.run(async () => undefined)).rejects.toThrow('cancelled')
  })
})

describe('MarketoClient within limits', () => {
  let agent: MockAgent | undefined
  afterEach(async () => {
    await agent?.close()
  })

  it('drives 200 status calls through one token, 50 per 20 s, 5 at once', async () => {
    agent = new MockAgent()
    agent.disableNetConnect()
    const pool = agent.get('http://127.0.0.1:9')
    const time = instantTime(START)
    pool
      .intercept({ path: (p) => p.startsWith('/identity/oauth/token?') })
      .reply(200, { access_token: 'token-1', expires_in: 3599 })
    const starts: number[] = []
    let inFlight = 0
    let mostInFlight = 0
    const answer = async (): Promise<object> => {
      starts.push(time.clock.now())
      inFlight++
      mostInFlight = Math.max(mostInFlight, inFlight)
      await tick()
      inFlight--
      return {
        success: true,
        result: [{ batchId: 7, importId: '7', status: 'Importing' }]
      }
    }
    pool
      .intercept({ path: '/bulk/v1/program/members/import/7/status.json' })
      .reply(200, answer as unknown as DataHandler)
      .persist()
    const client = new MarketoClient({
      restUrl: 'http://127.0.0.1:9',
      identityUrl: 'http://127.0.0.1:9/identity',
      clientId: 'id',
      clientSecret: 'secret',
      clock: time.clock,
      sleep: time.sleep,
      random: () => 0.5,
      dispatcher: agent
    })
    const answers = await Promise.all(Array.from({ length: 200 }, () => client.getImportStatus(7)))
    expect(answers.every((a) => a.status === 'Importing')).toBe(true)
    expect(starts).toHaveLength(200)
    expect(busiestWindow(starts, 20_000)).toBeLessThanOrEqual(50)
    expect(mostInFlight).toBeLessThanOrEqual(5)
    expect(mostInFlight).toBeGreaterThan(1)
    expect(client.stats).toEqual({ calls: 200, identityCalls: 1, retries: 0, rateLimitWaits: 0 })
  })
})
