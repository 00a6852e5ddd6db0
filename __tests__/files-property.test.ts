import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { parse } from 'csv-parse/sync'
import fc from 'fast-check'
import { makeTempDir, readSource, type TempDir } from '../__fixtures__/files/temp-files.js'
import {
  delimiterOf,
  partFileName,
  partSource,
  planFile,
  readRecords,
  type SourceRecord
} from '../src/files/index.js'
import { multipartOverheadBytes } from '../src/marketo/multipart.js'
import type { ImportFormat } from '../src/marketo/types.js'

let dir: TempDir
beforeAll(async () => {
  dir = await makeTempDir('files-property-')
})
afterAll(async () => {
  await dir.remove()
})

/** Field text: mostly plain and non-ASCII characters, often the characters CSV must quote. */
const fieldText = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom('a', 'Z', '0', 'é', 'ß', '漢', '😀', '-', '.') },
      { weight: 3, arbitrary: fc.constantFrom(',', '"', '\n', '\r\n', '\r', '\t', ' ') }
    ),
    { maxLength: 12 }
  )
  .map((units) => units.join(''))

const lineEnd = fc.constantFrom('\n', '\r\n')

const generatedFile = fc.integer({ min: 1, max: 4 }).chain((columns) =>
  fc.record({
    format: fc.constantFrom<ImportFormat>('CSV', 'CSV', 'TSV', 'SSV'),
    header: fc.array(fieldText, { minLength: columns, maxLength: columns }),
    leadingBlankLines: fc.array(lineEnd, { maxLength: 1 }),
    headerEnd: lineEnd,
    headerBlankLinesAfter: fc.array(lineEnd, { maxLength: 1 }),
    rows: fc.array(
      fc.record({
        fields: fc.array(fieldText, { minLength: columns, maxLength: columns }),
        end: lineEnd,
        blankLinesAfter: fc.array(lineEnd, { maxLength: 2 })
      }),
      { maxLength: 40 }
    ),
    quoteAll: fc.boolean(),
    bom: fc.boolean(),
    trailingLineBreak: fc.boolean(),
    slack: fc.nat({ max: 400 }),
    readBytes: fc.integer({ min: 1, max: 64 })
  })
)

type GeneratedFile = typeof generatedFile extends fc.Arbitrary<infer T> ? T : never

function serializeField(
  value: string,
  delimiter: string,
  quoteAll: boolean,
  alone: boolean
): string {
  const mustQuote = /["\r\n]/.test(value) || value.includes(delimiter) || (alone && value === '')
  return quoteAll || mustQuote ? `"${value.replaceAll('"', '""')}"` : value
}

/** The file's text, each record's serialized text, and the line where each record starts. */
function serialize(file: GeneratedFile): { text: string; records: string[]; lines: number[] } {
  const delimiter = delimiterOf(file.format)
  const record = (fields: string[]): string =>
    fields
      .map((f) => serializeField(f, delimiter, file.quoteAll, fields.length === 1))
      .join(delimiter)
  let text = (file.bom ? '\uFEFF' : '') + file.leadingBlankLines.join('')
  const records: string[] = []
  const lines: number[] = []
  let line = 1 + file.leadingBlankLines.length
  const append = (recordText: string, tail: string): void => {
    lines.push(line)
    records.push(recordText)
    text += recordText + tail
    line += (recordText + tail).split('\n').length - 1
  }
  const headerOnly = file.rows.length === 0 && !file.trailingLineBreak
  append(
    record(file.header),
    headerOnly ? '' : file.headerEnd + file.headerBlankLinesAfter.join('')
  )
  file.rows.forEach((row, i) => {
    const last = i === file.rows.length - 1
    append(
      record(row.fields),
      last && !file.trailingLineBreak ? '' : row.end + row.blankLinesAfter.join('')
    )
  })
  return { text, records, lines }
}

function parseCsv(body: Buffer, format: ImportFormat): string[][] {
  return parse(body, {
    delimiter: delimiterOf(format),
    record_delimiter: ['\r\n', '\n'],
    skip_empty_lines: true,
    relax_column_count: true
  }) as string[][]
}

describe('splitting any generated file', () => {
  it('gives back every record, in order, with its starting line, in parts within chunk-size', async () => {
    let run = 0
    await fc.assert(
      fc.asyncProperty(generatedFile, async (file) => {
        const { text, records, lines } = serialize(file)
        const name = `gen-${run++}.${file.format.toLowerCase()}`
        const path = await dir.write(name, text)
        const headerBytes = Buffer.byteLength(records[0]! + file.headerEnd)
        const largestRecord = Math.max(
          0,
          ...file.rows.map((row, i) => Buffer.byteLength(records[i + 1]! + row.end))
        )
        const overheadBound = multipartOverheadBytes(
          partFileName(name, 10 ** 9, 10 ** 9),
          file.format
        )
        const chunkSizeBytes = headerBytes + largestRecord + overheadBound + file.slack

        const plan = await planFile(path, {
          format: file.format,
          chunkSizeBytes,
          readBytes: file.readBytes
        })
        expect(plan.rows).toBe(file.rows.length)
        expect(plan.sizeBytes).toBe(Buffer.byteLength(text))
        expect(plan.parts.reduce((sum, part) => sum + part.rows, 0)).toBe(file.rows.length)

        // Every part, uploaded and parsed by an independent CSV parser, holds the header and
        // then its records; together they are the original records.
        const rowsBack: string[][] = []
        let rowIndex = 0
        for (const part of plan.parts) {
          const source = partSource(part, plan.header)
          const body = await readSource(source)
          expect(body.length).toBe(source.byteLength)
          expect(
            source.byteLength + multipartOverheadBytes(source.filename, file.format)
          ).toBeLessThanOrEqual(chunkSizeBytes)
          const [header, ...partRows] = parseCsv(body, file.format)
          expect(header).toEqual(file.header)
          expect(partRows).toHaveLength(part.rows)
          expect(part.firstLine).toBe(lines[rowIndex + 1])
          rowIndex += part.rows
          rowsBack.push(...partRows)
        }
        expect(rowsBack).toEqual(file.rows.map((row) => row.fields))

        // readRecords finds the same records, each at its true starting line.
        const read: SourceRecord[] = []
        for await (const record of readRecords(path, file.format, {
          readBytes: file.readBytes
        })) {
          read.push(record)
        }
        expect(read.map((r) => r.fields)).toEqual([
          file.header,
          ...file.rows.map((row) => row.fields)
        ])
        expect(read.map((r) => r.line)).toEqual(lines)
        expect(read.map((r) => r.index)).toEqual(lines.map((_, i) => i))
      }),
      { numRuns: 100 }
    )
  })
})
