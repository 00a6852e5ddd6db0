import type { Part } from '../src/files/types.js'
import type { JobPart, JobResult } from '../src/jobs/types.js'

/** A part of `rows` rows of `file` (50 bytes a row after a 100-byte header), for report tests. */
export function filePart(rows: number, index = 1, count = 1, file = 'lists/leads.csv'): Part {
  return {
    path: `/work/${file}`,
    displayPath: file,
    format: 'CSV',
    index,
    count,
    byteStart: 100,
    byteEnd: 100 + rows * 50,
    bytes: rows * 50 + 100,
    rows,
    firstLine: 2
  }
}

/** A Complete job of batch 1040 that imported every row, with `overrides`. */
export function jobResult(overrides: Partial<JobResult> & { part: JobPart }): JobResult {
  return {
    outcome: 'Complete',
    batchId: 1040,
    imported: 'rows' in overrides.part ? overrides.part.rows : 0,
    failed: 0,
    warned: 0,
    message: '',
    uncertainResubmits: 0,
    ...overrides
  }
}
