import { endianness } from 'node:os'
import type { ImportFormat } from '../marketo/types.js'
import { delimiterOf } from './delimiter.js'
import { readChunks } from './read-chunks.js'

const LF = 0x0a
const CR = 0x0d
const QUOTE = 0x22
const UTF8_BOM = Buffer.from([0xef, 0xbb, 0xbf])

const LITTLE_ENDIAN = endianness() === 'LE'
/** The word-at-a-time path assumes little-endian byte order; elsewhere every byte goes alone. */
const NO_WORDS = new Int32Array(0)

/** Read size of the scans: large reads keep the per-chunk cost out of the throughput. */
export const SCAN_CHUNK_BYTES = 1024 * 1024

/** A half-open byte range [start, end) of a file. */
export interface ByteRange {
  start: number
  end: number
}

/**
 * Called once per record, in file order, with the record's byte range (line break included,
 * so consecutive records of a part are contiguous) and the 1-based line where it starts.
 */
export type RecordVisitor = (start: number, end: number, line: number) => void

/** A file that cannot be read as records, located at the line a user can open. */
export class FileFormatError extends Error {
  readonly file: string
  readonly line: number

  constructor(file: string, line: number, detail: string) {
    super(`${file} line ${line}: ${detail}`)
    this.name = 'FileFormatError'
    this.file = file
    this.line = line
  }
}

/**
 * Finds record boundaries in a delimited file fed chunk by chunk, without decoding it and
 * without allocating per record.
 *
 * The rules: RFC 4180, lenient with stray quotes.
 * - a record ends at a line feed outside quotes (`\r\n` and `\n` both end records; a bare `\r`
 *   does not), or at the end of the file;
 * - a quote opens a quoted field only at the start of a field; inside, `""` is a quote, and any
 *   line break is data; a quote elsewhere in an unquoted field, or after a closing quote, is data;
 * - a UTF-8 byte order mark at the start of the file is not part of the first record;
 * - an empty line (nothing before its `\n` or `\r\n`) is not a record, but counts as a line;
 *   a lone `\r` at the end of the file is a record (csv-parse reads it as one field);
 * - line numbers count every line feed, quoted ones too, so they are the lines an editor shows.
 */
export class RecordScanner {
  /** Records reported so far, header included. */
  records = 0
  /** 3 when the file starts with a UTF-8 byte order mark, else 0. */
  bomBytes = 0

  /**
   * Fields of the record just reported (delimiters outside quotes, plus one), while `onRecord`
   * runs; counted only after `countFields`, else 0.
   */
  fields = 0
  /**
   * The byte range [fieldStart, fieldEnd) in the file of the field `countFields` asked for, in the
   * record just reported, without the record's line break; -1 when the record has fewer fields.
   */
  fieldStart = -1
  fieldEnd = -1

  private readonly delimiter: number
  /** The delimiter in each byte of a word, for `scanFields`; set by `countFields`. */
  private delimiterWord = 0
  private wanted = -1
  private counting = false
  /** The field the next byte is in, and the wanted field's range so far, in the record being read. */
  private fieldIndex = 0
  private openStart = -1
  private openEnd = -1
  private readonly onRecord: RecordVisitor
  private readonly file: string
  /** Absolute offset of the next byte pushed. */
  private offset = 0
  private line = 1
  private recordStart = 0
  private recordLine = 1
  private inQuotes = false
  /** Offset of the last quote that closed a quoted field: a quote right after it is a `""`. */
  private closedAt = -2
  private quoteLine = 0
  private previousByte = -1
  /** Leading bytes held back until there are enough to tell whether they are a BOM. */
  private leading: Buffer | null = Buffer.alloc(0)

  constructor(format: ImportFormat, onRecord: RecordVisitor, file: string) {
    this.delimiter = delimiterOf(format).charCodeAt(0)
    this.onRecord = onRecord
    this.file = file
  }

  /**
   * From the next record on, counts each record's fields and finds the field at index `wanted`
   * (`fields`, `fieldStart`, `fieldEnd` during `onRecord`; -1 for none), by the rules
   * `parseFields` reads them with: the same delimiters outside quotes end the same fields. Costs
   * a third more per byte.
   */
  countFields(wanted: number): void {
    this.counting = true
    this.wanted = wanted
    this.delimiterWord = Math.imul(this.delimiter, 0x01010101)
  }

