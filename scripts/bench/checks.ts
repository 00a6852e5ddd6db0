/**
 * Check throughput: what a dry run does with a file (one pass that checks every record: quoting,
 * encoding, fields, emails, duplicates, and plans its parts), against a bare csv-parse pass and a
 * bare papaparse pass over the same bytes (each only counting records), and against `planFile`
 * alone.
 */
import { parse } from 'csv-parse'
import { createReadStream } from 'node:fs'
import { stat } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { basename, dirname } from 'node:path'
import Papa from 'papaparse'
import { planFile } from '../../src/files/index.js'
import { CheckPass } from '../../src/validate/preflight.js'

export interface ChecksRun {
  bytes: number
  rows: number
  /** Best of the timed rounds, in milliseconds. */
  dryRunMs: number
  csvParseMs: number
  papaparseMs: number
  planFileMs: number
}

const CHUNK_SIZE_BYTES = 10_000_000

/** An untimed warm-up round, then `rounds` timed rounds alternating the four; best of each. */
export async function measureChecks(path: string, rounds = 2): Promise<ChecksRun> {
  const best = {
    dryRunMs: Infinity,
    csvParseMs: Infinity,
    papaparseMs: Infinity,
    planFileMs: Infinity
  }
  let rows = 0
  let bytes = 0
  for (let round = 0; round <= rounds; round++) {
    const timed = round > 0
    const time = async <T>(key: keyof typeof best, run: () => Promise<T>): Promise<T> => {
      const started = performance.now()
      const result = await run()
      if (timed) best[key] = Math.min(best[key], performance.now() - started)
      return result
    }
    const checked = await time('dryRunMs', () => dryRun(path))
    if (checked.errors > 0) throw new Error(`the dry run found ${checked.errors} errors`)
    rows = checked.rows
    bytes = checked.bytes
    const csvRows = await time('csvParseMs', () => csvParseRecords(path))
    const papaRows = await time('papaparseMs', () => papaparseRecords(path))
    await time('planFileMs', () =>
      planFile(path, { format: 'CSV', chunkSizeBytes: CHUNK_SIZE_BYTES })
    )
    if (csvRows !== rows + 1 || papaRows !== rows + 1) {
      throw new Error(
        `records differ: checks ${rows + 1}, csv-parse ${csvRows}, papaparse ${papaRows}`
      )
    }
  }
  return { bytes, rows, ...best }
}

/** The file work of a dry run: the checks and the plan in one pass, then the duplicates. */
async function dryRun(path: string): Promise<{ rows: number; bytes: number; errors: number }> {
  // As the action's check stage gives it: the file found, with its size.
  const found = {
    path,
    displayPath: basename(path),
    format: 'CSV' as const,
    sizeBytes: (await stat(path)).size
  }
  const pass = new CheckPass({
    plans: [],
    files: [found],
    problems: [],
    workspace: dirname(path),
    format: 'csv',
    chunkSizeBytes: CHUNK_SIZE_BYTES,
    dryRun: true,
    scratchDir: tmpdir()
  })
  try {
    const { plan } = await pass.file({ found })
    const result = await pass.finish()
    if (plan === undefined) throw new Error('the dry run planned no parts')
    return { rows: plan.rows, bytes: plan.sizeBytes, errors: result.summary.errors }
  } finally {
    pass.close()
  }
}

/** csv-parse with the options the checks used, counting records. */
async function csvParseRecords(path: string): Promise<number> {
  let records = 0
  const parser = createReadStream(path, { highWaterMark: 1024 * 1024 }).pipe(
    parse({ bom: true, relax_quotes: true, relax_column_count: true, skip_empty_lines: true })
  )
  for await (const record of parser) if (record) records++
  return records
}

/** papaparse over a read stream, counting records. */
function papaparseRecords(path: string): Promise<number> {
  let records = 0
  return new Promise((resolve, reject) => {
    Papa.parse(createReadStream(path, { highWaterMark: 1024 * 1024 }), {
      skipEmptyLines: true,
      step: () => {
        records++
      },
      complete: () => resolve(records),
      error: reject
    })
  })
}
