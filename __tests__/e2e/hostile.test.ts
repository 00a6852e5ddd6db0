/**
 * The built action against hostile input from every side: the repository (file names, links, a
 * pattern leaving the workspace), Marketo's answers (messages, reasons, echoed credentials) and
 * the artifact's names. Every run is also checked by runAction: no stdout line holds a workflow
 * command the action did not mean to send, and no secret, token or input email leaks.
 */
import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { annotations, runAction, type ActionRun } from '../../scripts/run-action.js'
import { readZip } from '../../testkit/results-service.js'
import {
  callsOf,
  readReport,
  runUploading,
  useResultsService,
  simulatorInputs,
  useSimulator,
  whereWritten
} from './harness.js'

const sim = useSimulator()
const service = useResultsService()

/** An import through the simulator that uploads its artifact to the local results service. */
function importing(
  files: Record<string, string>,
  inputs: Record<string, string> = {},
  more: { links?: Record<string, string> } = {}
): Promise<ActionRun> {
  return runUploading({
    inputs: simulatorInputs(sim(), { files: '**/*.csv', 'upload-artifact': 'true', ...inputs }),
    files,
    ...more,
    env: service().runtimeEnv('run-7', 'job-3')
  })
}

/** Lines of stdout that start (after spaces) with `::name::` followed by `text`. */
function commandLines(run: ActionRun, name: string, text: string): string[] {
  return run.stdout.split('\n').filter((line) => line.trimStart().startsWith(`::${name}::${text}`))
}

const NEWLINE_NAME = 'nl\n::warning title=X::x.csv'
const STOP_NAME = '::stop-commands::abc.csv'
const HOSTILE_NAMES = {
  // A warned row (an address Marketo flags) and a header Marketo does not know.
  [NEWLINE_NAME]: 'email,First Name\nann@example.com,Ann\nbo@example,Bo\n',
  // A failed row: Marketo refuses the lead score.
  [STOP_NAME]: 'email,leadScore\ncy@example.com,7\ndee@example.com,TEXT\n'
}

describe('file names that are workflow commands stay text', () => {
  const expectNamesShownEscaped = (run: ActionRun): void => {
    expect(run.stdout).toContain('nl\\n::warning title=X::x.csv')
    expect(run.stdout).toContain('\\::stop-commands::abc.csv')
    expect(commandLines(run, 'warning title=X', '')).toEqual([])
    expect(commandLines(run, 'stop-commands', '')).toEqual([])
    for (const annotation of annotations(run.stdout)) {
      expect(annotation.props['title']).not.toBe('X')
      if (annotation.props['file'] !== undefined)
        expect([NEWLINE_NAME, STOP_NAME]).toContain(annotation.props['file'])
    }
  }

  it('in the plan lines and the check findings of a dry run', async () => {
    const run = await runAction({
      inputs: simulatorInputs(sim(), { files: '*.csv', 'dry-run': 'true' }),
      files: HOSTILE_NAMES
    })
    expect(run.code).toBe(0)
    expectNamesShownEscaped(run)
    // Findings and the instance checks' column mappings name the file first: the line starts
    // with it. (With credentials the dry run asks Marketo, which maps the display names.)
    expect(run.stdout).toMatch(/^nl\\n::warning title=X::x\.csv line 3: warning: /m)
    expect(run.stdout).toMatch(/^nl\\n::warning title=X::x\.csv: column "First Name" is sent as /m)
    expect(run.summary).toContain('`nl\\n::warning title=X::x.csv:3`')
    expect(callsOf(sim(), 'submit')).toEqual([])
  })

  it('in the plan, submitted and failed lines of an import, and in the artifact', async () => {
    // Marketo's answer to a header it does not know: the instance checks would stop first.
    const run = await importing(HOSTILE_NAMES, {
      files: '*.csv',
      'max-failed-rows': '1',
      'check-instance': 'false'
    })
    expect(run.code).toBe(0)
    expectNamesShownEscaped(run)
    // Only the start of a line is read as a command: inside one, `::` is plain text.
    expect(run.stdout).toMatch(/^\\::stop-commands::abc\.csv: CSV, 54 bytes, 2 rows$/m)
    expect(run.stdout).toMatch(/^Submitted ::stop-commands::abc\.csv: batch \d+, 2 rows/m)
    expect(run.stdout).toMatch(/^Submitted nl\\n::warning title=X::x\.csv: batch \d+/m)
    expect(run.outputs['artifact-id']).not.toBe('')
    const entries = [...readZip(service().artifacts[0]!.zip).keys()]
    expect(entries).toContain('fix-and-retry/__stop-commands__abc.csv')
    const report = await readReport(run)
    expect(report.fixAndRetryFiles).toEqual([
      { source: STOP_NAME, path: 'fix-and-retry/__stop-commands__abc.csv', rows: 1 }
    ])
  })
})

