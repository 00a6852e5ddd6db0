import {
  FileFormatError,
  RecordReader,
  type RecordBytesVisitor,
  type RecordFields
} from '../files/index.js'
import { readChunks } from '../files/read-chunks.js'
import type { ImportFormat } from '../marketo/types.js'
import { Utf8Checker, type Utf8Problem } from './utf8.js'

/**
 * A record as the checks get it: its index (0 for the header), then as the reader gives it, and
 * the reader, to count the fields of the records after the header (`countFields`).
 */
export type CheckedRecordVisitor = (
  index: number,
  ...record: [...Parameters<RecordBytesVisitor>, fields: RecordFields]
) => void

export interface ParseResult {
  sizeBytes: number
  /** Records read, header included. */
  records: number
  utf8: Utf8Problem | null
  /** A quoted field that is never closed, at the line where it opens. */
  unclosedQuote: { line: number } | null
  /** The scanner's error for it, as `planFile` throws it. */
  unclosedQuoteError: FileFormatError | null
  /** 3 when the file starts with a UTF-8 byte order mark, else 0. */
  bomBytes: number
}

/**
 * Read size of the checks and of the readers that make an object per record (the duplicates'
 * second pass, mirror). Small reads keep few records in flight, so they die young: with 1 MiB
 * reads a 100 MB file peaked at 2.5x the memory, and was no faster; the checks' one pass, which
 * makes no object per record, still peaked 17 MiB higher on a 1 GB import with 1 MiB reads.
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
  visit: CheckedRecordVisitor,
  options: ParseOptions = {}
): Promise<ParseResult> {
  const utf8 = new Utf8Checker()
  let records = 0
  const reader: RecordReader = new RecordReader(
    format,
    (bytes, from, start, end, line) =>
      visit(records++, bytes, from, start, end, line, reader.fieldCounts),
    options.displayPath ?? path
  )
  await readChunks(path, options.readBytes ?? CHECK_READ_BYTES, (chunk) => {
    utf8.push(chunk, reader.lines)
    reader.push(chunk)
  })
  let unclosedQuote: ParseResult['unclosedQuote'] = null
  let unclosedQuoteError: FileFormatError | null = null
  try {
    reader.finish()
  } catch (error) {
    if (!(error instanceof FileFormatError)) throw error
    unclosedQuote = { line: error.line }
    unclosedQuoteError = error
  }
  return {
    sizeBytes: reader.bytes,
    records,
    utf8: utf8.finish(reader.lines),
    unclosedQuote,
    unclosedQuoteError,
    bomBytes: reader.bomBytes
  }
}
