import { describe, expect, it } from '@jest/globals'
import { parse } from 'csv-parse/sync'
import fc from 'fast-check'
import { readdirSync, readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import {
  decodeField,
  delimiterOf,
  FileFormatError,
  parseFields,
  RecordReader,
  recordsOf
} from '../src/files/index.js'
import type { ImportFormat } from '../src/marketo/types.js'

/** One record as the oracle or the scanner reads it: the line where it ends, and its fields. */
interface Read {
  endLine: number
  fields: string[]
}

/**
 * The oracle: the records and fields csv-parse reads, with the line each record ends on as
 * csv-parse counts lines in the same text with CRLF written as LF (it counts the CR of a CRLF
 * inside quotes as a line of its own; editors, the scanner and Marketo's failure lines do not).
 */
function oracle(bytes: Buffer, format: ImportFormat): { records: Read[]; error: number | null } {
  const read = csvParse(bytes, format)
  const lines = csvParse(
    Buffer.from(bytes.toString('latin1').replaceAll('\r\n', '\n'), 'latin1'),
    format
  )
  return {
    records: read.records.map((record, i) => ({ ...record, endLine: lines.records[i]!.endLine })),
    error: lines.error
  }
}

/**
 * csv-parse with the options of the checks before the scanner replaced it, which
 * are the scanner's reading of RFC 4180 (stray quotes are data, rows may differ in length, empty
 * lines are not records, only LF or CRLF ends a record).
 */
function csvParse(bytes: Buffer, format: ImportFormat): { records: Read[]; error: number | null } {
  const records: Read[] = []
  try {
    parse(bytes, {
      delimiter: delimiterOf(format),
      quote: '"',
      escape: '"',
      bom: true,
      relax_quotes: true,
      relax_column_count: true,
      skip_empty_lines: true,
      record_delimiter: ['\r\n', '\n'],
      on_record: (fields: string[], context) => {
        records.push({ endLine: context.lines, fields })
        return null
      }
    })
    return { records, error: null }
  } catch (error) {
    const { code, lines } = error as { code?: string; lines?: number }
    if (code !== 'CSV_QUOTE_NOT_CLOSED') throw error
    return { records, error: lines ?? -1 }
  }
}

async function* chunksOf(bytes: Buffer, size: number): AsyncGenerator<Buffer> {
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
}

/** The scanner's reading, with the line each record ends on and where an unclosed quote opens. */
async function scanned(
  bytes: Buffer,
  format: ImportFormat,
  readBytes: number
): Promise<{ records: Read[]; lines: number; error: FileFormatError | null }> {
  const records: Read[] = []
  let error: FileFormatError | null = null
  try {
    for await (const record of recordsOf(chunksOf(bytes, readBytes), format, 'gen.csv')) {
      const text = bytes.subarray(record.start, record.end)
      const breaks = text.filter((byte) => byte === 0x0a).length
      const endsLine = text.at(-1) === 0x0a ? 1 : 0
      records.push({ endLine: record.line + breaks - endsLine, fields: record.fields })
    }
  } catch (cause) {
    if (!(cause instanceof FileFormatError)) throw cause
    error = cause
  }
  return { records, lines: bytes.filter((byte) => byte === 0x0a).length + 1, error }
}

const formats = fc.constantFrom<ImportFormat>('CSV', 'TSV', 'SSV')

/** Raw text pieces: plain and non-ASCII text, every format's separator, quotes and line breaks. */
const piece = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom('a', 'x@y.com', 'é', '漢字', '😀', ' ', '-') },
  { weight: 3, arbitrary: fc.constantFrom(',', '\t', ';', ' ') },
  { weight: 2, arbitrary: fc.constantFrom('"', '""', '"a,b"', '"l1\nl2"', '"q""q"', '"x\r\ny"') },
  { weight: 2, arbitrary: fc.constantFrom('\n', '\r\n', '\n\n') }
)

const generated = fc.record({
  format: formats,
  bom: fc.boolean(),
  pieces: fc.array(piece, { maxLength: 60 }),
  readBytes: fc.integer({ min: 1, max: 40 })
})