describe("Marketo's messages and reasons stay text", () => {
  it('a failure reason and a status message with a line break and ::error::', async () => {
    sim().addFault({
      on: 'submit',
      fault: {
        kind: 'hostileText',
        message: '\n::error::status injected',
        reason: 'Bad row\n::error::reason injected'
      }
    })
    sim().addFault({
      on: 'submit',
      nth: 2,
      fault: { kind: 'jobFails', message: 'Import failed\n::error::job injected' }
    })
    const run = await importing({
      'lists/a.csv': 'email,leadScore\nann@example.com,7\nbo@example.com,TEXT\n',
      'lists/b.csv': 'email,firstName\ncy@example.com,Cy\n'
    })
    expect(run.code).toBe(1)
    for (const injected of ['status', 'reason', 'job']) {
      expect(commandLines(run, 'error', `${injected} injected`)).toEqual([])
    }
    expect(run.stdout).toMatch(
      /^ {2}failed: line 3 \(batch \d+\): Bad row\\n::error::reason injected$/m
    )
    expect(run.stdout).toMatch(
      /^Finished: lists\/a\.csv, batch \d+: .*\\n::error::status injected$/m
    )
    // The verdict keeps one reason per line; Marketo's line break is shown, not obeyed.
    expect(run.stdout).toMatch(/Import failed%0A\\::error::job injected/)
    const summary = run.summary.split('\n')
    expect(summary.filter((line) => line.includes('injected') && /^\s*::/.test(line))).toEqual([])
    expect(run.summary).toContain('Bad row&#92;n::error::reason injected')
  })
})

describe('the workspace is the boundary', () => {
  const MARKER = 'root:x:0:0:OUTSIDE-7c1e'
  let outside: string
  beforeAll(async () => {
    outside = await mkdtemp(join(tmpdir(), 'outside-'))
    await writeFile(join(outside, 'passwd'), `${MARKER}\n`)
    await mkdir(join(outside, 'more'), { recursive: true })
    await writeFile(join(outside, 'more/leads.csv'), `email,note\nleak@outside.example,${MARKER}\n`)
  })
  afterAll(async () => {
    await rm(outside, { recursive: true, force: true })
  })
  const links = (): Record<string, string> => ({
    'lists/passwd.csv': join(outside, 'passwd'),
    'lists/elsewhere': join(outside, 'more')
  })
  const LEADS = { 'lists/leads.csv': 'email,firstName\nann@example.com,Ann\n' }

  const expectRefused = async (run: ActionRun): Promise<void> => {
    expect(run.code).toBe(1)
    const refused = annotations(run.stdout).filter((a) => a.kind === 'error' && a.props['file'])
    expect(refused.map((a) => a.props['file']).sort()).toEqual([
      'lists/elsewhere/leads.csv',
      'lists/passwd.csv'
    ])
    for (const annotation of refused) {
      expect(annotation.message).toMatch(/: is a link to a file outside the workspace; /)
    }
    for (const secret of [MARKER, 'leak@outside.example', 'OUTSIDE-7c1e']) {
      expect(run.stdout).not.toContain(secret)
      expect(await whereWritten(secret, run, service())).toEqual([])
      for (const call of sim().requests) {
        expect(call.upload?.content.toString('utf8') ?? '').not.toContain(secret)
      }
    }
  }

  it('a dry run refuses links to files outside, and opens none of them', async () => {
    const run = await runAction({
      inputs: simulatorInputs(sim(), { files: 'lists/**/*.csv', 'dry-run': 'true' }),
      files: LEADS,
      links: links()
    })
    await expectRefused(run)
    expect(run.summary).toContain('would import 1 row from 1 file')
  })

  it('an import sends only the file inside, and uploads nothing of the others', async () => {
    const run = await importing(LEADS, { files: 'lists/**/*.csv' }, { links: links() })
    await expectRefused(run)
    expect(callsOf(sim(), 'submit')).toHaveLength(1)
    expect(service().artifacts).toHaveLength(1)
  })

  it('a pattern leaving the workspace is an input error before any call', async () => {
    const run = await runAction({
      inputs: simulatorInputs(sim(), { files: '../outside/*.csv' }),
      files: LEADS
    })
    expect(run.code).toBe(1)
    expect(commandLines(run, 'error', 'files: ')).toEqual([
      '::error::files: "../outside/*.csv" leaves the workspace; give patterns relative to the ' +
        'workspace (GITHUB_WORKSPACE) without .. segments, or absolute paths inside it, e.g. data/*.csv'
    ])
    expect(run.stdout).not.toContain('Unexpected error')
    expect(sim().requests).toEqual([])
  })
})

