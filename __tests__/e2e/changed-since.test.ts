import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { annotations, assertNoLeaks, runAction, type ActionRun } from '../../scripts/run-action.js'
import { callsOf, readReport, simulatorInputs, useSimulator } from './harness.js'

const sim = useSimulator()
let repo: string

beforeEach(async () => {
  repo = await mkdtemp(join(tmpdir(), 'changed-since-'))
})
afterEach(async () => {
  await rm(repo, { recursive: true, force: true })
})

function git(cwd: string, ...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Lists Bot',
      '-c',
      'user.email=bot@example.org',
      '-c',
      'init.defaultBranch=main',
      ...args
    ],
    { cwd, encoding: 'utf8' }
  ).trim()
}

const HEADER = 'firstName,lastName,email,leadScore'
const person = (i: number, score: string | number = i): string =>
  `First${i},Last${i},person${i}@example.com,${score}`

/** Ten people, committed. */
const BEFORE = [HEADER, ...Array.from({ length: 10 }, (_, i) => person(i + 1))]

/**
 * The pull request: rows 3, 5 and 8 change (row 5 to a score Marketo refuses), row 6 is deleted,
 * two people are added at the end.
 */
const AFTER = [
  HEADER,
  person(1),
  person(2),
  person(3, 30),
  person(4),
  person(5, 'TEXT_VALUE'),
  person(7),
  person(8, 80),
  person(9),
  person(10),
  person(11),
  person(12)
]

async function commitList(lines: string[], message: string): Promise<string> {
  await mkdir(join(repo, 'lists'), { recursive: true })
  await writeFile(join(repo, 'lists/members.csv'), lines.join('\n') + '\n')
  git(repo, 'add', '-A')
  git(repo, 'commit', '-q', '-m', message)
  return git(repo, 'rev-parse', 'HEAD')
}

function importChanged(workspace: string, ref: string): Promise<ActionRun> {
  return runAction({
    workspace,
    inputs: simulatorInputs(sim(), {
      files: 'lists/*.csv',
      'changed-since': ref,
      'max-failed-rows': '1'
    })
  })
}

describe('changed-since: only what the pull request changed', () => {
  it('sends exactly the three changed and two added records, and reports the removed one', async () => {
    git(repo, 'init', '-q')
    const base = await commitList(BEFORE, 'the list')
    await commitList(AFTER, 'the pull request')

    const run = await importChanged(repo, base)
    assertNoLeaks(run, {
      inputs: { 'client-secret': sim().clientSecret },
      files: { before: BEFORE.join('\n'), after: AFTER.join('\n') }
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)

    const submits = callsOf(sim(), 'submit')
    expect(submits).toHaveLength(1)
    expect(submits[0]!.upload!.content.toString('utf8')).toBe(
      [HEADER, person(3, 30), person(5, 'TEXT_VALUE'), person(8, 80), person(11), person(12)].join(
        '\n'
      ) + '\n'
    )
    expect([...sim().importedEmails('1001').keys()].sort()).toEqual(
      [
        'person3@example.com',
        'person8@example.com',
        'person11@example.com',
        'person12@example.com'
      ].sort()
    )
    expect(run.outputs).toMatchObject({
      'rows-total': '5',
      'rows-submitted': '5',
      'rows-imported': '4',
      'rows-failed': '1',
      'rows-not-submitted': '0'
    })

    // Lines are the current file's: person 5 is on line 6 now.
    const found = annotations(run.stdout)
    expect(found).toContainEqual({
      kind: 'error',
      props: {
        title: 'Invalid data type in field Lead Score',
        file: 'lists/members.csv',
        line: '6'
      },
      message: expect.stringContaining('Marketo did not import the row that starts on this line')
    })
    // The removed person: line 7 of the base version; it stays in Marketo.
    expect(found).toContainEqual({
      kind: 'notice',
      props: { title: 'Records removed stay in Marketo', file: 'lists/members.csv' },
      message:
        `lists/members.csv: 1 record removed since ${base} (line 7 of that version); they stay in ` +
        'Marketo: this action adds members and sets their status, it never removes them'
    })
    expect(run.summary).toContain(
      `4 of 5 rows new or changed since \`${base}\` imported into program 1001 as "On List"`
    )
    expect(run.summary).toContain('| `lists/members.csv` | 2 | 3 | 6 | 1 |')
    expect(run.summary).toContain(`**1 record removed since \`${base}\`**`)
    const report = await readReport(run)
    expect(report.changes.files).toEqual([
      {
        displayPath: 'lists/members.csv',
        newFile: false,
        unchanged: 6,
        changed: 3,
        added: 2,
        removed: 1,
        removedLines: [7]
      }
    ])
  })

  it('fails on a ref a shallow clone does not have, saying to fetch the history', async () => {
    git(repo, 'init', '-q')
    const base = await commitList(BEFORE, 'the list')
    await commitList(AFTER, 'the pull request')
    const clone = join(repo, 'clone')
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${repo}`, clone])

    const run = await importChanged(clone, base)
    expect(run.code).toBe(1)
    expect(sim().requests).toEqual([])
    expect(run.stdout).toContain(
      `::error::changed-since: "${base}" is not a commit in this repository: this clone is ` +
        'shallow (actions/checkout fetches a single commit by default). Set fetch-depth: 0 on ' +
        'actions/checkout so the history is there, or give a ref the clone has'
    )
    // The outputs and the summary are written before the step fails.
    expect(run.outputs['rows-total']).toBe('0')
    expect(run.summary).toContain('Marketo import')
  })

  it('in a dry run, checks and counts only the changed records', async () => {
    git(repo, 'init', '-q')
    const base = await commitList([...BEFORE, 'Dup,Dup,person1@example.com,1'], 'the list')
    await commitList([...AFTER, 'Bad,Row,,1'], 'the pull request')
    const run = await runAction({
      workspace: repo,
      inputs: {
        // No credentials: the endpoint is no secret.
        'munchkin-id': '123-ABC-456',
        'program-id': '1001',
        'program-member-status': 'On List',
        files: 'lists/*.csv',
        'changed-since': base,
        'dry-run': 'true'
      }
    })
    expect(run.code).toBe(1)
    // The old duplicate of person 1 is not this pull request's doing; the empty email is.
    expect(annotations(run.stdout).map((a) => [a.kind, a.props['line'], a.props['title']])).toEqual(
      [
        ['error', '13', 'empty email'],
        ['notice', undefined, 'Records removed stay in Marketo'],
        ['error', undefined, undefined]
      ]
    )
    expect(run.summary).toContain(
      `would import 0 rows new or changed since \`${base}\` from 0 files into program 1001`
    )
  })
})
