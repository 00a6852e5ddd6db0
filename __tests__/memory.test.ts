import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { YOUNG_GENERATION_BYTES } from '../src/memory.js'

const MEMORY_MODULE = pathToFileURL(resolve(import.meta.dirname, '../src/memory.ts')).href
const UNDICI = pathToFileURL(resolve(import.meta.dirname, '../node_modules/undici/index.js')).href

/**
 * Runs a pass shaped like the checks of a large file in a fresh Node process: batches of
 * short-lived objects with the last 20,000 always in flight, a turn of the event loop between
 * batches (as between read chunks). Returns the young generation's size at the end.
 */
function youngGenerationAfterPass(bound: boolean): number {
  const script = `
    const { boundYoungGeneration, youngGenerationBytes } = await import(${JSON.stringify(MEMORY_MODULE)})
    if (${bound}) boundYoungGeneration()
    const inFlight = new Array(20000)
    for (let batch = 0, i = 0; batch < 400; batch++) {
      for (const end = i + 50000; i < end; i++) inFlight[i % inFlight.length] = { i, text: 'row ' + i }
      await new Promise((done) => setImmediate(done))
    }
    console.log(youngGenerationBytes())
  `
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8'
  })
  if (child.status !== 0) throw new Error(`the pass failed: ${child.stderr}`)
  // Nothing else on stdout: an unknown V8 flag would print "unrecognized flag" there.
  expect(child.stdout.trim()).toMatch(/^\d+$/)
  return Number(child.stdout.trim())
}

/**
 * Sends 200 requests through undici to a local server in a fresh Node process, with V8 tracing
 * each WebAssembly function it compiles (and recompiling synchronously, so nothing is left to a
 * background thread when the process ends). Returns the compilers V8 used, one per function.
 */
function wasmCompilersUsed(bound: boolean): string[] {
  const script = `
    const { setFlagsFromString } = await import('node:v8')
    setFlagsFromString('--wasm-sync-tier-up')
    setFlagsFromString('--trace-wasm-compilation-times')
    const { keepWebAssemblyOnBaseline } = await import(${JSON.stringify(MEMORY_MODULE)})
    if (${bound}) keepWebAssemblyOnBaseline()
    const { request } = await import(${JSON.stringify(UNDICI)})
    const { createServer } = await import('node:http')
    const server = createServer((_, res) => {
      res.setHeader('content-type', 'application/json')
      res.end(JSON.stringify({ success: true, result: [{ batchId: 1041, status: 'Importing' }] }))
    })
    await new Promise((listening) => server.listen(0, '127.0.0.1', listening))
    const url = 'http://127.0.0.1:' + server.address().port + '/status.json'
    for (let i = 0; i < 200; i++) await (await request(url)).body.text()
    server.close()
  `
  const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
    encoding: 'utf8'
  })
  if (child.status !== 0) throw new Error(`the requests failed: ${child.stderr}`)
  return [...child.stdout.matchAll(/^Compiled function \S+ using (\w+),/gm)].map(
    (m) => m[1] as string
  )
}

describe("undici's WebAssembly parser", () => {
  it('is recompiled by the optimizing compiler without the bound (about 20 MiB)', () => {
    expect(wasmCompilersUsed(false)).toContain('TurboFan')
  })

  it('stays on its baseline code under the bound', () => {
    const compilers = wasmCompilersUsed(true)
    expect(compilers).toContain('Liftoff')
    expect(compilers).not.toContain('TurboFan')
  })
})

describe('the young generation', () => {
  it('grows past the bound in a long pass without it (so the bound is what holds it)', () => {
    expect(youngGenerationAfterPass(false)).toBeGreaterThan(2 * YOUNG_GENERATION_BYTES)
  })

  it('grows to the bound and no further', () => {
    const size = youngGenerationAfterPass(true)
    expect(size).toBeGreaterThanOrEqual(YOUNG_GENERATION_BYTES)
    expect(size).toBeLessThan(2 * YOUNG_GENERATION_BYTES)
  })
})

describe('streamed bytes (uploads, file scrubs)', () => {
  it('collect the young generation once per 8 MiB read, so spent buffers do not pile up', () => {
    const script = `
      const { countStreamedBytes, STREAMED_BYTES_PER_COLLECTION } = await import(${JSON.stringify(MEMORY_MODULE)})
      const { PerformanceObserver, constants } = await import('node:perf_hooks')
      let young = 0
      new PerformanceObserver((list) => {
        for (const entry of list.getEntries()) {
          if (entry.detail.kind === constants.NODE_PERFORMANCE_GC_MINOR) young++
        }
      }).observe({ entryTypes: ['gc'] })
      const collections = async () => {
        for (let turn = 0; turn < 3; turn++) await new Promise((done) => setImmediate(done))
        return young
      }
      const start = await collections()
      countStreamedBytes(STREAMED_BYTES_PER_COLLECTION - 1)
      const below = await collections()
      countStreamedBytes(1)
      const reached = await collections()
      for (let i = 0; i < 4; i++) countStreamedBytes(STREAMED_BYTES_PER_COLLECTION / 2)
      const twoMore = await collections()
      console.log(JSON.stringify([below - start, reached - below, twoMore - reached]))
    `
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8'
    })
    if (child.status !== 0) throw new Error(`the script failed: ${child.stderr}`)
    expect(JSON.parse(child.stdout)).toEqual([0, 1, 2])
  })
})
