import { describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { basename } from 'node:path'
import { LANNISTER_CSV, readSource, useTempDir } from '../__fixtures__/files/temp-files.js'
import {
  FileFormatError,
  partFileName,
  partSource,
  planFile,
  readRecords,
  type FilePlan
} from '../src/files/index.js'
import { MARKETO_MAX_BODY_BYTES, multipartOverheadBytes } from '../src/marketo/multipart.js'

const dir = useTempDir()

/** The whole multipart body size Marketo receives for a part. */
function uploadBytes(plan: FilePlan, index: number): number {
  const part = plan.parts[index]!
  const name = partFileName(basename(plan.path), part.index, part.count)
  return part.bytes + multipartOverheadBytes(name, plan.format)
}

async function bodies(plan: FilePlan): Promise<Buffer[]> {
  return Promise.all(plan.parts.map((part) => readSource(partSource(part, plan.header))))
}

/** A CSV with quoted commas, quoted LF and CRLF breaks, doubled quotes and non-ASCII text. */
function sampleCsv(rows: number): { text: string; lines: number[] } {
  let text = 'email,firstName,notes\r\n'
  let line = 2
  const lines: number[] = []
  for (let i = 0; i < rows; i++) {
    lines.push(line)
    const notes =
      i % 3 === 0 ? `"first ${i}\nsecond, ""two""\r\nthird"` : i % 3 === 1 ? `"Zoë, ${i}"` : `n${i}`
    text += `p${i}@example.com,Jón ${i},${notes}\r\n`
    line += i % 3 === 0 ? 3 : 1
  }
  return { text, lines }
}

describe('planFile', () => {
  it('sends the Lannister file whole: one part, 8 rows from line 2, the body equal to the file', async () => {
    const plan = await planFile(LANNISTER_CSV, {
      format: 'CSV',
      chunkSizeBytes: MARKETO_MAX_BODY_BYTES
    })
    const file = await readFile(LANNISTER_CSV)
    expect(plan.rows).toBe(8)
    expect(plan.sizeBytes).toBe(file.length)
    expect(plan.parts).toHaveLength(1)
    expect(plan.parts[0]).toMatchObject({ index: 1, count: 1, rows: 8, firstLine: 2 })
    const source = partSource(plan.parts[0]!, plan.header)
    expect(source.filename).toBe('Lead-House-Lannister.csv')
    expect(source.byteLength).toBe(file.length)
    expect(await readSource(source)).toEqual(file)
  })

  it('cuts a file into parts within chunk-size, each with the header, none losing a byte', async () => {
    const { text, lines } = sampleCsv(200)
    const path = await dir.write('leads.csv', text)
    const chunkSizeBytes = 1500
    const plan = await planFile(path, {
      format: 'CSV',
      chunkSizeBytes,
      displayPath: 'in/leads.csv'
    })
    const file = Buffer.from(text)
    const header = file.subarray(plan.header.start, plan.header.end)
    expect(header.toString()).toBe('email,firstName,notes\r\n')
    expect(plan.rows).toBe(200)
    expect(plan.parts.length).toBeGreaterThan(5)
    expect(plan.parts.reduce((sum, part) => sum + part.rows, 0)).toBe(200)

    const recordEnds = new Map<number, number>()
    for await (const record of readRecords(path, 'CSV')) recordEnds.set(record.start, record.end)
    const partBodies = await bodies(plan)
    let rowIndex = 0
    plan.parts.forEach((part, i) => {
      expect(part).toMatchObject({
        index: i + 1,
        count: plan.parts.length,
        displayPath: 'in/leads.csv'
      })
      expect(uploadBytes(plan, i)).toBeLessThanOrEqual(chunkSizeBytes)
      expect(part.bytes).toBe(header.length + part.byteEnd - part.byteStart)
      expect(partBodies[i]!.length).toBe(part.bytes)
      expect(partBodies[i]!.subarray(0, header.length)).toEqual(header)
      expect(part.firstLine).toBe(lines[rowIndex])
      rowIndex += part.rows
      // Greedy: the next record would not have fitted. (Planning reserves the framing of the
      // longest possible part name, a few bytes more than this one's.)
      const next = plan.parts[i + 1]
      if (next !== undefined) {
        const nextRecord = recordEnds.get(next.byteStart)! - next.byteStart
        expect(uploadBytes(plan, i) + nextRecord).toBeGreaterThan(chunkSizeBytes - 20)
      }
    })
    // The parts' ranges, in order, are exactly the file after its header.
    const joined = Buffer.concat(partBodies.map((body) => body.subarray(header.length)))
    expect(joined).toEqual(file.subarray(plan.header.end))
    expect(plan.parts[0]!.byteStart).toBe(plan.header.end)
    plan.parts.slice(1).forEach((part, i) => expect(part.byteStart).toBe(plan.parts[i]!.byteEnd))
    expect(partSource(plan.parts[1]!, plan.header).filename).toBe(
      `leads.part-2-of-${plan.parts.length}.csv`
    )
  })

  it('maps each part’s first line to the line readRecords gives its first record', async () => {
    const { text } = sampleCsv(60)
    const path = await dir.write('lines.csv', text)
    const plan = await planFile(path, { format: 'CSV', chunkSizeBytes: 900 })
    const lineAt = new Map<number, number>()
    for await (const record of readRecords(path, 'CSV')) lineAt.set(record.start, record.line)
    for (const part of plan.parts) expect(part.firstLine).toBe(lineAt.get(part.byteStart))
  })

  it('leaves blank lines at a cut out of both parts', async () => {
    const text = 'a,b\n\n1,2\n\n\n3,4\n\n'
    const path = await dir.write('blanks.csv', text)
    const header = 4
    const overhead = multipartOverheadBytes(partFileName('blanks.csv', 99, 99), 'CSV')
    const plan = await planFile(path, { format: 'CSV', chunkSizeBytes: header + 4 + overhead + 2 })
    expect(plan.rows).toBe(2)
    expect(plan.parts.map((p) => [p.byteStart, p.byteEnd, p.firstLine, p.rows])).toEqual([
      [5, 9, 3, 1],
      [11, 15, 6, 1]
    ])
    expect((await bodies(plan)).map(String)).toEqual(['a,b\n1,2\n', 'a,b\n3,4\n'])
  })

  it('sends a last record without a line break as it is', async () => {
    const path = await dir.write('no-eol.csv', 'email\r\nx@y.com\r\nz@y.com')
    const plan = await planFile(path, { format: 'CSV', chunkSizeBytes: 2000 })
    expect(plan.rows).toBe(2)
    expect((await bodies(plan)).map(String)).toEqual(['email\r\nx@y.com\r\nz@y.com'])
    const split = await planFile(path, {
      format: 'CSV',
      chunkSizeBytes: multipartOverheadBytes(partFileName('no-eol.csv', 99, 99), 'CSV') + 18
    })
    expect((await bodies(split)).map(String)).toEqual(['email\r\nx@y.com\r\n', 'email\r\nz@y.com'])
    expect(split.parts.map((p) => p.firstLine)).toEqual([2, 3])
  })

  it('leaves the BOM out of every part', async () => {
    const path = await dir.write('bom.tsv', '\uFEFFemail\tname\n1@x\tA\n2@x\tB\n')
    const plan = await planFile(path, {
      format: 'TSV',
      chunkSizeBytes: multipartOverheadBytes(partFileName('bom.tsv', 99, 99), 'TSV') + 20
    })
    expect(plan.header).toEqual({ start: 3, end: 14 })
    expect((await bodies(plan)).map(String)).toEqual([
      'email\tname\n1@x\tA\n',
      'email\tname\n2@x\tB\n'
    ])
  })

  it('plans no part for an empty file, a BOM alone, or a header alone', async () => {
    const cases: [string, string, { start: number; end: number }][] = [
      ['empty.csv', '', { start: 0, end: 0 }],
      ['bom-only.csv', '\uFEFF', { start: 3, end: 3 }],
      ['header.csv', 'email,name\n', { start: 0, end: 11 }],
      ['header-no-eol.csv', 'email,name', { start: 0, end: 10 }],
      ['header-blank-lines.csv', 'email,name\r\n\r\n\n', { start: 0, end: 12 }]
    ]
    for (const [name, text, header] of cases) {
      const plan = await planFile(await dir.write(name, text), {
        format: 'CSV',
        chunkSizeBytes: 1000
      })
      expect({ name, rows: plan.rows, parts: plan.parts, header: plan.header }).toEqual({
        name,
        rows: 0,
        parts: [],
        header
      })
    }
  })

  it('refuses a file with classic Mac OS line breaks instead of calling it header-only', async () => {
    const path = await dir.write('mac.csv', 'email,name\r1@x.com,A\r2@x.com,B\r')
    await expect(planFile(path, { format: 'CSV', chunkSizeBytes: 1000 })).rejects.toThrow(
      `${path} line 1: its lines end with a carriage return alone (classic Mac OS); save it with LF or CRLF line breaks`
    )
  })

  it('names the file and line of a record too large for chunk-size', async () => {
    const text = 'email,notes\n' + 'a@x,short\n' + `b@x,"${'y'.repeat(300)}\n${'z'.repeat(10)}"\n`
    const path = await dir.write('big.csv', text)
    const error = await planFile(path, {
      format: 'CSV',
      chunkSizeBytes: 250,
      displayPath: 'lists/big.csv'
    }).catch((e: unknown) => e)
    expect(error).toBeInstanceOf(FileFormatError)
    expect((error as FileFormatError).message).toBe(
      'lists/big.csv line 3: one record is 318 bytes, larger than chunk-size 250 bytes; ' +
        'raise chunk-size (Marketo accepts up to 10 MiB, 10,485,760 bytes)'
    )
    expect((error as FileFormatError).line).toBe(3)
  })

  it('counts the header and the multipart framing when a record alone is under chunk-size', async () => {
    const path = await dir.write('tight.csv', `email\n${'a'.repeat(100)}\n`)
    await expect(planFile(path, { format: 'CSV', chunkSizeBytes: 150 })).rejects.toThrow(
      /^.*tight\.csv line 2: one record is 101 bytes; with the header \(6 bytes\) and the upload's multipart framing \(\d+ bytes\) it is larger than chunk-size 150 bytes; raise chunk-size/
    )
  })

  it('says Marketo cannot import a record over its 10 MB limit', async () => {
    const record = Math.round(12.3 * 1024 * 1024)
    const path = await dir.write('huge.csv', `notes\nsmall\n"${'x'.repeat(record - 3)}"\n`)
    await expect(
      planFile(path, {
        format: 'CSV',
        chunkSizeBytes: MARKETO_MAX_BODY_BYTES,
        displayPath: 'huge.csv'
      })
    ).rejects.toThrow(
      'huge.csv line 3: one record is 12.9 MB, larger than chunk-size 10.5 MB; Marketo cannot import it'
    )
  })

  it('rejects a chunk size that is not a positive whole number', async () => {
    await expect(planFile(LANNISTER_CSV, { format: 'CSV', chunkSizeBytes: 0 })).rejects.toThrow(
      RangeError
    )
    await expect(planFile(LANNISTER_CSV, { format: 'CSV', chunkSizeBytes: 1.5 })).rejects.toThrow(
      RangeError
    )
  })
})

describe('partSource', () => {
  it('streams exactly byteLength bytes, again on every open()', async () => {
    const { text } = sampleCsv(3000)
    const path = await dir.write('stream.csv', text)
    const plan = await planFile(path, { format: 'CSV', chunkSizeBytes: 100_000 })
    expect(plan.parts.length).toBeGreaterThan(1)
    const file = Buffer.from(text)
    const header = file.subarray(plan.header.start, plan.header.end)
    for (const part of plan.parts) {
      const source = partSource(part, plan.header)
      expect(source.byteLength).toBe(part.bytes)
      const first = await readSource(source)
      expect(first.length).toBe(source.byteLength)
      expect(first).toEqual(Buffer.concat([header, file.subarray(part.byteStart, part.byteEnd)]))
      expect(await readSource(source)).toEqual(first)
    }
  })

  it('takes the filename it is given', () => {
    const part = {
      path: '/data/x.csv',
      displayPath: 'x.csv',
      format: 'CSV' as const,
      index: 1,
      count: 1,
      byteStart: 10,
      byteEnd: 20,
      bytes: 20,
      rows: 1,
      firstLine: 2
    }
    expect(partSource(part, { start: 0, end: 10 }, 'renamed.csv').filename).toBe('renamed.csv')
  })

  it('refuses a part that does not come after the header', () => {
    const part = {
      path: '/data/x.csv',
      displayPath: 'x.csv',
      format: 'CSV' as const,
      index: 1,
      count: 1,
      byteStart: 5,
      byteEnd: 20,
      bytes: 25,
      rows: 1,
      firstLine: 2
    }
    expect(() => partSource(part, { start: 0, end: 10 })).toThrow(RangeError)
  })
})