  /** Scans the next bytes of the file. The scanner keeps no reference to `chunk`. */
  push(chunk: Buffer): void {
    if (this.leading !== null) {
      const leading = this.leading.length === 0 ? chunk : Buffer.concat([this.leading, chunk])
      if (
        leading.length < UTF8_BOM.length &&
        UTF8_BOM.subarray(0, leading.length).equals(leading)
      ) {
        // A copy: the caller may reuse the chunk's memory for its next read.
        this.leading = Buffer.from(leading)
        return
      }
      this.leading = null
      this.startWith(leading)
      return
    }
    this.scanChunk(chunk, 0)
  }

  /** Ends the file: reports a last record without a line break; throws on an open quote. */
  finish(): void {
    if (this.leading !== null) {
      const leading = this.leading
      this.leading = null
      this.startWith(leading)
    }
    if (this.inQuotes) {
      throw new FileFormatError(
        this.file,
        this.quoteLine,
        'a quoted field starts here and is never closed (unbalanced ")'
      )
    }
    const end = this.offset
    if (end > this.recordStart) {
      this.records++
      if (this.counting) this.setFields(this.fieldIndex, this.openStart, this.openEnd, end)
      this.onRecord(this.recordStart, end, this.recordLine)
    }
  }

  /** Bytes pushed so far. */
  get bytes(): number {
    return this.offset
  }

  /** The 1-based line of the next byte pushed (every line feed counts, quoted ones too). */
  get lines(): number {
    return this.line
  }

  /**
   * `fields`, `fieldStart` and `fieldEnd` of the record being reported: `index` is its last
   * field's, which ends at `lastEnd`; `openStart` and `openEnd` are the wanted field's bounds as
   * far as the delimiters set them.
   */
  private setFields(index: number, openStart: number, openEnd: number, lastEnd: number): void {
    const wanted = this.wanted
    this.fields = index + 1
    this.fieldStart = index < wanted ? -1 : openStart
    this.fieldEnd = index < wanted ? -1 : index === wanted ? lastEnd : openEnd
  }

  private startWith(chunk: Buffer): void {
    if (chunk.length >= UTF8_BOM.length && UTF8_BOM.equals(chunk.subarray(0, UTF8_BOM.length))) {
      this.bomBytes = UTF8_BOM.length
      this.recordStart = UTF8_BOM.length
    }
    this.scanChunk(chunk, this.bomBytes)
  }

  private scanChunk(chunk: Buffer, from: number): void {
    if (chunk.length === 0) return
    if (this.counting) this.scanFields(chunk, from, this.previousByte)
    else this.scan(chunk, from)
  }

