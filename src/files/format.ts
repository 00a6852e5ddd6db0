import { extname } from 'node:path'
import type { ImportFormat } from '../marketo/types.js'

/** The `format` input: `auto` picks the format from the file's extension. */
export type RequestedFormat = 'auto' | 'csv' | 'tsv' | 'ssv'

const FORMAT_BY_EXTENSION: Record<string, ImportFormat> = {
  '.csv': 'CSV',
  '.tsv': 'TSV',
  '.tab': 'TSV',
  '.ssv': 'SSV'
}

/** The format a file is imported as; with `auto`, any extension other than a known one means CSV. */
export function detectFormat(path: string, requested: RequestedFormat): ImportFormat {
  if (requested !== 'auto') return requested.toUpperCase() as ImportFormat
  return FORMAT_BY_EXTENSION[extname(path).toLowerCase()] ?? 'CSV'
}

export function delimiterOf(format: ImportFormat): ',' | '\t' | ' ' {
  switch (format) {
    case 'CSV':
      return ','
    case 'TSV':
      return '\t'
    case 'SSV':
      return ' '
  }
}
