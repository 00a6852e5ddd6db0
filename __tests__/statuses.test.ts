import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import fc from 'fast-check'
import { makeTempDir, type TempDir } from '../__fixtures__/files/temp-files.js'
import { sourceOfPart } from '../src/changes/source.js'
import { encodeRecord, parseFields, planFile, type FilePlan } from '../src/files/index.js'
import type { JobPart } from '../src/jobs/types.js'
import type { ImportFormat } from '../src/marketo/types.js'
import {
  groupFileByStatus,
  MAX_STATUSES,
  statusRegrouper,
  StatusGroups
} from '../src/statuses/group.js'
import { heldStatusAnnotations, judgeStatuses, submitOrder } from '../src/statuses/order.js'
import { sentValues, splitRecord, withoutField } from '../src/statuses/reencode.js'

let dir: TempDir
beforeAll(async () => {
  dir = await makeTempDir('statuses-')
})
afterAll(async () => {
  await dir.remove()
})

const sent = (record: string, at: number, format: ImportFormat = 'CSV'): string =>
  splitRecord(Buffer.from(record), format, at).sent

async function collect(chunks: AsyncIterable<Buffer>): Promise<string> {
  const out: Buffer[] = []
  for await (const chunk of chunks) out.push(chunk)
  return Buffer.concat(out).toString('utf8')
}

/** `text` in chunks of `size` bytes, as a file read with a small read size gives it. */
async function* chunked(text: string, size: number): AsyncGenerator<Buffer> {
  const bytes = Buffer.from(text)
  for (let at = 0; at < bytes.length; at += size) yield bytes.subarray(at, at + size)
}

describe('a record sent without its status field', () => {
  it.each([
    ['first', 'Attended,ann@example.com,Ann\n', 0, 'ann@example.com,Ann\n'],
    ['in the middle', 'ann@example.com,Attended,Ann\n', 1, 'ann@example.com,Ann\n'],
    ['last', 'ann@example.com,Ann,Attended\n', 2, 'ann@example.com,Ann\n'],
    ['last without a line break', 'ann@example.com,Attended', 1, 'ann@example.com'],
    ['with CRLF', 'ann@example.com,Attended,Ann\r\n', 1, 'ann@example.com,Ann\r\n']
  ])('status %s', (_where, record, at, expected) => {
    expect(sent(record, at)).toBe(expected)
    expect(splitRecord(Buffer.from(record), 'CSV', at).status).toBe('Attended')
  })

  it('keeps the quotes a value needs: the delimiter, a quote, a line break', () => {
    const record = '"Smith, Ann","No Show","say ""hi""","two\nlines",plain\r\n'
    expect(sent(record, 1)).toBe('"Smith, Ann","say ""hi""","two\nlines",plain\r\n')
    expect(splitRecord(Buffer.from(record), 'CSV', 1).status).toBe('No Show')
  })

  it('drops quotes no value needs any more, and trims the status', () => {
    expect(sent('"ann@example.com"," Registered ",Ann\n', 1)).toBe('ann@example.com,Ann\n')
    expect(splitRecord(Buffer.from('a," Registered ",b\n'), 'CSV', 1).status).toBe('Registered')
  })

  it('quotes by the format: a comma is plain in TSV, a tab is quoted', () => {
    expect(sent('Smith, Ann\tAttended\tx\ty\n', 1, 'TSV')).toBe('Smith, Ann\tx\ty\n')
    expect(sent('"a\tb"\tAttended\n', 1, 'TSV')).toBe('"a\tb"\n')
  })

  it('sends a lone empty value as "", never as a blank line that is no record', () => {
    expect(sent(',Attended\n', 1)).toBe('""\n')
    expect(parseFields(Buffer.from('""\n'), 'CSV')).toEqual([''])
  })

  it('streams records cut anywhere by the reads, each re-encoded', async () => {
    const records = 'a,Attended,"x\ny"\r\n"b,c",Registered,z\r\nd,Invited,"q""q"'
    const expected = 'a,"x\ny"\r\n"b,c",z\r\nd,"q""q"'
    for (const size of [1, 2, 3, 7, 64]) {
      expect(await collect(withoutField(chunked(records, size), 'CSV', 1, 'f.csv'))).toBe(expected)
    }
  })
})

/** Field text: plain and non-ASCII characters, often the ones CSV must quote. */
const fieldText = fc
  .array(
    fc.oneof(
      { weight: 5, arbitrary: fc.constantFrom('a', 'Z', '0', 'é', '漢', '😀', '-') },
      { weight: 3, arbitrary: fc.constantFrom(',', '"', '\n', '\r\n', '\r', '\t', ';', ' ') }
    ),
    { maxLength: 10 }
  )
  .map((units) => units.join(''))

/** A record as a file may write it: every value quoted, or only the ones that need it. */
function written(fields: string[], format: ImportFormat, quoteAll: boolean, end: string): string {
  if (!quoteAll) return encodeRecord(fields, format, end)
  const delimiter = format === 'TSV' ? '\t' : format === 'SSV' ? ';' : ','
  return fields.map((value) => `"${value.replace(/"/g, '""')}"`).join(delimiter) + end
}

