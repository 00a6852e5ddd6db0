import type { ImportFormat } from '../marketo/types.js'

/**
 * The delimiter of each of Marketo's import formats. SSV is *semicolon*-separated: Adobe's
 * import pages say "a comma-, tab-, or semicolon-delimited flat file" (bulk-import.md,
 * bulk-lead-import.md, bulk-custom-object-import.md in the Marketo developer docs); only some
 * extract pages say space, and extracts are not what this action sends.
 */
export function delimiterOf(format: ImportFormat): ',' | '\t' | ';' {
  switch (format) {
    case 'CSV':
      return ','
    case 'TSV':
      return '\t'
    case 'SSV':
      return ';'
  }
}
