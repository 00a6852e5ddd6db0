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
  let found: SourceRecord[] = []
  let index = 0
  const reader = new RecordReader(
    format,
    (bytes, from, start, end, line) => {
      const fields = parseFields(bytes.subarray(from, from + end - start), format)
      found.push({ index: index++, line, fields, start, end })
    },
    displayPath
  )
  for await (const chunk of chunks) {
    reader.push(chunk)
    if (found.length > 0) {
      yield* found
      found = []
    }
  }
  reader.finish()
  yield* found
}

/**
 * Called once per record with its bytes, `bytes[from, from + end - start)` (line break included),
 * valid only during the call; its byte range [start, end) in the file, and the 1-based line where
 * it starts. No Buffer is made per record: the checks read millions of them.
 */
export type RecordBytesVisitor = (
  bytes: Buffer,
  from: number,
  start: number,
  end: number,
  line: number
) => void

/** The scanner's field counting (`RecordScanner#countFields`), as a record visitor uses it. */
export type RecordFields = Pick<RecordScanner, 'countFields' | 'fields' | 'fieldStart' | 'fieldEnd'>

/**
 * The scanner fed chunk by chunk, handing each record's bytes to a visitor as it is found: no
 * copy for a record inside one chunk, one join of the held tail for a record across chunks.
 */
export class RecordReader {
  private readonly scanner: RecordScanner
  private readonly visit: RecordBytesVisitor
  /** Bytes from `heldStart` up to the current chunk, not yet handed out (a copy). */
  private held: Buffer = Buffer.alloc(0)
  private heldStart = 0
  private chunk: Buffer = Buffer.alloc(0)
  private chunkStart = 0
  /** End of the last record handed out. */
  private consumed = 0

  constructor(format: ImportFormat, visit: RecordBytesVisitor, displayPath: string) {
    this.visit = visit
    this.scanner = new RecordScanner(
      format,
      (start, end, line) => this.take(start, end, line),
      displayPath
    )
  }

  /** Bytes read so far. */
  get bytes(): number {
    return this.scanner.bytes
  }

  /** 3 when the file starts with a UTF-8 byte order mark, else 0. */
  get bomBytes(): number {
    return this.scanner.bomBytes
  }

  /** The 1-based line of the next byte pushed. */
  get lines(): number {
    return this.scanner.lines
  }

  /**
   * The fields of each record from the next one on, once asked for (`countFields`): read during
   * `visit`, with the wanted field's range in file offsets.
   */
  get fieldCounts(): RecordFields {
    return this.scanner
  }

  push(chunk: Buffer): void {
    this.chunk = chunk
    this.chunkStart = this.heldStart + this.held.length
    this.scanner.push(chunk)
    // The caller may reuse the chunk's memory: what is kept of it is copied.
    if (this.consumed >= this.chunkStart) {
      this.held = Buffer.from(chunk.subarray(this.consumed - this.chunkStart))
      this.heldStart = this.consumed
    } else {
      this.held = Buffer.concat([this.held, chunk])
    }
    this.chunk = Buffer.alloc(0)
  }

  /** Ends the file: hands out a last record without a line break; throws on an open quote. */
  finish(): void {
    this.chunkStart = this.heldStart + this.held.length
    this.scanner.finish()
  }

  private take(start: number, end: number, line: number): void {
    this.consumed = end
    if (start >= this.chunkStart) {
      this.visit(this.chunk, start - this.chunkStart, start, end, line)
      return
    }
    // Only the record that began before this chunk: the held bytes and this chunk up to its end.
    const joined = Buffer.concat([this.held, this.chunk.subarray(0, end - this.chunkStart)])
    this.visit(joined, start - this.heldStart, start, end, line)
  }
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
  const length = contentEnd(record, 0, record.length)
  const fields: string[] = []
  for (let pos = 0; ;) {
    const end = fieldEnd(record, pos, length, delimiter)
    fields.push(decodeField(record, pos, end))
    if (end === length) return fields
    pos = end + 1
  }
}

/** Where the record `record[from, to)` ends without its `\n` or `\r\n`. */
function contentEnd(record: Buffer, from: number, to: number): number {
  let end = to
  if (end > from && record[end - 1] === LF) {
    end--
    if (end > from && record[end - 1] === CR) end--
  }
  return end
}

/** Where the field starting at `pos` ends: at the delimiter after it, or at `length`. */
function fieldEnd(record: Buffer, pos: number, length: number, delimiter: number): number {
  if (pos >= length || record[pos] !== QUOTE) return indexWithin(record, delimiter, pos, length)
  for (let segment = pos + 1; ;) {
    const quote = indexWithin(record, QUOTE, segment, length)
    // An unclosed quote runs to the end (only at the end of a file, which the scanner reports).
    if (quote === length) return length
    if (quote + 1 < length && record[quote + 1] === QUOTE) {
      segment = quote + 2
      continue
    }
    if (quote + 1 === length || record[quote + 1] === delimiter) return quote + 1
    return indexWithin(record, delimiter, quote, length)
  }
}

/**
 * The value of the field `record[pos, end)`, as `parseFields` decodes it: the checks read one
 * field (the email) where the scanner counted it (`RecordScanner#countFields`).
 */
export function decodeField(record: Buffer, pos: number, end: number): string {
  if (pos >= end || record[pos] !== QUOTE) return record.toString('utf8', pos, end)
  let value = ''
  for (let segment = pos + 1; ;) {
    const quote = indexWithin(record, QUOTE, segment, end)
    if (quote === end) return value + record.toString('utf8', segment, end)
    if (quote + 1 < end && record[quote + 1] === QUOTE) {
      value += record.toString('utf8', segment, quote + 1)
      segment = quote + 2
      continue
    }
    value += record.toString('utf8', segment, quote)
    // Closed right before the delimiter or the end; else plain text from the opening quote on.
    return quote + 1 === end ? value : '"' + value + record.toString('utf8', quote, end)
  }
}

/**
 * Position of `byte` in [from, limit), or `limit` when it is not there. A plain loop: fields are
 * short, and Buffer#indexOf costs ~30 ns a call.
 */
function indexWithin(buffer: Buffer, byte: number, from: number, limit: number): number {
  for (let at = from; at < limit; at++) if (buffer[at] === byte) return at
  return limit
}
