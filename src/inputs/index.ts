import { tmpdir } from 'node:os'
import path from 'node:path'
import { defaultArtifactName } from './artifact-name.js'
import { type ColumnRenames, parseColumns } from './columns.js'
import { type Endpoint, parseEndpoint } from './endpoint.js'
import { invalid } from './error.js'
import { FORMAT_CHOICES, type FormatChoice, type ImportSpec, parseImports } from './imports.js'
import { checkPatternsInside } from './patterns.js'
import {
  parseBatchIds,
  parseChunkSize,
  parseMinutes,
  parseProgramId,
  parseSeconds,
  parseThreshold,
  parseWholeNumber,
  type Threshold
} from './numbers.js'
import {
  missingPatterns,
  parseArtifactName,
  parseBoolean,
  parseChoice,
  parseCredential,
  parseGitRef,
  parseMemberStatus,
  parsePatterns,
  parseStatusColumn
} from './words.js'

export { defaultArtifactName } from './artifact-name.js'
export { type ColumnRenames, parseColumns } from './columns.js'
export { type Endpoint, isLoopbackHost, parseBaseUrl, parseMunchkinId } from './endpoint.js'
export { InputError, quoteValue, SECRET_INPUTS } from './error.js'
export {
  FORMAT_CHOICES,
  type FormatChoice,
  IMPORT_KEYS,
  type ImportSpec,
  IMPORTS_MAX_BYTES,
  parseImports
} from './imports.js'
export {
  describeThreshold,
  MIN_CHUNK_BYTES,
  parseBatchIds,
  parseByteSize,
  parseChunkSize,
  parseMinutes,
  parseProgramId,
  parseSeconds,
  parseThreshold,
  parseWholeNumber,
  type Threshold,
  thresholdLimit
} from './numbers.js'
export {
  parseArtifactName,
  parseBoolean,
  parseChoice,
  parseCredential,
  parseGitRef,
  parseMemberStatus,
  parsePatterns
} from './words.js'

/** Every input the action reads, as action.yml declares them, in the contract's order. */
export const INPUT_NAMES = [
  'munchkin-id',
  'rest-url',
  'identity-url',
  'client-id',
  'client-secret',
  'program-id',
  'program-member-status',
  'files',
  'if-no-files-found',
  'format',
  'max-failed-rows',
  'max-warning-rows',
  'poll-interval',
  'max-poll-interval',
  'timeout',
  'max-concurrent-jobs',
  'chunk-size',
  'dry-run',
  'batch-ids',
  'artifact-name',
  'retention-days',
  'upload-artifact',
  'output-dir',
  'annotations',
  'changed-since',
  'comment-on-pr',
  'github-token',
  'check-instance',
  'columns',
  'map-display-names',
  'daily-quota',
  'status-column',
  'imports',
  'removed-records',
  'mirror',
  'max-removals'
] as const

export type InputName = (typeof INPUT_NAMES)[number]

/**
 * Literal defaults, the same as action.yml's: applied when an input is empty, so that
 * `node dist/index.js` with only some `INPUT_*` variables behaves as on a runner. Inputs whose
 * default is computed (artifact-name, output-dir) or comes from the runner (github-token) are
 * not here.
 */
export const INPUT_DEFAULTS: Readonly<Partial<Record<InputName, string>>> = {
  'if-no-files-found': 'error',
  format: 'auto',
  'max-failed-rows': '0',
  'poll-interval': '5',
  'max-poll-interval': '30',
  timeout: '60',
  'max-concurrent-jobs': '5',
  'chunk-size': '10MB',
  'dry-run': 'false',
  'upload-artifact': 'true',
  annotations: 'true',
  'comment-on-pr': 'false',
  'check-instance': 'true',
  'map-display-names': 'true',
  'daily-quota': '50000',
  'removed-records': 'keep',
  mirror: 'false',
  'max-removals': '5%'
}

export const IF_NO_FILES_FOUND = ['error', 'warn', 'ignore'] as const
export type IfNoFilesFound = (typeof IF_NO_FILES_FOUND)[number]

/**
 * Every input, read and checked. `programId` to `changedSince` are the step's own values; what is
 * imported where is `imports`, which holds the step's own import when `imports` is not given.
 */
