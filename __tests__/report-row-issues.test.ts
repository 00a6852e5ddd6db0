import { describe, expect, it } from '@jest/globals'
import { mkdtemp, readFile, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { partFileName, planFile } from '../src/files/index.js'
import { multipartOverheadBytes } from '../src/marketo/multipart.js'
import type { JobResult } from '../src/jobs/types.js'
import { traceRowIssues } from '../src/report/row-issues.js'

async function setup(source: string, chunkSizeBytes = 10_000_000) {
  const dir = await mkdtemp(join(tmpdir(), 'mpmi-trace-'))
  const path = join(dir, 'leads.csv')
  await writeFile(path, source)
  const plan = await planFile(path, {
    format: 'CSV',
    chunkSizeBytes,
    displayPath: 'lists/leads.csv'
  })
  return { dir, plan }
}

function completed(partIndex: number, plan: Awaited<ReturnType<typeof setup>>['plan']): JobResult {
  const part = plan.parts[partIndex]!
  return {
    part,
    outcome: 'Complete',
    batchId: 2000 + partIndex,
    imported: part.rows,
    failed: 0,
    warned: 0,
    message: '',
    uncertainResubmits: 0
  }
}

describe('traceRowIssues', () => {
  it('keeps identical rows in different parts apart, and duplicates within a part in order', async () => {
    const row = 'a@x.com,Ann,TEXT\n'
    const source = 'email,firstName,leadScore\n' + row + 'b@x.com,Bob,1\n' + row + row + row
    // Room for the header and two records per part, besides the multipart framing.
    const framing = multipartOverheadBytes(
      partFileName('leads.csv', source.length, source.length),
      'CSV'
    )
    const { dir, plan } = await setup(source, framing + 26 + 2 * row.length)
    expect(plan.parts.length).toBeGreaterThan(1)
    // Marketo failed the duplicates of the last part only.
    const last = plan.parts.length - 1
    const results = plan.parts.map((_, i) => completed(i, plan))
    const failures = join(dir, 'failures.csv')
    const lastRows = plan.parts[last]!.rows
    await writeFile(
      failures,
      'email,firstName,leadScore,Import Failure Reason\n' +
        Array.from(
          { length: lastRows },
          () => 'a@x.com,Ann,TEXT,Invalid data type in field Lead Score'
        ).join('\n')
    )
    Object.assign(results[last]!, { failuresFile: failures, imported: 0, failed: lastRows })
    const issues = await traceRowIssues(results, [plan], {
      outputDir: join(dir, 'out'),
      scratchDir: dir
    })
    const lines = issues.failures.first.map((f) => f.line)
    const firstLineOfLast = plan.parts[last]!.firstLine
    expect(lines).toEqual(Array.from({ length: lastRows }, (_, i) => firstLineOfLast + i))
    expect(issues.failures.first.every((f) => f.batchId === 2000 + last)).toBe(true)
  })

  it('keeps a row that matches no source record, with no line, rather than dropping it', async () => {
    const { dir, plan } = await setup('email,leadScore\na@x.com,TEXT\n')
    const result = completed(0, plan)
    const failures = join(dir, 'failures.csv')
    await writeFile(
      failures,
      'email,leadScore,Import Failure Reason\nchanged@x.com,TEXT,Invalid data type in field Lead Score\n'
    )
    Object.assign(result, { failuresFile: failures, imported: 0, failed: 1 })
    const issues = await traceRowIssues([result], [plan], {
      outputDir: join(dir, 'out'),
      scratchDir: dir
    })
    expect(issues.failures.first).toEqual([
      {
        file: 'lists/leads.csv',
        line: null,
        batchId: 2000,
        part: 1,
        reason: 'Invalid data type in field Lead Score'
      }
    ])
    // Nothing matched, so the fix file has only the header.
    expect(issues.fixFiles[0]!.rows).toBe(0)
  })

  it('writes the failing records byte for byte, even the last one without a line break', async () => {
    const source = 'email,note\r\na@x.com,"multi\r\nline"\r\nb@x.com,ok\r\nc@x.com,"last"'
    const { dir, plan } = await setup(source)
    const result = completed(0, plan)
    const failures = join(dir, 'failures.csv')
    await writeFile(
      failures,
      'email,note,Import Failure Reason\na@x.com,"multi\r\nline",Reason A\nc@x.com,last,Reason C'
    )
    Object.assign(result, { failuresFile: failures, imported: 1, failed: 2 })
    const issues = await traceRowIssues([result], [plan], {
      outputDir: join(dir, 'out'),
      scratchDir: dir
    })
    expect(issues.failures.first.map((f) => [f.line, f.reason])).toEqual([
      [2, 'Reason A'],
      [5, 'Reason C']
    ])
    const fix = await readFile(issues.fixFiles[0]!.path, 'utf8')
    expect(fix).toBe('email,note\r\na@x.com,"multi\r\nline"\r\nc@x.com,"last"')
  })
})
