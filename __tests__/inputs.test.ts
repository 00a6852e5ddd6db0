import { tmpdir } from 'node:os'
import path from 'node:path'
import { describe, expect, it } from '@jest/globals'
import {
  defaultArtifactName,
  describeThreshold,
  INPUT_NAMES,
  InputError,
  type Inputs,
  parseByteSize,
  quoteValue,
  readInputs,
  thresholdLimit
} from '../src/inputs/index.js'

const SECRET = 'Sup3r-S3cret-Value'

/** The smallest set of inputs a real run needs. */
const REQUIRED: Record<string, string> = {
  'munchkin-id': '123-ABC-456',
  'client-id': 'client-id-1',
  'client-secret': SECRET,
  'program-id': '1044',
  'program-member-status': 'On List',
  files: 'data/*.csv'
}

const ENV: NodeJS.ProcessEnv = {
  GITHUB_WORKSPACE: '/ws',
  RUNNER_TEMP: '/runner/temp',
  GITHUB_JOB: 'import',
  GITHUB_RUN_ATTEMPT: '2',
  GITHUB_ACTION: '__run',
  RUNNER_NAME: 'GitHub Actions 7'
}

/** `core.getInput` as the runner gives it: trimmed, empty when unset. */
function mockInputs(overrides: Record<string, string> = {}): (name: string) => string {
  const values = { ...REQUIRED, ...overrides }
  return (name) => (values[name] ?? '').trim()
}

function read(overrides: Record<string, string> = {}, env: NodeJS.ProcessEnv = ENV): Inputs {
  return readInputs(mockInputs(overrides), env, '/cwd')
}

function errorOf(overrides: Record<string, string>): InputError {
  try {
    read(overrides)
  } catch (error) {
    if (error instanceof InputError) return error
    throw error
  }
  throw new Error(`no InputError for ${JSON.stringify(overrides)}`)
}

const MUNCHKIN_FORMS =
  'is not a Munchkin id like 123-ABC-456 (3 digits, 3 letters, 3 digits; see Admin > Munchkin)'
const PLAIN_HTTP =
  'uses plain http:// to a host that is not loopback, which would send the client secret and access tokens unencrypted; use https://, or http:// only with 127.0.0.1, ::1 or localhost'
const LAUNCHPOINT = "Admin > LaunchPoint > View Details of the API-only user's service"
const PROGRAM_FORMS =
  "the numeric id of a Marketo program, e.g. 1044 (from #PG1044A1 in the program's URL)"
const STATUS_FORMS = "give a member status of the program's channel, e.g. On List"
const THRESHOLD_NEITHER = 'is neither a count nor a percentage like 2.5%'
const SECONDS_FORMS = 'must be a number of seconds greater than 0, e.g. 5 or 2.5'
const MINUTES_FORMS = 'must be a number of minutes greater than 0, e.g. 60 or 7.5'
const JOBS_FORMS =
  'must be a whole number from 1 to 10 (Marketo queues at most 10 import jobs per instance), e.g. 5'
const SIZE_FORMS =
  'must be a size in bytes like 5000000, or with a unit KB, MB (1000-based), KiB, MiB (1024-based), e.g. 10MB'
const SIZE_ABOVE =
  "is above Marketo's limit of 10485760 bytes (10 MiB); use a size up to 10MiB, e.g. 10MB"
const SIZE_BELOW =
  "is below the minimum of 1024 bytes (1 KiB): every part repeats the file's header and travels in multipart framing of a few hundred bytes, so a smaller part holds few or no rows; use e.g. 10MB"
const BATCH_FORMS = 'give whole numbers above 0 separated by commas or new lines, e.g. 1042, 1043'
const ARTIFACT_FORBIDDEN = 'an artifact name cannot contain " : < > | * ? \\ / or a line break'
const DAYS_FORMS = 'must be a whole number of days from 1 to 90, e.g. 7'
const GIT_REF_FORMS =
  'must be a git ref or commit sha like origin/main, HEAD~1 or a1b2c3d, without spaces and not starting with -'

