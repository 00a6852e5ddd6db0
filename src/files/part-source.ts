import { createReadStream } from 'node:fs'
import { basename } from 'node:path'
import { Readable } from 'node:stream'
import type { UploadSource } from '../marketo/types.js'
import type { ByteRange } from './scan.js'
import { partFileName } from './split.js'
import type { Part } from './types.js'

/** Read size of uploads. Small reads keep fewer spent buffers waiting for the garbage collector. */
const UPLOAD_CHUNK_BYTES = 64 * 1024

/**
 * The upload body of a part: the file's header, then the part's byte range, both streamed from
 * the original file on each `open()` (no copy, nothing buffered beyond one read).
 *
 * The header always ends with its line break here: the scanner ends a record only at a line feed
 * or at the end of the file, and a part's records come after the header, so a header without a
 * line break (the last line of a header-only file) never has a part. A part that does not start
 * after the header is a caller's mistake and is refused, rather than silently sent malformed.
 */
export function partSource(
  part: Part,
  header: ByteRange,
  filename = partFileName(basename(part.path), part.index, part.count),
  sentHeader?: Buffer
): UploadSource {
  if (header.end <= header.start || part.byteStart < header.end || part.byteEnd <= part.byteStart) {
    throw new RangeError(
      `${part.displayPath} part ${part.index}: bytes ${part.byteStart}-${part.byteEnd} do not ` +
        `follow the header at bytes ${header.start}-${header.end}`
    )
  }
  const records = { start: part.byteStart, end: part.byteEnd }
  return {
    filename,
    byteLength: (sentHeader?.length ?? header.end - header.start) + (part.byteEnd - part.byteStart),
    open: () =>
      Readable.from(
        sentHeader
          ? withHead(sentHeader, concatRanges(part.path, [records]))
          : concatRanges(part.path, [header, records]),
        { objectMode: false }
      )
  }
}

/** `head`, then the chunks of `rest`: a renamed header before the file's own bytes. */
export async function* withHead(head: Buffer, rest: AsyncIterable<Buffer>): AsyncGenerator<Buffer> {
  yield head
  yield* rest
}

async function* concatRanges(path: string, ranges: ByteRange[]): AsyncGenerator<Buffer> {
  for (const range of ranges) {
    // createReadStream's `end` is inclusive. Leaving the loop early (the consumer destroyed the
    // body) destroys the file stream too.
    const stream = createReadStream(path, {
      start: range.start,
      end: range.end - 1,
      highWaterMark: UPLOAD_CHUNK_BYTES
    })
    for await (const chunk of stream) yield chunk as Buffer
  }
}