describe('re-encoding, for any records', () => {
  it('decodes to the original fields minus the status column, streamed in any reads', async () => {
    await fc.assert(
      fc.asyncProperty(
        fc.integer({ min: 2, max: 5 }).chain((columns) =>
          fc.record({
            format: fc.constantFrom<ImportFormat>('CSV', 'TSV', 'SSV'),
            at: fc.integer({ min: 0, max: columns - 1 }),
            rows: fc.array(fc.array(fieldText, { minLength: columns, maxLength: columns }), {
              minLength: 1,
              maxLength: 12
            }),
            quoteAll: fc.boolean(),
            end: fc.constantFrom('\n', '\r\n'),
            readBytes: fc.integer({ min: 1, max: 40 })
          })
        ),
        async ({ format, at, rows, quoteAll, end, readBytes }) => {
          const file = rows.map((fields) => written(fields, format, quoteAll, end)).join('')
          const out = await collect(withoutField(chunked(file, readBytes), format, at, 'f'))
          // Read back record by record with the one decoder: the values, minus the column.
          const expected = rows.map((fields) => sentValues(fields, at))
          const encoded = expected.map((fields) => encodeRecord(fields, format, end)).join('')
          expect(out).toBe(encoded)
          for (const fields of expected) {
            const record = encodeRecord(fields, format, end)
            expect(parseFields(Buffer.from(record), format)).toEqual(fields)
          }
        }
      ),
      { numRuns: 300 }
    )
  })
})

async function planned(name: string, text: string, chunkSizeBytes = 10_000_000): Promise<FilePlan> {
  const path = join(dir.path, name)
  await writeFile(path, text)
  return planFile(path, { format: 'CSV', chunkSizeBytes, displayPath: name })
}

const WEBINAR =
  'email,status,firstName\n' +
  'ann@example.com,Attended,Ann\n' +
  'bob@example.com,Registered,"Bob, Jr."\n' +
  'cy@example.com,,Cy\n' +
  'dee@example.com,Attended,Dee\n'

const options = {
  column: 'status',
  programId: '1044',
  chunkSizeBytes: 10_000_000,
  renames: new Map()
}

describe('grouping a file by status', () => {
  it('makes a part per status in the order the file gives them, and holds the rows without one', async () => {
    const plan = await planned('webinar.csv', WEBINAR)
    const grouped = await groupFileByStatus(plan, options)
    const parts = grouped.plan.parts as JobPart[]
    expect(
      parts.map((part) => [
        part.target?.programMemberStatus,
        'rows' in part && part.rows,
        part.held !== undefined
      ])
    ).toEqual([
      ['Attended', 2, false],
      ['Registered', 1, false],
      [undefined, 1, true]
    ])
    expect(parts.map((part) => [part.index, part.count])).toEqual([
      [1, 3],
      [2, 3],
      [3, 3]
    ])
    expect(parts[2]?.held).toContain('1 row with an empty status in column "status" (line 4)')
    expect(grouped.plan.rows).toBe(4)
    expect(grouped.plan.statusColumn).toEqual({ name: 'status', at: 1 })
    expect(grouped.findings).toEqual([
      expect.objectContaining({ kind: 'empty-status', file: 'webinar.csv', line: 4 })
    ])
    expect(grouped.statuses).toEqual([
      { status: 'Attended', rows: 2, lines: [2, 5] },
      { status: 'Registered', rows: 1, lines: [3] }
    ])
  })

  it('uploads each part as the header and its records without the column, sized exactly', async () => {
    const plan = await planned('upload.csv', WEBINAR)
    const { plan: grouped } = await groupFileByStatus(plan, options)
    const header = Buffer.from('email,firstName\n')
    const bodies = await Promise.all(
      grouped.parts.slice(0, 2).map(async (part) => {
        const source = sourceOfPart(part, grouped.header, header)
        const body = await collect(source.open() as Readable)
        expect(Buffer.byteLength(body)).toBe(source.byteLength)
        return body
      })
    )
    expect(bodies).toEqual([
      'email,firstName\nann@example.com,Ann\ndee@example.com,Dee\n',
      'email,firstName\nbob@example.com,"Bob, Jr."\n'
    ])
  })

  it('packs the parts of a status within chunk-size as they are sent, without the column', async () => {
    const rows = Array.from(
      { length: 40 },
      (_, i) => `u${i}@example.com,${i % 2 ? 'Attended' : 'Registered'},${'N'.repeat(40)}\n`
    )
    const plan = await planned('many.csv', 'email,status,firstName\n' + rows.join(''))
    const chunkSizeBytes = 700
    const { plan: grouped } = await groupFileByStatus(plan, { ...options, chunkSizeBytes })
    expect(grouped.parts.length).toBeGreaterThan(2)
    expect(grouped.parts.reduce((total, part) => total + part.rows, 0)).toBe(40)
    for (const part of grouped.parts) {
      // The records as sent: the file's bytes less the status and its delimiter.
      const inFile = (part.ranges ?? []).reduce((total, r) => total + r.end - r.start, 0)
      const statusBytes = (part as JobPart).target?.programMemberStatus.length ?? 0
      expect(part.leftOut?.recordBytes).toBe(inFile - part.rows * (statusBytes + 1))
      expect(part.bytes).toBeLessThanOrEqual(chunkSizeBytes)
    }
  })

  it('finds the column by the name columns gives it, and groups the selected lines only', async () => {
    const plan = await planned('renamed.csv', WEBINAR.replace('status', 'Stage'))
    const grouped = await groupFileByStatus(plan, {
      ...options,
      renames: new Map([['Stage', 'status']]),
      selected: (line) => line !== 2
    })
    expect(grouped.plan.parts.map((part) => part.rows)).toEqual([1, 1, 1])
    expect(grouped.statuses.map((s) => [s.status, s.lines])).toEqual([
      ['Registered', [3]],
      ['Attended', [5]]
    ])
  })

  it('refuses a file without the column, naming it and the closest header', async () => {
    const plan = await planned('nostatus.csv', WEBINAR)
    await expect(groupFileByStatus(plan, { ...options, column: 'Status ' })).rejects.toThrow(
      'status-column: "Status " names no column of nostatus.csv; its closest header is "status"'
    )
  })

  it('refuses a column with more values than a channel has statuses', async () => {
    const rows = Array.from({ length: MAX_STATUSES + 1 }, (_, i) => `u${i}@example.com,S${i},N\n`)
    const plan = await planned('wrong.csv', 'email,status,firstName\n' + rows.join(''))
    await expect(statusRegrouper(options)(plan)).rejects.toThrow(
      `holds ${MAX_STATUSES + 1} different values in wrong.csv`
    )
  })
})