/** [input named in the error, inputs given over REQUIRED, the exact message]. */
const BAD_INPUTS: [string, Record<string, string>, string][] = [
  [
    'munchkin-id',
    { 'rest-url': 'https://proxy.example.com' },
    'munchkin-id: "123-ABC-456" and rest-url: "https://proxy.example.com" are both set; give only one: munchkin-id for Marketo itself, or rest-url for another endpoint (a proxy or a simulator)'
  ],
  [
    'munchkin-id',
    { 'munchkin-id': '' },
    'munchkin-id: is required unless rest-url is set or dry-run is true; give munchkin-id like 123-ABC-456 (Admin > Munchkin), or rest-url with the REST API URL from Admin > Web Services'
  ],
  ['munchkin-id', { 'munchkin-id': '12-ABC-456' }, `munchkin-id: "12-ABC-456" ${MUNCHKIN_FORMS}`],
  ['munchkin-id', { 'munchkin-id': '123 ABC 456' }, `munchkin-id: "123 ABC 456" ${MUNCHKIN_FORMS}`],
  ['munchkin-id', { 'munchkin-id': '123-AB1-456' }, `munchkin-id: "123-AB1-456" ${MUNCHKIN_FORMS}`],
  [
    'munchkin-id',
    { 'munchkin-id': '123-ABC-456.mktorest.com' },
    `munchkin-id: "123-ABC-456.mktorest.com" ${MUNCHKIN_FORMS}`
  ],
  [
    'rest-url',
    { 'munchkin-id': '', 'rest-url': '123-abc-456.mktorest.com' },
    'rest-url: "123-abc-456.mktorest.com" is not a URL; give a base URL like https://123-ABC-456.mktorest.com'
  ],
  [
    'rest-url',
    { 'munchkin-id': '', 'rest-url': 'https://exa mple.com' },
    'rest-url: "https://exa mple.com" is not a URL; give a base URL like https://123-ABC-456.mktorest.com'
  ],
  [
    'rest-url',
    { 'munchkin-id': '', 'rest-url': 'ftp://files.example.com' },
    'rest-url: "ftp://files.example.com" must start with https:// (or http:// to a loopback host: 127.0.0.1, ::1 or localhost)'
  ],
  [
    'rest-url',
    { 'munchkin-id': '', 'rest-url': 'http://123-abc-456.mktorest.com' },
    `rest-url: "http://123-abc-456.mktorest.com" ${PLAIN_HTTP}`
  ],
  [
    'rest-url',
    { 'munchkin-id': '', 'rest-url': 'http://10.0.0.8:8080' },
    `rest-url: "http://10.0.0.8:8080" ${PLAIN_HTTP}`
  ],
  [
    'rest-url',
    { 'munchkin-id': '', 'rest-url': 'http://localhost.example.com' },
    `rest-url: "http://localhost.example.com" ${PLAIN_HTTP}`
  ],
  [
    'rest-url',
    { 'munchkin-id': '', 'rest-url': 'https://user:hunter2@proxy.example.com' },
    'rest-url: "https://***@proxy.example.com" must not contain a user name or password; the action signs in with client-id and client-secret'
  ],
  [
    'rest-url',
    { 'munchkin-id': '', 'rest-url': 'https://proxy.example.com/?access_token=abc123' },
    'rest-url: "https://proxy.example.com/?…" must not contain a query string or #fragment; give the base URL only, e.g. https://123-ABC-456.mktorest.com'
  ],
  [
    'rest-url',
    { 'munchkin-id': '', 'rest-url': 'https://proxy.example.com/#top' },
    'rest-url: "https://proxy.example.com/#…" must not contain a query string or #fragment; give the base URL only, e.g. https://123-ABC-456.mktorest.com'
  ],
  [
    'identity-url',
    { 'identity-url': 'http://idp.example.com/identity' },
    `identity-url: "http://idp.example.com/identity" ${PLAIN_HTTP}`
  ],
  [
    'client-id',
    { 'client-id': '' },
    `client-id: is required unless dry-run is true; copy the Client Id from ${LAUNCHPOINT}`
  ],
  [
    'client-id',
    { 'client-id': 'abc def' },
    `client-id: "abc def" contains spaces or line breaks; copy the Client Id from ${LAUNCHPOINT}`
  ],
  [
    'client-secret',
    { 'client-secret': '' },
    `client-secret: is required unless dry-run is true; copy the Client Secret from ${LAUNCHPOINT}`
  ],
  [
    'client-secret',
    { 'client-secret': `${SECRET} extra` },
    `client-secret: (value not shown) contains spaces or line breaks; copy the Client Secret from ${LAUNCHPOINT}`
  ],
  ['program-id', { 'program-id': '' }, `program-id: is required; give ${PROGRAM_FORMS}`],
  ['program-id', { 'program-id': 'abc' }, `program-id: "abc" must be ${PROGRAM_FORMS}`],
  ['program-id', { 'program-id': '0' }, `program-id: "0" must be ${PROGRAM_FORMS}`],
  ['program-id', { 'program-id': '-5' }, `program-id: "-5" must be ${PROGRAM_FORMS}`],
  ['program-id', { 'program-id': '10 44' }, `program-id: "10 44" must be ${PROGRAM_FORMS}`],
  ['program-id', { 'program-id': '12.5' }, `program-id: "12.5" must be ${PROGRAM_FORMS}`],
  ['program-id', { 'program-id': '0x10' }, `program-id: "0x10" must be ${PROGRAM_FORMS}`],
  ['program-id', { 'program-id': '1e3' }, `program-id: "1e3" must be ${PROGRAM_FORMS}`],
  [
    'program-id',
    { 'program-id': '99999999999999999999' },
    `program-id: "99999999999999999999" must be ${PROGRAM_FORMS}`
  ],
  [
    'program-member-status',
    { 'program-member-status': '' },
    `program-member-status: is required; ${STATUS_FORMS}`
  ],
  [
    'program-member-status',
    { 'program-member-status': 'On\nList' },
    `program-member-status: "On\\nList" must be one line; ${STATUS_FORMS}`
  ],
  [
    'program-member-status',
    { 'program-member-status': 'x'.repeat(256) },
    `program-member-status: "${'x'.repeat(60)}…" is longer than 255 characters; ${STATUS_FORMS}`
  ],
  [
    'files',
    { files: '' },
    'files: is required unless batch-ids resumes earlier jobs or imports lists the imports; give one or more glob patterns, one per line, e.g. data/*.csv'
  ],
  [
    'files',
    { files: '# data/*.csv' },
    'files: "# data/*.csv" has only blank or # comment lines; give one or more glob patterns, one per line, e.g. data/*.csv'
  ],
  [
    'files',
    { files: '!a.csv\n!b.csv' },
    'files: "!a.csv\\n!b.csv" has only exclude patterns (starting with !); add one that matches files, e.g. data/*.csv'
  ],
  [
    'if-no-files-found',
    { 'if-no-files-found': 'fail' },
    'if-no-files-found: "fail" must be one of error, warn, ignore'
  ],
  ['format', { format: 'xls' }, 'format: "xls" must be one of auto, csv, tsv, ssv'],
  ['format', { format: 'c sv' }, 'format: "c sv" must be one of auto, csv, tsv, ssv'],
  ['max-failed-rows', { 'max-failed-rows': 'ten' }, `max-failed-rows: "ten" ${THRESHOLD_NEITHER}`],
  [
    'max-failed-rows',
    { 'max-failed-rows': '-1' },
    'max-failed-rows: "-1" must not be negative; give a count like 25 or a percentage like 2.5%'
  ],
  [
    'max-failed-rows',
    { 'max-failed-rows': '-2.5%' },
    'max-failed-rows: "-2.5%" must not be negative; give a count like 25 or a percentage like 2.5%'
  ],
  [
    'max-failed-rows',
    { 'max-failed-rows': '1.5' },
    'max-failed-rows: "1.5" is not a whole number of rows; give a count like 25 or a percentage like 2.5%'
  ],
  [
    'max-failed-rows',
    { 'max-failed-rows': '101%' },
    'max-failed-rows: "101%" is above 100%; give a percentage from 0% to 100%, e.g. 2.5%'
  ],
  [
    'max-failed-rows',
    { 'max-failed-rows': '2.5 %' },
    `max-failed-rows: "2.5 %" ${THRESHOLD_NEITHER}`
  ],
  ['max-failed-rows', { 'max-failed-rows': '1 0' }, `max-failed-rows: "1 0" ${THRESHOLD_NEITHER}`],
  ['max-failed-rows', { 'max-failed-rows': '%' }, `max-failed-rows: "%" ${THRESHOLD_NEITHER}`],
  ['max-failed-rows', { 'max-failed-rows': 'NaN' }, `max-failed-rows: "NaN" ${THRESHOLD_NEITHER}`],
  [
    'max-failed-rows',
    { 'max-failed-rows': 'Infinity' },
    `max-failed-rows: "Infinity" ${THRESHOLD_NEITHER}`
  ],
  [
    'max-failed-rows',
    { 'max-failed-rows': '0x10' },
    `max-failed-rows: "0x10" ${THRESHOLD_NEITHER}`
  ],
  ['max-failed-rows', { 'max-failed-rows': '1e3' }, `max-failed-rows: "1e3" ${THRESHOLD_NEITHER}`],
  [
    'max-warning-rows',
    { 'max-warning-rows': 'all' },
    `max-warning-rows: "all" ${THRESHOLD_NEITHER}`
  ],
  [
    'max-warning-rows',
    { 'max-warning-rows': '200%' },
    'max-warning-rows: "200%" is above 100%; give a percentage from 0% to 100%, e.g. 2.5%'
  ],
  ['poll-interval', { 'poll-interval': '-1' }, `poll-interval: "-1" ${SECONDS_FORMS}`],
  ['poll-interval', { 'poll-interval': '0' }, `poll-interval: "0" ${SECONDS_FORMS}`],
  ['poll-interval', { 'poll-interval': '5s' }, `poll-interval: "5s" ${SECONDS_FORMS}`],
  ['poll-interval', { 'poll-interval': '1 0' }, `poll-interval: "1 0" ${SECONDS_FORMS}`],
  ['poll-interval', { 'poll-interval': 'Infinity' }, `poll-interval: "Infinity" ${SECONDS_FORMS}`],
  ['poll-interval', { 'poll-interval': 'NaN' }, `poll-interval: "NaN" ${SECONDS_FORMS}`],
  ['poll-interval', { 'poll-interval': '0x5' }, `poll-interval: "0x5" ${SECONDS_FORMS}`],
  [
    'poll-interval',
    { 'poll-interval': '4000' },
    'poll-interval: "4000" is above 3600 seconds (1 hour); give a number of seconds up to 3600, e.g. 5 or 2.5'
  ],
  [
    'max-poll-interval',
    { 'max-poll-interval': '2' },
    'max-poll-interval: "2" is below poll-interval (5 seconds); give a number of seconds of at least 5'
  ],
  [
    'max-poll-interval',
    { 'poll-interval': '2.5', 'max-poll-interval': '1.5' },
    'max-poll-interval: "1.5" is below poll-interval (2.5 seconds); give a number of seconds of at least 2.5'
  ],
  ['max-poll-interval', { 'max-poll-interval': '0' }, `max-poll-interval: "0" ${SECONDS_FORMS}`],
  [
    'max-poll-interval',
    { 'max-poll-interval': '3601' },
    'max-poll-interval: "3601" is above 3600 seconds (1 hour); give a number of seconds up to 3600, e.g. 5 or 2.5'
  ],
  ['timeout', { timeout: '0' }, `timeout: "0" ${MINUTES_FORMS}`],
  ['timeout', { timeout: '-3' }, `timeout: "-3" ${MINUTES_FORMS}`],
  ['timeout', { timeout: '1h' }, `timeout: "1h" ${MINUTES_FORMS}`],
  [
    'timeout',
    { timeout: '361' },
    'timeout: "361" is above 360 minutes, the longest a job on a GitHub-hosted runner runs (6 hours); give a number of minutes up to 360, e.g. 60 or 7.5'
  ],
  ['max-concurrent-jobs', { 'max-concurrent-jobs': '0' }, `max-concurrent-jobs: "0" ${JOBS_FORMS}`],
  [
    'max-concurrent-jobs',
    { 'max-concurrent-jobs': '11' },
    `max-concurrent-jobs: "11" ${JOBS_FORMS}`
  ],
  [
    'max-concurrent-jobs',
    { 'max-concurrent-jobs': '-1' },
    `max-concurrent-jobs: "-1" ${JOBS_FORMS}`
  ],
  [
    'max-concurrent-jobs',
    { 'max-concurrent-jobs': '2.5' },
    `max-concurrent-jobs: "2.5" ${JOBS_FORMS}`
  ],
  [
    'max-concurrent-jobs',
    { 'max-concurrent-jobs': 'five' },
    `max-concurrent-jobs: "five" ${JOBS_FORMS}`
  ],
  ['chunk-size', { 'chunk-size': '20MB' }, `chunk-size: "20MB" ${SIZE_ABOVE}`],
  ['chunk-size', { 'chunk-size': '10.5MiB' }, `chunk-size: "10.5MiB" ${SIZE_ABOVE}`],
  ['chunk-size', { 'chunk-size': '10485761' }, `chunk-size: "10485761" ${SIZE_ABOVE}`],
  ['chunk-size', { 'chunk-size': '100' }, `chunk-size: "100" ${SIZE_BELOW}`],
  ['chunk-size', { 'chunk-size': '1KB' }, `chunk-size: "1KB" ${SIZE_BELOW}`],
  ['chunk-size', { 'chunk-size': '0' }, `chunk-size: "0" ${SIZE_BELOW}`],
  ['chunk-size', { 'chunk-size': '5 M' }, `chunk-size: "5 M" ${SIZE_FORMS}`],
  ['chunk-size', { 'chunk-size': '1GB' }, `chunk-size: "1GB" ${SIZE_FORMS}`],
  ['chunk-size', { 'chunk-size': '10  MB' }, `chunk-size: "10  MB" ${SIZE_FORMS}`],
  ['chunk-size', { 'chunk-size': '-5MB' }, `chunk-size: "-5MB" ${SIZE_FORMS}`],
  ['chunk-size', { 'chunk-size': '0x100000' }, `chunk-size: "0x100000" ${SIZE_FORMS}`],
  ['chunk-size', { 'chunk-size': 'ten' }, `chunk-size: "ten" ${SIZE_FORMS}`],
  [
    'chunk-size',
    { 'chunk-size': '2500.5' },
    'chunk-size: "2500.5" has a fraction of a byte; give whole bytes like 5000000, or a unit, e.g. 2.5MB'
  ],
  ['dry-run', { 'dry-run': 'yes' }, 'dry-run: "yes" must be true or false'],
  ['dry-run', { 'dry-run': 'tRUE' }, 'dry-run: "tRUE" must be true or false'],
  ['dry-run', { 'dry-run': '1' }, 'dry-run: "1" must be true or false'],
  ['batch-ids', { 'batch-ids': '1042, 12a' }, `batch-ids: "12a" is not a batch id; ${BATCH_FORMS}`],
  ['batch-ids', { 'batch-ids': '0' }, `batch-ids: "0" is not a batch id; ${BATCH_FORMS}`],
  ['batch-ids', { 'batch-ids': '-3' }, `batch-ids: "-3" is not a batch id; ${BATCH_FORMS}`],
  ['batch-ids', { 'batch-ids': '1.5' }, `batch-ids: "1.5" is not a batch id; ${BATCH_FORMS}`],
  ['batch-ids', { 'batch-ids': '10 42' }, `batch-ids: "10 42" is not a batch id; ${BATCH_FORMS}`],
  ['batch-ids', { 'batch-ids': ', ,' }, `batch-ids: ", ," holds no batch id; ${BATCH_FORMS}`],
  [
    'artifact-name',
    { 'artifact-name': 'reports/marketo' },
    `artifact-name: "reports/marketo" contains "/"; ${ARTIFACT_FORBIDDEN}`
  ],
  [
    'artifact-name',
    { 'artifact-name': 'run:1' },
    `artifact-name: "run:1" contains ":"; ${ARTIFACT_FORBIDDEN}`
  ],
  [
    'artifact-name',
    { 'artifact-name': 'a\nb' },
    `artifact-name: "a\\nb" contains "\\n"; ${ARTIFACT_FORBIDDEN}`
  ],
  ['retention-days', { 'retention-days': '0' }, `retention-days: "0" ${DAYS_FORMS}`],
  ['retention-days', { 'retention-days': '91' }, `retention-days: "91" ${DAYS_FORMS}`],
  ['retention-days', { 'retention-days': '7.5' }, `retention-days: "7.5" ${DAYS_FORMS}`],
  ['retention-days', { 'retention-days': 'week' }, `retention-days: "week" ${DAYS_FORMS}`],
  ['upload-artifact', { 'upload-artifact': 'no' }, 'upload-artifact: "no" must be true or false'],
  ['annotations', { annotations: 'off' }, 'annotations: "off" must be true or false'],
  ['changed-since', { 'changed-since': '-rf' }, `changed-since: "-rf" ${GIT_REF_FORMS}`],
  [
    'changed-since',
    { 'changed-since': '--output=/tmp/x' },
    `changed-since: "--output=/tmp/x" ${GIT_REF_FORMS}`
  ],
  [
    'changed-since',
    { 'changed-since': 'main branch' },
    `changed-since: "main branch" ${GIT_REF_FORMS}`
  ],
  ['comment-on-pr', { 'comment-on-pr': 'yes' }, 'comment-on-pr: "yes" must be true or false'],
  ['check-instance', { 'check-instance': 'no' }, 'check-instance: "no" must be true or false'],
  [
    'map-display-names',
    { 'map-display-names': '1' },
    'map-display-names: "1" must be true or false'
  ],
  [
    'daily-quota',
    { 'daily-quota': '0' },
    'daily-quota: "0" must be a whole number of API calls from 1 to 100000000, e.g. 50000'
  ],
  [
    'max-removals',
    { 'max-removals': 'some' },
    'max-removals: "some" is neither a count nor a percentage like 2.5%'
  ],
  [
    'columns',
    { columns: 'Email Address: email\nFirst Name' },
    'columns: "First Name" is not a column mapping; give one `header: restName` pair per line, e.g. `Email Address: email`'
  ],
  [
    'columns',
    { columns: 'Email: e-mail' },
    'columns: "Email: e-mail" is not a column mapping; give one `header: restName` pair per line, e.g. `Email Address: email`'
  ],
  [
    'columns',
    { columns: 'Email: email\nEmail: emailAddress' },
    'columns: "Email: emailAddress" maps the header a second time; give one `header: restName` pair per line, e.g. `Email Address: email`, each header once'
  ],
  [
    'status-column',
    { 'status-column': 'status\nStage', 'program-member-status': '' },
    'status-column: "status\\nStage" must be one line; give the name of the column holding each row\'s member status, e.g. status'
  ],
  [
    'program-member-status',
    { 'status-column': 'status' },
    'program-member-status: "On List" and status-column are two ways of giving the member status; give one of them (status-column takes each row\'s status from that column)'
  ],
  [
    'status-column',
    { 'status-column': 'status', 'program-member-status': '', 'batch-ids': '1042' },
    'status-column: "status" cannot be used when batch-ids resumes earlier jobs (the parts of each status are ordered by the instance checks, which a resume does not run); resume without status-column'
  ],
  [
    'mirror',
    { 'status-column': 'status', 'program-member-status': '', mirror: 'true' },
    'mirror: "true" cannot be used with status-column yet; mirror a program with one program-member-status'
  ],
  [
    'imports',
    { imports: 'x.yml' },
    'imports: "x.yml" names no file in the workspace; give a YAML list with one entry per import, e.g. "- program-id: \'1044\'" with its files, inline or as the path of a .yml, .yaml or .json file in the workspace'
  ],
  [
    'removed-records',
    { 'removed-records': 'delete' },
    'removed-records: "delete" must be one of keep, remove'
  ],
  [
    'removed-records',
    { 'removed-records': 'remove' },
    'removed-records: "remove" needs changed-since (the ref whose deleted records are removed); give changed-since, or use mirror: true to remove the members in none of the files'
  ],
  ['mirror', { mirror: 'yes' }, 'mirror: "yes" must be true or false'],
  [
    'mirror',
    { mirror: 'true', 'removed-records': 'remove', 'changed-since': 'main' },
    'mirror: "true" and removed-records: remove are two ways of removing members; give one of them'
  ],
  [
    'mirror',
    { mirror: 'true', 'batch-ids': '1040' },
    'mirror: "true" cannot be used when batch-ids resumes earlier jobs; remove members in a run that imports the files'
  ]
]

