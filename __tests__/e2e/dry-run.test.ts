import { describe, expect, it } from '@jest/globals'
import { annotations, runAction, type ActionRun } from '../../scripts/run-action.js'
import { MARKETO_MAX_BODY_BYTES } from '../../src/marketo/multipart.js'
import { callsOf, programInputs, readReport, simulatorInputs, useSimulator } from './harness.js'

const sim = useSimulator()

const BIG_ROWS = Array.from({ length: 100 }, (_, i) => `Person${i},p${i}@example.com\n`).join('')

/** One file per problem the checks know; the lines in the comments are the ones annotated. */
const FILES: Record<string, string | Buffer> = {
  // notice: 100 rows in 2 KB parts.
  'lists/big.csv': `firstName,email\n${BIG_ROWS}`,
  // warning: a record Marketo cannot take (line 2); the planner refuses the file too. Words, not
  // one run of letters, so the leak check's email pattern stays linear on it.
  'lists/huge.csv': `firstName,email\n"${'notes '.repeat(MARKETO_MAX_BODY_BYTES / 6 + 1)}",huge@example.com\n`,
  // error: not UTF-8 from line 3 (a Latin-1 é).
  'lists/latin1.csv': Buffer.concat([
    Buffer.from('firstName,email\nAnn,ann.latin@example.com\nJos'),
    Buffer.from([0xe9]),
    Buffer.from(',jose@example.com\n')
  ]),
  // error: no email column, with the near miss named (line 1); warning: a display name (line 1).
  'lists/names.csv': 'First Name,E-mail Address\nIda,ida@example.com\n',
  // warnings: a display name (line 1), an invalid email (line 3), a duplicate (line 4 of line 2).
  'lists/people.csv':
    'firstName,email,Lead Score\n' +
    'Ann,ann@example.com,1\n' +
    'Bo,bo@example,2\n' +
    'Cy,ANN@example.com,3\n' +
    'Di,di@example.com,4\n',
  // error: a quoted field never closed (line 3).
  'lists/quotes.csv':
    'firstName,email\nKay,kay@example.com\n"Lu,lu@example.com\nMo,mo@example.com\n',
  // errors: an empty email (line 3), a row with 3 fields (line 4); warning: the same email as
  // people.csv line 5 (line 5).
  'lists/rows.csv':
    'firstName,email\n' +
    'Ed,ed@example.com\n' +
    'Fay,\n' +
    'Gus,gus@example.com,extra\n' +
    'Hal,di@example.com\n',
  // error: a .csv whose header splits on pipes (line 1). (One that splits only on tabs or on
  // semicolons is read as TSV or SSV with format: auto.)
  'lists/pipes.csv': 'firstName|email\nJo|jo@example.com\n'
}

function dryRun(
  files: Record<string, string | Buffer>,
  overrides: Record<string, string> = {}
): Promise<ActionRun> {
  // No client id, no secret: a pull request from a fork has none.
  return runAction({
    inputs: {
      ...programInputs(sim()),
      files: 'lists/*.csv',
      'dry-run': 'true',
      'chunk-size': '2KB',
      ...overrides
    },
    files
  })
}

function located(run: ActionRun): string[] {
  return annotations(run.stdout).map(
    (a) =>
      `${a.kind} ${a.props['file'] ?? '-'}:${a.props['line'] ?? '-'}` +
      (a.props['title'] ? ` [${a.props['title']}]` : '')
  )
}

