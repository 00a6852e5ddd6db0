import { basename } from 'node:path'
import { partFileName, type ByteRange, type FilePlan, type Part } from '../files/index.js'
import { multipartOverheadBytes } from '../marketo/multipart.js'

/** A record chosen for upload: where it starts, and its bytes in the file. */
export interface SelectedRecord {
  line: number
  start: number
  end: number
  /** The bytes it is sent as, when not its bytes in the file (re-encoded without a column). */
  sentBytes?: number
}

/**
 * The plan of a file when only some of its records are sent: parts of whole records, each within
 * `chunkSizeBytes` once the header and the multipart framing are added (the same packing as
 * `planFile`), listing the byte ranges to stream from the original file. Records next to each
 * other share one range. `byteStart`/`byteEnd` span the part's first and last range, so failure
 * tracing still finds each part's records in [byteStart, byteEnd).
 */
export function planSelection(
  plan: FilePlan,
  records: SelectedRecord[],
  chunkSizeBytes: number
): FilePlan {
  const headerBytes = plan.header.end - plan.header.start
  const name = basename(plan.path)
  const longest = Math.max(plan.sizeBytes, 1)
  const overhead = multipartOverheadBytes(partFileName(name, longest, longest), plan.format)
  const groups: { records: SelectedRecord[]; bytes: number }[] = []
  let current: { records: SelectedRecord[]; bytes: number } | undefined
  for (const record of records) {
    const size = record.sentBytes ?? record.end - record.start
    if (current === undefined || headerBytes + current.bytes + size + overhead > chunkSizeBytes) {
      // planFile accepted the whole file with this chunk size, so one record always fits.
      current = { records: [], bytes: 0 }
      groups.push(current)
    }
    current.records.push(record)
    current.bytes += size
  }
  const parts = groups.map((group, i): Part => {
    const ranges = rangesOf(group.records)
    const first = group.records[0] as SelectedRecord
    return {
      path: plan.path,
      displayPath: plan.displayPath,
      format: plan.format,
      index: i + 1,
      count: groups.length,
      byteStart: (ranges[0] as ByteRange).start,
      byteEnd: (ranges[ranges.length - 1] as ByteRange).end,
      bytes: headerBytes + group.bytes,
      rows: group.records.length,
      firstLine: first.line,
      ranges
    }
  })
  return { ...plan, rows: records.length, parts }
}

/** Contiguous records merged into one range. */
export function rangesOf(records: SelectedRecord[]): ByteRange[] {
  const ranges: ByteRange[] = []
  for (const { start, end } of records) {
    const last = ranges[ranges.length - 1]
    if (last !== undefined && last.end === start) last.end = end
    else ranges.push({ start, end })
  }
  return ranges
}
