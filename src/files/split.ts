import { open, stat } from 'node:fs/promises'
import { basename, extname } from 'node:path'
import { MARKETO_MAX_BODY_BYTES, multipartOverheadBytes } from '../marketo/multipart.js'
import type { ImportFormat } from '../marketo/types.js'
import { formatBytes } from '../format.js'
import { delimiterOf } from './delimiter.js'
import { FileFormatError, RecordScanner, scanFile, type ByteRange } from './scan.js'
import type { FilePlan, Part } from './types.js'

export interface PlanOptions {
  format: ImportFormat
  /** Largest upload body allowed: header + records + multipart framing. */
  chunkSizeBytes: number
  /** Name used in messages; defaults to the path. */
  displayPath?: string
  /** Read size of the scan; tests shrink it. */
  readBytes?: number
}

/**
 * The file name a part is uploaded under: the file's own name when it is sent whole,
 * `name.part-2-of-5.csv` when it is split (the extension kept, so the name still says the format).
 */
export function partFileName(fileName: string, index: number, count: number): string {
  if (count <= 1) return fileName
  const extension = extname(fileName)
  const stem = fileName.slice(0, fileName.length - extension.length)
  return `${stem}.part-${index}-of-${count}${extension}`
}

/**
 * Scans a file once and cuts it into parts of whole records, each uploadable within
 * `chunkSizeBytes` once the header is repeated on it and the multipart framing added.
 *
 * A part's range starts at its first record and ends after its last one: blank lines before
 * the first record and after the last are left out, blank lines between records are sent as they
 * are (they keep line numbers simple, and they are not records).
 * An empty or header-only file gives `rows: 0` and no parts; the caller says so.
 */
export async function planFile(path: string, options: PlanOptions): Promise<FilePlan> {
  const displayPath = options.displayPath ?? path
  const { size } = await stat(path)
  const cutter = new PartCutter(path, displayPath, options, size)
  const scan = await scanFile(path, {
    format: options.format,
    displayPath,
    readBytes: options.readBytes,
    onHeader: (start, end) => cutter.header(start, end),
    onRecord: (start, end, line) => cutter.record(start, end, line)
  })
  const header = scan.header ?? { start: scan.bomBytes, end: scan.bomBytes, line: 1 }
  if (scan.rows === 0 && (await hasBareCarriageReturn(path, header, options.format))) {
    throw bareCarriageReturns(displayPath, header.line)
  }
  return cutter.plan(scan.sizeBytes, scan.rows, header)
}

/**
 * The part cutting of `planFile`, record by record, for any pass that finds the records: each
 * part a run of whole records that fits `chunkSizeBytes` with the header and the multipart
 * framing. `record` throws the FileFormatError of a record that cannot fit any part.
 */
export class PartCutter {
  private readonly overhead: number
  private readonly ranges: PartRange[] = []
  private headerBytes = 0
  private part: PartRange | null = null

  /** `sizeBytes`: the file's size, which bounds the number of parts (and so their names). */
  constructor(
    private readonly path: string,
    private readonly displayPath: string,
    private readonly options: Pick<PlanOptions, 'format' | 'chunkSizeBytes'>,
    sizeBytes: number
  ) {
    const { chunkSizeBytes } = options
    if (!Number.isSafeInteger(chunkSizeBytes) || chunkSizeBytes <= 0) {
      throw new RangeError(
        `chunk size must be a positive whole number of bytes, got ${chunkSizeBytes}`
      )
    }
    // The part names are known only once the count is, so reserve the framing of the longest
    // name possible: a file of n bytes cannot have more than n parts. A few bytes per part.
    const maxCount = Math.max(sizeBytes, 1)
    this.overhead = multipartOverheadBytes(
      partFileName(basename(path), maxCount, maxCount),
      options.format
    )
  }

  header(start: number, end: number): void {
    this.headerBytes = end - start
  }

  record(start: number, end: number, line: number): void {
    const { headerBytes, overhead, part } = this
    const { chunkSizeBytes } = this.options
    if (part !== null && headerBytes + (end - part.start) + overhead <= chunkSizeBytes) {
      part.end = end
      part.rows++
      return
    }
    if (headerBytes + (end - start) + overhead > chunkSizeBytes) {
      throw recordTooLarge(
        this.displayPath,
        line,
        end - start,
        headerBytes,
        overhead,
        chunkSizeBytes
      )
    }
    this.part = { start, end, rows: 1, firstLine: line }
    this.ranges.push(this.part)
  }

  /** The plan once the file is read: its size, data records and header range. */
  plan(sizeBytes: number, rows: number, header: ByteRange): FilePlan {
    const { path, displayPath, ranges, headerBytes } = this
    const { format } = this.options
    const parts = ranges.map((range, i): Part => ({
      path,
      displayPath,
      format,
      index: i + 1,
      count: ranges.length,
      byteStart: range.start,
      byteEnd: range.end,
      bytes: headerBytes + (range.end - range.start),
      rows: range.rows,
      firstLine: range.firstLine
    }))
    return {
      path,
      displayPath,
      format,
      sizeBytes,
      rows,
      header: { start: header.start, end: header.end },
      parts
    }
  }
}

/** Read size of `planHeader`: a header is almost always within the first read. */
const HEADER_READ_BYTES = 64 * 1024

