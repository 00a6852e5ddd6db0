/** The row checks a simulated import job applies when it runs. */
import { countRecords, parseDelimited, serializeDelimited } from './delimited.js'

export const FAILURE_REASON_COLUMN = 'Import Failure Reason'
export const WARNING_REASON_COLUMN = 'Import Warning Reason'

export const REASONS = {
  fieldCount: 'Incorrect number of fields',
  missingEmail: 'Missing value in required field email',
  leadScoreType: 'Invalid data type in field Lead Score',
  invalidEmail: 'Invalid email address'
} as const

export const NO_EMAIL_COLUMN_MESSAGE = "Import failed: required field 'email' not found in header"

/** A failed or warned data row: its fields as parsed, its line in the file and why. */
export interface RowIssue {
  line: number
  fields: string[]
  reason: string
}

export interface RowCheckResult {
  header: string[]
  /** Set when the whole job fails (no `email` column). */
  jobFailure?: string
  imported: number
  /** Lower-cased emails of imported rows, in file order (duplicates kept). */
  importedEmails: string[]
  failures: RowIssue[]
  warnings: RowIssue[]
}

const INTEGER = /^[+-]?\d+$/
const EMAIL_LIKE = /^[^\s@]+@[^\s@]+\.[^\s@]+$/

function columnIndex(header: string[], name: string): number {
  return header.findIndex((column) => column.trim().toLowerCase() === name.toLowerCase())
}

/** Data rows of a file (header excluded, empty lines skipped); 0 for an empty file. */
export function countDataRows(text: string, delimiter: string): number {
  return Math.max(0, parseDelimited(text, delimiter).length - 1)
}

/** `countDataRows` on the bytes, without decoding them. */
export function countDataRowsOfBytes(bytes: Uint8Array, delimiter: string): number {
  return Math.max(0, countRecords(bytes, delimiter) - 1)
}

export function checkRows(text: string, delimiter: string): RowCheckResult {
  const [headerRecord, ...rows] = parseDelimited(text, delimiter)
  const header = headerRecord?.fields ?? []
  const result: RowCheckResult = {
    header,
    imported: 0,
    importedEmails: [],
    failures: [],
    warnings: []
  }
  const emailAt = columnIndex(header, 'email')
  if (emailAt < 0) return { ...result, jobFailure: NO_EMAIL_COLUMN_MESSAGE }
  const leadScoreAt = columnIndex(header, 'leadScore')

  for (const { fields, line } of rows) {
    const email = (fields[emailAt] ?? '').trim()
    const leadScore = leadScoreAt < 0 ? '' : (fields[leadScoreAt] ?? '').trim()
    let failure: string | undefined
    if (fields.length !== header.length) failure = REASONS.fieldCount
    else if (email === '') failure = REASONS.missingEmail
    else if (leadScore !== '' && !INTEGER.test(leadScore)) failure = REASONS.leadScoreType
    if (failure !== undefined) {
      result.failures.push({ line, fields, reason: failure })
      continue
    }
    if (!EMAIL_LIKE.test(email))
      result.warnings.push({ line, fields, reason: REASONS.invalidEmail })
    result.imported++
    result.importedEmails.push(email.toLowerCase())
  }
  return result
}

/** A failures or warnings file: the header plus the reason column, then each row with its reason. */
export function issueFile(
  header: string[],
  issues: RowIssue[],
  reasonColumn: string,
  delimiter: string
): string {
  const records = [[...header, reasonColumn], ...issues.map((i) => [...i.fields, i.reason])]
  return serializeDelimited(records, delimiter)
}