describe('removals', () => {
  it('reads removed-records: remove with changed-since, and mirror', () => {
    const removing = read({ 'removed-records': 'remove', 'changed-since': 'main' })
    expect(removing).toMatchObject({ removedRecords: 'remove', mirror: false })
    expect(read({ mirror: 'true', 'max-removals': '20' })).toMatchObject({
      mirror: true,
      maxRemovals: { kind: 'count', count: 20 }
    })
  })
})

describe('readInputs refuses a bad value with one line naming the input and the accepted forms', () => {
  it.each(BAD_INPUTS)('%s given %j', (input, overrides, message) => {
    const error = errorOf(overrides)
    expect(error.message).toBe(message)
    expect(error.input).toBe(input)
    expect(error.message.startsWith(`${input}: `)).toBe(true)
    expect(error.message).not.toMatch(/[\r\n]/)
    expect(error.message).not.toContain(SECRET)
  })

  it('covers every input that has a value to refuse', () => {
    const refused = new Set(BAD_INPUTS.map(([input]) => input))
    const withoutBadValues = INPUT_NAMES.filter((name) => !refused.has(name))
    expect(withoutBadValues).toEqual(['output-dir', 'github-token'])
  })

  it('never echoes the client secret, nor keeps it on the error', () => {
    const error = errorOf({ 'client-secret': `${SECRET}\nsecond line` })
    expect(error.message).not.toContain(SECRET)
    expect(error.value).toBe('***')
  })

  it('stops at the first bad input, in the order of the contract', () => {
    expect(errorOf({ 'program-id': 'x', format: 'xls' }).input).toBe('program-id')
    expect(errorOf({ format: 'xls', 'chunk-size': '1GB' }).input).toBe('format')
  })

  it('reads dry-run before the credentials it makes optional', () => {
    const error = errorOf({ 'dry-run': 'maybe', 'client-id': '' })
    expect(error.input).toBe('dry-run')
  })
})

