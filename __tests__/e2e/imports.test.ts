/**
 * Several imports in one step (`imports`), through the built action against the simulator: one
 * token, one queue of at most max-concurrent-jobs jobs across programs, each member with its
 * import's status, a report per program and status; a bad entry stops before any call.
 */
import { describe, expect, it } from '@jest/globals'
import { runAction } from '../../scripts/run-action.js'
import { DEFAULT_STATUSES } from '../../simulator/server.js'
import {
  callsOf,
  maxOverlap,
  openIntervals,
  readReport,
  simulatorInputs,
  useSimulator
} from './harness.js'

const sim = useSimulator({
  programs: {
    '1001': [...DEFAULT_STATUSES],
    '1002': [...DEFAULT_STATUSES],
    '1003': [...DEFAULT_STATUSES]
  },
  // Jobs long enough for the polls to see each end while the other slot is still busy.
  msPerRow: 10
})

/** A CSV of `rows` members whose emails name the program: `p1001-7@example.com`. */
function members(program: string, rows: number, from = 0): string {
  const lines = ['email,firstName,lastName']
  for (let i = from; i < from + rows; i++) lines.push(`p${program}-${i}@example.com,Ann${i},Lee`)
  return lines.join('\n') + '\n'
}

/** A status's progression step in the simulator's channel. */
const step = (status: string | undefined): number => DEFAULT_STATUSES.indexOf(status ?? '')

function emails(csv: string): string[] {
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[0] as string)
}

const FILES = {
  'exports/1001/a.csv': members('1001', 40),
  'exports/1001/b.csv': members('1001', 30, 40),
  'exports/1002.csv': members('1002', 60),
  'exports/1003.csv': members('1003', 50)
}

const THREE_PROGRAMS = `
- program-id: '1001'
  program-member-status: Registered
  files: exports/1001/*.csv
- program-id: 1002
  program-member-status: Attended
  files: [exports/1002.csv]
  max-failed-rows: 1
- program-id: '1003'
  files: exports/1003.csv
`

function inputs(overrides: Record<string, string | undefined>): Record<string, string> {
  return simulatorInputs(sim(), {
    'program-id': undefined,
    files: undefined,
    'chunk-size': '1KiB',
    'max-concurrent-jobs': '2',
    'max-poll-interval': '0.05',
    ...overrides
  })
}