/**
 * The plan of a file's header alone, before its records are read (no parts yet): what the
 * instance checks need before the first submit, while the checks read the rows later.
 * A header whose quote never closes keeps an empty range: the checks will say what is wrong.
 */
export async function planHeader(
  path: string,
  options: { format: ImportFormat; displayPath?: string }
): Promise<FilePlan> {
  const { format } = options
  const displayPath = options.displayPath ?? path
  let header: ByteRange | null = null
  const scanner = new RecordScanner(
    format,
    (start, end) => {
      header ??= { start, end }
    },
    displayPath
  )
  const file = await open(path, 'r')
  let sizeBytes = 0
  try {
    const buffer = Buffer.alloc(HEADER_READ_BYTES)
    for (;;) {
      const { bytesRead } = await file.read(buffer, 0, buffer.length, sizeBytes)
      if (bytesRead === 0) {
        try {
          scanner.finish()
        } catch (error) {
          if (!(error instanceof FileFormatError)) throw error
        }
        break
      }
      sizeBytes += bytesRead
      scanner.push(buffer.subarray(0, bytesRead))
      if (header !== null) break
    }
    sizeBytes = (await file.stat()).size
  } finally {
    await file.close()
  }
  const range: ByteRange = header ?? { start: scanner.bomBytes, end: scanner.bomBytes }
  return { path, displayPath, format, sizeBytes, rows: 0, header: range, parts: [] }
}

/**
 * About how many parts `planFile` will cut a file into, from its size and header alone: for the
 * daily quota before the first submit. 0 for a file with nothing after its header.
 */
export function estimatePartCount(plan: FilePlan, chunkSizeBytes: number): number {
  const data = plan.sizeBytes - plan.header.end
  if (data <= 0) return 0
  const longest = Math.max(plan.sizeBytes, 1)
  const overhead = multipartOverheadBytes(
    partFileName(basename(plan.path), longest, longest),
    plan.format
  )
  const room = chunkSizeBytes - (plan.header.end - plan.header.start) - overhead
  return room <= 0 ? 1 : Math.ceil(data / room)
}

/** The error of a header-only file whose lines end with a carriage return alone. */
export function bareCarriageReturns(displayPath: string, line: number): FileFormatError {
  return new FileFormatError(
    displayPath,
    line,
    'its lines end with a carriage return alone (classic Mac OS); save it with LF or CRLF line breaks'
  )
}

interface PartRange {
  start: number
  end: number
  rows: number
  firstLine: number
}

function recordTooLarge(
  file: string,
  line: number,
  recordBytes: number,
  headerBytes: number,
  overhead: number,
  chunkSizeBytes: number
): FileFormatError {
  const what =
    recordBytes > chunkSizeBytes
      ? `one record is ${formatBytes(recordBytes)}, larger than chunk-size ${formatBytes(chunkSizeBytes)}`
      : `one record is ${formatBytes(recordBytes)}; with the header (${formatBytes(headerBytes)}) ` +
        `and the upload's multipart framing (${formatBytes(overhead)}) it is larger than ` +
        `chunk-size ${formatBytes(chunkSizeBytes)}`
  const fitsMarketo = headerBytes + recordBytes + overhead <= MARKETO_MAX_BODY_BYTES
  const remedy = fitsMarketo
    ? 'raise chunk-size (Marketo accepts up to 10 MiB, 10,485,760 bytes)'
    : 'Marketo cannot import it'
  return new FileFormatError(file, line, `${what}; ${remedy}`)
}

const CR = 0x0d
const LF = 0x0a
const QUOTE = 0x22
/** Enough of a header-only file to recognise its line breaks. */
export const LINE_BREAK_PROBE_BYTES = 64 * 1024

/**
 * A header-only file whose one "record" holds a carriage return outside quotes not followed by a
 * line feed is a file with classic Mac OS line breaks, not a header.
 */
async function hasBareCarriageReturn(
  path: string,
  header: ByteRange,
  format: ImportFormat
): Promise<boolean> {
  const length = Math.min(header.end - header.start, LINE_BREAK_PROBE_BYTES)
  if (length === 0) return false
  const file = await open(path, 'r')
  try {
    const { buffer, bytesRead } = await file.read(Buffer.alloc(length), 0, length, header.start)
    return holdsBareCarriageReturn(buffer.subarray(0, bytesRead), format)
  } finally {
    await file.close()
  }
}

/**
 * Whether the start of a header-only file's one record (`LINE_BREAK_PROBE_BYTES` of it are
 * enough) holds a carriage return outside quotes not followed by a line feed.
 */
export function holdsBareCarriageReturn(bytes: Buffer, format: ImportFormat): boolean {
  // The scanner's quote rules, byte by byte: this is one record of at most 64 KiB.
  const delimiter = delimiterOf(format).charCodeAt(0)
  let inQuotes = false
  let fieldStart = true
  let justClosed = false
  for (let i = 0; i < bytes.length; i++) {
    const byte = bytes[i]
    if (inQuotes) {
      if (byte === QUOTE) {
        inQuotes = false
        justClosed = true
      }
      continue
    }
    if (byte === QUOTE && (fieldStart || justClosed)) {
      inQuotes = true
    } else if (byte === CR && i + 1 < bytes.length && bytes[i + 1] !== LF) {
      return true
    }
    fieldStart = byte === delimiter
    justClosed = false
  }
  return false
}