  // The hot loop: 0.65 ns a byte on CSV with a few quoted fields per record, 1.1 ns when every
  // field is quoted. Most bytes are neither a quote nor a line feed: it skips four bytes at a
  // time while a 32-bit word holds neither (the SWAR zero-byte test), and in a word that does, it
  // visits just those bytes, in order, through a mask with bit 7 set in each. Single bytes at a
  // chunk's unaligned edges take the same path. (Buffer#indexOf costs ~30 ns a call, too much for
  // the few bytes between two quotes; a plain byte loop is twice as slow; settling quote-only
  // words by quote parity, or testing eight bytes a step, measured no better.)
  private scan(buf: Buffer, from: number): void {
    const len = buf.length
    if (len === 0) return
    const base = this.offset
    const delimiter = this.delimiter
    const previousByte = this.previousByte
    // An Int32Array view needs 4-byte alignment: words start at the first aligned byte.
    const align = (4 - (buf.byteOffset & 3)) & 3
    const words = LITTLE_ENDIAN
      ? new Int32Array(buf.buffer, buf.byteOffset + align, Math.max(0, len - align) >> 2)
      : NO_WORDS
    const wordCount = words.length
    let line = this.line
    let recordStart = this.recordStart
    let recordLine = this.recordLine
    let inQuotes = this.inQuotes
    let closedAt = this.closedAt
    let i = from

    while (i < len) {
      let quoteMask: number
      let lineFeedMask: number
      let groupStart = i
      if (((i - align) & 3) === 0 && i - align < wordCount * 4) {
        let w = (i - align) >> 2
        let quotes = 0
        let lineFeeds = 0
        for (; w < wordCount; w++) {
          const word = words[w] as number
          quotes = word ^ 0x22222222
          lineFeeds = word ^ 0x0a0a0a0a
          const zeroBytes =
            ((quotes - 0x01010101) & ~quotes) | ((lineFeeds - 0x01010101) & ~lineFeeds)
          if ((zeroBytes & 0x80808080) !== 0) break
        }
        groupStart = align + w * 4
        if (w === wordCount) {
          i = groupStart
          continue
        }
        quoteMask = ~(((quotes & 0x7f7f7f7f) + 0x7f7f7f7f) | quotes | 0x7f7f7f7f)
        lineFeedMask = ~(((lineFeeds & 0x7f7f7f7f) + 0x7f7f7f7f) | lineFeeds | 0x7f7f7f7f)
        i = groupStart + 4
      } else {
        const byte = buf[i]
        quoteMask = byte === QUOTE ? 0x80 : 0
        lineFeedMask = byte === LF ? 0x80 : 0
        i++
      }

      for (let events = quoteMask | lineFeedMask; events !== 0;) {
        const bit = events & -events
        events ^= bit
        const at = groupStart + ((31 - Math.clz32(bit)) >> 3)
        if ((quoteMask & bit) !== 0) {
          if (inQuotes) {
            // Closes the field, unless the next byte is a quote too: then it reopens (a `""`).
            inQuotes = false
            closedAt = base + at
          } else if (base + at === closedAt + 1) {
            inQuotes = true
          } else if (
            base + at === recordStart ||
            (at > 0 ? buf[at - 1] : previousByte) === delimiter
          ) {
            inQuotes = true
            this.quoteLine = line
          }
        } else {
          if (!inQuotes) {
            const end = base + at + 1
            const width = end - 1 - recordStart
            if (width > 1 || (width === 1 && (at > 0 ? buf[at - 1] : previousByte) !== CR)) {
              this.records++
              this.onRecord(recordStart, end, recordLine)
              if (this.counting) {
                // The header's visitor asked for fields: the rest goes through the loop that counts.
                this.line = line + 1
                this.recordStart = end
                this.recordLine = line + 1
                this.inQuotes = false
                this.closedAt = closedAt
                this.openStart = this.wanted === 0 ? end : -1
                this.scanFields(buf, at + 1, previousByte)
                return
              }
            }
            recordStart = end
            recordLine = line + 1
          }
          line++
        }
      }
    }

    this.offset = base + len
    this.previousByte = buf[len - 1] as number
    this.line = line
    this.recordStart = recordStart
    this.recordLine = recordLine
    this.inQuotes = inQuotes
    this.closedAt = closedAt
  }