describe('the scanner decodes fields as csv-parse does', () => {
  it('gives the same records, fields and lines on generated files, or fails where it fails', async () => {
    await fc.assert(
      fc.asyncProperty(generated, async ({ format, bom, pieces, readBytes }) => {
        const bytes = Buffer.from((bom ? '\uFEFF' : '') + pieces.join(''))
        const expected = oracle(bytes, format)
        const actual = await scanned(bytes, format, readBytes)
        expect(actual.records).toEqual(expected.records)
        if (expected.error === null) {
          expect(actual.error).toBeNull()
          return
        }
        // Both stop at the same record; csv-parse names the line its reading stopped on, the
        // scanner the line the quote opens on: inside the record csv-parse left open.
        expect(actual.error).not.toBeNull()
        const lastEnd = expected.records.at(-1)?.endLine ?? 0
        expect(actual.error!.line).toBeGreaterThan(lastEnd)
        expect(actual.error!.line).toBeLessThanOrEqual(actual.lines)
      }),
      { numRuns: 2000 }
    )
  })

  it('gives the same fields for well-formed quoting of any value', async () => {
    const value = fc
      .array(fc.constantFrom('a', 'é', '😀', ',', '\t', ';', ' ', '"', '\n', '\r\n'), {
        maxLength: 8
      })
      .map((units) => units.join(''))
    const file = fc.record({
      format: formats,
      rows: fc.array(fc.array(value, { minLength: 1, maxLength: 4 }), {
        minLength: 1,
        maxLength: 12
      }),
      crlf: fc.boolean(),
      readBytes: fc.integer({ min: 1, max: 40 })
    })
    await fc.assert(
      fc.asyncProperty(file, async ({ format, rows, crlf, readBytes }) => {
        const delimiter = delimiterOf(format)
        const text = rows
          .map((fields) =>
            fields.map((f) => (f === '' ? f : `"${f.replaceAll('"', '""')}"`)).join(delimiter)
          )
          .join(crlf ? '\r\n' : '\n')
        const bytes = Buffer.from(text)
        expect((await scanned(bytes, format, readBytes)).records).toEqual(
          oracle(bytes, format).records
        )
      }),
      { numRuns: 500 }
    )
  })

  it('counts fields and finds one field in the scan as parseFields reads them (the checks read only the email)', () => {
    fc.assert(
      fc.property(
        generated,
        fc.integer({ min: -1, max: 6 }),
        ({ format, bom, pieces, readBytes }, at) => {
          const bytes = Buffer.from((bom ? '\uFEFF' : '') + pieces.join(''))
          const seen: Array<[number, string | undefined]> = []
          const wanted: Array<[number, string | undefined]> = []
          let header = true
          const reader: RecordReader = new RecordReader(
            format,
            (record, from, start, end) => {
              if (header) {
                // Fields are counted from the record after the header on, as the checks ask.
                header = false
                reader.fieldCounts.countFields(at)
                return
              }
              const fields = parseFields(record.subarray(from, from + end - start), format)
              wanted.push([fields.length, fields[at]])
              const { fields: count, fieldStart, fieldEnd } = reader.fieldCounts
              seen.push([
                count,
                fieldStart < 0 ? undefined : decodeField(bytes, fieldStart, fieldEnd)
              ])
            },
            'gen.csv'
          )
          try {
            for (let k = 0; k < bytes.length; k += readBytes) {
              reader.push(bytes.subarray(k, k + readBytes))
            }
            reader.finish()
          } catch (cause) {
            if (!(cause instanceof FileFormatError)) throw cause
          }
          expect(seen).toEqual(wanted)
        }
      ),
      { numRuns: 2000 }
    )
  })

  it('keeps the quotes of `""x@y.com`, so it is the same email twice, not x@y.com', async () => {
    const bytes = Buffer.from('email\n""x@y.com\n""x@y.com\nx@y.com\n""ba,aa\n')
    const { records } = await scanned(bytes, 'CSV', 1024)
    expect(records.map((r) => r.fields)).toEqual([
      ['email'],
      ['""x@y.com'],
      ['""x@y.com'],
      ['x@y.com'],
      ['""ba', 'aa']
    ])
    expect(records).toEqual(oracle(bytes, 'CSV').records)
  })
})

describe('the csv-spectrum corpus', () => {
  const corpus = dirname(createRequire(import.meta.url).resolve('csv-spectrum/package.json'))
  const names = readdirSync(join(corpus, 'csvs')).filter((name) => name.endsWith('.csv'))

  it('has its files', () => {
    expect(names.length).toBeGreaterThanOrEqual(12)
  })

  it.each(names)('%s reads as its JSON says, and as csv-parse reads it', async (name) => {
    const bytes = readFileSync(join(corpus, 'csvs', name))
    const rows = JSON.parse(
      readFileSync(join(corpus, 'json', name.replace(/\.csv$/, '.json')), 'utf8')
    ) as Record<string, string>[]
    for (const readBytes of [1, 7, 1024]) {
      const { records, error } = await scanned(bytes, 'CSV', readBytes)
      expect(error).toBeNull()
      expect(records).toEqual(oracle(bytes, 'CSV').records)
      // The corpus's JSON for this file has another phone number than its CSV (a known slip).
      if (name === 'location_coordinates.csv') continue
      const [header, ...data] = records.map((r) => r.fields)
      expect(
        data.map((fields) => Object.fromEntries(fields.map((f, i) => [header![i], f])))
      ).toEqual(rows)
    }
  })
})