describe('readInputs defaults', () => {
  it('fills every optional input from the contract', () => {
    expect(read()).toEqual({
      endpoint: {
        restUrl: 'https://123-ABC-456.mktorest.com',
        identityUrl: 'https://123-ABC-456.mktorest.com/identity'
      },
      clientId: 'client-id-1',
      clientSecret: SECRET,
      programId: '1044',
      programMemberStatus: 'On List',
      files: ['data/*.csv'],
      ifNoFilesFound: 'error',
      format: 'auto',
      maxFailedRows: { kind: 'count', count: 0 },
      maxWarningRows: undefined,
      pollIntervalMs: 5000,
      maxPollIntervalMs: 30000,
      timeoutMs: 3_600_000,
      maxConcurrentJobs: 5,
      chunkSizeBytes: 10_000_000,
      dryRun: false,
      batchIds: [],
      artifactName: expect.stringMatching(/^marketo-import-import-1044-[0-9a-f]{8}-attempt-2$/),
      retentionDays: undefined,
      uploadArtifact: true,
      outputDir: '/runner/temp/marketo-import',
      scratchDir: '/runner/temp',
      annotations: true,
      changedSince: undefined,
      commentOnPr: false,
      githubToken: undefined,
      checkInstance: true,
      columns: new Map(),
      mapDisplayNames: true,
      dailyQuota: 50000,
      removedRecords: 'keep',
      mirror: false,
      maxRemovals: { kind: 'percent', percent: 5 },
      workspace: '/ws',
      imports: [
        {
          programId: '1044',
          programMemberStatus: 'On List',
          files: ['data/*.csv'],
          format: 'auto',
          columns: new Map(),
          changedSince: undefined
        }
      ]
    })
  })

  it('falls back to the working directory and the system temp folder off a runner', () => {
    const inputs = read({}, {})
    expect(inputs.workspace).toBe('/cwd')
    expect(inputs.outputDir).toBe(path.join(tmpdir(), 'marketo-import'))
    expect(inputs.artifactName).toMatch(/^marketo-import-local-1044-[0-9a-f]{8}-attempt-1$/)
  })

  it('raises an unset max-poll-interval to a longer poll-interval instead of refusing it', () => {
    expect(read({ 'poll-interval': '60' }).maxPollIntervalMs).toBe(60_000)
    expect(read({ 'poll-interval': '10' }).maxPollIntervalMs).toBe(30_000)
  })

  it('reads only the inputs it declares', () => {
    const asked = new Set<string>()
    readInputs((name) => (asked.add(name), REQUIRED[name] ?? ''), ENV, '/cwd')
    expect([...asked].sort()).toEqual([...INPUT_NAMES].sort())
  })
})

