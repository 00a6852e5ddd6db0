import { createReadStream } from 'node:fs'
import { FileFormatError, recordsOf, type SourceRecord } from '../files/index.js'
import type { ImportFormat } from '../marketo/types.js'
import { Utf8Checker, type Utf8Problem } from './utf8.js'

/** One record with its fields, its starting line and its byte range, as the parts use them. */
export type CheckedRecord = SourceRecord

export interface ParseResult {
  sizeBytes: number
  /** Records read, header included. */
  records: number
  utf8: Utf8Problem | null
  /** A quoted field that is never closed, at the line where it opens. */
  unclosedQuote: { line: number } | null
}

/**
 * Read size of the checks. Small reads keep few records in flight, so they die young: with
 * 1 MiB reads a 100 MB file peaked at 2.5x the memory, and was no faster.
 */
export const CHECK_READ_BYTES = 64 * 1024

export interface ParseOptions {
  displayPath?: string
  /** Read size; tests shrink it to put chunk boundaries everywhere. */
  readBytes?: number
}

/**
 * Reads a file once with the scanner that plans the parts (the one decoder every reader uses),
 * checking its encoding on the way, and hands each record to `visit`: every line this reports
 * is a line the import and failure tracing use. The file is streamed.
 */
export async function parseChecked(
  path: string,
  format: ImportFormat,
  visit: (record: CheckedRecord) => void,
  options: ParseOptions = {}
): Promise<ParseResult> {
  const utf8 = new Utf8Checker()
  let sizeBytes = 0
  async function* checkedChunks(): AsyncGenerator<Buffer> {
    const stream = createReadStream(path, { highWaterMark: options.readBytes ?? CHECK_READ_BYTES })
    for await (const chunk of stream) {
      const bytes = chunk as Buffer
      utf8.push(bytes)
      sizeBytes += bytes.length
      yield bytes
    }
  }
  let records = 0
  let unclosedQuote: ParseResult['unclosedQuote'] = null
  try {
    for await (const record of recordsOf(checkedChunks(), format, options.displayPath ?? path)) {
      records++
      visit(record)
    }
  } catch (error) {
    if (!(error instanceof FileFormatError)) throw error
    unclosedQuote = { line: error.line }
  }
  return { sizeBytes, records, utf8: utf8.finish(), unclosedQuote }
}
