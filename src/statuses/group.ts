/**
 * status-column: a file's rows grouped by their status into parts (one job per status and part,
 * each within chunk-size), the status column left out of what is sent. The core is pure: the
 * records go in one by one, the plan comes out; `groupFileByStatus` feeds it from the file.
 */
import { createReadStream } from 'node:fs'
import {
  parseFields,
  RecordReader,
  renameColumns,
  SCAN_CHUNK_BYTES,
  type FilePlan,
  type Part
} from '../files/index.js'
import { planSelection, type SelectedRecord } from '../changes/plan.js'
import { closestNames } from '../instance/checks.js'
import { invalid, quoteValue } from '../inputs/error.js'
import type { ImportTarget, JobPart } from '../jobs/types.js'
import { plural } from '../format.js'
import { sentValues, splitRecord } from './reencode.js'

/** Lines kept per status (and of the rows without one) to name in messages. */
export const LINES_KEPT = 20

/** A status's rows in one file: how many, and the first lines. */
export interface StatusRows {
  status: string
  rows: number
  lines: number[]
}

/** A row the local checks report: a status column left empty. */
export interface StatusFinding {
  kind: 'empty-status'
  file: string
  line: number
  message: string
}

export interface GroupedFile {
  /** The plan with one or more parts per status (and one held part of the rows without one). */
  plan: FilePlan
  /** Per status, in the order the file first gives it. */
  statuses: StatusRows[]
  findings: StatusFinding[]
}

/**
 * The index of the status column in a header: by the name the file gives it, or the name the
 * `columns` renames give it; -1 when neither has it.
 */
export function statusColumnAt(
  header: string[],
  renames: ReadonlyMap<string, string>,
  column: string
): number {
  const own = header.findIndex((name) => name.trim() === column)
  if (own >= 0) return own
  return renameColumns(header, renames).columns.findIndex((name) => name.trim() === column)
}

/** A header's columns as sent: without the status column, when the plan has one. */
export function sentColumns(plan: Pick<FilePlan, 'statusColumn'>, columns: string[]): string[] {
  return plan.statusColumn ? sentValues(columns, plan.statusColumn.at) : columns
}

/** The one-line refusal of a file that has no status column, with the closest header. */
export function noStatusColumn(displayPath: string, header: string[], column: string): Error {
  const near = closestNames(
    column,
    header.map((name) => ({ name, displayName: name, dataType: 'string', updateable: true }))
  )[0]
  return invalid(
    'status-column',
    column,
    `names no column of ${displayPath}` +
      (near === undefined ? '' : `; its closest header is "${near}"`) +
      "; give the header of the column holding each row's member status"
  )
}

/** Why the rows without a status are not submitted, naming their first lines. */
export function emptyStatusReason(column: string, rows: StatusRows): string {
  return (
    `not submitted: ${plural(rows.rows, 'row')} with an empty status in column "${column}" ` +
    `(${linesText(rows)}); give each row a status of the program's channel`
  )
}

/** `line 4` or `lines 4, 9 and 12`, with how many more past the lines kept. */
export function linesText(rows: Pick<StatusRows, 'rows' | 'lines'>): string {
  const shown = rows.lines.join(', ')
  const more = rows.rows - rows.lines.length
  return rows.lines.length === 1 && more === 0
    ? `line ${shown}`
    : `lines ${shown}${more > 0 ? ` and ${more} more` : ''}`
}

export interface GroupOptions {
  /** The status column as the input names it, and its index in the file's header. */
  column: { name: string; at: number }
  programId: string
  chunkSizeBytes: number
}

/** The records of one file, status by status, in file order; then the parts they make. */
export class StatusGroups {
  private readonly byStatus = new Map<string, { rows: StatusRows; records: SelectedRecord[] }>()
  private readonly empty: { rows: StatusRows; records: SelectedRecord[] } = {
    rows: { status: '', rows: 0, lines: [] },
    records: []
  }

  /** A record of `status` (trimmed; empty for none) sent as `sentBytes`. */
  add(status: string, record: SelectedRecord): void {
    let group = status === '' ? this.empty : this.byStatus.get(status)
    if (group === undefined) {
      group = { rows: { status, rows: 0, lines: [] }, records: [] }
      this.byStatus.set(status, group)
    }
    group.records.push(record)
    group.rows.rows++
    if (group.rows.lines.length < LINES_KEPT) group.rows.lines.push(record.line)
  }

  /** Rows without a status, and their first lines. */
  get emptyRows(): StatusRows {
    return this.empty.rows
  }

