import { parseFields, RecordScanner } from '../files/index.js'
import type { ImportFormat } from '../marketo/types.js'

/** A record of an earlier revision of a file: where it started, and its values. */
export interface RevisionRecord {
  /** 0 for the header, then 1, 2, ... */
  index: number
  line: number
  fields: string[]
}

/**
 * The records of a file's bytes arriving as chunks (a blob streamed from git), read by the same
 * scanner and field rules as `readRecords`, so values compare equal across revisions.
 */
export async function* revisionRecords(
  chunks: AsyncIterable<Buffer>,
  format: ImportFormat,
  displayPath: string
): AsyncGenerator<RevisionRecord> {
  const found: number[] = []
  const scanner = new RecordScanner(
    format,
    (start, end, line) => found.push(start, end, line),
    displayPath
  )
  let held: Buffer[] = []
  let heldStart = 0
  let index = 0

  function* takeFound(): Generator<RevisionRecord> {
    if (found.length === 0) return
    const bytes = held.length === 1 ? (held[0] as Buffer) : Buffer.concat(held)
    for (let i = 0; i < found.length; i += 3) {
      const start = (found[i] as number) - heldStart
      const end = (found[i + 1] as number) - heldStart
      yield {
        index: index++,
        line: found[i + 2] as number,
        fields: parseFields(bytes.subarray(start, end), format)
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