export interface Inputs {
  /** Empty URLs only in a dry run given neither munchkin-id nor rest-url. */
  endpoint: Endpoint
  /** Empty only in a dry run. */
  clientId: string
  /** Empty only in a dry run. */
  clientSecret: string
  /** Digits, no leading zeros; empty only when `imports` gives the programs. */
  programId: string
  /** Empty only when `imports` gives the statuses, or `statusColumn` each row's. */
  programMemberStatus: string
  /** `status-column`: the column whose value is each row's member status; it is not uploaded. */
  statusColumn: string | undefined
  /** Glob patterns; empty only when `batchIds` resumes earlier jobs or `imports` gives them. */
  files: string[]
  ifNoFilesFound: IfNoFilesFound
  format: FormatChoice
  maxFailedRows: Threshold
  /** Undefined: no limit. */
  maxWarningRows: Threshold | undefined
  pollIntervalMs: number
  maxPollIntervalMs: number
  timeoutMs: number
  maxConcurrentJobs: number
  chunkSizeBytes: number
  dryRun: boolean
  /** Jobs to resume instead of submitting; empty for a normal run. */
  batchIds: number[]
  artifactName: string
  /** Undefined: the repository's default retention. */
  retentionDays: number | undefined
  uploadArtifact: boolean
  /** Absolute. */
  outputDir: string
  /** The runner's temporary folder (RUNNER_TEMP, else the system's): scratch files of the run. */
  scratchDir: string
  annotations: boolean
  changedSince: string | undefined
  commentOnPr: boolean
  githubToken: string | undefined
  /** Check the program, statuses, columns and quota against the instance before submitting. */
  checkInstance: boolean
  /** `columns`: headers sent under another name; empty when none. */
  columns: ColumnRenames
  mapDisplayNames: boolean
  /** The instance's daily API call quota. */
  dailyQuota: number
  /** `remove`: with changedSince, remove the members whose records were deleted since the ref. */
  removedRecords: 'keep' | 'remove'
  /** Remove the program's members with the step's status whose email is in none of the files. */
  mirror: boolean
  /** The most members a run may remove: a count or a share of the program's members. */
  maxRemovals: Threshold
  /** Absolute; relative paths of inputs resolve against it. */
  workspace: string
  /**
   * What the run imports, in order: the entries of `imports`, or the one import the step's own
   * program-id, program-member-status, files, format, columns and changed-since make.
   */
  imports: ImportSpec[]
}

const SECONDS_MAX = 3600
const MINUTES_MAX = 360

/**
 * Reads and checks every input, throwing an InputError at the first bad one. `getInput` is
 * `core.getInput` (trimmed, empty when unset); nothing here touches the network, and the disk only
 * to read the file `imports` may name.
 * Inputs are checked in the contract's order, except that `dry-run` is read before the
 * credentials it makes optional and `batch-ids` before the `files` it makes optional.
 */