describe('dry-run: the files checked locally, nothing sent', () => {
  it('reports every error, warning and notice at its file and line, and fails', async () => {
    const run = await dryRun(FILES)
    expect(run.stderr).toBe('')
    expect(run.code).toBe(1)
    expect(sim().requests).toEqual([])

    expect(located(run)).toEqual([
      // The planner's own errors, while finding the files.
      'error lists/huge.csv:2',
      'error lists/quotes.csv:3',
      // The checks, in file and line order; huge.csv:2 and quotes.csv:3 are not repeated.
      'notice lists/big.csv:- [file will be split]',
      'error lists/latin1.csv:3 [not valid UTF-8]',
      'error lists/names.csv:1 [no email column]',
      'warning lists/names.csv:1 [header name is not a REST API name]',
      'warning lists/people.csv:1 [header name is not a REST API name]',
      'warning lists/people.csv:3 [email Marketo flags as invalid]',
      'warning lists/people.csv:4 [same email twice]',
      'error lists/pipes.csv:1 [delimiter contradicts the format]',
      'error lists/rows.csv:3 [empty email]',
      'error lists/rows.csv:4 [wrong number of fields]',
      'warning lists/rows.csv:5 [same email twice]',
      // The verdict.
      'error -:-'
    ])
    const messages = annotations(run.stdout).map((a) => a.message)
    expect(messages).toContain(
      'no email column: Marketo needs a column named exactly email; rename "E-mail Address" to email'
    )
    expect(messages).toContain(
      'same email as line 2; Marketo keeps one member per email, the later row%27s values win'.replace(
        '%27',
        "'"
      )
    )
    expect(messages).toContain(
      "same email as lists/people.csv line 5; Marketo keeps one member per email, the later row's values win"
    )
    expect(messages).toContain(
      'this record has 3 fields, the header has 2; a value holding the delimiter must be in double quotes'
    )
    expect(messages).toContain(
      'the header splits on pipes, not on commas as the CSV format expects: save it with commas ' +
        '(Marketo reads comma, tab or semicolon separated files)'
    )
    expect(messages.at(-1)).toBe(
      '6 files cannot be imported (lists/huge.csv, lists/latin1.csv, lists/names.csv, ' +
        'lists/pipes.csv, lists/quotes.csv, lists/rows.csv): see the error for each'
    )

    // What would be imported: the two files without errors.
    expect(run.summary).toContain(
      '### ❌ Marketo import (dry run): would import 104 rows from 2 files into program 1001 as "On List"'
    )
    expect(run.summary).toContain('6 errors, 6 warnings (4 rows), 1 notice.')
    for (const row of [
      '| ❌ error | not valid UTF-8 | 1 | `lists/latin1.csv:3` |',
      '| ❌ error | unbalanced quotes | 1 | `lists/quotes.csv:3` |',
      '| ❌ error | delimiter contradicts the format | 1 | `lists/pipes.csv:1` |',
      '| ❌ error | no email column | 1 | `lists/names.csv:1` |',
      '| ❌ error | wrong number of fields | 1 | `lists/rows.csv:4` |',
      '| ❌ error | empty email | 1 | `lists/rows.csv:3` |',
      '| ⚠️ warning | email Marketo flags as invalid | 1 | `lists/people.csv:3` |',
      '| ⚠️ warning | same email twice | 2 | `lists/people.csv:4`, `lists/rows.csv:5` |',
      '| ⚠️ warning | header name is not a REST API name | 2 | `lists/names.csv:1`, `lists/people.csv:1` |',
      '| ⚠️ warning | record larger than Marketo’s limit | 1 | `lists/huge.csv:2` |',
      '| ℹ️ notice | file will be split | 1 | `lists/big.csv` |'
    ]) {
      expect(run.summary).toContain(row)
    }
    // Every row counted: the 100 + 4 that would go, and those of the refused files (quotes.csv
    // has 1 record before its unclosed quote).
    expect(run.outputs).toMatchObject({
      'rows-total': String(100 + 1 + 2 + 1 + 4 + 1 + 4 + 1),
      'rows-submitted': '0',
      'rows-not-submitted': String(100 + 1 + 2 + 1 + 4 + 1 + 4 + 1),
      'batch-ids': '[]'
    })
    const report = await readReport(run)
    expect(report.checks.rejectedFiles).toEqual([
      'lists/latin1.csv',
      'lists/names.csv',
      'lists/pipes.csv',
      'lists/quotes.csv',
      'lists/rows.csv'
    ])
    expect(report.checks.findings).toContainEqual({
      kind: 'duplicate-email',
      severity: 'warning',
      file: 'lists/rows.csv',
      line: 5,
      message:
        "same email as lists/people.csv line 5; Marketo keeps one member per email, the later row's values win",
      related: { file: 'lists/people.csv', line: 5 }
    })
  })

  it('passes with warnings alone, and fails on warned rows past max-warning-rows', async () => {
    const files = { 'lists/people.csv': FILES['lists/people.csv']! }
    const passed = await dryRun(files)
    expect(passed.code).toBe(0)
    expect(passed.summary).toContain(
      '### ✅ Marketo import (dry run): would import 4 rows from 1 file into program 1001 as "On List"'
    )
    expect(passed.stdout).toContain('Dry run: nothing was sent to Marketo.')

    const failed = await dryRun(files, { 'max-warning-rows': '1' })
    expect(failed.code).toBe(1)
    expect(failed.stdout).toContain(
      '::error::2 rows would be imported with a warning, limit 1: failing the step'
    )
    expect(sim().requests).toEqual([])
  })

  it('keeps GitHub’s caps: 8 errors, then one notice for the rest', async () => {
    const rows = Array.from({ length: 12 }, (_, i) => `Row${i},\n`).join('')
    const run = await dryRun({ 'lists/empty-emails.csv': `firstName,email\n${rows}` })
    const found = annotations(run.stdout)
    expect(
      found.filter((a) => a.props['title'] === 'empty email').map((a) => a.props['line'])
    ).toEqual(['2', '3', '4', '5', '6', '7', '8', '9'])
    expect(found.at(-2)).toMatchObject({
      kind: 'notice',
      message:
        '4 more errors are listed with their files and lines in the job summary and report.json'
    })
    expect(run.summary).toContain('| ❌ error | empty email | 12 |')
  })
})

describe('the same checks before an import', () => {
  it('does not submit a file with errors: its rows count as not submitted, with the reason', async () => {
    const run = await runAction({
      // people.csv's `Lead Score` is Marketo's to answer: the instance checks would stop first.
      inputs: simulatorInputs(sim(), { files: 'lists/*.csv', 'check-instance': 'false' }),
      files: {
        'lists/people.csv': FILES['lists/people.csv']!,
        'lists/rows.csv': FILES['lists/rows.csv']!
      }
    })
    expect(run.code).toBe(1)
    const submits = callsOf(sim(), 'submit')
    expect(submits).toHaveLength(1)
    expect(submits[0]!.upload?.content.toString('utf8')).toBe(FILES['lists/people.csv'])
    expect(run.outputs).toMatchObject({
      'rows-total': '8',
      'rows-submitted': '4',
      'rows-not-submitted': '4'
    })
    // Errors are annotated; the warnings are Marketo's to report in an import.
    expect(located(run).filter((a) => a.includes('rows.csv'))).toEqual([
      'error lists/rows.csv:3 [empty email]',
      'error lists/rows.csv:4 [wrong number of fields]'
    ])
    expect(run.summary).toContain(
      '`lists/rows.csv`: 2 errors in the file, the first on line 3: empty email: Marketo fails a ' +
        'row without one; it was not submitted'
    )
    expect(run.stdout).toContain(
      '1 file cannot be imported (lists/rows.csv): see the error for each'
    )
  })
})