  // `scan` with the delimiter as a third event, once `countFields` is on: the same loop, kept
  // apart because the third zero-byte test costs `scan` a third of its speed where no field is
  // counted (`planFile`). The quote and line feed events are handled as `scan` does.
  private scanFields(buf: Buffer, from: number, previousByte: number): void {
    const len = buf.length
    const base = this.offset
    const delimiter = this.delimiter
    // An Int32Array view needs 4-byte alignment: words start at the first aligned byte.
    const align = (4 - (buf.byteOffset & 3)) & 3
    const words = LITTLE_ENDIAN
      ? new Int32Array(buf.buffer, buf.byteOffset + align, Math.max(0, len - align) >> 2)
      : NO_WORDS
    const wordCount = words.length
    let line = this.line
    let recordStart = this.recordStart
    let recordLine = this.recordLine
    let inQuotes = this.inQuotes
    let closedAt = this.closedAt
    const wanted = this.wanted
    const delimiterWord = this.delimiterWord
    let fieldIndex = this.fieldIndex
    let openStart = this.openStart
    let openEnd = this.openEnd
    let i = from

    while (i < len) {
      let quoteMask: number
      let lineFeedMask: number
      let delimiterMask: number
      let groupStart = i
      if (((i - align) & 3) === 0 && i - align < wordCount * 4) {
        let w = (i - align) >> 2
        let quotes = 0
        let lineFeeds = 0
        let delimiters = 0
        for (; w < wordCount; w++) {
          const word = words[w] as number
          quotes = word ^ 0x22222222
          lineFeeds = word ^ 0x0a0a0a0a
          delimiters = word ^ delimiterWord
          const zeroBytes =
            ((quotes - 0x01010101) & ~quotes) |
            ((lineFeeds - 0x01010101) & ~lineFeeds) |
            ((delimiters - 0x01010101) & ~delimiters)
          if ((zeroBytes & 0x80808080) !== 0) break
        }
        groupStart = align + w * 4
        if (w === wordCount) {
          i = groupStart
          continue
        }
        quoteMask = ~(((quotes & 0x7f7f7f7f) + 0x7f7f7f7f) | quotes | 0x7f7f7f7f)
        lineFeedMask = ~(((lineFeeds & 0x7f7f7f7f) + 0x7f7f7f7f) | lineFeeds | 0x7f7f7f7f)
        delimiterMask = ~(((delimiters & 0x7f7f7f7f) + 0x7f7f7f7f) | delimiters | 0x7f7f7f7f)
        i = groupStart + 4
      } else {
        const byte = buf[i]
        quoteMask = byte === QUOTE ? 0x80 : 0
        lineFeedMask = byte === LF ? 0x80 : 0
        delimiterMask = byte === delimiter ? 0x80 : 0
        i++
      }

      for (let events = quoteMask | lineFeedMask | delimiterMask; events !== 0;) {
        const bit = events & -events
        events ^= bit
        const at = groupStart + ((31 - Math.clz32(bit)) >> 3)
        if ((quoteMask & bit) !== 0) {
          if (inQuotes) {
            // Closes the field, unless the next byte is a quote too: then it reopens (a `""`).
            inQuotes = false
            closedAt = base + at
          } else if (base + at === closedAt + 1) {
            inQuotes = true
          } else if (
            base + at === recordStart ||
            (at > 0 ? buf[at - 1] : previousByte) === delimiter
          ) {
            inQuotes = true
            this.quoteLine = line
          }
        } else if ((lineFeedMask & bit) !== 0) {
          if (!inQuotes) {
            const end = base + at + 1
            const width = end - 1 - recordStart
            const afterCarriageReturn = (at > 0 ? buf[at - 1] : previousByte) === CR
            if (width > 1 || (width === 1 && !afterCarriageReturn)) {
              this.records++
              // The last field ends at the line break, which is `\r\n` or `\n`.
              const lastEnd = base + at - (afterCarriageReturn ? 1 : 0)
              this.setFields(fieldIndex, openStart, openEnd, lastEnd)
              this.onRecord(recordStart, end, recordLine)
            }
            recordStart = end
            recordLine = line + 1
            fieldIndex = 0
            openStart = wanted === 0 ? end : -1
          }
          line++
        } else if (!inQuotes) {
          // A delimiter outside quotes ends a field.
          if (fieldIndex === wanted) openEnd = base + at
          fieldIndex++
          if (fieldIndex === wanted) openStart = base + at + 1
        }
      }
    }

    this.offset = base + len
    this.previousByte = buf[len - 1] as number
    this.line = line
    this.recordStart = recordStart
    this.recordLine = recordLine
    this.inQuotes = inQuotes
    this.closedAt = closedAt
    this.fieldIndex = fieldIndex
    this.openStart = openStart
    this.openEnd = openEnd
  }
}

export interface ScanOptions {
  format: ImportFormat
  /** Name used in error messages; defaults to the path. */
  displayPath?: string
  /** Called once with the header, the file's first record, before any data record. */
  onHeader?: RecordVisitor
  /** Called for each data record (the header excluded). */
  onRecord?: RecordVisitor
  /** Read size; tests shrink it to put chunk boundaries everywhere. */
  readBytes?: number
}

export interface ScanResult {
  sizeBytes: number
  /** 3 when the file starts with a UTF-8 byte order mark: the header range starts after it. */
  bomBytes: number
  /** The first record, line break included; null for a file with no record at all. */
  header: (ByteRange & { line: number }) | null
  /** Data records, the header excluded. */
  rows: number
}

/** Reads a file once, reporting its header and then each data record to `onRecord`. */
export async function scanFile(path: string, options: ScanOptions): Promise<ScanResult> {
  const { onHeader, onRecord } = options
  let header: ScanResult['header'] = null
  const scanner = new RecordScanner(
    options.format,
    (start, end, line) => {
      if (header !== null) {
        if (onRecord !== undefined) onRecord(start, end, line)
        return
      }
      header = { start, end, line }
      if (onHeader !== undefined) onHeader(start, end, line)
    },
    options.displayPath ?? path
  )
  await readChunks(path, options.readBytes ?? SCAN_CHUNK_BYTES, (chunk) => scanner.push(chunk))
  scanner.finish()
  return {
    sizeBytes: scanner.bytes,
    bomBytes: scanner.bomBytes,
    header,
    rows: Math.max(0, scanner.records - 1)
  }
}
