/**
 * Split throughput: the action's `planFile` (one quote-aware scan that cuts the file into parts of
 * at most chunk-size bytes) against GNU `split -C`, which cuts at line breaks without reading
 * quotes and writes the parts out: the floor for reading the bytes once.
 */
import { spawnSync } from 'node:child_process'
import { mkdtemp, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { planFile } from '../../src/files/index.js'

export interface ScanRun {
  bytes: number
  parts: number
  rows: number
  /** Best of the timed rounds, in milliseconds. */
  oursMs: number
  /** NaN when GNU split is not there (BSD split has no -C). */
  splitMs: number
}

const CHUNK_SIZE_BYTES = 10_000_000

/** Untimed warm-up of each (page cache, JIT), then `rounds` alternating timed runs; best of each. */
export async function measureScan(path: string, scratch: string, rounds = 3): Promise<ScanRun> {
  let plan = await planFile(path, { format: 'CSV', chunkSizeBytes: CHUNK_SIZE_BYTES })
  const haveSplit = !Number.isNaN(await runSplit(path, scratch))
  let oursMs = Number.POSITIVE_INFINITY
  let splitMs = Number.POSITIVE_INFINITY
  for (let round = 0; round < rounds; round++) {
    // Written-back parts of the last split must not slow the next run down.
    spawnSync('sync')
    const started = performance.now()
    plan = await planFile(path, { format: 'CSV', chunkSizeBytes: CHUNK_SIZE_BYTES })
    oursMs = Math.min(oursMs, performance.now() - started)
    if (!haveSplit) continue
    spawnSync('sync')
    splitMs = Math.min(splitMs, await runSplit(path, scratch))
  }
  if (!haveSplit) splitMs = Number.NaN
  return { bytes: plan.sizeBytes, parts: plan.parts.length, rows: plan.rows, oursMs, splitMs }
}

/**
 * `split -C` into a fresh directory: the time of the split alone, or NaN when GNU split is not
 * there. The parts are removed after.
 */
async function runSplit(path: string, scratch: string): Promise<number> {
  const out = await mkdtemp(join(scratch, 'split-'))
  try {
    const started = performance.now()
    const result = spawnSync('split', ['-C', String(CHUNK_SIZE_BYTES), path, join(out, 'part-')])
    const elapsed = performance.now() - started
    if (result.error)
      throw new Error(`GNU split is needed for the benchmark: ${result.error.message}`)
    if (result.status !== 0) throw new Error(`split failed: ${result.stderr.toString()}`)
    return elapsed
  } finally {
    await rm(out, { recursive: true, force: true })
  }
}
