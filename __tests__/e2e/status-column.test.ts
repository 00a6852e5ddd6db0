/**
 * status-column with the built action: each row imported with the status its column gives, the
 * column never uploaded, the parts of each status in the channel's order, and a row whose status
 * is empty or unknown reported at its line and not submitted, the numbers adding up.
 */
import { describe, expect, it } from '@jest/globals'
import { runAction } from '../../scripts/run-action.js'
import { readFile } from 'node:fs/promises'
import { join } from 'node:path'
import { callsOf, outputDir, readReport, simulatorInputs, useSimulator } from './harness.js'

const sim = useSimulator()

/** Three statuses, not in their channel's order, one value quoted for its comma. */
const MIXED =
  'email,status,firstName\r\n' +
  'ann@example.com,Attended,Ann\r\n' +
  'bob@example.com,Registered,"Bob, Jr."\r\n' +
  'cy@example.com,Invited,Cy\r\n' +
  'dee@example.com,Attended,"Dee ""D"""\r\n' +
  'eve@example.com,Registered,Eve\r\n'

function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return simulatorInputs(sim(), {
    files: '*.csv',
    'program-member-status': undefined,
    'status-column': 'status',
    ...overrides
  })
}

interface Result {
  file: string
  rows: number
  status: string
  message: string
  'program-member-status'?: string
}