describe('readInputs accepts every documented form', () => {
  const goodCases: [string, Record<string, string>, Partial<Inputs>][] = [
    [
      'columns as header: restName lines, blank lines and spaces aside, a colon in a header',
      { columns: 'Email Address: email\n\n  First Name :firstName\r\nNote: internal: note_c' },
      {
        columns: new Map([
          ['Email Address', 'email'],
          ['First Name', 'firstName'],
          ['Note: internal', 'note_c']
        ])
      }
    ],
    [
      'a lower-case Munchkin id',
      { 'munchkin-id': '123-abc-456' },
      {
        endpoint: {
          restUrl: 'https://123-ABC-456.mktorest.com',
          identityUrl: 'https://123-ABC-456.mktorest.com/identity'
        }
      }
    ],
    [
      'a Munchkin id with its own identity-url',
      { 'identity-url': 'https://idp.example.com/identity/' },
      {
        endpoint: {
          restUrl: 'https://123-ABC-456.mktorest.com',
          identityUrl: 'https://idp.example.com/identity'
        }
      }
    ],
    [
      'the REST URL as Admin > Web Services shows it',
      { 'munchkin-id': '', 'rest-url': 'https://123-abc-456.mktorest.com/rest/' },
      {
        endpoint: {
          restUrl: 'https://123-abc-456.mktorest.com',
          identityUrl: 'https://123-abc-456.mktorest.com/identity'
        }
      }
    ],
    [
      'a proxy with a path',
      { 'munchkin-id': '', 'rest-url': 'https://proxy.example.com/marketo/' },
      {
        endpoint: {
          restUrl: 'https://proxy.example.com/marketo',
          identityUrl: 'https://proxy.example.com/marketo/identity'
        }
      }
    ],
    [
      'a local simulator over http on 127.0.0.1',
      { 'munchkin-id': '', 'rest-url': 'http://127.0.0.1:8080/' },
      {
        endpoint: {
          restUrl: 'http://127.0.0.1:8080',
          identityUrl: 'http://127.0.0.1:8080/identity'
        }
      }
    ],
    [
      'http on localhost, ::1 and the rest of 127.0.0.0/8',
      {
        'munchkin-id': '',
        'rest-url': 'http://localhost:3000',
        'identity-url': 'http://[::1]:3001/identity'
      },
      {
        endpoint: { restUrl: 'http://localhost:3000', identityUrl: 'http://[::1]:3001/identity' }
      }
    ],
    [
      'http on 127.5.6.7',
      { 'munchkin-id': '', 'rest-url': 'http://127.5.6.7' },
      { endpoint: { restUrl: 'http://127.5.6.7', identityUrl: 'http://127.5.6.7/identity' } }
    ],
    ['a program id with leading zeros', { 'program-id': '01044' }, { programId: '1044' }],
    [
      'a status with spaces',
      { 'program-member-status': 'Attended On-demand' },
      { programMemberStatus: 'Attended On-demand' }
    ],
    [
      'patterns with comments, blank lines and excludes',
      { files: '# exports\n\n  data/*.csv  \r\n!data/skip.csv\nlists/**/*.tsv' },
      { files: ['data/*.csv', '!data/skip.csv', 'lists/**/*.tsv'] }
    ],
    ['if-no-files-found in any case', { 'if-no-files-found': 'Warn' }, { ifNoFilesFound: 'warn' }],
    ['ignore', { 'if-no-files-found': 'ignore' }, { ifNoFilesFound: 'ignore' }],
    ['format in any case', { format: 'TSV' }, { format: 'tsv' }],
    ['format ssv', { format: 'ssv' }, { format: 'ssv' }],
    ['a count', { 'max-failed-rows': '25' }, { maxFailedRows: { kind: 'count', count: 25 } }],
    [
      'a percentage',
      { 'max-failed-rows': '2.5%' },
      { maxFailedRows: { kind: 'percent', percent: 2.5 } }
    ],
    ['0%', { 'max-failed-rows': '0%' }, { maxFailedRows: { kind: 'percent', percent: 0 } }],
    ['100%', { 'max-warning-rows': '100%' }, { maxWarningRows: { kind: 'percent', percent: 100 } }],
    [
      'a warning count',
      { 'max-warning-rows': '0' },
      { maxWarningRows: { kind: 'count', count: 0 } }
    ],
    [
      'decimal seconds',
      { 'poll-interval': '2.5', 'max-poll-interval': '2.5' },
      { pollIntervalMs: 2500, maxPollIntervalMs: 2500 }
    ],
    ['a tiny interval, still at least 1 ms', { 'poll-interval': '0.0001' }, { pollIntervalMs: 1 }],
    ['the longest interval', { 'max-poll-interval': '3600' }, { maxPollIntervalMs: 3_600_000 }],
    ['decimal minutes', { timeout: '7.5' }, { timeoutMs: 450_000 }],
    ['the longest timeout', { timeout: '360' }, { timeoutMs: 21_600_000 }],
    ['one job at a time', { 'max-concurrent-jobs': '1' }, { maxConcurrentJobs: 1 }],
    ['the whole queue', { 'max-concurrent-jobs': '10' }, { maxConcurrentJobs: 10 }],
    ['plain bytes', { 'chunk-size': '5000000' }, { chunkSizeBytes: 5_000_000 }],
    ['decimal megabytes', { 'chunk-size': '2.5MB' }, { chunkSizeBytes: 2_500_000 }],
    [
      'mebibytes, lower case, with a space',
      { 'chunk-size': '10 mib' },
      { chunkSizeBytes: 10_485_760 }
    ],
    ['kibibytes', { 'chunk-size': '512KiB' }, { chunkSizeBytes: 524_288 }],
    ['the smallest part', { 'chunk-size': '1KiB' }, { chunkSizeBytes: 1024 }],
    [
      'dry run without credentials',
      { 'dry-run': 'true', 'client-id': '', 'client-secret': '' },
      {
        dryRun: true,
        clientId: '',
        clientSecret: ''
      }
    ],
    [
      'dry run without credentials or an endpoint (no call is made)',
      {
        'dry-run': 'true',
        'client-id': '',
        'client-secret': '',
        'munchkin-id': '',
        'rest-url': ''
      },
      { dryRun: true, endpoint: { restUrl: '', identityUrl: '' } }
    ],
    [
      'batch ids, comma and newline separated, duplicates dropped',
      { 'batch-ids': '1042, 1043\n1042\n\n1044' },
      { batchIds: [1042, 1043, 1044] }
    ],
    [
      'the batch-ids output of an earlier run, without files',
      { 'batch-ids': '[1042,1043]', files: '' },
      { batchIds: [1042, 1043], files: [] }
    ],
    [
      'an artifact name',
      { 'artifact-name': 'marketo failures' },
      { artifactName: 'marketo failures' }
    ],
    ['1 day', { 'retention-days': '1' }, { retentionDays: 1 }],
    ['90 days', { 'retention-days': '90' }, { retentionDays: 90 }],
    ['no upload', { 'upload-artifact': 'false' }, { uploadArtifact: false }],
    ['a relative output dir', { 'output-dir': 'out/marketo' }, { outputDir: '/ws/out/marketo' }],
    ['an absolute output dir', { 'output-dir': '/data/out' }, { outputDir: '/data/out' }],
    ['no annotations', { annotations: 'FALSE' }, { annotations: false }],
    ['a branch', { 'changed-since': 'origin/main' }, { changedSince: 'origin/main' }],
    ['a relative revision', { 'changed-since': 'HEAD~1' }, { changedSince: 'HEAD~1' }],
    ['a sha', { 'changed-since': 'a1b2c3d' }, { changedSince: 'a1b2c3d' }],
    ['a PR comment', { 'comment-on-pr': 'True' }, { commentOnPr: true }],
    ['a token', { 'github-token': 'ghs_token' }, { githubToken: 'ghs_token' }],
    [
      'a status column instead of a status',
      { 'status-column': 'Member Status', 'program-member-status': '' },
      { statusColumn: 'Member Status', programMemberStatus: '' }
    ]
  ]

  it.each(goodCases)('%s', (_label, overrides, expected) => {
    expect(read(overrides)).toMatchObject(expected)
  })

  it.each(['true', 'True', 'TRUE', 'false', 'False', 'FALSE'])('the boolean word %s', (word) => {
    expect(read({ 'dry-run': word }).dryRun).toBe(word.toLowerCase() === 'true')
  })
})

