/**
 * A status column is not uploaded: each record of a status part is decoded by the one decoder
 * and encoded again without that field, streamed, record by record, from the file's ranges.
 */
import { encodeRecord, parseFields, RecordReader } from '../files/index.js'
import type { ImportFormat } from '../marketo/types.js'

const LF = 0x0a
const CR = 0x0d

/** A record as a status part sends it: its status, and its text without the status field. */
export interface SplitRecord {
  /** The status field's value, trimmed; empty when the record has no such field. */
  status: string
  /** The other fields encoded again, with the record's own line break. */
  sent: string
  /** Fields the record has, the status field included. */
  fields: number
}

/** The values a record is sent with: every field but the one at `leftOut`. */
export function sentValues(fields: string[], leftOut: number): string[] {
  return fields.filter((_, at) => at !== leftOut)
}

/**
 * Splits one record's bytes (`\n` or `\r\n` at its end, or none for a file's last record) into
 * its status and the record sent without it. Quoting is the encoder's: a value that needs quotes
 * keeps them, whether or not the file quoted it.
 */
export function splitRecord(record: Buffer, format: ImportFormat, leftOut: number): SplitRecord {
  const fields = parseFields(record, format)
  return {
    status: (fields[leftOut] ?? '').trim(),
    sent: encodeRecord(sentValues(fields, leftOut), format, lineBreakOf(record)),
    fields: fields.length
  }
}

function lineBreakOf(record: Buffer): string {
  const length = record.length
  if (length === 0 || record[length - 1] !== LF) return ''
  return length > 1 && record[length - 2] === CR ? '\r\n' : '\n'
}

/**
 * The records in `chunks` (whole records of a file, as `readRanges` streams a part's ranges)
 * without the field at `leftOut`, as they arrive: what is held is one chunk's records.
 */
export async function* withoutField(
  chunks: AsyncIterable<Buffer>,
  format: ImportFormat,
  leftOut: number,
  displayPath: string
): AsyncGenerator<Buffer> {
  let sent: string[] = []
  const reader = new RecordReader(
    format,
    (bytes, from, start, end) => {
      sent.push(splitRecord(bytes.subarray(from, from + end - start), format, leftOut).sent)
    },
    displayPath
  )
  for await (const chunk of chunks) {
    reader.push(chunk)
    if (sent.length > 0) {
      yield Buffer.from(sent.join(''), 'utf8')
      sent = []
    }
  }
  reader.finish()
  if (sent.length > 0) yield Buffer.from(sent.join(''), 'utf8')
}
