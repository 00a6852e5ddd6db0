/**
 * The checks as they were before the single pass (issue 11): `planFile` in the discovery, then
 * `checkFile` reading each file again and decoding every email as a string, with the regular
 * expression of `isInvalidEmail`. Kept as the oracle the single pass is compared with.
 */
import { stat } from 'node:fs/promises'
import { basename } from 'node:path'
import { delimiterOf, parseFields, partFileName } from '../../src/files/index.js'
import { renameColumns } from '../../src/files/sent-header.js'
import { formatBytes, messageOf } from '../../src/format.js'
import { MARKETO_MAX_BODY_BYTES, multipartOverheadBytes } from '../../src/marketo/multipart.js'
import type { CheckRun, FileToCheck } from '../../src/validate/check.js'
import {
  parseChecked,
  type CheckedRecordVisitor,
  type ParseOptions
} from '../../src/validate/parse.js'
import {
  delimiterContradiction,
  emailColumn,
  emailKey,
  headerNameWarnings,
  isInvalidEmail
} from '../../src/validate/rules.js'
import type { FileCheck, FindingKind } from '../../src/validate/types.js'

/**
 * Checks one file, reading it once: the encoding, the quoting, the header, then every record.
 * Reports into `run.findings` (duplicates come later, from `findDuplicates`); returns the counts.
 */
export async function checkFile(
  file: FileToCheck,
  run: CheckRun,
  options: ParseOptions = {}
): Promise<FileCheck> {
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
    return result
  }
  // The framing of the longest part name this file could get, as the planner reserves it.
  const longest = Math.max(size, 1)
  const overhead = multipartOverheadBytes(
    partFileName(basename(file.path), longest, longest),
    format
  )
  const delimiter = delimiterOf(format)
  let header: string[] = []
  let maxRecordBytes = 0
  let emailAt = -1
  let rowsChecked = true

  const visit: CheckedRecordVisitor = (index, bytes, from, start, end, line) => {
    if (index === 0) {
      header = renameColumns(
        parseFields(bytes.subarray(from, from + end - start), format),
        file.renames ?? new Map()
      ).columns
      maxRecordBytes = MARKETO_MAX_BODY_BYTES - (end - start) - overhead
      if (header.some((name) => name.includes('\r'))) {
        // A file saved with classic Mac OS line breaks reads as one long header.
        error(
          'line-breaks',
          line,
          'the header holds a carriage return: the lines end with a carriage return alone ' +
            '(classic Mac OS); save the file with LF or CRLF line breaks'
        )
        rowsChecked = false
        return
      }
      const contradiction =
        header.length === 1
          ? delimiterContradiction(header[0] as string, format, delimiter)
          : undefined
      if (contradiction !== undefined) {
        error('delimiter', line, contradiction)
        rowsChecked = false
        return
      }
      const email = emailColumn(header)
      if ('problem' in email) error('no-email-column', line, email.problem)
      else emailAt = email.index
      const restNames = !file.columnsCheckedByInstance
      for (const warning of headerNameWarnings(header, { restNames })) {
        run.findings.add('header-name', displayPath, line, warning.message)
      }
      return
    }
    result.rows++
    if (rowsChecked) checkRow(bytes, from, end - start, line)
  }

  const checkRow = (bytes: Buffer, from: number, recordBytes: number, line: number): void => {
    // The oracle decodes every field (the pass it checks counts them in the scanner).
    const values = parseFields(bytes.subarray(from, from + recordBytes), format)
    const fields = values.length
    const selected = file.selected?.(line) ?? true
    let warned = false
    if (selected && recordBytes > maxRecordBytes) {
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
      if (selected) {
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
      const email = (values[emailAt] as string).trim()
      if (email === '') {
        if (selected) error('empty-email', line, 'empty email: Marketo fails a row without one')
      } else {
        if (selected && isInvalidEmail(email)) {
          warned = true
          run.findings.add(
            'invalid-email',
            displayPath,
            line,
            'Marketo will import this row with the warning "Invalid email address"'
          )
        }
        run.emails.add(emailKey(email))
      }
    }
    if (warned) run.warnedRows++
  }

  let lastLine = Infinity
  try {
    const parsed = await parseChecked(file.path, format, visit, { ...options, displayPath })
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
      error(
        'unclosed-quote',
        parsed.unclosedQuote.line,
        'a quoted field opens on this line and is never closed (unbalanced "); a " inside a ' +
          'quoted field must be doubled ("")'
      )
    }
  } catch (cause) {
    error('unreadable', null, `cannot be read: ${messageOf(cause)}`)
    return result
  }
  if (rowsChecked && emailAt >= 0) {
    run.checked.push({ file, emailAt, columns: header.length, lastLine, maxRecordBytes })
  }
  return result
}
