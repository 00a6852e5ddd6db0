import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { makeTempDir, type TempDir } from '../__fixtures__/files/temp-files.js'
import { planFile, type FilePlan } from '../src/files/index.js'
import { formatBytes } from '../src/format.js'
import { MARKETO_MAX_BODY_BYTES } from '../src/marketo/multipart.js'
import { capAnnotations } from '../src/validate/annotations.js'
import { preflight, type PreflightOptions } from '../src/validate/preflight.js'

let dir: TempDir
beforeAll(async () => {
  dir = await makeTempDir('validate-preflight-')
})
afterAll(async () => {
  await dir.remove()
})

async function planned(
  name: string,
  content: string | Buffer,
  chunkSizeBytes = 10_000_000
): Promise<FilePlan> {
  const path = await dir.write(name, content)
  return planFile(path, { format: 'CSV', chunkSizeBytes, displayPath: name })
}

function options(plans: FilePlan[], overrides: Partial<PreflightOptions> = {}): PreflightOptions {
  return {
    plans,
    problems: [],
    workspace: dir.path,
    format: 'auto',
    chunkSizeBytes: 10_000_000,
    dryRun: true,
    ...overrides
  }
}

describe('the checks before anything is sent', () => {
  it('passes a clean file on, with nothing found', async () => {
    const plan = await planned('clean.csv', 'firstName,email\nAnn,a@x.com\nBo,b@x.com\n')
    const result = await preflight(options([plan]))
    expect(result.plans).toEqual([plan])
    expect(result.problems).toEqual([])
    expect(result.summary).toMatchObject({ errors: 0, warnings: 0, notices: 0, warnedRows: 0 })
    expect(result.annotations).toEqual([])
  })

  it('holds back a file with errors, counting its rows as not submitted with the first error', async () => {
    const plan = await planned(
      'errors.csv',
      'firstName,email\nAnn,a@x.com\nBo,\nCy,c@x.com,extra\nDi,d@x\n'
    )
    const result = await preflight(options([plan], { dryRun: false }))
    expect(result.plans).toEqual([])
    expect(result.problems).toEqual([
      {
        displayPath: 'errors.csv',
        rows: 4,
        line: 3,
        message:
          '2 errors in the file, the first on line 3: empty email: Marketo fails a row without ' +
          'one; it was not submitted'
      }
    ])
    expect(result.summary.rejectedFiles).toEqual(['errors.csv'])
    // An import annotates the errors only: Marketo reports its own warnings.
    expect(result.annotations.map((a) => [a.kind, a.line])).toEqual([
      ['error', 3],
      ['error', 4]
    ])
    expect(result.summary.kinds.map((k) => [k.kind, k.count])).toEqual([
      ['field-count', 1],
      ['empty-email', 1],
      ['invalid-email', 1]
    ])
  })

  it('names both lines of a duplicate email, within a file and across files', async () => {
    const a = await planned('a.csv', 'email\nann@x.com\nbo@x.com\nANN@x.com \n')
    const b = await planned('b.csv', 'email\nbo@x.com\n')
    const result = await preflight(options([b, a]))
    expect(result.findings.map((f) => [f.file, f.line, f.message, f.related])).toEqual([
      [
        'a.csv',
        4,
        "same email as line 2; Marketo keeps one member per email, the later row's values win",
        { file: 'a.csv', line: 2 }
      ],
      [
        'b.csv',
        2,
        "same email as a.csv line 3; Marketo keeps one member per email, the later row's values win",
        { file: 'a.csv', line: 3 }
      ]
    ])
    expect(result.summary.warnedRows).toBe(2)
    expect(result.plans).toHaveLength(2)
  })

  it('finds two rows with the email `""x@y.com` to be duplicates, as it does for x@y.com', async () => {
    // The checks and the duplicate pass once decoded this field two ways, and found nothing.
    const plan = await planned('quoted.csv', 'email\n""x@y.com\nx@y.com\n""x@y.com\n')
    const result = await preflight(options([plan]))
    expect(
      result.findings.filter((f) => f.kind === 'duplicate-email').map((f) => [f.line, f.related])
    ).toEqual([[4, { file: 'quoted.csv', line: 2 }]])
  })

  it('notes a file that will be split, and warns on a record Marketo cannot take', async () => {
    const rows = Array.from({ length: 30 }, (_, i) => `P${i},p${i}@x.com\n`).join('')
    const split = await planned('split.csv', `firstName,email\n${rows}`, 400)
    const huge = await dir.write(
      'huge.csv',
      `firstName,email\n"${'x'.repeat(MARKETO_MAX_BODY_BYTES)}",h@x.com\n`
    )
    const result = await preflight(
      options([split], {
        chunkSizeBytes: 400,
        problems: [{ displayPath: 'huge.csv', rows: 0, line: 2, message: 'too large' }]
      })
    )
    expect(huge).toContain('huge.csv')
    expect(result.findings.map((f) => [f.kind, f.file, f.line])).toEqual([
      ['record-too-large', 'huge.csv', 2],
      ['split', 'split.csv', null]
    ])
    expect(result.findings[1]!.message).toBe(
      `will be sent in ${split.parts.length} parts of at most ${formatBytes(400)} (chunk-size), each with the header, split between records`
    )
    // The discovery's problem keeps its message and gains the file's rows.
    expect(result.problems).toEqual([
      { displayPath: 'huge.csv', rows: 1, line: 2, message: 'too large' }
    ])
    // Its line was annotated by the discovery already.
    expect(result.annotations.map((a) => a.file)).toEqual(['split.csv'])
  })

  it('with changed-since, checks only the selected rows but always the whole file', async () => {
    const plan = await planned(
      'changed.csv',
      'First Name,email\nAnn,\nBo,b@x.com\nCy,b@x.com\nDi,d@x\n'
    )
    const result = await preflight(
      options([plan], {
        selection: { ref: 'main', selectedLines: new Map([[plan.path, new Set([4])]]) }
      })
    )
    // Line 2's empty email is old news; line 4 repeats an unchanged email; the header is checked.
    expect(result.findings.map((f) => [f.kind, f.line])).toEqual([
      ['header-name', 1],
      ['duplicate-email', 4]
    ])
    expect(result.plans).toEqual([plan])
    expect(result.summary.changedSince).toBe('main')
  })
})

