import { createReadStream } from 'node:fs'
import type { ImportFormat } from '../marketo/types.js'
import { delimiterOf } from './delimiter.js'
import { RecordScanner, SCAN_CHUNK_BYTES } from './scan.js'

const LF = 0x0a
const CR = 0x0d
const QUOTE = 0x22

/** One record of a file, with what it takes to point at it and to copy it byte for byte. */
export interface SourceRecord {
  /** 0 for the header, then 1, 2, ... for the data records. */
  index: number
  /** 1-based line where the record starts, counting line breaks inside quoted fields. */
  line: number
  fields: string[]
  /** Byte offset of the record in the file. */
  start: number
  /** Byte offset just past the record's line break (or the end of the file). */
  end: number
}

export interface ReadRecordsOptions {
  /** Name used in error messages; defaults to the path. */
  displayPath?: string
  /** Read size; tests shrink it. */
  readBytes?: number
}

/**
 * The records of a file with their values, header first, found by the same scanner that plans
 * the parts, so lines and byte ranges agree with `planFile` exactly.
 */
export async function* readRecords(
  path: string,
  format: ImportFormat,
  options: ReadRecordsOptions = {}
): AsyncGenerator<SourceRecord> {
  const chunks = createReadStream(path, { highWaterMark: options.readBytes ?? SCAN_CHUNK_BYTES })
  yield* recordsOf(chunks as AsyncIterable<Buffer>, format, options.displayPath ?? path)
}

/**
 * The records of a file's bytes arriving as chunks (a file read, or a blob streamed from git),
 * with their values, header first. `displayPath` names the file in errors.
 */
export async function* recordsOf(
  chunks: AsyncIterable<Buffer>,
  format: ImportFormat,
  displayPath: string
): AsyncGenerator<SourceRecord> {
  // Boundaries found by the last push, as (start, end, line) triples.
  const found: number[] = []
  const scanner = new RecordScanner(
    format,
    (start, end, line) => found.push(start, end, line),
    displayPath
  )
  // Bytes from `heldStart` on, not yet handed out as records.
  let held: Buffer[] = []
  let heldStart = 0
  let index = 0

  function* takeFound(): Generator<SourceRecord> {
    if (found.length === 0) return
    const bytes = held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held)
    for (let i = 0; i < found.length; i += 3) {
      const start = found[i] as number
      const end = found[i + 1] as number
      const record = bytes.subarray(start - heldStart, end - heldStart)
      yield {
        index: index++,
        line: found[i + 2] as number,
        fields: parseFields(record, format),
        start,
        end
      }
    }
    const consumed = found[found.length - 2] as number
    held = [bytes.subarray(consumed - heldStart)]
    heldStart = consumed
    found.length = 0
  }

  for await (const chunk of chunks) {
    held.push(chunk)
    scanner.push(chunk)
    yield* takeFound()
  }
  scanner.finish()
  yield* takeFound()
}

/**
 * The field values of one record's bytes (a trailing `\n` or `\r\n` is ignored), read the way
 * csv-parse reads them with `relax_quotes` (the test oracle): a quote opens a quoted field only
 * at the field's start, and `""` inside is one quote. A closing quote that is not followed by the
 * delimiter or the record's end makes the field plain text: its opening quote is put back, and
 * the rest up to the delimiter is kept as it is (`""x@y.com` reads `""x@y.com`, not `x@y.com`).
 */
export function parseFields(record: Buffer, format: ImportFormat): string[] {
  const delimiter = delimiterOf(format).charCodeAt(0)
  let length = record.length
  if (length > 0 && record[length - 1] === LF) {
    length--
    if (length > 0 && record[length - 1] === CR) length--
  }
  const fields: string[] = []
  let pos = 0
  for (;;) {
    let value = ''
    if (pos < length && record[pos] === QUOTE) {
      let segment = pos + 1
      for (;;) {
        const quote = indexWithin(record, QUOTE, segment, length)
        if (quote === length) {
          // Only an unclosed quote at the end of the file, which the scanner reports.
          fields.push(value + record.toString('utf8', segment, length))
          return fields
        }
        if (quote + 1 < length && record[quote + 1] === QUOTE) {
          value += record.toString('utf8', segment, quote + 1)
          segment = quote + 2
          continue
        }
        value += record.toString('utf8', segment, quote)
        if (quote + 1 === length || record[quote + 1] === delimiter) {
          pos = quote + 1
        } else {
          value = '"' + value
          pos = quote
        }
        break
      }
    }
    const next = indexWithin(record, delimiter, pos, length)
    value += record.toString('utf8', pos, next)
    fields.push(value)
    if (next === length) return fields
    pos = next + 1
  }
}

/** Position of `byte` in [from, limit), or `limit` when it is not there. */
function indexWithin(buffer: Buffer, byte: number, from: number, limit: number): number {
  const at = buffer.indexOf(byte, from)
  return at === -1 || at > limit ? limit : at
}
