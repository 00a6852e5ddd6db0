/**
 * The header a file's parts are sent with when columns are renamed: the rename is made once,
 * in the header each part repeats before its byte range, so it costs nothing per row.
 */
import { open } from 'node:fs/promises'
import { basename } from 'node:path'
import { MARKETO_MAX_BODY_BYTES, multipartOverheadBytes } from '../marketo/multipart.js'
import type { ImportFormat } from '../marketo/types.js'
import { delimiterOf } from './delimiter.js'
import { parseFields } from './records.js'
import { partFileName } from './split.js'
import type { ColumnMapping, FilePlan } from './types.js'

/** How Marketo shows the email field: map-display-names sends it as `email`. */
export const EMAIL_DISPLAY_NAME = 'Email Address'

/**
 * The renames the local checks and changed-since read the headers with, before Marketo is asked:
 * `columns`, and with map-display-names (and the instance checks, which map it or stop the run)
 * `Email Address` as `email`.
 */
export function locallyKnownRenames(
  columns: ReadonlyMap<string, string>,
  displayNames: boolean
): ReadonlyMap<string, string> {
  if (!displayNames || columns.has(EMAIL_DISPLAY_NAME)) return columns
  return new Map([...columns, [EMAIL_DISPLAY_NAME, 'email']])
}

/** `header` with each column `renames` names sent under its REST name; the mappings made. */
export function renameColumns(
  header: string[],
  renames: ReadonlyMap<string, string>,
  why: ColumnMapping['why'] = 'columns'
): { columns: string[]; mappings: ColumnMapping[] } {
  const mappings: ColumnMapping[] = []
  const columns = header.map((column) => {
    const to = renames.get(column.trim())
    if (to === undefined || to === column) return column
    mappings.push({ from: column, to, why })
    return to
  })
  return { columns, mappings }
}

/** One header record in the file's format, quoted where a name needs it, with `lineBreak`. */
export function encodeHeader(columns: string[], format: ImportFormat, lineBreak: string): Buffer {
  return Buffer.from(encodeRecord(columns, format, lineBreak), 'utf8')
}

/**
 * One record in the file's format: a value holding a quote, a line break or the delimiter is
 * quoted (its quotes doubled), and a record of one empty value is `""`, never a blank line.
 * `parseFields` reads it back as `values`.
 */
export function encodeRecord(values: string[], format: ImportFormat, lineBreak: string): string {
  const delimiter = delimiterOf(format)
  if (values.length === 1 && values[0] === '') return '""' + lineBreak
  const fields = values.map((value) =>
    /["\r\n]/.test(value) || value.includes(delimiter) ? `"${value.replace(/"/g, '""')}"` : value
  )
  return fields.join(delimiter) + lineBreak
}

/** The header record of a planned file, as its columns and its bytes. */
export async function readHeader(plan: FilePlan): Promise<{ columns: string[]; bytes: Buffer }> {
  const { start, end } = plan.header
  if (end <= start) return { columns: [], bytes: Buffer.alloc(0) }
  const file = await open(plan.path, 'r')
  try {
    const bytes = Buffer.alloc(end - start)
    await file.read(bytes, 0, bytes.length, start)
    return { columns: parseFields(bytes, plan.format), bytes }
  } finally {
    await file.close()
  }
}

/**
 * The plan sent with `columns` instead of its own header, when they differ: renamed, or without
 * the status column.
 */
export function withSentHeader(
  plan: FilePlan,
  original: { columns: string[]; bytes: Buffer },
  columns: string[],
  mappings: ColumnMapping[]
): FilePlan {
  if (mappings.length === 0 && columns.length === original.columns.length) return plan
  const lineBreak = original.bytes.subarray(-2).toString('latin1') === '\r\n' ? '\r\n' : '\n'
  const bytes = encodeHeader(columns, plan.format, lineBreak)
  const delta = bytes.length - original.bytes.length
  return {
    ...plan,
    sentHeader: { columns, bytes, mappings },
    parts: plan.parts.map((part) => ({ ...part, bytes: part.bytes + delta }))
  }
}

/**
 * `plan` sent with the header its header plan (`planHeader`) was given by the instance checks:
 * the same file, planned once its records were read.
 */
export function withSentHeaderOf(plan: FilePlan, headerPlan: FilePlan): FilePlan {
  const sent = headerPlan.sentHeader
  if (sent === undefined) return plan
  const delta = sent.bytes.length - (plan.header.end - plan.header.start)
  return {
    ...plan,
    sentHeader: sent,
    parts: plan.parts.map((part) => ({ ...part, bytes: part.bytes + delta }))
  }
}

/**
 * Whether a longer renamed header could push a part of `plan`'s file past Marketo's upload limit:
 * every part is within chunk-size with the file's own header, so only a header longer by more
 * than the room chunk-size leaves can.
 */
export function mayOversizeAfterRename(headerPlan: FilePlan, chunkSizeBytes: number): boolean {
  const sent = headerPlan.sentHeader
  if (sent === undefined) return false
  const delta = sent.bytes.length - (headerPlan.header.end - headerPlan.header.start)
  return chunkSizeBytes + delta > MARKETO_MAX_BODY_BYTES
}

/**
 * The part a longer renamed header pushes past Marketo's upload limit, as one line, or
 * undefined: the plan kept each part within chunk-size with the file's own header.
 */
export function oversizedAfterRename(plan: FilePlan): string | undefined {
  if (plan.sentHeader === undefined) return undefined
  for (const part of plan.parts) {
    const name = partFileName(basename(part.path), part.index, part.count)
    const body = part.bytes + multipartOverheadBytes(name, part.format)
    if (body > MARKETO_MAX_BODY_BYTES) {
      return (
        `${plan.displayPath}: with its renamed header part ${part.index} is ${body} bytes, over ` +
        `Marketo's limit of ${MARKETO_MAX_BODY_BYTES}; lower chunk-size (or shorten the names in columns)`
      )
    }
  }
  return undefined
}
