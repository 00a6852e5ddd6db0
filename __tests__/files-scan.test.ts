import { describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { LANNISTER_CSV, useTempDir } from '../__fixtures__/files/temp-files.js'
import {
  FileFormatError,
  parseFields,
  readRecords,
  scanFile,
  type SourceRecord
} from '../src/files/index.js'
import type { ImportFormat } from '../src/marketo/types.js'

const dir = useTempDir()

async function records(path: string, format: ImportFormat = 'CSV', readBytes?: number) {
  const all: SourceRecord[] = []
  for await (const record of readRecords(path, format, { readBytes })) {
    all.push(record)
  }
  return all
}

/** Every record's line and fields, header first. */
async function linesAndFields(text: string | Buffer, format: ImportFormat = 'CSV') {
  const path = await dir.write(`t-${Math.random().toString(36).slice(2)}.txt`, text)
  return (await records(path, format)).map(({ line, fields }) => ({ line, fields }))
}

describe('scanFile', () => {
  it('reads the reference page’s Lannister file: a header and 8 rows on lines 2 to 9', async () => {
    const seen: { start: number; end: number; line: number }[] = []
    const scan = await scanFile(LANNISTER_CSV, {
      format: 'CSV',
      onRecord: (start, end, line) => seen.push({ start, end, line })
    })
    const text = await readFile(LANNISTER_CSV, 'utf8')
    const firstLineLength = text.indexOf('\n') + 1
    expect(scan).toEqual({
      sizeBytes: Buffer.byteLength(text),
      bomBytes: 0,
      header: { start: 0, end: firstLineLength, line: 1 },
      rows: 8
    })
    expect(seen.map((r) => r.line)).toEqual([2, 3, 4, 5, 6, 7, 8, 9])
    expect(seen[0]?.start).toBe(firstLineLength)
    expect(seen.at(-1)?.end).toBe(Buffer.byteLength(text))
    // Records are contiguous: each ends where the next starts.
    for (let i = 1; i < seen.length; i++) expect(seen[i]?.start).toBe(seen[i - 1]?.end)
  })

  it('keeps the BOM out of the header range', async () => {
    const path = await dir.write('bom.csv', '\uFEFFemail,name\r\na@x.com,A\r\n')
    const scan = await scanFile(path, { format: 'CSV' })
    expect(scan.bomBytes).toBe(3)
    expect(scan.header).toEqual({ start: 3, end: 3 + 'email,name\r\n'.length, line: 1 })
    expect(scan.rows).toBe(1)
  })

  it('reports no header and no rows for an empty file or a BOM alone', async () => {
    expect(await scanFile(await dir.write('empty.csv', ''), { format: 'CSV' })).toEqual({
      sizeBytes: 0,
      bomBytes: 0,
      header: null,
      rows: 0
    })
    expect(await scanFile(await dir.write('bom-only.csv', '\uFEFF'), { format: 'CSV' })).toEqual({
      sizeBytes: 3,
      bomBytes: 3,
      header: null,
      rows: 0
    })
  })

  it('names the file and the line where an unclosed quote opens', async () => {
    const path = await dir.write('open-quote.csv', 'a,b\n1,2\n3,"never closed\n4,5\n6,7\n')
    const error = await scanFile(path, { format: 'CSV', displayPath: 'data/open-quote.csv' }).then(
      () => undefined,
      (e: unknown) => e
    )
    expect(error).toBeInstanceOf(FileFormatError)
    expect((error as FileFormatError).message).toBe(
      'data/open-quote.csv line 3: a quoted field starts here and is never closed (unbalanced ")'
    )
    expect((error as FileFormatError).line).toBe(3)
    expect((error as FileFormatError).file).toBe('data/open-quote.csv')
  })
})

describe('readRecords', () => {
  it('gives each record’s starting line, counting line breaks inside quotes', async () => {
    const text =
      'name,notes,score\n' +
      '"Doe, Jane","line one\nline two",1\n' +
      '"Roe ""Rick""","a\r\nb\r\nc",2\n' +
      'plain,"",3'
    expect(await linesAndFields(text)).toEqual([
      { line: 1, fields: ['name', 'notes', 'score'] },
      { line: 2, fields: ['Doe, Jane', 'line one\nline two', '1'] },
      { line: 4, fields: ['Roe "Rick"', 'a\r\nb\r\nc', '2'] },
      { line: 7, fields: ['plain', '', '3'] }
    ])
  })

  it('skips blank lines (LF or CRLF) but counts them', async () => {
    const text = '\n\r\nemail,name\n\n1@x.com,A\r\n\r\n\n2@x.com,B\n\n'
    expect(await linesAndFields(text)).toEqual([
      { line: 3, fields: ['email', 'name'] },
      { line: 5, fields: ['1@x.com', 'A'] },
      { line: 8, fields: ['2@x.com', 'B'] }
    ])
  })

  it('reads a CRLF file with a BOM and no trailing line break', async () => {
    const text = '\uFEFFemail,city\r\nj@x.com,Zürich\r\nk@x.com,"Lyon, FR"'
    expect(await linesAndFields(text)).toEqual([
      { line: 1, fields: ['email', 'city'] },
      { line: 2, fields: ['j@x.com', 'Zürich'] },
      { line: 3, fields: ['k@x.com', 'Lyon, FR'] }
    ])
  })

  it('keeps a quote inside an unquoted field as data, and a record of empty fields', async () => {
    expect(await linesAndFields('size,name\n5" screen,TV\n,\n""\n')).toEqual([
      { line: 1, fields: ['size', 'name'] },
      { line: 2, fields: ['5" screen', 'TV'] },
      { line: 3, fields: ['', ''] },
      { line: 4, fields: [''] }
    ])
  })

  it('reads TSV and SSV with their separators', async () => {
    expect(await linesAndFields('a\tb\n"x\ty"\tz,w\n', 'TSV')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x\ty', 'z,w'] }
    ])
    expect(await linesAndFields('a;b\n"x;y";z,w y\n"q\nr";""\n', 'SSV')).toEqual([
      { line: 1, fields: ['a', 'b'] },
      { line: 2, fields: ['x;y', 'z,w y'] },
      { line: 3, fields: ['q\nr', ''] }
    ])
  })

  it('gives byte ranges that cover each record and its line break', async () => {
    const text = 'h1,h2\r\n"a\nb",1\r\n\r\nc,2'
    const path = await dir.write('ranges.csv', text)
    const bytes = Buffer.from(text)
    const all = await records(path)
    expect(all.map((r) => [r.index, bytes.toString('utf8', r.start, r.end)])).toEqual([
      [0, 'h1,h2\r\n'],
      [1, '"a\nb",1\r\n'],
      [2, 'c,2']
    ])
  })

  it('finds the same records whatever the read size', async () => {
    const text =
      '\uFEFFid,"note ""quoted""",city\r\n' +
      '1,"multi\r\nline, with ""quotes""",Köln\r\n\r\n' +
      '2,"",漢字\n' +
      '3,"""",😀\n' +
      '4,"a""b""",x'
    const path = await dir.write('read-sizes.csv', text)
    const expected = await records(path)
    expect(expected.map((r) => r.line)).toEqual([1, 2, 5, 6, 7])
    for (let readBytes = 1; readBytes <= 9; readBytes++) {
      expect(await records(path, 'CSV', readBytes)).toEqual(expected)
    }
    for (let readBytes = 1; readBytes <= 9; readBytes++) {
      const lines: number[] = []
      const scan = await scanFile(path, {
        format: 'CSV',
        readBytes,
        onRecord: (_s, _e, line) => lines.push(line)
      })
      expect(lines).toEqual([2, 5, 6, 7])
      expect(scan.header).toEqual({ start: 3, end: expected[1]!.start, line: 1 })
    }
  })

  it('fails on an unbalanced quote with the line where it opens', async () => {
    const path = await dir.write('bad.csv', 'a,b\n"ok\nstill ok",1\n2,"oops\n3,4\n')
    await expect(records(path)).rejects.toThrow(
      `${path} line 4: a quoted field starts here and is never closed (unbalanced ")`
    )
  })
})

describe('parseFields', () => {
  it('parses one record’s bytes, ignoring its line break', () => {
    expect(parseFields(Buffer.from('"a,b",c,"d""e"\r\n'), 'CSV')).toEqual(['a,b', 'c', 'd"e'])
    expect(parseFields(Buffer.from('x,'), 'CSV')).toEqual(['x', ''])
    expect(parseFields(Buffer.from('"q"tail,z\n'), 'CSV')).toEqual(['"q"tail', 'z'])
  })
})
