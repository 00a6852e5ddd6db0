import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import {
  bareCarriageReturns,
  delimiterOf,
  decodeField,
  FileFormatError,
  holdsBareCarriageReturn,
  LINE_BREAK_PROBE_BYTES,
  parseFields,
  PartCutter,
  partFileName,
  readRecords,
  type ByteRange,
  type FilePlan,
  type PlanOptions,
  type RecordFields
} from '../files/index.js'
import { formatBytes, messageOf } from '../format.js'
import { MARKETO_MAX_BODY_BYTES, multipartOverheadBytes } from '../marketo/multipart.js'
import type { ImportFormat } from '../marketo/types.js'
import { renameColumns } from '../files/sent-header.js'
import { EmailFingerprints } from './duplicates.js'
import { EmailBytes, EmailRead } from './email-bytes.js'
import type { Findings } from './findings.js'
import {
  CHECK_READ_BYTES,
  parseChecked,
  type CheckedRecordVisitor,
  type ParseOptions,
  type ParseResult
} from './parse.js'
import {
  delimiterContradiction,
  emailColumn,
  emailKey,
  headerNameWarnings,
  isInvalidEmail
} from './rules.js'
import type { FileCheck, FindingKind } from './types.js'

export interface FileToCheck {
  /** Absolute path. */
  path: string
  displayPath: string
  format: ImportFormat
  /**
   * With changed-since: whether the record starting at `line` is new or changed. Row checks
   * report only on those (and on duplicates that involve one); the file-wide checks always run.
   */
  selected?: (line: number) => boolean
  /** `columns`: headers checked (and sent) under another name. */
  renames?: ReadonlyMap<string, string>
  /**
   * Whether the instance checks will check the columns against the fields Marketo describes (and
   * map display names): then a header that is no REST name is theirs to report, not a guess here.
   */
  columnsCheckedByInstance?: boolean
}

/** What the duplicate pass needs of a file whose rows were checked. */
interface RowsChecked {
  file: FileToCheck
  emailAt: number
  columns: number
  /** Rows past this line were not checked (a quoting problem). */
  lastLine: number
  /** Bytes a record may have before Marketo cannot take it with the header. */
  maxRecordBytes: number
}

/** The run-wide state the files share: emails for duplicates, and the rows warned about. */
export class CheckRun {
  readonly emails: EmailFingerprints
  /** Data records with at least one warning, over every file. */
  warnedRows = 0
  readonly checked: RowsChecked[] = []
  /** status-column: the status column's index in each file (by absolute path) that has one. */
  readonly statusColumns = new Map<string, number>()

  /** `scratchDir`: where the duplicate check may keep its scratch files while it runs. */
  constructor(
    readonly findings: Findings,
    expectedRows: number,
    scratchDir: string
  ) {
    this.emails = new EmailFingerprints(expectedRows, scratchDir)
  }
}

/**
 * The error a header (as the checks name its columns) shows alone, before any row is read: the
 * header of a classic Mac OS file, a delimiter the format contradicts, no email column.
 */
export function headerError(
  header: string[],
  format: ImportFormat
): { kind: FindingKind; message: string } | undefined {
  if (header.some((name) => name.includes('\r'))) {
    // A file saved with classic Mac OS line breaks reads as one long header.
    return {
      kind: 'line-breaks',
      message:
        'the header holds a carriage return: the lines end with a carriage return alone ' +
        '(classic Mac OS); save the file with LF or CRLF line breaks'
    }
  }
  const contradiction =
    header.length === 1
      ? delimiterContradiction(header[0] as string, format, delimiterOf(format))
      : undefined
  if (contradiction !== undefined) return { kind: 'delimiter', message: contradiction }
  const email = emailColumn(header)
  return 'problem' in email ? { kind: 'no-email-column', message: email.problem } : undefined
}

/** A file checked and planned in one pass. */
export interface CheckedPlan {
  check: FileCheck
  /** Its parts, as `planFile` cuts them; or what `planFile` would have thrown instead. */
  plan: FilePlan | { error: unknown }
}

/** What the pass needs to plan the parts, as `planFile` takes it. */
export type PartsToPlan = Pick<PlanOptions, 'chunkSizeBytes'>

/**
 * Checks one file and cuts it into parts in the same read: the encoding, the quoting, the header,
 * then every record. Reports into `run.findings` (duplicates come later, from `findDuplicates`).
 * The plan is the one `planFile` gives, and a file `planFile` refuses is still checked through.
 */
