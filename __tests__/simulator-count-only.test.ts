import { afterEach, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { SimClient } from '../simulator/client.js'
import { countRecords, parseDelimited } from '../simulator/delimited.js'
import { startSimulator, type Simulator } from '../simulator/server.js'

describe('countRecords', () => {
  it('counts what parseDelimited parses, on the bytes', () => {
    const text = fc
      .array(
        fc.constantFrom('a', 'é', '漢', ',', '\t', ' ', '"', '""', '\n', '\r\n', '\r', '\uFEFF'),
        {
          maxLength: 60
        }
      )
      .map((units) => units.join(''))
    fc.assert(
      fc.property(text, fc.boolean(), fc.constantFrom(',', '\t', ' '), (body, bom, delimiter) => {
        const file = (bom ? '\uFEFF' : '') + body
        expect(countRecords(Buffer.from(file, 'utf8'), delimiter)).toBe(
          parseDelimited(file, delimiter).length
        )
      }),
      { numRuns: 2000 }
    )
  })
})

describe('keepUploads: false', () => {
  let sim: Simulator | undefined
  afterEach(async () => {
    await sim?.stop()
  })

  it('counts the rows without keeping the upload, and imports every row', async () => {
    sim = await startSimulator({ keepUploads: false, msPerRow: 0, jobOverheadMs: 1, queuedMs: 0 })
    const client = new SimClient(sim)
    const content = 'email,leadScore\r\na@x.com,"1\r\n2"\r\n\r\nb@x.com,text\r\n'
    const batchId = await client.submitOk({ content })
    await sim.waitForIdle()
    const status = (await client.status(batchId)) as { result: Record<string, unknown>[] }
    expect(status.result[0]).toMatchObject({
      status: 'Complete',
      numOfLeadsProcessed: 2,
      numOfRowsFailed: 0
    })
    expect(sim.jobs[0]).toMatchObject({ rows: 2, countOnly: true })
    expect(sim.jobs[0]!.content).toHaveLength(0)
    expect(sim.requests.find((r) => r.kind === 'submit')!.upload!.content).toHaveLength(0)
    expect(sim.importedEmails().size).toBe(0)
  })
})
