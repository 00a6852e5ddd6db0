import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import { partFileName, partSource, type ByteRange, type Part } from '../files/index.js'
import { withHead } from '../files/part-source.js'
import type { UploadSource } from '../marketo/types.js'
import { withoutField } from '../statuses/reencode.js'

/** Read size of uploads; consecutive ranges within one read cost no further read. */
const READ_BYTES = 256 * 1024
/** Small ranges are gathered into chunks of about this size before they are handed on. */
const YIELD_BYTES = 64 * 1024

/**
 * The upload body of any part: `partSource` for a contiguous part, else the header followed by
 * the part's ranges, streamed from the original file on each `open()` (no copy of the file).
 */
export function sourceOfPart(part: Part, header: ByteRange, sentHeader?: Buffer): UploadSource {
  if (part.leftOut !== undefined) return withoutFieldSource(part, header, sentHeader)
  if (part.ranges === undefined) {
    return partSource(
      part,
      header,
      partFileName(basename(part.path), part.index, part.count),
      sentHeader
    )
  }
  const ranges = part.ranges
  if (
    header.end <= header.start ||
    ranges.length === 0 ||
    (ranges[0] as ByteRange).start < header.end
  ) {
    throw new RangeError(
      `${part.displayPath} part ${part.index}: its ranges do not follow the header at bytes ` +
        `${header.start}-${header.end}`
    )
  }
  const all = [header, ...ranges]
  const rangeBytes = ranges.reduce((total, range) => total + (range.end - range.start), 0)
  return {
    filename: partFileName(basename(part.path), part.index, part.count),
    byteLength: (sentHeader?.length ?? header.end - header.start) + rangeBytes,
    open: () =>
      Readable.from(
        sentHeader
          ? withHead(sentHeader, readRanges(part.path, ranges))
          : readRanges(part.path, all),
        { objectMode: false }
      )
  }
}

/**
 * A part sent without one field (status-column): the sent header, which lacks it too, then the
 * part's records re-encoded without it as they are read from its ranges.
 */
function withoutFieldSource(part: Part, header: ByteRange, sentHeader?: Buffer): UploadSource {
  const leftOut = part.leftOut as NonNullable<Part['leftOut']>
  const ranges = part.ranges ?? [{ start: part.byteStart, end: part.byteEnd }]
  if (sentHeader === undefined || (ranges[0] as ByteRange).start < header.end) {
    throw new RangeError(
      `${part.displayPath} part ${part.index}: a part sent without a column needs the header ` +
        "sent without it, and records after the file's header"
    )
  }
  return {
    filename: partFileName(basename(part.path), part.index, part.count),
    byteLength: sentHeader.length + leftOut.recordBytes,
    open: () =>
      Readable.from(
        withHead(
          sentHeader,
          withoutField(readRanges(part.path, ranges), part.format, leftOut.field, part.displayPath)
        ),
        { objectMode: false }
      )
  }
}

/**
 * The bytes of `ranges` (sorted, not overlapping) of a file, read through one file handle in
 * large sequential reads; a range inside the last read costs nothing more.
 */
export async function* readRanges(path: string, ranges: ByteRange[]): AsyncGenerator<Buffer> {
  const file = await open(path, 'r')
  let window = Buffer.alloc(0)
  let windowStart = 0
  let pending: Buffer[] = []
  let pendingBytes = 0
  try {
    for (const range of ranges) {
      let position = range.start
      while (position < range.end) {
        if (position < windowStart || position >= windowStart + window.length) {
          // A fresh buffer each read: views handed out earlier must keep their bytes.
          const buffer = Buffer.allocUnsafe(READ_BYTES)
          const { bytesRead } = await file.read(buffer, 0, READ_BYTES, position)
          if (bytesRead === 0) {
            throw new Error(
              `${path} is shorter than when it was planned: it changed during the run`
            )
          }
          window = buffer.subarray(0, bytesRead)
          windowStart = position
        }
        const end = Math.min(range.end, windowStart + window.length)
        const view = window.subarray(position - windowStart, end - windowStart)
        pending.push(view)
        pendingBytes += view.length
        position = end
        if (pendingBytes >= YIELD_BYTES) {
          yield pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending)
          pending = []
          pendingBytes = 0
        }
      }
    }
    if (pendingBytes > 0)
      yield pending.length === 1 ? (pending[0] as Buffer) : Buffer.concat(pending)
  } finally {
    await file.close()
  }
}
