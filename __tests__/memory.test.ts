import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { resolve } from 'node:path'
import { pathToFileURL } from 'node:url'
import { YOUNG_GENERATION_BYTES } from '../src/memory.js'

const MEMORY_MODULE = pathToFileURL(resolve(import.meta.dirname, '../src/memory.ts')).href

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