export function readInputs(
  getInput: (name: string) => string,
  env: NodeJS.ProcessEnv,
  cwd: string = process.cwd()
): Inputs {
  const given = (name: InputName): string => getInput(name).trim()
  const get = (name: InputName): string => given(name) || (INPUT_DEFAULTS[name] ?? '')
  const optional = <T>(
    name: InputName,
    parse: (input: string, raw: string) => T
  ): T | undefined => {
    const raw = given(name)
    return raw === '' ? undefined : parse(name, raw)
  }

  const dryRun = parseBoolean('dry-run', get('dry-run'))
  const endpoint = parseEndpoint(
    given('munchkin-id'),
    given('rest-url'),
    given('identity-url'),
    dryRun
  )
  const clientId = parseCredential('client-id', given('client-id'), dryRun)
  const clientSecret = parseCredential('client-secret', given('client-secret'), dryRun)
  // With imports, the step's program, status and files are only the entries' defaults.
  const listed = given('imports') !== ''
  const programId = listed
    ? (optional('program-id', parseProgramId) ?? '')
    : parseProgramId('program-id', given('program-id'))
  const statusColumn = optional('status-column', parseStatusColumn)
  const programMemberStatus = listed
    ? (optional('program-member-status', parseMemberStatus) ?? '')
    : statusColumn
      ? refuseBoth(given('program-member-status'))
      : parseMemberStatus('program-member-status', given('program-member-status'))
  const batchIds = parseBatchIds('batch-ids', given('batch-ids'))
  const workspace = path.resolve(cwd, env.GITHUB_WORKSPACE || '.')
  const files = parsePatterns('files', given('files'))
  checkPatternsInside('files', files, workspace)
  if (!listed && files.length === 0 && batchIds.length === 0) {
    throw missingPatterns(
      'files',
      ' unless batch-ids resumes earlier jobs or imports lists the imports'
    )
  }
  const ifNoFilesFound = parseChoice(
    'if-no-files-found',
    get('if-no-files-found'),
    IF_NO_FILES_FOUND
  )
  const format = parseChoice('format', get('format'), FORMAT_CHOICES)
  const maxFailedRows = parseThreshold('max-failed-rows', get('max-failed-rows'))
  const maxWarningRows = optional('max-warning-rows', parseThreshold)

  const pollInterval = parseSeconds('poll-interval', get('poll-interval'), SECONDS_MAX)
  // Left unset, the ceiling rises to a longer first interval rather than contradicting it.
  const maxPollIntervalRaw = given('max-poll-interval')
  const maxPollInterval =
    maxPollIntervalRaw === ''
      ? Math.max(pollInterval, parseSeconds('max-poll-interval', get('max-poll-interval')))
      : parseSeconds('max-poll-interval', maxPollIntervalRaw, SECONDS_MAX)
  if (maxPollInterval < pollInterval) {
    throw invalid(
      'max-poll-interval',
      maxPollIntervalRaw,
      `is below poll-interval (${pollInterval} seconds); give a number of seconds of at least ${pollInterval}`
    )
  }
  const timeoutMinutes = parseMinutes('timeout', get('timeout'), MINUTES_MAX)
  const maxConcurrentJobs = parseWholeNumber('max-concurrent-jobs', get('max-concurrent-jobs'), {
    min: 1,
    max: 10,
    what: 'a whole number',
    why: 'Marketo queues at most 10 import jobs per instance',
    example: '5'
  })
  const chunkSizeBytes = parseChunkSize('chunk-size', get('chunk-size'))

  const artifactName =
    optional('artifact-name', parseArtifactName) ??
    defaultArtifactName(env, {
      restUrl: endpoint.restUrl,
      programId: listed ? 'imports' : programId,
      programMemberStatus,
      // With imports, the list as given tells one step from another.
      files: listed ? [...files, given('imports')] : files,
      batchIds
    })
  const retentionDays = optional('retention-days', (input, raw) =>
    parseWholeNumber(input, raw, { min: 1, max: 90, what: 'a whole number of days', example: '7' })
  )
  const uploadArtifact = parseBoolean('upload-artifact', get('upload-artifact'))

  const scratchDir = env.RUNNER_TEMP || tmpdir()
  const outputDir = path.resolve(
    workspace,
    given('output-dir') || path.join(scratchDir, 'marketo-import')
  )
  const annotations = parseBoolean('annotations', get('annotations'))
  const changedSince = optional('changed-since', parseGitRef)
  const commentOnPr = parseBoolean('comment-on-pr', get('comment-on-pr'))
  const githubToken = given('github-token') || undefined
  const checkInstance = parseBoolean('check-instance', get('check-instance'))
  const columns = parseColumns('columns', given('columns'))
  const mapDisplayNames = parseBoolean('map-display-names', get('map-display-names'))
  const dailyQuota = parseWholeNumber('daily-quota', get('daily-quota'), {
    min: 1,
    max: 100_000_000,
    what: 'a whole number of API calls',
    example: '50000'
  })
  const removedRecords = parseChoice('removed-records', get('removed-records'), REMOVED_RECORDS)
  const mirror = parseBoolean('mirror', get('mirror'))
  const maxRemovals = parseThreshold('max-removals', get('max-removals'))
  checkRemovals({ removedRecords, mirror, changedSince, batchIds })
  const own = {
    programId,
    programMemberStatus,
    ...(statusColumn ? { statusColumn } : {}),
    files,
    format,
    columns,
    changedSince
  }
  const imports = listed ? parseImports(given('imports'), own, workspace) : [own]
  if (listed) checkImports(imports, { removedRecords, mirror })
  const withColumn = imports.find((spec) => spec.statusColumn !== undefined)
  if (withColumn?.statusColumn) checkStatusColumn(withColumn.statusColumn, { mirror, batchIds })

  return {
    endpoint,
    clientId,
    clientSecret,
    programId,
    programMemberStatus,
    statusColumn,
    files,
    ifNoFilesFound,
    format,
    maxFailedRows,
    maxWarningRows,
    pollIntervalMs: toMilliseconds(pollInterval),
    maxPollIntervalMs: toMilliseconds(maxPollInterval),
    timeoutMs: toMilliseconds(timeoutMinutes * 60),
    maxConcurrentJobs,
    chunkSizeBytes,
    dryRun,
    batchIds,
    artifactName,
    retentionDays,
    uploadArtifact,
    outputDir,
    scratchDir,
    annotations,
    changedSince,
    commentOnPr,
    githubToken,
    checkInstance,
    columns,
    mapDisplayNames,
    dailyQuota,
    removedRecords,
    mirror,
    maxRemovals,
    workspace,
    imports
  }
}

