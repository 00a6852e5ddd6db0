/**
 * check-instance with the built action: what Marketo describes (program, channel statuses,
 * fields, today's usage) stops a run that cannot import before its first submit, in one line.
 */
import { describe, expect, it } from '@jest/globals'
import { runAction } from '../../scripts/run-action.js'
import { readFile } from 'node:fs/promises'
import path from 'node:path'
import { callsOf, outputDir, programInputs, simulatorInputs, useSimulator } from './harness.js'

const sim = useSimulator({
  programInfo: { '1001': { name: 'Webinar December', workspace: 'EMEA' } }
})

const FILE = { 'leads.csv': 'email,firstName\nann@example.com,Ann\nbob@example.com,Bob\n' }

function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return simulatorInputs(sim(), { files: '*.csv', ...overrides })
}

/** The `::error::` lines of a run's log. */
const errorLines = (stdout: string): string[] =>
  stdout.split('\n').filter((line) => line.startsWith('::error'))

describe('instance checks before the first submit', () => {
  it('names the program, its channel, workspace and status in the summary, and imports', async () => {
    const run = await runAction({ inputs: inputs(), files: FILE })
    expect(run.code).toBe(0)
    expect(run.outputs['rows-imported']).toBe('2')
    expect(run.summary).toContain('Webinar December (1001), channel Webinar, workspace EMEA')
    expect(run.summary).toMatch(/Status: On List, step 2, not a success step/)
    // One token for the checks and the import; five check calls before the submit.
    expect(callsOf(sim(), 'identity')).toHaveLength(1)
    const kinds = sim()
      .requests.filter((r) => r.kind !== 'identity')
      .map((r) => r.kind)
    expect(kinds.slice(0, 6)).toEqual([
      'program',
      'channels',
      'describe',
      'describe',
      'usage',
      'submit'
    ])
  })

  it('stops an unknown program with one line naming program-id, and submits nothing', async () => {
    const run = await runAction({ inputs: inputs({ 'program-id': '4242' }), files: FILE })
    expect(run.code).toBe(1)
    const errors = errorLines(run.stdout)
    expect(errors.filter((line) => line.includes('program-id 4242'))).toHaveLength(1)
    expect(callsOf(sim(), 'submit')).toHaveLength(0)
    expect(run.outputs['rows-not-submitted']).toBe('2')
  })

  it('stops a wrong-case status, naming the one it may mean and listing the statuses', async () => {
    const run = await runAction({
      inputs: inputs({ 'program-member-status': 'on list' }),
      files: FILE
    })
    expect(run.code).toBe(1)
    const line = errorLines(run.stdout).find((l) => l.includes('program-member-status'))
    expect(line).toContain('did you mean `On List`?')
    expect(line).toContain('`Registered`')
    expect(callsOf(sim(), 'submit')).toHaveLength(0)
  })

  it('stops a column that is no field, naming it and the closest REST names', async () => {
    const run = await runAction({
      inputs: inputs(),
      files: { 'leads.csv': 'email,firstNmae\nann@example.com,Ann\n' }
    })
    expect(run.code).toBe(1)
    const line = errorLines(run.stdout).find((l) => l.includes('firstNmae'))
    expect(line).toContain('`firstName`')
    expect(callsOf(sim(), 'submit')).toHaveLength(0)
  })

  it('stops a run the daily quota cannot take, with both numbers', async () => {
    await sim.restart({ usageToday: 49_998 })
    const run = await runAction({ inputs: inputs(), files: FILE })
    expect(run.code).toBe(1)
    const line = errorLines(run.stdout).find((l) => l.includes('daily-quota'))
    expect(line).toMatch(/about 8 API calls/)
    expect(line).toMatch(/50,000/)
    expect(callsOf(sim(), 'submit')).toHaveLength(0)
  })

  it('warns past 80 % of the daily quota and imports', async () => {
    await sim.restart({ usageToday: 41_000 })
    const run = await runAction({ inputs: inputs(), files: FILE })
    expect(run.code).toBe(0)
    expect(run.stdout).toMatch(/::warning[^\n]*daily-quota/)
  })

  it('warns once naming Read-Only Lead when describe answers 603, and imports', async () => {
    await sim.restart({ deniedPermissions: ['lead'] })
    const run = await runAction({ inputs: inputs(), files: FILE })
    expect(run.code).toBe(0)
    const warnings = run.stdout
      .split('\n')
      .filter((l) => l.startsWith('::warning') && l.includes('603'))
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('Read-Only Lead')
    expect(run.outputs['rows-imported']).toBe('2')
  })

  it('makes no check call with check-instance: false', async () => {
    const run = await runAction({ inputs: inputs({ 'check-instance': 'false' }), files: FILE })
    expect(run.code).toBe(0)
    expect(callsOf(sim(), 'program')).toHaveLength(0)
    expect(callsOf(sim(), 'usage')).toHaveLength(0)
  })

  it('sends display-name headers as REST names, and traces a failed row to its source line', async () => {
    await sim.restart({ rejectUnknownColumns: true })
    const original = 'First Name,Last Name,Email Address,Lead Score\r\n'
    const run = await runAction({
      inputs: inputs({ 'max-failed-rows': '1' }),
      files: {
        'leads.csv': original + 'Ann,Lee,ann@example.com,1\r\nBob,Ray,bob@example.com,TEXT\r\n'
      }
    })
    expect(run.code).toBe(0)
    const submitted = sim().jobs[0]?.content.toString('utf8') ?? ''
    expect(submitted.split('\r\n')[0]).toBe('firstName,lastName,email,leadScore')
    expect(run.outputs['rows-imported']).toBe('1')
    expect(run.outputs['rows-failed']).toBe('1')
    expect(run.stdout).toMatch(/::error title=[^\n]*,file=leads\.csv,line=3::/)
    expect(run.summary).toContain('#### Columns renamed')
    expect(run.summary).toContain('`Email Address` sent as `email` (display name)')
    const fix = await readFile(path.join(outputDir(run), 'fix-and-retry', 'leads.csv'), 'utf8')
    expect(fix).toBe(original + 'Bob,Ray,bob@example.com,TEXT\r\n')
  })

  it('renames the columns the columns input names, and checks the renamed ones', async () => {
    await sim.restart({ rejectUnknownColumns: true })
    const run = await runAction({
      inputs: inputs({ columns: 'E-mail: email\nGiven: firstName', 'map-display-names': 'false' }),
      files: { 'leads.csv': 'E-mail,Given\nann@example.com,Ann\n' }
    })
    expect(run.code).toBe(0)
    expect(sim().jobs[0]?.content.toString('utf8')).toBe('email,firstName\nann@example.com,Ann\n')
    expect(run.summary).toContain('`E-mail` sent as `email` (columns)')
    expect(run.outputs['rows-imported']).toBe('1')
  })

  it('stops a display name left unmapped with map-display-names: false, before any submit', async () => {
    const run = await runAction({
      inputs: inputs({ 'map-display-names': 'false' }),
      files: { 'leads.csv': 'email,First Name\nann@example.com,Ann\n' }
    })
    expect(run.code).toBe(1)
    expect(errorLines(run.stdout).some((l) => l.includes('First Name'))).toBe(true)
    expect(callsOf(sim(), 'submit')).toHaveLength(0)
  })

  it('runs the checks in a dry run given credentials: read-only calls, no submit', async () => {
    const run = await runAction({
      inputs: inputs({ 'dry-run': 'true', 'program-member-status': 'on list' }),
      files: FILE
    })
    expect(run.code).toBe(1)
    expect(errorLines(run.stdout).some((l) => l.includes('did you mean `On List`?'))).toBe(true)
    expect(callsOf(sim(), 'program')).toHaveLength(1)
    expect(callsOf(sim(), 'submit')).toHaveLength(0)
    const good = await runAction({ inputs: inputs({ 'dry-run': 'true' }), files: FILE })
    expect(good.code).toBe(0)
    expect(good.summary).toContain('Webinar December (1001), channel Webinar, workspace EMEA')
    expect(callsOf(sim(), 'submit')).toHaveLength(0)
  })

  it('says which checks a dry run without credentials could not run', async () => {
    const run = await runAction({
      inputs: {
        ...programInputs(sim()),
        files: '*.csv',
        'dry-run': 'true'
      },
      files: FILE
    })
    expect(run.code).toBe(0)
    expect(run.summary).toContain(
      'Not checked: the program, status, columns and daily quota: a dry run without client-id'
    )
    expect(callsOf(sim(), 'program')).toHaveLength(0)
  })

  it('reads Email Address as email in a dry run without credentials, as the import will send it', async () => {
    const run = await runAction({
      inputs: { ...programInputs(sim()), files: '*.csv', 'dry-run': 'true' },
      files: { 'leads.csv': 'Email Address,firstName\nann@example.com,Ann\n' }
    })
    expect(run.code).toBe(0)
    expect(errorLines(run.stdout)).toEqual([])
    expect(run.stdout).not.toContain('no email column')
    const offline = await runAction({
      inputs: {
        ...programInputs(sim()),
        files: '*.csv',
        'dry-run': 'true',
        'check-instance': 'false'
      },
      files: { 'leads.csv': 'Email Address,firstName\nann@example.com,Ann\n' }
    })
    expect(offline.code).toBe(1)
    expect(errorLines(offline.stdout).filter((l) => l.includes('no email column'))).toHaveLength(1)
  })

  it('stops an Email Address column the checks could not map (603 on describe), before any submit', async () => {
    await sim.restart({ deniedPermissions: ['lead'] })
    const run = await runAction({
      inputs: inputs(),
      files: { 'leads.csv': 'Email Address,firstName\nann@example.com,Ann\n' }
    })
    expect(run.code).toBe(1)
    expect(errorLines(run.stdout).filter((l) => l.includes('no email column'))).toHaveLength(1)
    expect(callsOf(sim(), 'submit')).toHaveLength(0)
  })
})
