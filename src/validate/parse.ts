import { parse, type CsvError } from 'csv-parse'
import { createReadStream } from 'node:fs'
import { FileFormatError, RecordScanner, delimiterOf } from '../files/index.js'
import type { ImportFormat } from '../marketo/types.js'
import { Utf8Checker, type Utf8Problem } from './utf8.js'

/** One record as csv-parse reads it, placed in the file by the splitter's scanner. */
export interface CheckedRecord {
  /** 0 for the header, then 1, 2, ... */
  index: number
  /** 1-based line where the record starts: the same line `readRecords` and the parts use. */
  line: number
  /** Byte range [start, end) of the record, its line break included. */
  start: number
  end: number
  fields: string[]
}

export interface ParseResult {
  sizeBytes: number
  /** Records read, header included. */
  records: number
  utf8: Utf8Problem | null
  /** A quoted field that is never closed, at the line where it opens. */
  unclosedQuote: { line: number } | null
  /**
   * Where csv-parse and the splitter's scanner ended a record at different bytes: the file's
   * quoting is read two ways, so nothing past this line can be trusted. Records stop there.
   */
  disagreement: { line: number } | null
}

/**
 * Read size of the checks. Small reads keep few records in flight between the two readers, so
 * they die young: with 1 MiB reads a 100 MB file peaked at 2.5x the memory, and was no faster.
 */
export const CHECK_READ_BYTES = 64 * 1024

export interface ParseOptions {
  displayPath?: string
  /** Read size; tests shrink it to put chunk boundaries everywhere. */
  readBytes?: number
}

/**
 * Reads a file once with csv-parse, the way Marketo's own CSV reader would read it, and hands
 * each record to `visit` with its line and byte range from the same scanner that plans the parts:
 * every line this reports is a line the import and failure tracing use. The file is streamed;
 * only the records not yet matched between the two readers are held.
 */
export async function parseChecked(
  path: string,
  format: ImportFormat,
  visit: (record: CheckedRecord) => void,
  options: ParseOptions = {}
): Promise<ParseResult> {
  const displayPath = options.displayPath ?? path
  // Boundaries from the scanner and records from csv-parse, matched in order.
  const bounds: number[] = []
  let boundsAt = 0
  const parsed: { fields: string[]; end: number }[] = []
  let parsedAt = 0
  let index = 0
  let disagreement: ParseResult['disagreement'] = null
  let unclosedQuote: ParseResult['unclosedQuote'] = null
  const skipped: CsvError[] = []

  const scanner = new RecordScanner(
    format,
    (start, end, line) => bounds.push(start, end, line),
    displayPath
  )
  const parser = parse({
    delimiter: delimiterOf(format),
    quote: '"',
    escape: '"',
    bom: true,
    // The scanner's reading of RFC 4180: a quote inside an unquoted field is data, rows may
    // differ in length (checked here, with a line), empty lines are not records, and only
    // LF or CRLF ends a record.
    relax_quotes: true,
    relax_column_count: true,
    skip_empty_lines: true,
    record_delimiter: ['\r\n', '\n'],
    skip_records_with_error: true,
    on_skip: (error) => {
      if (error) skipped.push(error)
      return undefined
    },
    on_record: (fields: string[], context) => {
      parsed.push({ fields, end: context.bytes })
      return null
    }
  })
  const utf8 = new Utf8Checker()

  const match = (): void => {
    while (disagreement === null && boundsAt < bounds.length && parsedAt < parsed.length) {
      const start = bounds[boundsAt] as number
      const end = bounds[boundsAt + 1] as number
      const line = bounds[boundsAt + 2] as number
      const record = parsed[parsedAt] as { fields: string[]; end: number }
      if (record.end !== end) {
        disagreement = { line }
        break
      }
      boundsAt += 3
      parsedAt++
      visit({ index: index++, line, start, end, fields: record.fields })
    }
    // Drop what was matched, so memory holds only the records in flight.
    if (boundsAt > 3000) {
      bounds.splice(0, boundsAt)
      boundsAt = 0
    }
    if (parsedAt > 1000) {
      parsed.splice(0, parsedAt)
      parsedAt = 0
    }
  }

  const stream = createReadStream(path, { highWaterMark: options.readBytes ?? CHECK_READ_BYTES })
  for await (const chunk of stream) {
    const bytes = chunk as Buffer
    utf8.push(bytes)
    scanner.push(bytes)
    await write(parser, bytes)
    match()
  }
  try {
    scanner.finish()
  } catch (error) {
    if (!(error instanceof FileFormatError)) throw error
    unclosedQuote = { line: error.line }
  }
  await new Promise<void>((resolve, reject) => {
    parser.once('error', reject)
    parser.end(() => resolve())
    parser.resume()
  })
  match()
  if (unclosedQuote === null && disagreement === null) {
    const unmatched = boundsAt < bounds.length || parsedAt < parsed.length
    const otherError = skipped.find((error) => error.code !== 'CSV_QUOTE_NOT_CLOSED')
    if (unmatched || otherError) disagreement = { line: lineOfUnmatched(bounds, boundsAt) }
  }
  return {
    sizeBytes: scanner.bytes,
    records: index,
    utf8: utf8.finish(),
    unclosedQuote,
    disagreement
  }
}

function write(parser: ReturnType<typeof parse>, chunk: Buffer): Promise<void> {
  return new Promise((resolve, reject) => {
    parser.write(chunk, (error) => (error ? reject(error) : resolve()))
  })
}

function lineOfUnmatched(bounds: number[], at: number): number {
  return (bounds[at + 2] as number | undefined) ?? (bounds[bounds.length - 1] as number) ?? 1
}