describe('imports', () => {
  it('imports three programs with one token, at most max-concurrent-jobs jobs open across them', async () => {
    const run = await runAction({
      inputs: inputs({ imports: THREE_PROGRAMS, 'program-member-status': 'On List' }),
      files: FILES
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    // Each member with its import's status; the third import takes the step's status.
    const expected: Record<string, { status: string; emails: string[] }> = {
      '1001': {
        status: 'Registered',
        emails: [...emails(FILES['exports/1001/a.csv']), ...emails(FILES['exports/1001/b.csv'])]
      },
      '1002': { status: 'Attended', emails: emails(FILES['exports/1002.csv']) },
      '1003': { status: 'On List', emails: emails(FILES['exports/1003.csv']) }
    }
    for (const [program, { status, emails: wanted }] of Object.entries(expected)) {
      const membership = sim().members(program)
      expect([...membership.keys()].sort()).toEqual([...wanted].sort())
      expect(new Set(membership.values())).toEqual(new Set([status]))
      expect([...sim().importedEmails(program).values()].every((times) => times === 1)).toBe(true)
    }

    // One token for the instance checks and every import; one queue for the three programs.
    expect(callsOf(sim(), 'identity')).toHaveLength(1)
    const jobs = sim().jobs
    expect(jobs.length).toBeGreaterThanOrEqual(6)
    expect(jobs.every((job) => job.status === 'Complete')).toBe(true)
    expect(maxOverlap(openIntervals(jobs))).toBe(2)
    // One queue across programs: the next program's first part is submitted while a job of the
    // one before is still open, as far as the action knows (its end not yet polled).
    const requests = sim().requests
    const batchesOf = (program: string): string[] =>
      jobs.filter((job) => job.programId === program).map((job) => `/${job.batchId}/`)
    const lastPoll = (program: string): number =>
      Math.max(
        ...requests
          .filter((r) => r.kind === 'status' && batchesOf(program).some((b) => r.path.includes(b)))
          .map((r) => r.seq)
      )
    const firstSubmit = (program: string): number =>
      Math.min(
        ...requests
          .filter((r) => r.kind === 'submit' && r.path.includes(`/program/${program}/`))
          .map((r) => r.seq)
      )
    expect(firstSubmit('1002')).toBeLessThan(lastPoll('1001'))
    expect(firstSubmit('1003')).toBeLessThan(lastPoll('1002'))

    const total = Object.values(expected).reduce((sum, { emails: e }) => sum + e.length, 0)
    expect(run.outputs).toMatchObject({
      'rows-total': String(total),
      'rows-submitted': String(total),
      'rows-imported': String(total),
      'rows-failed': '0',
      'rows-not-submitted': '0'
    })
    const results = JSON.parse(run.outputs['results']!) as Array<Record<string, unknown>>
    expect(results).toHaveLength(jobs.length)
    expect(new Set(results.map((r) => `${r['program-id']} ${r['program-member-status']}`))).toEqual(
      new Set(['1001 Registered', '1002 Attended', '1003 On List'])
    )
    expect(results.every((r) => r['status'] === 'Complete')).toBe(true)

    const report = await readReport<{
      parts: Array<{ programId: string; programMemberStatus: string; status: string }>
      imports: Array<{ programId: string; entries: number[]; totals: { rowsImported: number } }>
    }>(run)
    expect(report.parts.map((part) => part.programId)).toEqual(results.map((r) => r['program-id']))
    expect(report.imports).toEqual([
      expect.objectContaining({
        programId: '1001',
        entries: [1],
        totals: expect.objectContaining({ rowsImported: 70 })
      }),
      expect.objectContaining({
        programId: '1002',
        entries: [2],
        totals: expect.objectContaining({ rowsImported: 60 })
      }),
      expect.objectContaining({
        programId: '1003',
        entries: [3],
        totals: expect.objectContaining({ rowsImported: 50 })
      })
    ])
    expect(run.summary).toContain(`${total} of ${total} rows imported into 3 programs and statuses`)
    expect(run.summary).toContain('#### Imports')
    // The instance checks of each program, through the one token.
    for (const id of ['1001', '1002', '1003'])
      expect(run.summary).toMatch(new RegExp(`- Program: .*\\(${id}\\)`))
    expect(run.summary).toContain('- Status: Attended, step')
    expect(run.summary).toContain('| 1001 | Registered | 1 | 70 | 70 | 70 | 0 | 0 | 0 |')
    expect(run.summary).toContain('| 1003 | On List | 3 | 50 | 50 | 50 | 0 | 0 | 0 |')
    expect(run.summary).toContain(
      `| **Run total** | | | ${total} | ${total} | ${total} | 0 | 0 | 0 |`
    )
  })

  it('imports three programs, one with a status column, with one token and one queue', async () => {
    // Program 1003's rows carry their statuses, not in the channel's order.
    const cycle = ['Attended', 'Invited', 'Registered']
    const lines = ['email,status,firstName']
    for (let i = 0; i < 45; i++) lines.push(`p1003-${i}@example.com,${cycle[i % 3]},"Ann, ${i}"`)
    const files = {
      'exports/1001/a.csv': members('1001', 40),
      'exports/1002.csv': members('1002', 60),
      'exports/1003.csv': lines.join('\n') + '\n'
    }
    const imports = `
- program-id: '1001'
  program-member-status: Registered
  files: exports/1001/*.csv
- program-id: '1002'
  files: exports/1002.csv
- program-id: '1003'
  status-column: status
  files: exports/1003.csv
`
    const run = await runAction({
      inputs: inputs({ imports, 'program-member-status': 'On List' }),
      files
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    // Every member with its status: the entry's, the step's, or its own row's.
    expect(new Set(sim().members('1001').values())).toEqual(new Set(['Registered']))
    expect(sim().members('1001').size).toBe(40)
    expect(new Set(sim().members('1002').values())).toEqual(new Set(['On List']))
    expect(sim().members('1002').size).toBe(60)
    const byRow = sim().members('1003')
    expect(byRow.size).toBe(45)
    for (let i = 0; i < 45; i++) expect(byRow.get(`p1003-${i}@example.com`)).toBe(cycle[i % 3])
    for (const program of ['1001', '1002', '1003'])
      expect([...sim().importedEmails(program).values()].every((times) => times === 1)).toBe(true)

    // One token for every check and import; one queue of at most 2 open jobs across programs.
    expect(callsOf(sim(), 'identity')).toHaveLength(1)
    const jobs = sim().jobs
    expect(jobs.every((job) => job.status === 'Complete')).toBe(true)
    expect(maxOverlap(openIntervals(jobs))).toBe(2)
    // The status column is not uploaded, its parts go in the channel's order, quoting kept.
    const submits = callsOf(sim(), 'submit').filter((call) => call.path.includes('/program/1003/'))
    const statuses = submits.map((call) => call.query['programMemberStatus'])
    expect(statuses).toEqual([...statuses].sort((a, b) => step(a) - step(b)))
    expect(new Set(statuses)).toEqual(new Set(cycle))
    const uploaded = submits.map((call) => call.upload?.content.toString('utf8') ?? '').join('')
    expect(uploaded).not.toContain('status')
    expect(uploaded).not.toContain('Attended')
    expect(uploaded).toContain('"Ann, 7"')

    expect(run.outputs).toMatchObject({
      'rows-total': '145',
      'rows-submitted': '145',
      'rows-imported': '145',
      'rows-failed': '0',
      'rows-not-submitted': '0'
    })
    const results = JSON.parse(run.outputs['results']!) as Array<Record<string, unknown>>
    expect(results).toHaveLength(jobs.length)
    const rowsOf = (key: string): number =>
      results
        .filter((r) => `${r['program-id']} ${r['program-member-status']}` === key)
        .reduce((sum, r) => sum + (r['rows'] as number), 0)
    expect(rowsOf('1001 Registered')).toBe(40)
    expect(rowsOf('1002 On List')).toBe(60)
    for (const status of cycle) expect(rowsOf(`1003 ${status}`)).toBe(15)
    expect(results.every((r) => r['status'] === 'Complete')).toBe(true)

    expect(run.summary).toContain('145 of 145 rows imported into 5 programs and statuses')
    expect(run.summary).toContain('#### Imports')
    // One row per program and status, with the entry that gave it.
    expect(run.summary).toContain('| 1002 | On List | 2 | 60 | 60 | 60 | 0 | 0 | 0 |')
    for (const status of ['Invited', 'Registered', 'Attended'])
      expect(run.summary).toContain(`| 1003 | ${status} | 3 | 15 | 15 | 15 | 0 | 0 | 0 |`)
    expect(run.summary).toContain('| **Run total** | | | 145 | 145 | 145 | 0 | 0 | 0 |')
    expect(run.summary).toContain(
      '- Statuses of column "status": Invited (step 3), Registered (step 4), Attended (step 5), submitted in this order'
    )
  })

  it('imports a file two entries match into each of them, with a notice', async () => {
    const run = await runAction({
      inputs: inputs({
        imports:
          "- {program-id: '1001', program-member-status: Member, files: shared.csv}\n" +
          "- {program-id: '1002', program-member-status: Invited, files: '*.csv'}",
        'max-concurrent-jobs': undefined
      }),
      files: { 'shared.csv': members('9', 12) }
    })
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      '::notice file=shared.csv::shared.csv: matched by 2 imports (entries 1, 2): imported into each, program 1001 as "Member", program 1002 as "Invited"'
    )
    expect(new Set(sim().members('1001').values())).toEqual(new Set(['Member']))
    expect(new Set(sim().members('1002').values())).toEqual(new Set(['Invited']))
    expect(sim().members('1002').size).toBe(12)
    expect(run.outputs['rows-total']).toBe('24')
  })

  it('judges an entry with a limit of its own by it, and the other rows by the step’s', async () => {
    const bad = (rows: number): string =>
      'email,firstName,leadScore\n' +
      Array.from(
        { length: 6 },
        (_, i) => `p1001-${i}@example.com,Ann,${i < rows ? 'high' : i}`
      ).join('\n') +
      '\n'
    const imports =
      "- {program-id: '1001', program-member-status: Member, files: a.csv, max-failed-rows: 1}\n" +
      "- {program-id: '1002', program-member-status: Member, files: b.csv}"
    const runWith = (badRows: number) =>
      runAction({
        inputs: inputs({ imports, 'program-member-status': undefined }),
        files: { 'a.csv': bad(badRows), 'b.csv': members('1002', 4) }
      })
    const within = await runWith(1)
    expect(within.code).toBe(0)
    expect(within.stdout).toContain(
      'imports entry 1 (program 1001): 1 row failed, limit 1: within the limit'
    )
    expect(within.outputs['rows-failed']).toBe('1')
    const over = await runWith(2)
    expect(over.code).toBe(1)
    expect(over.stdout).toContain(
      '::error::imports entry 1 (program 1001): 2 rows failed, limit 1: failing the step'
    )
  })

  it('resumes the jobs of a timed-out run of imports with batch-ids and the same list', async () => {
    const imports =
      "- {program-id: '1001', program-member-status: Member, files: a.csv}\n" +
      "- {program-id: '1002', program-member-status: Invited, files: b.csv}"
    const given = inputs({ imports, 'program-member-status': undefined })
    sim().pauseProcessing()
    const timedOut = await runAction({
      inputs: { ...given, timeout: '0.01' },
      files: { 'a.csv': members('1001', 3), 'b.csv': members('1002', 5) }
    })
    expect(timedOut.code).toBe(1)
    expect(timedOut.outputs['rows-pending']).toBe('8')
    sim().resumeProcessing()
    const resumed = await runAction({
      inputs: { ...given, 'batch-ids': timedOut.outputs['batch-ids']! },
      workspace: timedOut.dirs.workspace
    })
    expect(resumed.code).toBe(0)
    expect(callsOf(sim(), 'submit')).toHaveLength(2)
    expect(resumed.outputs['rows-imported']).toBe('8')
    expect(new Set(sim().members('1002').values())).toEqual(new Set(['Invited']))
    expect(resumed.summary).toContain('| 1002 | Invited | 2 | 5 | 5 | 5 | 0 | 0 | 0 |')
  })

  it('checks every entry in a dry run, without a call to Marketo', async () => {
    const run = await runAction({
      inputs: {
        'dry-run': 'true',
        imports:
          "- {program-id: '1001', program-member-status: Member, files: a.csv}\n" +
          "- {program-id: '1002', program-member-status: Invited, files: b.csv}"
      },
      files: { 'a.csv': members('1001', 3), 'b.csv': members('1002', 5) }
    })
    expect(run.code).toBe(0)
    expect(run.summary).toContain('would import 8 rows from 2 files into 2 programs and statuses')
    expect(run.summary).toContain('| 1002 | Invited | 2 | 5 | 0 | 0 | 0 | 0 | 5 |')
    expect(sim().requests).toHaveLength(0)
  })

  it.each([
    [
      'an unknown key',
      "- program-id: '1001'\n  program-member-status: Member\n  files: a.csv\n- program-id: '1002'\n  file: b.csv",
      'imports: entry 2 (program-id 1002): unknown key "file"; an entry takes program-id, program-member-status, status-column, files, format, columns, changed-since, max-failed-rows, max-warning-rows'
    ],
    [
      'a missing program',
      '- program-member-status: Member\n  files: a.csv',
      'imports: entry 1: program-id: is required, as the step gives none; give the numeric id of a Marketo program, e.g. 1044'
    ],
    [
      'not a list',
      'program-id: 1001',
      'imports: "program-id: 1001" is a mapping, not a list; give a YAML list with one entry per import'
    ]
  ])('stops at %s with one line before any call to Marketo', async (_, imports, message) => {
    const run = await runAction({
      inputs: inputs({ imports, 'program-member-status': undefined }),
      files: { 'a.csv': members('1001', 3), 'b.csv': members('1002', 3) }
    })
    expect(run.code).toBe(1)
    const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error'))
    expect(errors).toHaveLength(1)
    expect(errors[0]).toContain(message)
    expect(sim().requests).toHaveLength(0)
  })

  it('stops before any submit when an import names a program the instance does not have', async () => {
    const run = await runAction({
      inputs: inputs({
        imports:
          "- {program-id: '1001', program-member-status: Member, files: a.csv}\n" +
          "- {program-id: '4040', program-member-status: Member, files: b.csv}"
      }),
      files: { 'a.csv': members('1001', 3), 'b.csv': members('1002', 3) }
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain(
      'imports entry 2 (program 4040): program-id 4040: Marketo has no program with this id'
    )
    expect(callsOf(sim(), 'submit')).toHaveLength(0)
    expect(callsOf(sim(), 'identity')).toHaveLength(1)
  })
})
