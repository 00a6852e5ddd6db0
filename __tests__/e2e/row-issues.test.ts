import { describe, expect, it } from '@jest/globals'
import { readFile, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { annotations, runAction, type ActionRun } from '../../scripts/run-action.js'
import { outputDir, readReport, readSample, simulatorInputs, useSimulator } from './harness.js'

const LANNISTER = await readSample('Lead-House-Lannister.csv')
const HEADER = 'firstName,lastName,email,title,company,leadScore\r\n'
const AERYS =
  'Aerys,Targaryen,Aerys@Targaryen.com,Targaryen,House Targaryen,TEXT_VALUE_IN_INTEGER_FIELD\r\n'
/**
 * The reference page's failing row comes after a record whose quoted field holds a line break,
 * so it starts on line 4 of the file although it is the third record. CRLF line breaks.
 */
const TARGARYEN =
  HEADER +
  'Daenerys,Targaryen,Daenerys@Targaryen.com,Targaryen,House Targaryen,10\r\n' +
  'Rhaenyra,Targaryen,Rhaenyra@Targaryen.com,"Queen,\r\nof the Seven Kingdoms",House Targaryen,7\r\n' +
  AERYS +
  'Rhaegar,Targaryen,Rhaegar.Targaryen.com,Targaryen,House Targaryen,5\r\n'

const sim = useSimulator()

function importBoth(overrides: Record<string, string> = {}): Promise<ActionRun> {
  return runAction({
    inputs: simulatorInputs(sim(), { files: 'lists/*.csv', ...overrides }),
    files: { 'lists/lannister.csv': LANNISTER, 'lists/targaryen.csv': TARGARYEN }
  })
}

describe('failed and warned rows, back to their source', () => {
  it('reports each failed and warned row at its file and line, with a fix-and-retry file', async () => {
    const run = await importBoth({ 'max-failed-rows': '1' })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({
      'rows-total': '12',
      'rows-submitted': '12',
      'rows-imported': '11',
      'rows-failed': '1',
      'rows-warned': '1',
      'rows-not-submitted': '0'
    })

    const found = annotations(run.stdout)
    expect(found.filter((a) => a.kind === 'error')).toEqual([
      {
        kind: 'error',
        props: {
          title: 'Invalid data type in field Lead Score',
          file: 'lists/targaryen.csv',
          line: '5'
        },
        message: expect.stringContaining('did not import')
      }
    ])
    expect(found.filter((a) => a.kind === 'warning')).toEqual([
      {
        kind: 'warning',
        props: { title: 'Invalid email address', file: 'lists/targaryen.csv', line: '6' },
        message: expect.stringContaining('with a warning')
      }
    ])

    const dir = outputDir(run)
    const fix = await readFile(join(dir, 'fix-and-retry/lists/targaryen.csv'), 'utf8')
    expect(fix).toBe(HEADER + AERYS)
    const files = await readdir(dir)
    const failures = files.find((f) => f.endsWith('.failures.csv'))!
    expect(await readFile(join(dir, failures), 'utf8')).toContain(
      'Invalid data type in field Lead Score'
    )

    const report = await readReport(run)
    expect(report.failures).toEqual([
      expect.objectContaining({
        file: 'lists/targaryen.csv',
        line: 5,
        reason: 'Invalid data type in field Lead Score'
      })
    ])
    expect(report.warnings).toEqual([
      expect.objectContaining({
        file: 'lists/targaryen.csv',
        line: 6,
        reason: 'Invalid email address'
      })
    ])
    expect(report.totals.rowsTotal).toBe(
      report.totals.rowsImported + report.totals.rowsFailed + report.totals.rowsNotSubmitted
    )
    expect(run.summary).toContain(
      '| Invalid data type in field Lead Score | 1 | `lists/targaryen.csv:5` |'
    )
    // A passing step still says what it let through.
    expect(run.summary).toContain('- 1 row failed, limit 1: within the limit')
    expect(run.stdout).toContain('1 row imported with a warning, limit none: within the limit')
    // Personal data stays out of logs and the summary.
    for (const text of [run.stdout, run.summary]) {
      expect(text).not.toMatch(
        /Aerys@Targaryen\.com|Rhaegar\.Targaryen\.com|TEXT_VALUE_IN_INTEGER_FIELD/i
      )
    }
  })

  it.each([
    ['0', 1, '1 row failed, limit 0: failing the step'],
    ['1', 0, undefined],
    ['10%', 0, undefined],
    ['5%', 1, '1 row failed, limit 5% of 12 submitted rows (0): failing the step']
  ])('follows max-failed-rows %s exactly', async (limit, code, line) => {
    const run = await importBoth({ 'max-failed-rows': limit })
    expect(run.code).toBe(code)
    expect(run.outputs['rows-failed']).toBe('1')
    if (line) {
      // Workflow commands escape % as %25.
      expect(run.stdout).toContain(`::error::${line.replace(/%/g, '%25')}`)
      expect(run.summary).toContain(line)
    }
    // Outputs and the report exist whatever the verdict.
    expect(run.outputs['report-path']).toBeTruthy()
  })

  it('fails on warnings past max-warning-rows', async () => {
    const run = await importBoth({ 'max-failed-rows': '1', 'max-warning-rows': '0' })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('1 row imported with a warning, limit 0: failing the step')
  })

  it('counts every row of a job that ended Failed as failed, with Marketo’s message', async () => {
    sim().addFault({
      on: 'submit',
      nth: 2,
      fault: { kind: 'jobFails', message: 'Import failed: internal error' }
    })
    const run = await importBoth({ 'max-concurrent-jobs': '1', 'max-failed-rows': '100' })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({
      'rows-total': '12',
      'rows-imported': '8',
      'rows-failed': '4'
    })
    expect(run.stdout).toMatch(
      /::error::1 import job ended Failed, first lists\/targaryen\.csv \(batch \d+\): Import failed: internal error/
    )
    const fix = await readFile(join(outputDir(run), 'fix-and-retry/lists/targaryen.csv'), 'utf8')
    expect(fix).toBe(TARGARYEN)
    const report = await readReport(run)
    expect(report.failures.map((f: { line: number }) => f.line)).toEqual([2, 3, 5, 6])
    expect(new Set(report.failures.map((f: { reason: string }) => f.reason))).toEqual(
      new Set(['Import failed: internal error'])
    )
  })
})
