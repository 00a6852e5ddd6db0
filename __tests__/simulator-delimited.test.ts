import { describe, expect, it } from '@jest/globals'
import { parseDelimited, parseFormat, serializeDelimited } from '../simulator/delimited.js'
import { multipartBoundary, parseMultipart } from '../simulator/multipart.js'
import { checkRows } from '../simulator/rows.js'

const fields = (text: string, delimiter = ','): string[][] =>
  parseDelimited(text, delimiter).map((record) => record.fields)

describe('parseDelimited', () => {
  it('does not add a record for a trailing line break, and skips empty lines', () => {
    expect(fields('a,b\n1,2\n')).toEqual([
      ['a', 'b'],
      ['1', '2']
    ])
    expect(fields('a,b\r\n\r\n1,2\r\n\n')).toEqual([
      ['a', 'b'],
      ['1', '2']
    ])
    expect(fields('')).toEqual([])
    expect(fields('\n\n')).toEqual([])
  })

  it('reads quoted delimiters, line breaks and doubled quotes, and ignores a leading BOM', () => {
    expect(fields('\uFEFFa,"b,c","d\r\ne","f""g",""\n')).toEqual([
      ['a', 'b,c', 'd\r\ne', 'f"g', '']
    ])
  })

  it('keeps empty fields, and reads TSV and SSV', () => {
    expect(fields(',,\n')).toEqual([['', '', '']])
    expect(fields('a\tb c\n', '\t')).toEqual([['a', 'b c']])
    expect(fields('a;"b;c" d;e\n', ';')).toEqual([['a', 'b;c d', 'e']])
  })

  it('gives each record the line it starts on', () => {
    const records = parseDelimited('h\n"x\ny"\n\nz\n', ',')
    expect(records.map((record) => record.line)).toEqual([1, 2, 5])
  })

  it('reads an unclosed quote to the end of the input', () => {
    expect(fields('a,"b\nc')).toEqual([['a', 'b\nc']])
  })
})

describe('serializeDelimited', () => {
  it('quotes only fields that need it and ends without a line break', () => {
    expect(serializeDelimited([['a', 'b,c', 'say "hi"', 'x\ny', ' pad']], ',')).toBe(
      'a,"b,c","say ""hi""","x\ny"," pad"'
    )
    expect(serializeDelimited([['a b', 'c']], ' ')).toBe('"a b" c')
    expect(serializeDelimited([['a,b', 'c']], '\t')).toBe('a,b\tc')
  })

  it('round-trips through parseDelimited', () => {
    const records = [
      ['email', 'note'],
      ['a@b.com', 'multi\r\nline, "quoted"']
    ]
    expect(fields(serializeDelimited(records, ','))).toEqual(records)
  })
})

describe('parseFormat', () => {
  it('accepts the three formats in any case', () => {
    expect(['csv', 'TSV', 'Ssv', 'xls', undefined].map(parseFormat)).toEqual([
      'CSV',
      'TSV',
      'SSV',
      undefined,
      undefined
    ])
  })
})

describe('checkRows', () => {
  it('matches email and leadScore columns case-insensitively and accepts signed integers', () => {
    const result = checkRows('EMAIL,LeadScore\na@b.co,-5\nc@d.co,+7\ne@f.co,1.5\n', ',')
    expect(result.imported).toBe(2)
    expect(result.failures.map((f) => [f.line, f.reason])).toEqual([
      [4, 'Invalid data type in field Lead Score']
    ])
  })
})

describe('multipart', () => {
  it('reads the boundary, quoted or not', () => {
    expect(multipartBoundary('multipart/form-data; boundary=abc')).toBe('abc')
    expect(multipartBoundary('multipart/form-data; boundary="a b"')).toBe('a b')
    expect(multipartBoundary('text/csv')).toBeUndefined()
  })

  it("parses the reference page's request body", () => {
    const boundary = '--------------------------118046853683028616211319'
    const body = Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="format"\r\n\r\ncsv\r\n` +
        `--${boundary}\r\nContent-Disposition: form-data; name="file"; filename="Lead-House-Lannister.csv"\r\n` +
        `Content-Type: text/csv\r\n\r\nemail\r\na@b.com\r\n\r\n--${boundary}--\r\n`
    )
    expect(parseMultipart(body, boundary)).toEqual([
      { name: 'format', content: Buffer.from('csv') },
      {
        name: 'file',
        filename: 'Lead-House-Lannister.csv',
        contentType: 'text/csv',
        content: Buffer.from('email\r\na@b.com\r\n')
      }
    ])
  })

  it('refuses a body without its closing boundary', () => {
    const body = Buffer.from('--b\r\nContent-Disposition: form-data; name="file"\r\n\r\nemail\r\n')
    expect(parseMultipart(body, 'b')).toBeUndefined()
  })
})
