import { lstatSync, readFileSync, realpathSync } from 'node:fs'
import path from 'node:path'
import YAML from 'yaml'
import { isWithin } from '../files/workspace.js'
import { type ColumnRenames, parseColumns } from './columns.js'
import { InputError, invalid } from './error.js'
import { parseProgramId, parseThreshold, type Threshold } from './numbers.js'
import { checkPatternsInside } from './patterns.js'
import {
  missingPatterns,
  parseChoice,
  parseGitRef,
  parseMemberStatus,
  parsePatterns
} from './words.js'

export const FORMAT_CHOICES = ['auto', 'csv', 'tsv', 'ssv'] as const
export type FormatChoice = (typeof FORMAT_CHOICES)[number]

/**
 * One import of the run: which files go into which program with which member status. The step's
 * own inputs make the one import of a run without `imports`; each entry of `imports` makes one,
 * the step's inputs filling in what the entry leaves out.
 */
export interface ImportSpec {
  /** 1-based position in the `imports` list; undefined for the step's own inputs. */
  entry?: number
  /** Digits, no leading zeros. */
  programId: string
  /** Empty when `statusColumn` gives each row's status. */
  programMemberStatus: string
  /** The column whose value is each row's member status. */
  statusColumn?: string
  /** Glob patterns; empty only when batch-ids resumes earlier jobs. */
  files: string[]
  format: FormatChoice
  /** `columns`: headers sent under another name; empty when none. */
  columns: ColumnRenames
  changedSince: string | undefined
  /** The entry's own limits, judged on its rows alone; undefined: the run's limits apply. */
  maxFailedRows?: Threshold
  maxWarningRows?: Threshold
}

/** The keys an entry of `imports` takes: the step's own input names. */
export const IMPORT_KEYS = [
  'program-id',
  'program-member-status',
  'status-column',
  'files',
  'format',
  'columns',
  'changed-since',
  'max-failed-rows',
  'max-warning-rows'
] as const
type ImportKey = (typeof IMPORT_KEYS)[number]

/** The step's own values of those inputs: what an entry leaves out. */
export type ImportDefaults = Omit<ImportSpec, 'entry' | 'maxFailedRows' | 'maxWarningRows'>

/** An imports file larger than this is refused: a list of imports is a few kilobytes. */
export const IMPORTS_MAX_BYTES = 1_000_000

const INPUT = 'imports'
const LIST_FORMS =
  'give a YAML list with one entry per import, e.g. "- program-id: \'1044\'" with its files, ' +
  'inline or as the path of a .yml, .yaml or .json file in the workspace'
const FILE_NAME = /\.(ya?ml|json)$/i

/**
 * `imports`: inline YAML, or the path of a YAML or JSON file inside the workspace, holding a list
 * of entries; each becomes an ImportSpec, the step's own values filling in what it leaves out.
 * Throws an InputError naming the entry and the key at the first bad one. Reads at most one file,
 * and nothing else.
 */