describe('secrets Marketo echoes are scrubbed from everything written', () => {
  it('the client secret in a 401 error_description', async () => {
    sim().addFault({ on: 'identity', times: Infinity, fault: { kind: 'echoSecret' } })
    const run = await importing({ 'lists/a.csv': 'email\nann@example.com\n' })
    expect(run.code).toBe(1)
    expect(callsOf(sim(), 'identity').length).toBeGreaterThan(0)
    expect(await whereWritten(sim().clientSecret, run, service())).toEqual([])
    expect(run.stdout).toContain('Bad client credentials: ***')
    const report = await readReport(run)
    expect(report.parts[0].message).toContain('invalid_client: Bad client credentials: ***')
    expect(JSON.parse(run.outputs['results']!)[0].message).toContain('Bad client credentials: ***')
  })

  it('the access token in a job message', async () => {
    sim().addFault({ on: 'status', times: Infinity, fault: { kind: 'echoToken' } })
    const run = await importing(
      { 'lists/a.csv': 'email,leadScore\nann@example.com,1\nbo@example.com,TEXT\n' },
      { 'max-failed-rows': '1' }
    )
    expect(run.code).toBe(0)
    const tokens = run.stdout
      .split('\n')
      .filter((line) => line.startsWith('::add-mask::'))
      .map((line) => line.slice('::add-mask::'.length))
      .filter((value) => value !== sim().clientSecret)
    expect(tokens.length).toBeGreaterThan(0)
    for (const token of tokens) expect(await whereWritten(token, run, service())).toEqual([])
    const report = await readReport(run)
    expect(report.parts[0].message).toMatch(/\(access token \*\*\*\)$/)
    expect(run.summary).toContain('(access token &#42;&#42;&#42;)')
  })
})

describe('artifact names survive the upload', () => {
  it('a : in a name, two files named leads.csv, two names made one: all uploaded, none lost', async () => {
    const failing = (email: string): string => `email,leadScore\nok-${email},1\n${email},TEXT\n`
    const files = {
      'lists/a/leads.csv': failing('a@example.com'),
      'lists/b/leads.csv': failing('b@example.com'),
      'lists/leads-2026-01-01T10:00.csv': failing('colon@example.com'),
      'lists/x:y.csv': failing('xy-colon@example.com'),
      'lists/x_y.csv': failing('xy-underscore@example.com')
    }
    const run = await importing(files, { 'max-failed-rows': '5' })
    expect(run.code).toBe(0)
    expect(run.outputs['artifact-id']).not.toBe('')
    expect(service().artifacts).toHaveLength(1)
    const zip = readZip(service().artifacts[0]!.zip)
    const fixFile = (path: string): string => zip.get(path)?.toString('utf8') ?? ''
    expect(fixFile('fix-and-retry/lists/a/leads.csv')).toBe('email,leadScore\na@example.com,TEXT\n')
    expect(fixFile('fix-and-retry/lists/b/leads.csv')).toBe('email,leadScore\nb@example.com,TEXT\n')
    expect(fixFile('fix-and-retry/lists/leads-2026-01-01T10_00.csv')).toContain('colon@example.com')
    expect(fixFile('fix-and-retry/lists/x_y.csv')).toContain('xy-colon@example.com')
    expect(fixFile('fix-and-retry/lists/x_y-2.csv')).toContain('xy-underscore@example.com')
    expect([...zip.keys()].filter((path) => path.endsWith('.failures.csv'))).toHaveLength(5)
    expect(
      [...zip.keys()].some((path) =>
        /^leads-2026-01-01T10_00\.batch-\d+\.failures\.csv$/.test(path)
      )
    ).toBe(true)
    const report = await readReport(run)
    expect(
      report.fixAndRetryFiles.map((f: { source: string; path: string }) => [f.source, f.path])
    ).toEqual([
      ['lists/a/leads.csv', 'fix-and-retry/lists/a/leads.csv'],
      ['lists/b/leads.csv', 'fix-and-retry/lists/b/leads.csv'],
      ['lists/leads-2026-01-01T10:00.csv', 'fix-and-retry/lists/leads-2026-01-01T10_00.csv'],
      ['lists/x:y.csv', 'fix-and-retry/lists/x_y.csv'],
      ['lists/x_y.csv', 'fix-and-retry/lists/x_y-2.csv']
    ])
  })
})
