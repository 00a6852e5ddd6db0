import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { makeTempDir, type TempDir } from '../__fixtures__/files/temp-files.js'
import { delimiterOf, parseFields, readRecords } from '../src/files/index.js'
import type { ImportFormat } from '../src/marketo/types.js'
import { parseChecked } from '../src/validate/parse.js'
import { firstInvalidByte, Utf8Checker } from '../src/validate/utf8.js'

let dir: TempDir
beforeAll(async () => {
  dir = await makeTempDir('validate-parse-')
})
afterAll(async () => {
  await dir.remove()
})

interface Read {
  index: number
  line: number
  start: number
  end: number
  fields: string[]
}

async function parsed(
  name: string,
  content: string | Buffer,
  format: ImportFormat = 'CSV',
  readBytes?: number
): Promise<{ records: Read[]; result: Awaited<ReturnType<typeof parseChecked>> }> {
  const path = await dir.write(name, content)
  const records: Read[] = []
  // The bytes are the reader's only while the visit runs: the test decodes them then.
  const result = await parseChecked(
    path,
    format,
    (index, bytes, from, start, end, line) => {
      const fields = parseFields(bytes.subarray(from, from + end - start), format)
      records.push({ index, line, start, end, fields })
    },
    { readBytes }
  )
  return { records, result }
}

describe('reading a file with the scanner that plans the parts', () => {
  it('gives each record its fields, starting line and byte range', async () => {
    const text =
      '\uFEFFfirstName,email\r\n' +
      'Ann,"a@x.com"\r\n' +
      '\r\n' +
      '"Multi\r\nline",b@x.com\r\n' +
      'Cy,c@x.com'
    const { records, result } = await parsed('basic.csv', text, 'CSV', 3)
    expect(records.map((r) => [r.index, r.line, r.fields])).toEqual([
      [0, 1, ['firstName', 'email']],
      [1, 2, ['Ann', 'a@x.com']],
      [2, 4, ['Multi\r\nline', 'b@x.com']],
      [3, 6, ['Cy', 'c@x.com']]
    ])
    const bytes = Buffer.from(text)
    expect(bytes.subarray(records[2]!.start, records[2]!.end).toString()).toBe(
      '"Multi\r\nline",b@x.com\r\n'
    )
    expect(result).toEqual({
      sizeBytes: bytes.length,
      records: 4,
      utf8: null,
      unclosedQuote: null,
      unclosedQuoteError: null,
      bomBytes: 3
    })
  })

  it('finds an unclosed quote at the line where it opens', async () => {
    const { records, result } = await parsed(
      'unclosed.csv',
      'firstName,email\nAnn,a@x.com\n"Bo,b@x.com\nCy,c@x.com\n'
    )
    expect(records).toHaveLength(2)
    expect(result.unclosedQuote).toEqual({ line: 3 })
  })

  it('finds the first byte that is not UTF-8, and its line', async () => {
    const latin1 = Buffer.concat([
      Buffer.from('firstName,email\nAnn,a@x.com\nJos'),
      Buffer.from([0xe9]),
      Buffer.from(',j@x.com\n')
    ])
    const { records, result } = await parsed('latin1.csv', latin1, 'CSV', 5)
    expect(records).toHaveLength(3)
    expect(result.utf8).toEqual({ offset: 31, line: 3, utf16: false })
  })

  it('says when a file is UTF-16', async () => {
    const utf16 = Buffer.concat([Buffer.from([0xff, 0xfe]), Buffer.from('email\n', 'utf16le')])
    const { result } = await parsed('utf16.csv', utf16)
    expect(result.utf8).toEqual({ offset: 0, line: 1, utf16: true })
  })

  it('agrees with readRecords on any generated file, at any read size', async () => {
    const field = fc
      .array(fc.constantFrom('a', 'é', '😀', ',', '"', '\n', '\r\n', '\t', ' ', ';'), {
        maxLength: 8
      })
      .map((units) => units.join(''))
    const file = fc.record({
      format: fc.constantFrom<ImportFormat>('CSV', 'TSV', 'SSV'),
      rows: fc.array(fc.array(field, { minLength: 1, maxLength: 3 }), {
        minLength: 1,
        maxLength: 20
      }),
      blank: fc.array(fc.boolean(), { maxLength: 20 }),
      crlf: fc.boolean(),
      bom: fc.boolean(),
      readBytes: fc.integer({ min: 1, max: 32 })
    })
    let run = 0
    await fc.assert(
      fc.asyncProperty(file, async ({ format, rows, blank, crlf, bom, readBytes }) => {
        const delimiter = delimiterOf(format)
        const end = crlf ? '\r\n' : '\n'
        const text =
          (bom ? '\uFEFF' : '') +
          rows
            .map(
              (fields, i) =>
                fields
                  .map((f) =>
                    /["\r\n]/.test(f) || f.includes(delimiter) || (fields.length === 1 && f === '')
                      ? `"${f.replaceAll('"', '""')}"`
                      : f
                  )
                  .join(delimiter) + (blank[i] ? end + end : end)
            )
            .join('')
        const { records, result } = await parsed(`gen-${run++}.txt`, text, format, readBytes)
        expect(result.unclosedQuote).toBeNull()
        const path = `${dir.path}/gen-${run - 1}.txt`
        const expected = []
        for await (const record of readRecords(path, format, { readBytes })) expected.push(record)
        expect(records.map((r) => [r.line, r.start, r.end])).toEqual(
          expected.map((r) => [r.line, r.start, r.end])
        )
        expect(records.map((r) => r.fields)).toEqual(rows)
      }),
      { numRuns: 150 }
    )
  })
})

describe('the UTF-8 check', () => {
  it('accepts a sequence cut between two chunks', () => {
    const bytes = Buffer.from('a😀é\nb')
    for (let cut = 0; cut <= bytes.length; cut++) {
      const checker = new Utf8Checker()
      checker.push(bytes.subarray(0, cut))
      checker.push(bytes.subarray(cut))
      expect(checker.finish()).toBeNull()
    }
  })

  it('refuses a sequence the file ends in the middle of', () => {
    const checker = new Utf8Checker()
    checker.push(Buffer.from('ab\n'))
    checker.push(Buffer.from([0xf0, 0x9f]))
    expect(checker.finish()).toEqual({ offset: 3, line: 2, utf16: false })
  })

  it.each([
    [[0x41, 0xc0, 0x80], 1], // overlong
    [[0xed, 0xa0, 0x80], 0], // surrogate
    [[0xf4, 0x90, 0x80, 0x80], 0], // past U+10FFFF
    [[0x41, 0x80], 1], // lone continuation byte
    [[0xe2, 0x82, 0xac, 0x41], 4] // valid: the euro sign, then A
  ])('finds the first invalid byte of %j at %i', (bytes, at) => {
    expect(firstInvalidByte(Buffer.from(bytes))).toBe(at)
  })
})