export function parseImports(
  raw: string,
  defaults: ImportDefaults,
  workspace: string
): ImportSpec[] {
  const isPath = !raw.includes('\n') && FILE_NAME.test(raw) && !/^[-[{]/.test(raw)
  const text = isPath ? readImportsFile(raw, workspace) : raw
  if (Buffer.byteLength(text) > IMPORTS_MAX_BYTES) {
    throw invalid(INPUT, raw, `is larger than ${IMPORTS_MAX_BYTES} bytes; ${LIST_FORMS}`)
  }
  const list = isPath && /\.json$/i.test(raw) ? parseJson(raw, text) : parseYaml(raw, text)
  if (!Array.isArray(list)) {
    throw invalid(INPUT, raw, `is ${kindOf(list)}, not a list; ${LIST_FORMS}`)
  }
  if (list.length === 0) throw invalid(INPUT, raw, `is an empty list; ${LIST_FORMS}`)
  return list.map((value: unknown, at) => parseEntry(value, at + 1, defaults, workspace))
}

function readImportsFile(raw: string, workspace: string): string {
  const outside = `is not inside the workspace ${workspace}; ${LIST_FORMS}`
  const file = path.resolve(workspace, raw)
  if (!isWithin(file, workspace)) throw invalid(INPUT, raw, outside)
  let real: string
  try {
    real = realpathSync(file)
    if (!isWithin(real, realpathSync(workspace))) throw invalid(INPUT, raw, outside)
  } catch (error) {
    if (error instanceof InputError) throw error
    throw invalid(INPUT, raw, `names no file in the workspace; ${LIST_FORMS}`)
  }
  const stat = lstatSync(real)
  if (!stat.isFile()) throw invalid(INPUT, raw, `is not a file; ${LIST_FORMS}`)
  if (stat.size > IMPORTS_MAX_BYTES) {
    throw invalid(INPUT, raw, `is larger than ${IMPORTS_MAX_BYTES} bytes; ${LIST_FORMS}`)
  }
  return readFileSync(real, 'utf8')
}

function parseJson(raw: string, text: string): unknown {
  try {
    return JSON.parse(text) as unknown
  } catch (error) {
    const why = error instanceof Error ? error.message.split('\n')[0] : 'unreadable'
    throw invalid(INPUT, raw, `is not valid JSON (${why}); ${LIST_FORMS}`)
  }
}

function parseYaml(raw: string, text: string): unknown {
  // The library's own bounds (alias expansion) hold; the first error is the one shown.
  const document = YAML.parseDocument(text, { prettyErrors: true })
  const first = document.errors[0]
  if (first) {
    const why = (first.message.split('\n')[0] ?? '').replace(/:$/, '')
    throw invalid(INPUT, raw, `is not valid YAML (${why}); ${LIST_FORMS}`)
  }
  return document.toJSON() as unknown
}

function parseEntry(
  value: unknown,
  entry: number,
  defaults: ImportDefaults,
  workspace: string
): ImportSpec {
  if (!isRecord(value)) {
    throw new InputError(
      INPUT,
      '',
      `imports: entry ${entry} is ${kindOf(value)}, not a mapping of input names to values; ` +
        `give e.g. program-id: '1044' and files: data/*.csv`
    )
  }
  const programValue = value['program-id']
  const known =
    typeof programValue === 'string' || typeof programValue === 'number'
      ? ` (program-id ${String(programValue)})`
      : ''
  const where = `imports: entry ${entry}${known}`
  for (const key of Object.keys(value)) {
    if (!(IMPORT_KEYS as readonly string[]).includes(key)) {
      throw new InputError(
        INPUT,
        key,
        `${where}: unknown key ${JSON.stringify(key)}; an entry takes ${IMPORT_KEYS.join(', ')}`
      )
    }
  }
  // A value parsed by the step input's own parser, its message prefixed with the entry.
  const read = <T>(key: ImportKey, parse: (raw: string) => T): T | undefined => {
    const raw = textOf(value[key], key, where)
    if (raw === undefined) return undefined
    try {
      return parse(raw)
    } catch (error) {
      if (!(error instanceof InputError)) throw error
      throw new InputError(INPUT, raw, `${where}: ${error.message}`)
    }
  }
  const programId = read('program-id', (raw) => parseProgramId('program-id', raw))
  const status = read('program-member-status', (raw) =>
    parseMemberStatus('program-member-status', raw)
  )
  const statusColumn = read('status-column', (raw) => parseMemberStatus('status-column', raw))
  const files = read('files', (raw) => {
    const patterns = parsePatterns('files', raw)
    checkPatternsInside('files', patterns, workspace)
    return patterns
  })
  const format = read('format', (raw) => parseChoice('format', raw, FORMAT_CHOICES))
  const columns = read('columns', (raw) => parseColumns('columns', raw))
  const changedSince = read('changed-since', (raw) => parseGitRef('changed-since', raw))
  const maxFailedRows = read('max-failed-rows', (raw) => parseThreshold('max-failed-rows', raw))
  const maxWarningRows = read('max-warning-rows', (raw) => parseThreshold('max-warning-rows', raw))

  if (status !== undefined && statusColumn !== undefined) {
    throw new InputError(
      INPUT,
      '',
      `${where}: program-member-status and status-column are two ways of giving the status; give one of them`
    )
  }
  const resolvedProgram = programId ?? defaults.programId
  if (resolvedProgram === '') {
    throw new InputError(
      INPUT,
      '',
      `${where}: program-id: is required, as the step gives none; give the numeric id of a ` +
        `Marketo program, e.g. 1044`
    )
  }
  // An entry that names its status one way does not inherit the step's other way.
  const own = status !== undefined || statusColumn !== undefined
  const resolvedStatus = own ? (status ?? '') : defaults.programMemberStatus
  const resolvedColumn = own ? statusColumn : defaults.statusColumn
  if (resolvedStatus === '' && resolvedColumn === undefined) {
    throw new InputError(
      INPUT,
      '',
      `${where}: program-member-status: is required unless status-column is given, as the step ` +
        `gives neither; give a member status of the program's channel, e.g. On List`
    )
  }
  const resolvedFiles = files ?? defaults.files
  if (resolvedFiles.length === 0) {
    const error = missingPatterns('files', ', as the step gives none')
    throw new InputError(INPUT, '', `${where}: ${error.message}`)
  }
  return {
    entry,
    programId: resolvedProgram,
    programMemberStatus: resolvedStatus,
    ...(resolvedColumn !== undefined ? { statusColumn: resolvedColumn } : {}),
    files: resolvedFiles,
    format: format ?? defaults.format,
    columns: columns ?? defaults.columns,
    changedSince: changedSince ?? defaults.changedSince,
    ...(maxFailedRows ? { maxFailedRows } : {}),
    ...(maxWarningRows ? { maxWarningRows } : {})
  }
}

/**
 * An entry's value as the step input's text: strings as given; whole numbers for the inputs that
 * take numbers; a list of patterns for files; a mapping of header to REST name for columns.
 */
function textOf(value: unknown, key: ImportKey, where: string): string | undefined {
  if (value === undefined) return undefined
  if (typeof value === 'string') return value.trim()
  const numeric = key === 'program-id' || key === 'max-failed-rows' || key === 'max-warning-rows'
  if (numeric && typeof value === 'number' && Number.isFinite(value)) return String(value)
  if (key === 'files' && Array.isArray(value) && value.every((v) => typeof v === 'string')) {
    return value.join('\n')
  }
  if (key === 'columns' && isRecord(value)) {
    const pairs = Object.entries(value)
    if (pairs.every(([, to]) => typeof to === 'string')) {
      return pairs.map(([from, to]) => `${from}: ${String(to)}`).join('\n')
    }
  }
  const forms: Record<ImportKey, string> = {
    'program-id': 'a program id, e.g. 1044',
    'program-member-status': 'a status name, e.g. On List',
    'status-column': 'a column name, e.g. status',
    files: 'a glob pattern or a list of them, e.g. data/*.csv',
    format: 'one of auto, csv, tsv, ssv',
    columns: 'a mapping of header to REST name, e.g. "Email Address: email"',
    'changed-since': 'a git ref or sha in quotes, e.g. origin/main',
    'max-failed-rows': 'a count or a percentage, e.g. 25 or 2.5%',
    'max-warning-rows': 'a count or a percentage, e.g. 25 or 2.5%'
  }
  throw new InputError(INPUT, '', `${where}: ${key}: is ${kindOf(value)}; give ${forms[key]}`)
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function kindOf(value: unknown): string {
  if (value === null || value === undefined) return 'empty'
  if (Array.isArray(value)) return 'a list'
  if (typeof value === 'object') return 'a mapping'
  if (typeof value === 'string') return 'a string'
  return `a ${typeof value} (${String(value)})`
}