describe('parseByteSize', () => {
  it.each([
    ['1024', 1024],
    ['1.5kb', 1500],
    ['2.3MB', 2_300_000],
    ['1.1KiB', 1126],
    ['10MB', 10_000_000],
    ['10MiB', 10_485_760],
    ['700 B', 700]
  ])('%s is %i bytes', (raw, bytes) => {
    expect(parseByteSize('chunk-size', raw)).toBe(bytes)
  })
})

describe('thresholds', () => {
  it.each([
    [{ kind: 'count', count: 25 } as const, 1000, 25],
    [{ kind: 'percent', percent: 2.5 } as const, 1000, 25],
    [{ kind: 'percent', percent: 2.5 } as const, 39, 0],
    [{ kind: 'percent', percent: 0.57 } as const, 10_000, 57],
    [{ kind: 'percent', percent: 100 } as const, 7, 7],
    [{ kind: 'percent', percent: 0 } as const, 7, 0]
  ])('%j of %i submitted rows allows %i', (threshold, submitted, limit) => {
    expect(thresholdLimit(threshold, submitted)).toBe(limit)
  })

  it('describes a count and a share', () => {
    expect(describeThreshold({ kind: 'count', count: 1 })).toBe('1 row')
    expect(describeThreshold({ kind: 'count', count: 25 })).toBe('25 rows')
    expect(describeThreshold({ kind: 'percent', percent: 2.5 })).toBe('2.5% of submitted rows')
    expect(describeThreshold({ kind: 'percent', percent: 2.5 }, 1200)).toBe(
      '2.5% of 1200 submitted rows (30)'
    )
  })
})

