import { invalid } from './error.js'

/** `columns`: each file header (left) sent to Marketo as a REST name (right). */
export type ColumnRenames = ReadonlyMap<string, string>

const REST_NAME = /^[A-Za-z][A-Za-z0-9_]*$/
const FORM = 'one `header: restName` pair per line, e.g. `Email Address: email`'

/**
 * Newline-separated `header: restName` pairs. The header is everything before the last colon
 * (a header may hold a colon), trimmed; the REST name must look like one. Each header once.
 */
export function parseColumns(input: string, raw: string): ColumnRenames {
  const renames = new Map<string, string>()
  for (const line of raw.split(/\r?\n/)) {
    if (line.trim() === '') continue
    const colon = line.lastIndexOf(':')
    const header = colon === -1 ? '' : line.slice(0, colon).trim()
    const restName = colon === -1 ? '' : line.slice(colon + 1).trim()
    if (header === '' || !REST_NAME.test(restName)) {
      throw invalid(input, line.trim(), `is not a column mapping; give ${FORM}`)
    }
    if (renames.has(header)) {
      throw invalid(
        input,
        line.trim(),
        `maps the header a second time; give ${FORM}, each header once`
      )
    }
    renames.set(header, restName)
  }
  return renames
}