  /**
   * `plan` with the parts of each status in the order the file first gives it, each packed
   * within chunk-size as sent (the status field left out) and importing into its status; the
   * rows without a status last, in one part that is held back.
   */
  planOf(plan: FilePlan, options: GroupOptions): GroupedFile {
    const headerBytes = plan.header.end - plan.header.start
    const leftOut = (part: Part): Part['leftOut'] => ({
      field: options.column.at,
      recordBytes: part.bytes - headerBytes
    })
    const parts: (Part & Pick<JobPart, 'target' | 'held'>)[] = []
    for (const [status, group] of this.byStatus) {
      const target: ImportTarget = { programId: options.programId, programMemberStatus: status }
      for (const part of planSelection(plan, group.records, options.chunkSizeBytes).parts) {
        parts.push({ ...part, leftOut: leftOut(part), target })
      }
    }
    if (this.empty.records.length > 0) {
      // Never submitted: one part of them, whatever its size.
      const held = planSelection(plan, this.empty.records, Number.POSITIVE_INFINITY).parts[0]
      if (held) {
        parts.push({
          ...held,
          leftOut: leftOut(held),
          held: emptyStatusReason(options.column.name, this.empty.rows)
        })
      }
    }
    const rows = parts.reduce((total, part) => total + part.rows, 0)
    return {
      plan: {
        ...plan,
        rows,
        statusColumn: options.column,
        parts: parts.map((part, at) => ({ ...part, index: at + 1, count: parts.length }))
      },
      statuses: [...this.byStatus.values()].map((group) => group.rows),
      findings: []
    }
  }
}

export interface GroupFileOptions {
  /** status-column, as given. */
  column: string
  programId: string
  chunkSizeBytes: number
  /** `columns` (and the display names known locally): the status column may go by either name. */
  renames: ReadonlyMap<string, string>
  /** changed-since: whether the record at this line is sent; default every record. */
  selected?: (line: number) => boolean
  /** Read size; tests shrink it. */
  readBytes?: number
}

/**
 * Reads a planned file once and groups its (selected) records by status. Throws an InputError
 * when the file has no status column.
 */
export async function groupFileByStatus(
  plan: FilePlan,
  options: GroupFileOptions
): Promise<GroupedFile> {
  const groups = new StatusGroups()
  const findings: StatusFinding[] = []
  let header: string[] | undefined
  let at = -1
  const reader = new RecordReader(
    plan.format,
    (bytes, from, start, end, line) => {
      const record = bytes.subarray(from, from + end - start)
      if (header === undefined) {
        header = parseFields(record, plan.format)
        at = statusColumnAt(header, options.renames, options.column)
        if (at < 0) throw noStatusColumn(plan.displayPath, header, options.column)
        return
      }
      if (options.selected && !options.selected(line)) return
      const split = splitRecord(record, plan.format, at)
      groups.add(split.status, { line, start, end, sentBytes: Buffer.byteLength(split.sent) })
      // A record of the wrong shape is the checks' to report (and refuses its file).
      if (split.status === '' && split.fields === header.length) {
        findings.push({
          kind: 'empty-status',
          file: plan.displayPath,
          line,
          message: `empty status in column "${options.column}": the row is not submitted`
        })
      }
    },
    plan.displayPath
  )
  const stream = createReadStream(plan.path, {
    highWaterMark: options.readBytes ?? SCAN_CHUNK_BYTES
  })
  for await (const chunk of stream) reader.push(chunk as Buffer)
  reader.finish()
  if (header === undefined) return { plan, statuses: [], findings }
  const grouped = groups.planOf(plan, {
    column: { name: options.column, at },
    programId: options.programId,
    chunkSizeBytes: options.chunkSizeBytes
  })
  return { ...grouped, findings }
}

/** Different values past which a status column is surely the wrong column (a channel has few). */
export const MAX_STATUSES = 100

/**
 * How the local checks plan again each file that passed them, grouped by status: its (selected)
 * records read once more, `onFile` told its statuses. Throws an InputError for a file without
 * the column, or with more different values in it than any channel has statuses.
 */
export function statusRegrouper(
  options: Omit<GroupFileOptions, 'selected'> & {
    selectedLines?: Map<string, Set<number>>
    onFile?: (displayPath: string, statuses: StatusRows[]) => void
  }
): (plan: FilePlan) => Promise<GroupedFile> {
  return async (plan) => {
    const lines = options.selectedLines?.get(plan.path)
    const file = await groupFileByStatus(plan, {
      ...options,
      ...(lines ? { selected: (line: number) => lines.has(line) } : {})
    })
    if (file.statuses.length > MAX_STATUSES) {
      throw invalid(
        'status-column',
        options.column,
        `holds ${file.statuses.length} different values in ${plan.displayPath}, more than a ` +
          `channel has statuses (at most ${MAX_STATUSES} here): give the column of each row's member status`
      )
    }
    options.onFile?.(plan.displayPath, file.statuses)
    return file
  }
}

/** A status as logs and messages show it: quoted, and never a value that looks like an email. */
export function shownStatus(status: string): string {
  return status.includes('@') ? '(a value like an email address)' : quoteValue(status)
}

/** Statuses named in one log line per file; the count says the rest. */
const STATUSES_SHOWN = 10

/** `data.csv: 3 statuses: "Registered" 2 rows, "Attended" 1 row, "No Show" 1 row`. */
export function describeStatuses(displayPath: string, statuses: StatusRows[]): string {
  const shown = statuses
    .slice(0, STATUSES_SHOWN)
    .map((status) => `${shownStatus(status.status)} ${plural(status.rows, 'row')}`)
  const more = statuses.length - shown.length
  return (
    `${displayPath}: ${plural(statuses.length, 'status', 'statuses')}` +
    (shown.length > 0 ? `: ${shown.join(', ')}${more > 0 ? `, and ${more} more` : ''}` : '')
  )
}
