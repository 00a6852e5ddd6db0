import { type InputError, invalid, missing } from './error.js'

const TRUE_WORDS = ['true', 'True', 'TRUE']
const FALSE_WORDS = ['false', 'False', 'FALSE']

/** The YAML 1.2 core schema booleans, as `core.getBooleanInput` accepts them. */
export function parseBoolean(input: string, raw: string): boolean {
  if (TRUE_WORDS.includes(raw)) return true
  if (FALSE_WORDS.includes(raw)) return false
  throw invalid(input, raw, 'must be true or false')
}

/** One of `choices`, compared case-insensitively and returned as spelled in `choices`. */
export function parseChoice<T extends string>(
  input: string,
  raw: string,
  choices: readonly T[]
): T {
  const choice = choices.find((candidate) => candidate.toLowerCase() === raw.toLowerCase())
  if (choice === undefined) throw invalid(input, raw, `must be one of ${choices.join(', ')}`)
  return choice
}

/** Line breaks and other control characters: never part of a one-line value. */
const CONTROL = /[\p{Cc}\u2028\u2029]/u
const WHITESPACE = /\s/

/**
 * A client id or secret: required unless dry-run, and never holding spaces (a pasted value
 * that caught a neighbouring word or line break fails later as a confusing 401).
 */
export function parseCredential(input: string, raw: string, dryRun: boolean): string {
  const label = input === 'client-id' ? 'Client Id' : 'Client Secret'
  const where = `Admin > LaunchPoint > View Details of the API-only user's service`
  if (raw === '') {
    if (dryRun) return ''
    throw missing(input, ` unless dry-run is true; copy the ${label} from ${where}`)
  }
  if (WHITESPACE.test(raw)) {
    throw invalid(input, raw, `contains spaces or line breaks; copy the ${label} from ${where}`)
  }
  return raw
}

const STATUS_MAX_CHARS = 255
const STATUS_FORMS = "give a member status of the program's channel, e.g. On List"

/** A program member status name such as `On List` or `Registered`. */
export function parseMemberStatus(input: string, raw: string): string {
  if (raw === '') throw missing(input, `; ${STATUS_FORMS}`)
  if (CONTROL.test(raw)) throw invalid(input, raw, `must be one line; ${STATUS_FORMS}`)
  if (Array.from(raw).length > STATUS_MAX_CHARS) {
    throw invalid(input, raw, `is longer than ${STATUS_MAX_CHARS} characters; ${STATUS_FORMS}`)
  }
  return raw
}

/** A column name: one line, as the header spells it (matched after the `columns` renames too). */
export function parseStatusColumn(input: string, raw: string): string {
  const forms = "give the name of the column holding each row's member status, e.g. status"
  if (CONTROL.test(raw)) throw invalid(input, raw, `must be one line; ${forms}`)
  if (Array.from(raw).length > STATUS_MAX_CHARS) {
    throw invalid(input, raw, `is longer than ${STATUS_MAX_CHARS} characters; ${forms}`)
  }
  return raw
}

const PATTERN_FORMS = 'give one or more glob patterns, one per line, e.g. data/*.csv'

/**
 * Newline-separated glob patterns, blank and `#` comment lines dropped. An empty value gives an
 * empty list (the caller decides whether that is allowed); a non-empty one must hold a pattern
 * that includes files, not only `!` excludes.
 */
export function parsePatterns(input: string, raw: string): string[] {
  const patterns = raw
    .split(/\r?\n/)
    .map((line) => line.trim())
    .filter((line) => line !== '' && !line.startsWith('#'))
  if (raw !== '' && patterns.length === 0) {
    throw invalid(input, raw, `has only blank or # comment lines; ${PATTERN_FORMS}`)
  }
  if (patterns.length > 0 && patterns.every((pattern) => pattern.startsWith('!'))) {
    throw invalid(
      input,
      raw,
      `has only exclude patterns (starting with !); add one that matches files, e.g. data/*.csv`
    )
  }
  return patterns
}

export function missingPatterns(input: string, detail = ''): InputError {
  return missing(input, `${detail}; ${PATTERN_FORMS}`)
}

/** A git ref or sha handed to git as one argument: no spaces, and never read as an option. */
export function parseGitRef(input: string, raw: string): string {
  if (WHITESPACE.test(raw) || CONTROL.test(raw) || raw.startsWith('-')) {
    throw invalid(
      input,
      raw,
      'must be a git ref or commit sha like origin/main, HEAD~1 or a1b2c3d, without spaces and not starting with -'
    )
  }
  return raw
}

/** Characters actions/upload-artifact refuses in an artifact name. */
const ARTIFACT_NAME_FORBIDDEN = ['"', ':', '<', '>', '|', '*', '?', '\r', '\n', '\\', '/']

export function parseArtifactName(input: string, raw: string): string {
  const forbidden = Array.from(raw).find((char) => ARTIFACT_NAME_FORBIDDEN.includes(char))
  if (forbidden !== undefined) {
    throw invalid(
      input,
      raw,
      `contains ${JSON.stringify(forbidden)}; an artifact name cannot contain " : < > | * ? \\ / or a line break`
    )
  }
  return raw
}
