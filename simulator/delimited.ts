/**
 * The simulator's own reader and writer for Marketo's three import formats. Independent of the
 * action's parser on purpose, so the two can disagree in a test instead of sharing a bug.
 * RFC 4180 quoting: quoted delimiters, quoted CR/LF, doubled quotes; a leading UTF-8 BOM is
 * ignored; a trailing line break does not add a record; empty lines are skipped.
 */

export type SimFormat = 'CSV' | 'TSV' | 'SSV'

/** SSV is semicolon-separated, as Adobe's import pages say (bulk-import.md, bulk-lead-import.md). */
export const DELIMITERS: Record<SimFormat, string> = { CSV: ',', TSV: '\t', SSV: ';' }

export const FILE_CONTENT_TYPES: Record<SimFormat, string> = {
  CSV: 'text/csv',
  TSV: 'text/tab-separated-values',
  SSV: 'text/plain'
}

/** `format` is accepted in any case (the docs write `csv`); undefined when not a known format. */
export function parseFormat(raw: string | undefined): SimFormat | undefined {
  const upper = raw?.trim().toUpperCase()
  return upper === 'CSV' || upper === 'TSV' || upper === 'SSV' ? upper : undefined
}

/** One record and the 1-based line its first character sits on. */
export interface DelimitedRecord {
  fields: string[]
  line: number
}

const QUOTE = '"'

/** Parses a whole file into records. Never throws: an unclosed quote runs to the end of input. */
export function parseDelimited(text: string, delimiter: string): DelimitedRecord[] {
  const source = text.startsWith('\uFEFF') ? text.slice(1) : text
  const records: DelimitedRecord[] = []
  let fields: string[] = []
  let field = ''
  let inQuotes = false
  let recordHasContent = false
  let line = 1
  let recordLine = 1

  const endRecord = (): void => {
    if (recordHasContent) {
      fields.push(field)
      records.push({ fields, line: recordLine })
    }
    fields = []
    field = ''
    recordHasContent = false
  }

  for (let i = 0; i < source.length; i++) {
    const char = source[i] as string
    if (inQuotes) {
      if (char === QUOTE) {
        if (source[i + 1] === QUOTE) {
          field += QUOTE
          i++
        } else {
          inQuotes = false
        }
      } else {
        if (char === '\n' || (char === '\r' && source[i + 1] !== '\n')) line++
        field += char
      }
      continue
    }
    if (char === '\r' || char === '\n') {
      if (char === '\r' && source[i + 1] === '\n') i++
      endRecord()
      line++
      recordLine = line
      continue
    }
    if (!recordHasContent) recordLine = line
    recordHasContent = true
    if (char === delimiter) {
      fields.push(field)
      field = ''
    } else if (char === QUOTE && field === '') {
      inQuotes = true
    } else {
      field += char
    }
  }
  endRecord()
  return records
}

const BYTE_QUOTE = 0x22
const BYTE_CR = 0x0d
const BYTE_LF = 0x0a

/**
 * The number of records `parseDelimited` finds in a file, counted on its bytes without building
 * any string: for uploads of a gigabyte, where decoding and parsing would dominate. The same
 * rules byte for byte (a UTF-8 character never holds an ASCII byte).
 */
export function countRecords(bytes: Uint8Array, delimiter: string): number {
  const separator = delimiter.charCodeAt(0)
  const length = bytes.length
  let i = length >= 3 && bytes[0] === 0xef && bytes[1] === 0xbb && bytes[2] === 0xbf ? 3 : 0
  let records = 0
  let inQuotes = false
  let recordHasContent = false
  let fieldEmpty = true
  for (; i < length; i++) {
    const byte = bytes[i]
    if (inQuotes) {
      if (byte === BYTE_QUOTE) {
        if (bytes[i + 1] === BYTE_QUOTE) {
          fieldEmpty = false
          i++
        } else {
          inQuotes = false
        }
      } else {
        fieldEmpty = false
      }
      continue
    }
    if (byte === BYTE_CR || byte === BYTE_LF) {
      if (byte === BYTE_CR && bytes[i + 1] === BYTE_LF) i++
      if (recordHasContent) records++
      recordHasContent = false
      fieldEmpty = true
      continue
    }
    recordHasContent = true
    if (byte === separator) fieldEmpty = true
    else if (byte === BYTE_QUOTE && fieldEmpty) inQuotes = true
    else fieldEmpty = false
  }
  return recordHasContent ? records + 1 : records
}

/** Quotes a field when it holds the delimiter, a quote, a line break or edge spaces. */
export function serializeField(value: string, delimiter: string): string {
  const needsQuotes =
    value.includes(delimiter) ||
    value.includes(QUOTE) ||
    value.includes('\n') ||
    value.includes('\r') ||
    value !== value.trim()
  return needsQuotes ? QUOTE + value.replaceAll(QUOTE, QUOTE + QUOTE) + QUOTE : value
}

/** Records joined with `\n`, with no line break after the last one. */
export function serializeDelimited(records: string[][], delimiter: string): string {
  return records
    .map((fields) => fields.map((field) => serializeField(field, delimiter)).join(delimiter))
    .join('\n')
}