export async function checkAndPlan(
  file: FileToCheck,
  run: CheckRun,
  parts: PartsToPlan,
  options: ParseOptions = {}
): Promise<CheckedPlan> {
  const { displayPath, format } = file
  run.findings.addFile(displayPath)
  const result: FileCheck = { path: file.path, displayPath, rows: 0, errors: 0 }
  const error = (kind: FindingKind, line: number | null, message: string): void => {
    result.errors++
    // The earliest line, whichever check found it (the encoding and quotes are known at the end).
    const earlier = result.firstError?.line ?? Infinity
    if (result.firstError === undefined || (line !== null && line < earlier)) {
      result.firstError = { kind, severity: 'error', file: displayPath, line, message }
    }
    run.findings.add(kind, displayPath, line, message)
  }

  let size: number
  try {
    size = (await stat(file.path)).size
  } catch (cause) {
    error('unreadable', null, `cannot be read: ${messageOf(cause)}`)
    return { check: result, plan: { error: cause } }
  }
  const cutter = new PartCutter(file.path, displayPath, { format, ...parts }, size)
  // The framing of the longest part name this file could get, as the planner reserves it.
  const longest = Math.max(size, 1)
  const overhead = multipartOverheadBytes(
    partFileName(basename(file.path), longest, longest),
    format
  )
  let header: string[] = []
  let headerRange: ByteRange & { line: number } = { start: 0, end: 0, line: 1 }
  /** The start of a header-only file's record, to tell a classic Mac OS file by. */
  let headerProbe: Buffer | null = null
  let planError: unknown
  let maxRecordBytes = 0
  let emailAt = -1
  let rowsChecked = true
  const emailBytes = new EmailBytes()
  const selected = file.selected

  const visit: CheckedRecordVisitor = (index, bytes, from, start, end, line, fields) => {
    if (index > 0) {
      result.rows++
      if (planError === undefined) {
        try {
          cutter.record(start, end, line)
        } catch (cause) {
          planError = cause
        }
      }
      if (rowsChecked) checkRow(bytes, from - start, end - start, line, fields)
      return
    }
    headerRange = { start, end, line }
    cutter.header(start, end)
    const headerBytes = bytes.subarray(from, from + end - start)
    headerProbe = Buffer.from(headerBytes.subarray(0, LINE_BREAK_PROBE_BYTES))
    header = renameColumns(parseFields(headerBytes, format), file.renames ?? new Map()).columns
    maxRecordBytes = MARKETO_MAX_BODY_BYTES - (end - start) - overhead
    const problem = headerError(header, format)
    if (problem !== undefined) {
      error(problem.kind, line, problem.message)
      // A header that is not one (a classic Mac OS file, another delimiter): no row is read.
      if (problem.kind !== 'no-email-column') {
        rowsChecked = false
        return
      }
    } else emailAt = (emailColumn(header) as { index: number }).index
    // The scanner counts the fields of the records that follow, and finds the email in each.
    fields.countFields(emailAt)
    const restNames = !file.columnsCheckedByInstance
    for (const warning of headerNameWarnings(header, { restNames })) {
      run.findings.add('header-name', displayPath, line, warning.message)
    }
  }

  /** `shift`: where in `bytes` a file offset is, less the offset. */
  const checkRow = (
    bytes: Buffer,
    shift: number,
    recordBytes: number,
    line: number,
    record: RecordFields
  ): void => {
    const fields = record.fields
    const isSelected = selected === undefined || selected(line)
    let warned = false
    if (isSelected && recordBytes > maxRecordBytes) {
      warned = true
      run.findings.add(
        'record-too-large',
        displayPath,
        line,
        `this record is ${formatBytes(recordBytes)}: with the header it is larger ` +
          `than Marketo's import limit of ${MARKETO_MAX_BODY_BYTES / 1_048_576} MiB, so Marketo cannot import it`
      )
    }
    if (fields !== header.length) {
      if (isSelected) {
        error(
          'field-count',
          line,
          `this record has ${fields} fields, the header has ${header.length}` +
            (fields > header.length
              ? '; a value holding the delimiter must be in double quotes'
              : '')
        )
      }
    } else if (emailAt >= 0) {
      const valueStart = record.fieldStart + shift
      const valueEnd = record.fieldEnd + shift
      let read = emailBytes.read(bytes, valueStart, valueEnd)
      let key: string | undefined
      if (read === EmailRead.AsString) {
        const email = decodeField(bytes, valueStart, valueEnd).trim()
        read = email === '' ? EmailRead.Empty : isInvalidEmail(email) ? EmailRead.Invalid : read
        key = emailKey(email)
      }
      if (read === EmailRead.Empty) {
        if (isSelected) error('empty-email', line, 'empty email: Marketo fails a row without one')
      } else {
        if (isSelected && read === EmailRead.Invalid) {
          warned = true
          run.findings.add(
            'invalid-email',
            displayPath,
            line,
            'Marketo will import this row with the warning "Invalid email address"'
          )
        }
        if (key === undefined) run.emails.addHashes(emailBytes.h1, emailBytes.h2)
        else run.emails.add(key)
      }
    }
    if (warned) run.warnedRows++
  }

  let lastLine = Infinity
  let parsed: ParseResult
  try {
    parsed = await parseChecked(file.path, format, visit, { ...options, displayPath })
  } catch (cause) {
    error('unreadable', null, `cannot be read: ${messageOf(cause)}`)
    return { check: result, plan: { error: cause } }
  }
  if (parsed.utf8) {
    error(
      'invalid-utf8',
      parsed.utf8.line,
      parsed.utf8.utf16
        ? 'the file is UTF-16 ("Unicode text"); Marketo reads UTF-8: save it as UTF-8 (Excel: "CSV UTF-8")'
        : `not valid UTF-8 from this line on (byte ${parsed.utf8.offset}); Marketo reads UTF-8: ` +
            'save the file as UTF-8 (Excel: "CSV UTF-8")'
    )
  }
  if (parsed.unclosedQuote) {
    lastLine = parsed.unclosedQuote.line - 1
    planError ??= parsed.unclosedQuoteError
    error(
      'unclosed-quote',
      parsed.unclosedQuote.line,
      'a quoted field opens on this line and is never closed (unbalanced "); a " inside a ' +
        'quoted field must be doubled ("")'
    )
  }
  if (rowsChecked && emailAt >= 0) {
    run.checked.push({ file, emailAt, columns: header.length, lastLine, maxRecordBytes })
  }
  if (parsed.records === 0) headerRange = { start: parsed.bomBytes, end: parsed.bomBytes, line: 1 }
  if (
    planError === undefined &&
    result.rows === 0 &&
    headerProbe !== null &&
    holdsBareCarriageReturn(headerProbe, format)
  ) {
    planError = bareCarriageReturns(displayPath, headerRange.line)
  }
  return {
    check: result,
    plan:
      planError === undefined
        ? cutter.plan(parsed.sizeBytes, result.rows, headerRange)
        : { error: planError }
  }
}

