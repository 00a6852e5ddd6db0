import { afterEach, describe, expect, it } from '@jest/globals'
import { SimClient, multipartBody } from '../simulator/client.js'
import { startSimulator } from '../simulator/server.js'
import type { Simulator, SimulatorOptions } from '../simulator/server.js'

let sim: Simulator
let client: SimClient

async function start(options: SimulatorOptions = {}): Promise<void> {
  sim = await startSimulator({ msPerRow: 1, jobOverheadMs: 3, queuedMs: 2, ...options })
  client = new SimClient(sim)
}

afterEach(async () => {
  await sim.stop()
})

const sleep = (ms: number): Promise<void> => new Promise((resolve) => setTimeout(resolve, ms))
const submitPath =
  '/bulk/v1/program/1001/members/import.json?format=CSV&programMemberStatus=On%20List'
const csv = 'email\na@b.com\n'

async function post(
  body: Buffer | ReadableStream<Uint8Array>,
  contentType: string
): Promise<Response> {
  const token = await client.token()
  return fetch(`${sim.url}${submitPath}`, {
    method: 'POST',
    headers: { Authorization: `Bearer ${token}`, 'Content-Type': contentType },
    body,
    duplex: 'half'
  } as RequestInit)
}

describe('body size', () => {
  it('accepts a body of exactly maxBodyBytes and answers 413 with HTML one byte past it', async () => {
    const exact = multipartBody(csv)
    await start({ maxBodyBytes: exact.body.length })
    expect((await post(exact.body, exact.contentType)).status).toBe(200)

    const over = multipartBody(`${csv}\n`)
    const response = await post(over.body, over.contentType)
    expect(response.status).toBe(413)
    expect(response.headers.get('content-type')).toMatch(/^text\/html/)
    expect(await response.text()).toBe(
      '<html><body><h1>413 Request Entity Too Large</h1></body></html>'
    )
    expect(sim.jobs).toHaveLength(1)
    expect(sim.requests.at(-1)).toMatchObject({
      bodyBytes: over.body.length,
      response: { status: 413 }
    })
  })

  it('counts the bytes actually sent when there is no Content-Length', async () => {
    const { body, contentType } = multipartBody(csv.repeat(50))
    await start({ maxBodyBytes: body.length - 1 })
    const stream = new ReadableStream<Uint8Array>({
      start(controller) {
        controller.enqueue(body.subarray(0, 100))
        controller.enqueue(body.subarray(100))
        controller.close()
      }
    })
    const response = await post(stream, contentType)
    expect(response.status).toBe(413)
    expect(sim.requests.at(-1)?.headers['content-length']).toBeUndefined()
    expect(sim.jobs).toHaveLength(0)
  })
})

describe('import queue', () => {
  it('answers 1016 Too many imports to the 11th job while 10 are queued', async () => {
    await start()
    sim.pauseProcessing()
    for (let i = 0; i < 10; i++) await client.submitOk({ content: csv })
    const eleventh = await (await client.submit({ content: csv })).json()
    expect(eleventh).toMatchObject({
      success: false,
      errors: [{ code: '1016', message: 'Too many imports' }]
    })
    expect(sim.jobs.map((job) => job.batchId)).toEqual([...Array(10).keys()].map((i) => 1040 + i))
    expect(sim.jobs.every((job) => job.status === 'Queued')).toBe(true)
  })

  it('takes jobs again once the queue drains', async () => {
    await start({ maxQueued: 2 })
    sim.pauseProcessing()
    await client.submitOk({ content: csv })
    await client.submitOk({ content: csv })
    expect(await (await client.submit({ content: csv })).json()).toMatchObject({
      errors: [{ code: '1016' }]
    })
    sim.resumeProcessing()
    await sim.waitForIdle()
    expect(await client.submitOk({ content: csv })).toBe(1042)
  })

  it('runs jobs first in, first out, at most maxProcessing at once', async () => {
    await start({ jobOverheadMs: 30, msPerRow: 1, queuedMs: 1 })
    const sizes = [10, 1, 5, 1, 1]
    for (const rows of sizes) {
      await client.submitOk({ content: `email\n${'x@y.com\n'.repeat(rows)}` })
    }
    await sim.waitForIdle()
    const jobs = sim.jobs
    expect(jobs.every((job) => job.status === 'Complete')).toBe(true)
    const starts = jobs.map((job) => job.startedAt as number)
    expect([...starts].sort((a, b) => a - b)).toEqual(starts)
    for (const job of jobs) {
      const started = job.startedAt as number
      const running = jobs.filter(
        (other) => (other.startedAt as number) <= started && (other.endedAt as number) > started
      )
      expect(running.length).toBeLessThanOrEqual(2)
      expect(started - job.createdAt).toBeGreaterThanOrEqual(1)
    }
    expect(starts[2]).toBeGreaterThanOrEqual(
      Math.min(jobs[0]?.endedAt as number, jobs[1]?.endedAt as number)
    )
  })

  it('reports Importing while a job runs', async () => {
    await start({ jobOverheadMs: 1_000, queuedMs: 1 })
    const batchId = await client.submitOk({ content: csv })
    while (sim.jobs[0]?.status !== 'Importing') await sleep(2)
    expect((await client.status(batchId)).result).toEqual([
      {
        batchId,
        importId: String(batchId),
        status: 'Importing',
        numOfLeadsProcessed: 0,
        numOfRowsFailed: 0,
        numOfRowsWithWarning: 0,
        message: 'Import in progress'
      }
    ])
  })
})