const REMOVED_RECORDS = ['keep', 'remove'] as const

/** With status-column the rows carry their statuses: a program-member-status would contradict them. */
function refuseBoth(programMemberStatus: string): string {
  if (programMemberStatus === '') return ''
  throw invalid(
    'program-member-status',
    programMemberStatus,
    'and status-column are two ways of giving the member status; give one of them ' +
      "(status-column takes each row's status from that column)"
  )
}

/** What a status column cannot be combined with in this version, said before any network call. */
function checkStatusColumn(
  statusColumn: string,
  given: { mirror: boolean; batchIds: number[] }
): void {
  if (given.batchIds.length > 0) {
    throw invalid(
      'status-column',
      statusColumn,
      'cannot be used when batch-ids resumes earlier jobs (the parts of each status are ordered by ' +
        'the instance checks, which a resume does not run); resume without status-column'
    )
  }
  if (given.mirror) {
    throw invalid(
      'mirror',
      'true',
      'cannot be used with status-column yet; mirror a program with one program-member-status'
    )
  }
}

/** Removing members needs to know whom: the ref's records, or the whole files; never a resume. */
function checkRemovals(given: {
  removedRecords: 'keep' | 'remove'
  mirror: boolean
  changedSince: string | undefined
  batchIds: number[]
}): void {
  if (given.removedRecords === 'remove' && given.changedSince === undefined) {
    throw invalid(
      'removed-records',
      'remove',
      'needs changed-since (the ref whose deleted records are removed); give changed-since, ' +
        'or use mirror: true to remove the members in none of the files'
    )
  }
  if (given.removedRecords === 'remove' && given.mirror) {
    throw invalid(
      'mirror',
      'true',
      'and removed-records: remove are two ways of removing members; give one of them'
    )
  }
  if ((given.removedRecords === 'remove' || given.mirror) && given.batchIds.length > 0) {
    throw invalid(
      given.mirror ? 'mirror' : 'removed-records',
      given.mirror ? 'true' : 'remove',
      'cannot be used when batch-ids resumes earlier jobs; remove members in a run that imports the files'
    )
  }
}

/** What several imports in one step cannot do yet, refused before any network call. */
function checkImports(
  imports: ImportSpec[],
  given: { removedRecords: 'keep' | 'remove'; mirror: boolean }
): void {
  // The report has one changes section: every import reads its files against the same ref.
  const refs = [...new Set(imports.map((spec) => spec.changedSince ?? '(none)'))]
  if (refs.length > 1) {
    throw invalid(
      'imports',
      refs.join(', '),
      'gives the entries different changed-since refs; give every entry the same ref (or the ' +
        'step one changed-since), or import them in steps of their own'
    )
  }
  if (given.removedRecords === 'remove' || given.mirror) {
    throw invalid(
      given.mirror ? 'mirror' : 'removed-records',
      given.mirror ? 'true' : 'remove',
      'cannot be used with imports: removals go to one program; remove members in a step of its own'
    )
  }
}

/** Whole milliseconds, at least 1: `0.0001` seconds is still greater than 0. */
function toMilliseconds(seconds: number): number {
  return Math.max(1, Math.round(seconds * 1000))
}