/**
 * The second pass, once every file is checked and only when some email's fingerprint came twice:
 * reads the files again to name both lines of each repeated email, comparing the emails. A
 * duplicate is reported on its later line, naming the first; with changed-since, on the new or
 * changed one of the two (an old duplicate is not the change's doing).
 */
export async function findDuplicates(run: CheckRun): Promise<void> {
  if (run.emails.candidates().size === 0) return
  const first = new Map<
    string,
    { file: string; line: number; selected: boolean; warned: boolean; status?: string }
  >()
  for (const { file, emailAt, columns, lastLine, maxRecordBytes } of run.checked) {
    const { displayPath } = file
    const statusAt = run.statusColumns.get(file.path)
    try {
      for await (const record of readRecords(file.path, file.format, {
        displayPath,
        readBytes: CHECK_READ_BYTES
      })) {
        if (record.index === 0) continue
        if (record.line > lastLine) break
        if (record.fields.length !== columns) continue
        const email = (record.fields[emailAt] as string).trim()
        const key = emailKey(email)
        if (email === '' || !run.emails.isCandidate(key)) continue
        const { line } = record
        const selected = file.selected?.(line) ?? true
        // Whether the first pass warned about this row already (it is counted once).
        const warned =
          selected && (isInvalidEmail(email) || record.end - record.start > maxRecordBytes)
        const status = statusAt === undefined ? undefined : record.fields[statusAt]?.trim()
        const earlier = first.get(key)
        if (earlier === undefined) {
          first.set(key, {
            file: displayPath,
            line,
            selected,
            warned,
            ...(status ? { status } : {})
          })
          continue
        }
        // Under two statuses the rows go in two jobs: which status the member keeps is the order's.
        const keeps =
          status !== undefined && earlier.status !== undefined && status !== earlier.status
            ? ', under another status; Marketo keeps one member per email, with one of the two statuses'
            : "; Marketo keeps one member per email, the later row's values win"
        const related = { file: earlier.file, line: earlier.line }
        if (selected) {
          const where =
            earlier.file === displayPath
              ? `line ${earlier.line}`
              : `${earlier.file} line ${earlier.line}`
          run.findings.add(
            'duplicate-email',
            displayPath,
            line,
            `same email as ${where}${keeps}`,
            related
          )
          if (!warned) run.warnedRows++
        } else if (earlier.selected) {
          // The new or changed record is the earlier one: warn there, naming this unchanged one.
          const where =
            earlier.file === displayPath ? `line ${line}` : `${displayPath} line ${line}`
          run.findings.add(
            'duplicate-email',
            earlier.file,
            earlier.line,
            `same email as ${where} (unchanged)${keeps}`,
            { file: displayPath, line }
          )
          if (!earlier.warned) {
            earlier.warned = true
            run.warnedRows++
          }
        }
      }
    } catch (cause) {
      // The first pass found this file's problems already; its duplicates stop where it stops.
      if (!(cause instanceof FileFormatError)) throw cause
    }
  }
}
