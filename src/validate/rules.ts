/**
 * The local rules a file is held to, as pure functions of its header and values. Messages name
 * columns and counts, never a row's values.
 */
import type { ImportFormat } from '../marketo/types.js'

/** Delimiters people actually save "CSV" files with, by what a message calls them. */
const DELIMITER_NAMES: Record<string, string> = {
  ',': 'commas',
  '\t': 'tabs',
  ';': 'semicolons',
  '|': 'pipes'
}

const FORMAT_OF_DELIMITER: Record<string, string> = {
  ',': 'csv',
  '\t': 'tsv',
  ';': 'ssv'
}

/**
 * A header that is one field under the file's format but several under another delimiter: the
 * file was saved with a different delimiter (a `.csv` exported as tab-separated, or with
 * semicolons by a European Excel, read as CSV because `format` says so). With `format: auto` such
 * a header picks its format itself (`detectFormat`): this is for a format set explicitly, or a
 * header that splits on pipes.
 */
export function delimiterContradiction(
  headerLine: string,
  format: ImportFormat,
  delimiter: string
): string | undefined {
  if (headerLine.includes(delimiter)) return undefined
  const candidates = [',', '\t', ';', '|'].filter((d) => d !== delimiter)
  const found = candidates.find((d) => headerLine.split(d).length > 1)
  if (found === undefined) return undefined
  const name = DELIMITER_NAMES[found] ?? JSON.stringify(found)
  const asFormat = FORMAT_OF_DELIMITER[found]
  const fix = asFormat
    ? `name it .${asFormat} or set format: ${asFormat}`
    : `save it with ${DELIMITER_NAMES[delimiter]} (Marketo reads comma, tab or semicolon separated files)`
  return (
    `the header splits on ${name}, not on ${DELIMITER_NAMES[delimiter]} as the ${format} format ` +
    `expects: ${fix}`
  )
}

/** Column names compared the way people misspell them: case, spaces, hyphens and underscores. */
function loose(name: string): string {
  return name.toLowerCase().replace(/[\s_\-.]/g, '')
}

const EMAIL_NEAR_MISSES = new Set(['email', 'emailaddress', 'mail'])

/**
 * Index of the `email` column, or the problem: Marketo deduplicates on `email` and needs that
 * exact REST API name. A column that differs only in case, spaces or punctuation is named.
 */
export function emailColumn(header: string[]): { index: number } | { problem: string } {
  const index = header.indexOf('email')
  if (index >= 0) return { index }
  const near = header.find((name) => EMAIL_NEAR_MISSES.has(loose(name)))
  if (near !== undefined) {
    return {
      problem:
        `no email column: Marketo needs a column named exactly email; rename ` +
        `${JSON.stringify(near)} to email`
    }
  }
  return {
    problem: 'no email column: every file needs a column named email (Marketo deduplicates on it)'
  }
}

const REST_API_NAME = /^[A-Za-z][A-Za-z0-9_]*$/

/**
 * Header names Marketo will not recognise as REST API names: display names with spaces
 * (`First Name`), punctuation, empty or repeated names. The email near miss is reported by
 * `emailColumn` instead.
 */
export function headerNameWarnings(
  header: string[],
  { restNames = true }: { restNames?: boolean } = {}
): { column: number; message: string }[] {
  const warnings: { column: number; message: string }[] = []
  const seen = new Map<string, number>()
  header.forEach((name, column) => {
    const position = `column ${column + 1}`
    const earlier = seen.get(name)
    if (name.trim() === '') {
      warnings.push({ column, message: `${position} has no name; Marketo cannot map it` })
    } else if (earlier !== undefined) {
      warnings.push({
        column,
        message: `${position} repeats the name ${JSON.stringify(name)} of column ${earlier + 1}`
      })
    } else if (restNames && !REST_API_NAME.test(name) && !EMAIL_NEAR_MISSES.has(loose(name))) {
      const guess = restApiGuess(name)
      warnings.push({
        column,
        message:
          `${position} ${JSON.stringify(name)} is not a REST API name (a display name?); ` +
          `Marketo maps columns by REST API names` +
          (guess ? `, perhaps ${guess}` : '') +
          ' (Admin > Field Management > Export Field Names lists them)'
      })
    }
    if (earlier === undefined) seen.set(name, column)
  })
  return warnings
}

/** `First Name` -> `firstName`: how Marketo derives most REST API names from display names. */
function restApiGuess(name: string): string | undefined {
  const words = name
    .trim()
    .split(/[^A-Za-z0-9]+/)
    .filter(Boolean)
  if (words.length === 0) return undefined
  const [first, ...rest] = words as [string, ...string[]]
  const guess =
    first.charAt(0).toLowerCase() +
    first.slice(1) +
    rest.map((w) => w.charAt(0).toUpperCase() + w.slice(1)).join('')
  return REST_API_NAME.test(guess) ? guess : undefined
}

/**
 * An address Marketo imports with the warning "Invalid email address": one `@`, a local part and
 * a domain with a dot, no spaces, no empty domain labels, a top-level domain of 2+ letters.
 */
export function isInvalidEmail(email: string): boolean {
  return !VALID_EMAIL.test(email)
}

/**
 * The same rules as one expression, run on every row: a local part of no `@` or white space that
 * neither starts nor ends with a dot, no `..` anywhere, then labels that are not empty and do not
 * start or end with a hyphen, the last of 2+ letters.
 */
const VALID_EMAIL =
  /^(?!.*\.\.)[^@\s.](?:[^@\s]*[^@\s.])?@(?:[^@\s.-](?:[^@\s.]*[^@\s.-])?\.)+[A-Za-z]{2,}$/

/** Emails compare as Marketo deduplicates them: surrounding spaces and case do not matter. */
export function emailKey(email: string): string {
  return email.trim().toLowerCase()
}