describe('the default artifact name', () => {
  const seed = {
    restUrl: 'https://123-ABC-456.mktorest.com',
    programId: '1044',
    programMemberStatus: 'On List',
    files: ['data/*.csv'],
    batchIds: []
  }

  it('is stable for the same job, step and inputs', () => {
    expect(defaultArtifactName(ENV, seed)).toBe(defaultArtifactName({ ...ENV }, { ...seed }))
  })

  it('differs between matrix entries, steps, runners and attempts', () => {
    const names = new Set([
      defaultArtifactName(ENV, seed),
      defaultArtifactName(ENV, { ...seed, programId: '1045' }),
      defaultArtifactName(ENV, { ...seed, files: ['other/*.csv'] }),
      defaultArtifactName(ENV, { ...seed, programMemberStatus: 'Registered' }),
      defaultArtifactName({ ...ENV, RUNNER_NAME: 'GitHub Actions 8' }, seed),
      defaultArtifactName({ ...ENV, GITHUB_ACTION: '__run_2' }, seed),
      defaultArtifactName({ ...ENV, GITHUB_RUN_ATTEMPT: '3' }, seed)
    ])
    expect(names.size).toBe(7)
  })

  it('is a valid artifact name for any job id', () => {
    const name = defaultArtifactName({ GITHUB_JOB: 'import: "nightly"/eu' }, seed)
    expect(name).toMatch(/^marketo-import-import-nightly-eu-1044-[0-9a-f]{8}-attempt-1$/)
  })
})

describe('quoteValue', () => {
  it('keeps a message on one line and short', () => {
    expect(quoteValue('a\r\nb\u2028c')).toBe('"a\\r\\nb\\u2028c"')
    expect(quoteValue('y'.repeat(61))).toBe(`"${'y'.repeat(60)}…"`)
    expect(quoteValue('y'.repeat(60))).toBe(`"${'y'.repeat(60)}"`)
  })
})
