import { extname } from 'node:path'
import type { ImportFormat } from '../marketo/types.js'
import { parseFields } from './records.js'

/** The `format` input: `auto` picks the format from the file's header and extension. */
export type RequestedFormat = 'auto' | 'csv' | 'tsv' | 'ssv'

const FORMAT_BY_EXTENSION: Record<string, ImportFormat> = {
  '.csv': 'CSV',
  '.tsv': 'TSV',
  '.tab': 'TSV',
  '.ssv': 'SSV'
}

/** The format a file is read as; `notice` says why when its header overrode its extension. */
export interface DetectedFormat {
  format: ImportFormat
  notice?: string
}

/**
 * The format a file is imported as. An explicit format is taken as it is (a header that
 * contradicts it is the checks' error). With `auto`, a header (`head`: the file's first bytes)
 * that splits only on semicolons or only on tabs says SSV or TSV whatever the extension (a `.csv`
 * saved by a spreadsheet in a semicolon locale); otherwise the extension decides, and any
 * extension other than a known one means CSV.
 */
export function detectFormat(
  path: string,
  requested: RequestedFormat,
  head: Buffer = Buffer.alloc(0)
): DetectedFormat {
  if (requested !== 'auto') return { format: requested.toUpperCase() as ImportFormat }
  const byExtension = FORMAT_BY_EXTENSION[extname(path).toLowerCase()] ?? 'CSV'
  const byHeader = formatOfHeader(head)
  if (byHeader === undefined || byHeader === byExtension) return { format: byExtension }
  return {
    format: byHeader,
    notice:
      `the header splits only on ${byHeader === 'SSV' ? 'semicolons' : 'tabs'}, so the file ` +
      `is read and imported as ${byHeader}, not as ${byExtension} (format: auto); set format to ` +
      'read it otherwise'
  }
}

/** SSV or TSV when the header's first line has several fields under that delimiter alone. */
function formatOfHeader(head: Buffer): ImportFormat | undefined {
  const lineFeed = head.indexOf(0x0a)
  if (lineFeed === -1) return undefined
  const bom = head[0] === 0xef && head[1] === 0xbb && head[2] === 0xbf ? 3 : 0
  const line = head.subarray(bom, lineFeed + 1)
  const fieldsUnder = (format: ImportFormat): number => parseFields(line, format).length
  if (fieldsUnder('CSV') > 1) return undefined
  const ssv = fieldsUnder('SSV') > 1
  const tsv = fieldsUnder('TSV') > 1
  if (ssv === tsv) return undefined
  return ssv ? 'SSV' : 'TSV'
}
