/** Marketo's failures and warnings files: read in bounded memory, checked, never guessed at. */
import { describe, expect, it } from '@jest/globals'
import { createWriteStream } from 'node:fs'
import { mkdtemp, readdir, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { once } from 'node:events'
import { planFile } from '../src/files/index.js'
import type { JobResult } from '../src/jobs/types.js'
import { buildReport } from '../src/report/build.js'
import {
  MAX_MARKETO_RECORD_BYTES,
  readMarketoRows,
  UnreadableFileError,
  type PendingRows
} from '../src/report/marketo-rows.js'
import { reportJsonChunks } from '../src/report/report-json.js'
import {
  discardRowIssues,
  eachRowIssue,
  LISTED_ROWS,
  MAX_REASONS,
  RowIssueLog
} from '../src/report/row-issue-list.js'
import { traceRowIssues } from '../src/report/row-issues.js'

const HEADER = ['email', 'leadScore']

async function scratch(): Promise<string> {
  return mkdtemp(join(tmpdir(), 'mpmi-marketo-rows-'))
}

async function fileOf(text: string): Promise<string> {
  const path = join(await scratch(), 'failures.csv')
  await writeFile(path, text)
  return path
}

async function read(text: string, keep = 100): Promise<{ rows: number; into: PendingRows }> {
  const into: PendingRows = new Map()
  const { rows } = await readMarketoRows(await fileOf(text), 'CSV', HEADER, 'failures', keep, into)
  return { rows, into }
}

describe('readMarketoRows', () => {
  it('reads the rows by their values, with a reason each, counting past what it keeps', async () => {
    const text =
      'email,leadScore,Import Failure Reason\n' +
      'a@x.com,TEXT,Invalid data type\n' +
      ' a@x.com ,TEXT,Invalid data type\n' +
      'b@x.com,1,\n'
    const { rows, into } = await read(text, 2)
    expect(rows).toBe(3)
    expect([...into.entries()]).toEqual([
      ['a@x.com\u0000TEXT', ['Invalid data type', 'Invalid data type']]
    ])
    const all = await read(text)
    expect(all.into.get('b@x.com\u00001')).toEqual(['no reason given'])
  })

  it.each([
    [
      'a column too many',
      'email,leadScore,extra,Import Failure Reason\na@x.com,TEXT,,x\n',
      /header has 4 columns/
    ],
    [
      'the columns swapped',
      'leadScore,email,Import Failure Reason\nTEXT,a@x.com,x\n',
      /column 1 of its header/
    ],
    [
      'another last column',
      'email,leadScore,Reason\na@x.com,TEXT,x\n',
      /last column is not "Import Failure Reason"/
    ],
    ['nothing at all', '', /the file is empty/]
  ])('refuses a file with %s', async (_, text, message) => {
    await expect(read(text)).rejects.toThrow(UnreadableFileError)
    await expect(read(text)).rejects.toThrow(message)
  })

  it('refuses an unbalanced quote at its line', async () => {
    const text = 'email,leadScore,Import Failure Reason\n"a@x.com,TEXT,Invalid\nb@x.com,1,Other\n'
    await expect(read(text)).rejects.toThrow(
      'line 2: a quoted field starts here and is never closed (unbalanced ")'
    )
  })

  it('stops inside a record that runs past the bound instead of holding the rest of the file', async () => {
    const path = join(await scratch(), 'failures.csv')
    const out = createWriteStream(path)
    out.write('email,leadScore,Import Failure Reason\n"')
    const block = Buffer.alloc(1024 * 1024, 0x61)
    for (let written = 0; written < MAX_MARKETO_RECORD_BYTES + 4 * block.length;) {
      if (!out.write(block)) await once(out, 'drain')
      written += block.length
    }
    out.end()
    await once(out, 'close')
    const failure = readMarketoRows(path, 'CSV', HEADER, 'failures', 10, new Map())
    await expect(failure).rejects.toThrow(/a record is longer than 11 MiB from byte 38 on/)
  })
})

describe('tracing checks each file against its counts', () => {
  async function traced(failures: string, counted: number) {
    const dir = await scratch()
    const path = join(dir, 'leads.csv')
    await writeFile(path, 'email,leadScore\na@x.com,TEXT\nb@x.com,2\nc@x.com,TEXT\n')
    const plan = await planFile(path, {
      format: 'CSV',
      chunkSizeBytes: 1e7,
      displayPath: 'leads.csv'
    })
    const result: JobResult = {
      part: plan.parts[0]!,
      outcome: 'Complete',
      batchId: 1040,
      imported: 3 - counted,
      failed: counted,
      warned: 0,
      message: '',
      uncertainResubmits: 0,
      failuresFile: await fileOf(failures)
    }
    const issues = await traceRowIssues([result], [plan], {
      outputDir: join(dir, 'out'),
      scratchDir: dir
    })
    return { issues, dir }
  }
  const head = 'email,leadScore,Import Failure Reason\n'

  it('says when the file has fewer rows than numOfRowsFailed', async () => {
    const { issues } = await traced(head + 'a@x.com,TEXT,Invalid\n', 2)
    expect(issues.problems).toEqual([
      {
        batchId: 1040,
        part: 'leads.csv',
        kind: 'failures',
        message: "the file has 1 rows, but Marketo's status counts 2 (numOfRowsFailed)"
      }
    ])
    expect(issues.failures.first.map((f) => f.line)).toEqual([2])
  })

  it('keeps no row of a file it cannot read, and removes its scratch files', async () => {
    const { issues, dir } = await traced(
      'leadScore,email,Import Failure Reason\na@x.com,TEXT,x\n',
      1
    )
    expect(issues.problems.map((p) => p.message)).toEqual([
      expect.stringMatching(/^cannot be read: column 1/)
    ])
    expect(issues.failures.rows).toBe(0)
    await discardRowIssues(issues)
    expect((await readdir(dir)).filter((name) => name.startsWith('marketo-import-rows-'))).toEqual(
      []
    )
  })
})

describe('rows past what memory keeps', () => {
  it('are all in report.json, in order, while memory keeps the first and the reasons', async () => {
    const dir = await scratch()
    const log = new RowIssueLog(join(dir, 'failures.jsonl'))
    const total = LISTED_ROWS * 3
    for (let i = 0; i < total; i++) {
      await log.add({
        file: 'a.csv',
        line: i + 2,
        batchId: 1040,
        part: 1,
        reason: `reason ${i % (MAX_REASONS + 50)}`
      })
    }
    const list = await log.close()
    expect(list.rows).toBe(total)
    expect(list.first).toHaveLength(LISTED_ROWS)
    expect(list.reasons).toHaveLength(MAX_REASONS)
    expect(list.reasons.reduce((sum, group) => sum + group.rows, 0) + list.otherReasonRows).toBe(
      total
    )
    const lines: number[] = []
    for await (const issue of eachRowIssue(list)) lines.push(issue.line as number)
    expect(lines).toEqual(Array.from({ length: total }, (_, i) => i + 2))

    const report = buildReport({
      mode: 'import',
      inputs: {
        programId: '1001',
        programMemberStatus: 'On List',
        maxFailedRows: { kind: 'count', count: 0 },
        maxWarningRows: undefined,
        timeoutMs: 60_000
      },
      plans: [],
      fileProblems: [],
      outcome: { results: [] },
      rowIssues: {
        failures: list,
        warnings: await new RowIssueLog(join(dir, 'w')).close(),
        fixFiles: [],
        problems: []
      },
      apiCalls: 0,
      elapsedMs: 0
    })
    let text = ''
    for await (const chunk of reportJsonChunks(report, eachRowIssue)) text += chunk
    const parsed = JSON.parse(text) as {
      failures: { line: number }[]
      warnings: unknown[]
      passed: boolean
    }
    expect(parsed.failures.map((f) => f.line)).toEqual(lines)
    expect(parsed.warnings).toEqual([])
    expect(parsed.passed).toBe(true)
  })
})