describe('files the discovery could not plan', () => {
  it('checks one with a line (classic Mac OS line breaks here), and leaves a binary one be', async () => {
    await dir.write('mac.csv', 'firstName,email\rAnn,a@x.com\r')
    await dir.write('binary.csv', Buffer.from([0x50, 0x4b, 0x03, 0x04, 0x00, 0x00]))
    const binary = { displayPath: 'binary.csv', rows: 0, message: 'is not a text file' }
    const result = await preflight(
      options([], {
        problems: [
          {
            displayPath: 'mac.csv',
            rows: 0,
            line: 1,
            message: 'its lines end with a carriage return alone'
          },
          binary
        ]
      })
    )
    expect(result.findings.map((f) => [f.kind, f.file, f.line])).toEqual([
      ['line-breaks', 'mac.csv', 1]
    ])
    expect(result.problems).toEqual([
      binary,
      expect.objectContaining({ displayPath: 'mac.csv', line: 1, rows: 0 })
    ])
    // The discovery annotated mac.csv line 1 already.
    expect(result.annotations).toEqual([])
  })
})

describe('annotation caps', () => {
  it('keeps 8 of each kind and one notice for the rest', () => {
    const many = (kind: 'error' | 'warning', n: number) =>
      Array.from({ length: n }, (_, i) => ({
        kind,
        message: `${kind} ${i}`,
        file: 'a.csv',
        line: i + 1
      }))
    const capped = capAnnotations([...many('error', 11), ...many('warning', 9)], 'the job summary')
    expect(capped.filter((a) => a.kind === 'error')).toHaveLength(8)
    expect(capped.filter((a) => a.kind === 'warning')).toHaveLength(8)
    expect(capped.at(-1)).toEqual({
      kind: 'notice',
      title: 'More in the report',
      message:
        '3 more errors, 1 more warning are listed with their files and lines in the job summary'
    })
  })
})