describe('the pure grouping core', () => {
  it('keeps the first lines of each status and counts the rest', () => {
    const groups = new StatusGroups()
    for (let line = 2; line < 40; line++) groups.add('', { line, start: line, end: line + 1 })
    expect(groups.emptyRows.rows).toBe(38)
    expect(groups.emptyRows.lines).toHaveLength(20)
  })
})

const CHANNEL = {
  name: 'Webinar',
  statuses: ['Invited', 'Registered', 'Attended'].map((name, step) => ({
    name,
    step: step + 1,
    success: false,
    hidden: false
  }))
}

describe('the order of submits', () => {
  const part = (status: string, firstLine: number): JobPart =>
    ({
      path: '/w/a.csv',
      displayPath: 'a.csv',
      format: 'CSV',
      index: firstLine,
      count: 4,
      byteStart: 0,
      byteEnd: 1,
      bytes: 1,
      rows: 2,
      firstLine,
      target: { programId: '1', programMemberStatus: status }
    }) as JobPart

  it('submits by progression step, file order within a step, and holds an unknown status', () => {
    const parts = [
      part('Attended', 2),
      part('Registered', 3),
      part('attended', 4),
      part('Attended', 9)
    ]
    const judged = judgeStatuses(['Attended', 'Registered', 'attended'], CHANNEL, 'status')
    const ordered = submitOrder(parts, new Map([['1', judged]]))
    expect(
      ordered.map((p) => [p.target?.programMemberStatus, 'firstLine' in p && p.firstLine])
    ).toEqual([
      ['Registered', 3],
      ['Attended', 2],
      ['Attended', 9],
      ['attended', 4]
    ])
    expect(ordered[3]?.held).toBe(
      'not submitted: status "attended" of column "status" is not a status of the channel "Webinar": ' +
        'did you mean `Attended`? Its statuses are `Invited`, `Registered`, `Attended`; 2 rows, first on line 4'
    )
  })

  it('annotates each part it holds back at its file and first line, and no other part', () => {
    const parts = [part('Attended', 2), part('Atended', 5), part('Atended', 8)]
    parts[2] = { ...(parts[2] as JobPart), held: 'held by the checks already' }
    const judged = judgeStatuses(['Attended', 'Atended'], CHANNEL, 'status')
    const annotations = heldStatusAnnotations(parts, submitOrder(parts, new Map([['1', judged]])))
    expect(annotations).toEqual([
      expect.objectContaining({ kind: 'error', file: 'a.csv', line: 5 })
    ])
    expect(annotations[0]?.message).toContain('did you mean `Attended`?')
    expect(annotations[0]?.message).toContain('first on line 5')
  })

  it('keeps file order without word from the channel', () => {
    const parts = [part('Attended', 2), part('Registered', 3)]
    expect(submitOrder(parts, undefined)).toBe(parts)
  })

  it('never shows a value that looks like an email address', () => {
    const judged = judgeStatuses(['ann@example.com'], CHANNEL, 'email')
    expect([...judged.unknown.values()][0]).not.toContain('ann@example.com')
  })
})