describe('API limits', () => {
  const statusPath = '/bulk/v1/program/members/import/1040/status.json'

  it('answers 606 past the rate limit within a sliding window; identity is not counted', async () => {
    let now = 1_000_000
    await start({ rateLimit: { calls: 5, windowMs: 100 }, clock: () => now })
    const token = await client.token(true)
    const code = async (): Promise<string | undefined> => {
      await client.token(true)
      const answer = (await (await client.get(statusPath, token)).json()) as {
        errors: Array<{ code: string; message: string }>
      }
      return answer.errors[0]?.code
    }
    const codes = []
    for (let i = 0; i < 3; i++) codes.push(await code())
    now += 50
    for (let i = 0; i < 4; i++) codes.push(await code())
    expect(codes).toEqual(['1013', '1013', '1013', '1013', '1013', '606', '606'])
    const limited = sim.requests.filter((r) => r.response.code === '606')
    expect(limited).toHaveLength(2)
    const answer = (await (await client.get(statusPath, token)).json()) as {
      errors: Array<{ message: string }>
    }
    expect(answer.errors[0]?.message).toBe("Max rate limit '5' exceeded with in '0.1' secs")
    // the first three calls leave the window, but rejected calls count too: still full at 100
    now += 50
    expect(await code()).toBe('606')
    // past 150 only the call made at 100 is left in the window
    now += 51
    expect(await code()).toBe('1013')
  })

  it("uses Marketo's default message for the default limit", async () => {
    await start()
    const token = await client.token()
    const answers = await Promise.all(
      [...Array(101).keys()].map(async () => (await client.get(statusPath, token)).json())
    )
    const limited = answers.filter((a) => JSON.stringify(a).includes('"606"'))
    expect(limited).toEqual([
      expect.objectContaining({
        errors: [{ code: '606', message: "Max rate limit '100' exceeded with in '20' secs" }]
      })
    ])
  })

  it('answers 615 when more than maxConcurrentCalls are in flight', async () => {
    await start({ maxConcurrentCalls: 3 })
    const token = await client.token()
    const { body, contentType } = multipartBody(csv)
    const uploads = [1, 2, 3].map(() => {
      let finish = (): void => undefined
      const stream = new ReadableStream<Uint8Array>({
        start(controller) {
          controller.enqueue(body.subarray(0, 10))
          finish = () => {
            controller.enqueue(body.subarray(10))
            controller.close()
          }
        }
      })
      return { response: post(stream, contentType), finish: () => finish() }
    })
    while (sim.requests.filter((r) => r.kind === 'submit').length < 3) await sleep(2)
    const fourth = await (await client.get(statusPath, token)).json()
    expect(fourth).toMatchObject({
      errors: [{ code: '615', message: 'Concurrent access limit reached' }]
    })
    for (const upload of uploads) upload.finish()
    const answers = await Promise.all(uploads.map(async (u) => (await u.response).json()))
    expect(answers).toEqual([1, 2, 3].map(() => expect.objectContaining({ success: true })))
    expect(await (await client.get(statusPath, token)).json()).toMatchObject({ success: true })
  })
})