describe('status-column', () => {
  it('imports every row with its own status, one job per status, Invited before Registered before Attended', async () => {
    const run = await runAction({ inputs: inputs(), files: { 'webinar.csv': MIXED } })
    expect(run.code).toBe(0)
    expect(run.outputs['rows-total']).toBe('5')
    expect(run.outputs['rows-imported']).toBe('5')
    expect(run.outputs['rows-not-submitted']).toBe('0')
    expect(Object.fromEntries(sim().members('1001'))).toEqual({
      'ann@example.com': 'Attended',
      'bob@example.com': 'Registered',
      'cy@example.com': 'Invited',
      'dee@example.com': 'Attended',
      'eve@example.com': 'Registered'
    })
    const submits = callsOf(sim(), 'submit')
    expect(submits.map((call) => call.query['programMemberStatus'])).toEqual([
      'Invited',
      'Registered',
      'Attended'
    ])
    // The column is not uploaded: the simulator would flag a column that is no field.
    const uploaded = submits.map((call) => call.upload?.content.toString('utf8') ?? '').join('\n')
    expect(uploaded).not.toContain('status')
    expect(uploaded).not.toContain('Attended')
    expect(uploaded).toContain('"Bob, Jr."')
    expect(uploaded).toContain('"Dee ""D"""')
    const results = JSON.parse(run.outputs['results'] ?? '[]') as Result[]
    expect(results.map((r) => [r['program-member-status'], r.rows])).toEqual([
      ['Invited', 1],
      ['Registered', 2],
      ['Attended', 2]
    ])
  })

  it('reports a row with an empty status at its line, holds it back and imports the others', async () => {
    const file = MIXED + 'fay@example.com,,Fay\r\n'
    const run = await runAction({ inputs: inputs(), files: { 'webinar.csv': file } })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/::error title=[^,]*,file=webinar\.csv,line=7::empty status/)
    expect(sim().members('1001').has('fay@example.com')).toBe(false)
    expect(sim().members('1001').size).toBe(5)
    expect(run.outputs['rows-total']).toBe('6')
    expect(run.outputs['rows-imported']).toBe('5')
    expect(run.outputs['rows-not-submitted']).toBe('1')
    const report = await readReport(run)
    expect(report.totals).toMatchObject({
      rowsTotal: 6,
      rowsSubmitted: 5,
      rowsImported: 5,
      rowsNotSubmitted: 1
    })
    const held = (report.parts as Result[]).find((r) => r.status === 'NotSubmitted')
    expect(held).toMatchObject({ rows: 1, firstLine: 7 })
    expect(held?.message).toContain('(line 7)')
    const checks = report.checks as { findings: { kind: string; line: number }[] }
    expect(checks.findings).toContainEqual(
      expect.objectContaining({ kind: 'empty-status', line: 7 })
    )
    expect(run.summary).toContain('1 row not submitted')
  })

  it('holds back the rows of a status the channel does not know, naming the one it may mean', async () => {
    const file = MIXED + 'gus@example.com,attended,Gus\r\n'
    const run = await runAction({ inputs: inputs(), files: { 'webinar.csv': file } })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('did you mean `Attended`?')
    // Reported at its line, like a row with an empty status.
    expect(run.stdout).toMatch(
      /::error title=Status not in the channel[^,]*,file=webinar\.csv,line=7::not submitted: status "attended"/
    )
    expect(run.summary).toContain('; not in the channel (rows not submitted): "attended"')
    // Said once as it is checked, annotated once at its line: not a third time as a warning.
    expect(run.stdout).not.toMatch(/::warning::[^\n]*"attended"/)
    expect(callsOf(sim(), 'submit')).toHaveLength(3)
    expect(sim().members('1001').has('gus@example.com')).toBe(false)
    expect(run.outputs['rows-imported']).toBe('5')
    expect(run.outputs['rows-not-submitted']).toBe('1')
    const results = JSON.parse(run.outputs['results'] ?? '[]') as Result[]
    const held = results.find((r) => r.status === 'NotSubmitted')
    expect(held?.message).toContain('first on line 7')
  })

  it('traces a failed and a warned row of status parts back to their lines, fix file whole', async () => {
    const header = 'email,status,firstName,leadScore\n'
    const failing = 'bad@example.com,Attended,"Bad, Row",TEXT\n'
    const file =
      header +
      'ann@example.com,Attended,Ann,1\n' +
      'not-an-email.example.com,Registered,Ned,2\n' +
      failing +
      'bob@example.com,Registered,Bob,3\n'
    const run = await runAction({
      inputs: inputs({ 'max-failed-rows': '1' }),
      files: { 'webinar.csv': file }
    })
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({
      'rows-imported': '3',
      'rows-failed': '1',
      'rows-warned': '1'
    })
    const report = await readReport(run)
    expect(report.failures).toEqual([
      expect.objectContaining({
        file: 'webinar.csv',
        line: 4,
        reason: expect.stringContaining('Lead Score')
      })
    ])
    expect(report.warnings).toEqual([
      expect.objectContaining({ file: 'webinar.csv', line: 3, reason: 'Invalid email address' })
    ])
    // The fix-and-retry file keeps the status column: it goes back through status-column.
    const fix = await readFile(join(outputDir(run), 'fix-and-retry/webinar.csv'), 'utf8')
    expect(fix).toBe(header + failing)
  })

  it('warns about the same email under two statuses, naming both lines', async () => {
    const file = MIXED + 'Ann@example.com,Registered,Ann\r\n'
    const run = await runAction({
      inputs: inputs({ 'dry-run': 'true' }),
      files: { 'webinar.csv': file }
    })
    const report = await readReport(run)
    const checks = report.checks as { findings: { kind: string; line: number; message: string }[] }
    expect(checks.findings).toContainEqual(
      expect.objectContaining({
        kind: 'duplicate-email',
        line: 7,
        message: expect.stringContaining('same email as line 2, under another status')
      })
    )
  })

  it('refuses a file without the column before any call, naming the closest header', async () => {
    const run = await runAction({
      inputs: inputs({ 'status-column': 'Status' }),
      files: { 'webinar.csv': MIXED }
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      'status-column: "Status" names no column of webinar.csv; its closest header is "status"'
    )
    expect(sim().requests).toHaveLength(0)
  })

  it('refuses status-column with a program-member-status before any call', async () => {
    const run = await runAction({
      inputs: inputs({ 'program-member-status': 'On List' }),
      files: { 'webinar.csv': MIXED }
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      'program-member-status: "On List" and status-column are two ways of giving the member status'
    )
    expect(sim().requests).toHaveLength(0)
  })
})
