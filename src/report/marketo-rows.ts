import { stat } from 'node:fs/promises'
import { readRanges } from '../changes/source.js'
import { FileFormatError, recordsOf } from '../files/index.js'
import type { ImportFormat } from '../marketo/types.js'

/** The last column Marketo adds to the job's header in each file (Adobe's reference). */
export const REASON_COLUMNS = {
  failures: 'Import Failure Reason',
  warnings: 'Import Warning Reason'
} as const

/**
 * The longest record read from one of Marketo's files: it echoes a row of a job of at most
 * 10 MiB, plus a reason. A longer one (an unbalanced quote swallowing the rest of the file) is
 * refused as soon as it passes this, instead of being held in memory to the end of the file.
 */
export const MAX_MARKETO_RECORD_BYTES = 11 * 2 ** 20

/** Reasons are a sentence; a longer one is cut, so a hostile file cannot make each one huge. */
export const MAX_REASON_CHARS = 300

/** Marketo's rows of one part still waiting for their source line: reasons by the row's values. */
export type PendingRows = Map<string, string[]>

/** A file of Marketo's that is not what its reference describes, said in one line. */
export class UnreadableFileError extends Error {
  override readonly name = 'UnreadableFileError'
}

export interface MarketoRowsRead {
  /** Data rows in the file (its header excluded), kept or not. */
  rows: number
}

/**
 * Reads one of Marketo's failures or warnings files into `into`, keeping at most `keep` rows
 * (what its status counts, at most the rows sent) and counting the rest. The header must be
 * the part's `header` plus the reason column, or nothing is read: a file that does not say
 * which column is which is reported, not guessed at. Throws UnreadableFileError.
 */
export async function readMarketoRows(
  path: string,
  format: ImportFormat,
  header: string[],
  kind: keyof typeof REASON_COLUMNS,
  keep: number,
  into: PendingRows
): Promise<MarketoRowsRead> {
  const reasons = new Map<string, string>()
  let rows = 0
  const bounded = new RecordBound()
  try {
    for await (const record of recordsOf(bounded.chunks(path), format, 'the file')) {
      bounded.consumedTo = record.end
      if (record.index === 0) {
        checkHeader(record.fields, header, REASON_COLUMNS[kind])
        continue
      }
      rows++
      if (rows > keep) continue
      const reason = intern(reasons, reasonOf(record.fields.at(-1) ?? ''))
      const key = rowKey(record.fields.slice(0, -1))
      const pending = into.get(key)
      if (pending) pending.push(reason)
      else into.set(key, [reason])
    }
  } catch (error) {
    // "the file line 3: …" from the scanner: the line is what locates it.
    if (error instanceof FileFormatError) {
      throw new UnreadableFileError(error.message.slice(`${error.file} `.length))
    }
    throw error
  }
  if (bounded.empty) throw new UnreadableFileError('the file is empty: it has no header')
  return { rows }
}

/** Values compared as Marketo echoes them: surrounding spaces do not matter. */
export function rowKey(fields: string[]): string {
  return fields.map((value) => value.trim()).join('\u0000')
}

function checkHeader(fields: string[], header: string[], reasonColumn: string): void {
  const expected = header.length + 1
  if (fields.length !== expected) {
    throw new UnreadableFileError(
      `its header has ${fields.length} columns, not the part's ${header.length} plus ` +
        `"${reasonColumn}"; not read, so its rows are not guessed at`
    )
  }
  const differs = header.findIndex((name, at) => name.trim() !== (fields[at] ?? '').trim())
  if (differs >= 0) {
    throw new UnreadableFileError(
      `column ${differs + 1} of its header is not the part's; not read, so its rows are not guessed at`
    )
  }
  if ((fields.at(-1) ?? '').trim().toLowerCase() !== reasonColumn.toLowerCase()) {
    throw new UnreadableFileError(
      `its last column is not "${reasonColumn}"; not read, so its rows are not guessed at`
    )
  }
}

function reasonOf(field: string): string {
  const reason = field.trim()
  if (reason === '') return 'no reason given'
  return reason.length > MAX_REASON_CHARS ? `${reason.slice(0, MAX_REASON_CHARS)}…` : reason
}

/** One string per distinct reason, whatever the number of rows giving it. */
function intern(seen: Map<string, string>, reason: string): string {
  const known = seen.get(reason)
  if (known !== undefined) return known
  seen.set(reason, reason)
  return reason
}

/** Feeds a file to the record reader, refusing to run on inside one record past the bound. */
class RecordBound {
  /** Where the last record handed out ends, set by the reader of the records. */
  consumedTo = 0
  empty = true

  async *chunks(path: string): AsyncGenerator<Buffer> {
    let fed = 0
    for await (const bytes of fileChunks(path)) {
      if (fed - this.consumedTo > MAX_MARKETO_RECORD_BYTES) {
        throw new UnreadableFileError(
          `a record is longer than ${MAX_MARKETO_RECORD_BYTES / 2 ** 20} MiB from byte ` +
            `${this.consumedTo} on (an unbalanced quote?); not read`
        )
      }
      if (bytes.length > 0) this.empty = false
      fed += bytes.length
      yield bytes
    }
  }
}

/**
 * A file's bytes in chunks of 64 KiB. Small on purpose: the record reader joins each chunk to the
 * rest of the one before, and 1 MiB reads (with those joins) lived long enough to reach V8's old
 * generation, where they piled up to 69 MiB over a 50 MB failures file before V8 collected them.
 */
async function* fileChunks(path: string): AsyncGenerator<Buffer> {
  const { size } = await stat(path)
  yield* readRanges(path, [{ start: 0, end: size }])
}
