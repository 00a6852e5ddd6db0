export type Severity = 'error' | 'warning' | 'notice'

/** Every problem the local checks report, by what it is. */
export type FindingKind =
  | 'unreadable'
  | 'invalid-utf8'
  | 'unclosed-quote'
  | 'line-breaks'
  | 'delimiter'
  | 'no-email-column'
  | 'field-count'
  | 'empty-email'
  | 'empty-status'
  | 'invalid-email'
  | 'duplicate-email'
  | 'header-name'
  | 'record-too-large'
  | 'split'

/** Severity and the words a summary uses for each kind, in the order reports list them. */
export const KINDS: Record<FindingKind, { severity: Severity; label: string }> = {
  unreadable: { severity: 'error', label: 'file cannot be read' },
  'invalid-utf8': { severity: 'error', label: 'not valid UTF-8' },
  'unclosed-quote': { severity: 'error', label: 'unbalanced quotes' },
  'line-breaks': { severity: 'error', label: 'lines end with a carriage return alone' },
  delimiter: { severity: 'error', label: 'delimiter contradicts the format' },
  'no-email-column': { severity: 'error', label: 'no email column' },
  'field-count': { severity: 'error', label: 'wrong number of fields' },
  'empty-email': { severity: 'error', label: 'empty email' },
  'empty-status': { severity: 'error', label: 'empty status (row not submitted)' },
  'invalid-email': { severity: 'warning', label: 'email Marketo flags as invalid' },
  'duplicate-email': { severity: 'warning', label: 'same email twice' },
  'header-name': { severity: 'warning', label: 'header name is not a REST API name' },
  'record-too-large': { severity: 'warning', label: 'record larger than Marketo’s limit' },
  split: { severity: 'notice', label: 'file will be split' }
}

/** One problem at a file and (when it has one) a line. The message never holds a row's values. */
export interface Finding {
  kind: FindingKind
  severity: Severity
  file: string
  /** 1-based line where the record starts; null for the file as a whole. */
  line: number | null
  message: string
  /** The other place a finding names (the first occurrence of a duplicate email). */
  related?: { file: string; line: number }
}

/** What the checks found in one file. */
export interface FileCheck {
  /** Absolute path. */
  path: string
  displayPath: string
  /** Data records read (header excluded); those past a quoting problem are not counted. */
  rows: number
  errors: number
  /** The first error, which the report gives as the reason the file is not submitted. */
  firstError?: Finding
}

/** Per kind: how many, and where the first ones are (`file:line`). */
export interface KindCount {
  kind: FindingKind
  severity: Severity
  label: string
  count: number
  examples: string[]
}

/** The checks' result as the report keeps it: counts by kind, and the first findings. */
export interface ValidationSummary {
  kinds: KindCount[]
  errors: number
  warnings: number
  notices: number
  /** Data records with a warning, over every file. */
  warnedRows: number
  /** Files with errors: not submitted. */
  rejectedFiles: string[]
  /** The first findings of each kind, in file and line order (the full count is in `kinds`). */
  findings: Finding[]
  /** Set when changed-since limited the row checks to new and changed records. */
  changedSince?: string
}
