import { mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import path from 'node:path'
import { afterAll, describe, expect, it } from '@jest/globals'
import { IMPORTS_MAX_BYTES, InputError, readInputs, type Inputs } from '../src/inputs/index.js'

const root = mkdtempSync(path.join(tmpdir(), 'imports-input-'))
const workspace = path.join(root, 'ws')
mkdirSync(path.join(workspace, 'config'), { recursive: true })
afterAll(() => rmSync(root, { recursive: true, force: true }))

const CREDENTIALS: Record<string, string> = {
  'munchkin-id': '123-ABC-456',
  'client-id': 'client-id-1',
  'client-secret': 'secret-1'
}

function read(given: Record<string, string>): Inputs {
  const values = { ...CREDENTIALS, ...given }
  return readInputs((name) => (values[name] ?? '').trim(), { GITHUB_WORKSPACE: workspace }, root)
}

function messageOf(given: Record<string, string>): string {
  try {
    read(given)
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    expect(error.input).toBe(given['mirror'] ? 'mirror' : 'imports')
    expect(error.message).not.toMatch(/[\r\n]/)
    return error.message
  }
  throw new Error(`no InputError for ${JSON.stringify(given)}`)
}

const THREE = `
- program-id: '1001'
  program-member-status: Registered
  files: exports/1001/*.csv
- program-id: 1002
  files:
    - exports/1002/a.csv
    - exports/1002/b.csv
  format: tsv
  columns:
    Email Address: email
  max-failed-rows: 2.5%
- program-id: '1003'
  program-member-status: Attended
  max-warning-rows: 3
`

describe('imports', () => {
  it('makes one import of the step’s own inputs when it is not given', () => {
    const inputs = read({
      'program-id': '1044',
      'program-member-status': 'On List',
      files: 'a.csv'
    })
    expect(inputs.imports).toEqual([
      {
        programId: '1044',
        programMemberStatus: 'On List',
        files: ['a.csv'],
        format: 'auto',
        columns: new Map(),
        changedSince: undefined
      }
    ])
  })

  it('reads inline YAML, the step’s inputs filling in what an entry leaves out', () => {
    const inputs = read({
      imports: THREE,
      'program-member-status': 'On List',
      files: 'exports/shared.csv',
      'max-failed-rows': '5'
    })
    expect(inputs.imports).toEqual([
      {
        entry: 1,
        programId: '1001',
        programMemberStatus: 'Registered',
        files: ['exports/1001/*.csv'],
        format: 'auto',
        columns: new Map(),
        changedSince: undefined
      },
      {
        entry: 2,
        programId: '1002',
        programMemberStatus: 'On List',
        files: ['exports/1002/a.csv', 'exports/1002/b.csv'],
        format: 'tsv',
        columns: new Map([['Email Address', 'email']]),
        changedSince: undefined,
        maxFailedRows: { kind: 'percent', percent: 2.5 }
      },
      {
        entry: 3,
        programId: '1003',
        programMemberStatus: 'Attended',
        files: ['exports/shared.csv'],
        format: 'auto',
        columns: new Map(),
        changedSince: undefined,
        maxWarningRows: { kind: 'count', count: 3 }
      }
    ])
    // The step's own threshold stays the run's.
    expect(inputs.maxFailedRows).toEqual({ kind: 'count', count: 5 })
    expect(inputs.programId).toBe('')
  })

  it('reads a YAML or JSON file inside the workspace', () => {
    writeFileSync(path.join(workspace, 'config/imports.yml'), THREE)
    writeFileSync(
      path.join(workspace, 'config/imports.json'),
      JSON.stringify([{ 'program-id': '1001', 'program-member-status': 'Member', files: 'a.csv' }])
    )
    const given = { 'program-member-status': 'On List', files: 'x.csv' }
    expect(read({ ...given, imports: 'config/imports.yml' }).imports).toHaveLength(3)
    expect(read({ ...given, imports: 'config/imports.json' }).imports).toEqual([
      expect.objectContaining({ entry: 1, programId: '1001', programMemberStatus: 'Member' })
    ])
  })

  it.each([
    [
      'a YAML syntax error',
      '- program-id: 1\n  program-id: 2',
      'imports: "- program-id: 1\\n  program-id: 2" is not valid YAML (Map keys must be unique; "program-id" is repeated at line 1, column 3); give a YAML list'
    ],
    [
      'not a list',
      'program-id: 1001',
      'imports: "program-id: 1001" is a mapping, not a list; give'
    ],
    ['an empty list', '[]', 'imports: "[]" is an empty list; give'],
    [
      'an entry that is no mapping',
      '- 1001',
      'imports: entry 1 is a number (1001), not a mapping of input names to values; give e.g.'
    ],
    [
      'an unknown key',
      "- program-id: '1001'\n  program-member-status: Member\n  files: a.csv\n- program-id: '1002'\n  progam-member-status: Member",
      'imports: entry 2 (program-id 1002): unknown key "progam-member-status"; an entry takes program-id, program-member-status, status-column, files, format, columns, changed-since, max-failed-rows, max-warning-rows'
    ],
    [
      'a wrong type',
      "- program-id: '1001'\n  program-member-status: Member\n  files: {a: b}",
      'imports: entry 1 (program-id 1001): files: is a mapping; give a glob pattern or a list of them, e.g. data/*.csv'
    ],
    [
      'an empty value',
      '- program-id:\n  files: a.csv',
      'imports: entry 1: program-id: is empty; give a program id, e.g. 1044'
    ],
    [
      'a missing program',
      '- program-member-status: Member\n  files: a.csv',
      'imports: entry 1: program-id: is required, as the step gives none; give the numeric id of a Marketo program, e.g. 1044'
    ],
    [
      'a missing status',
      "- program-id: '1001'\n  files: a.csv",
      'imports: entry 1 (program-id 1001): program-member-status: is required unless status-column is given, as the step gives neither'
    ],
    [
      'missing files',
      "- program-id: '1001'\n  program-member-status: Member",
      'imports: entry 1 (program-id 1001): files: is required, as the step gives none; give one or more glob patterns'
    ],
    [
      'a bad program id',
      "- program-id: 'PG1044'\n  program-member-status: Member\n  files: a.csv",
      'imports: entry 1 (program-id PG1044): program-id: "PG1044" must be the numeric id of a Marketo program'
    ],
    [
      'a bad threshold',
      '- program-id: 1001\n  program-member-status: Member\n  files: a.csv\n  max-failed-rows: ten',
      'imports: entry 1 (program-id 1001): max-failed-rows: "ten" is neither a count nor a percentage like 2.5%'
    ],
    [
      'a bad format',
      '- program-id: 1001\n  program-member-status: Member\n  files: a.csv\n  format: xls',
      'imports: entry 1 (program-id 1001): format: "xls" must be one of auto, csv, tsv, ssv'
    ],
    [
      'files outside the workspace',
      '- program-id: 1001\n  program-member-status: Member\n  files: ../other/*.csv',
      'imports: entry 1 (program-id 1001): files: "../other/*.csv" leaves the workspace;'
    ],
    [
      'both ways of giving the status',
      '- program-id: 1001\n  program-member-status: Member\n  status-column: status\n  files: a.csv',
      'imports: entry 1 (program-id 1001): program-member-status and status-column are two ways of giving the status; give one of them'
    ]
  ])('refuses %s in one line naming the entry and the key', (_, imports, message) => {
    expect(messageOf({ imports })).toContain(message)
  })

  it('refuses an imports file outside the workspace, through a link out of it, or too large', () => {
    writeFileSync(path.join(root, 'outside.yml'), THREE)
    symlinkSync(path.join(root, 'outside.yml'), path.join(workspace, 'config/link.yml'))
    writeFileSync(path.join(workspace, 'config/big.yml'), '#'.repeat(IMPORTS_MAX_BYTES + 1))
    expect(messageOf({ imports: '../outside.yml' })).toBe(
      `imports: "../outside.yml" is not inside the workspace ${workspace}; give a YAML list with one entry per import, e.g. "- program-id: '1044'" with its files, inline or as the path of a .yml, .yaml or .json file in the workspace`
    )
    expect(messageOf({ imports: 'config/link.yml' })).toContain(
      'imports: "config/link.yml" is not inside the workspace'
    )
    expect(messageOf({ imports: 'config/big.yml' })).toContain(
      `imports: "config/big.yml" is larger than ${IMPORTS_MAX_BYTES} bytes`
    )
    expect(messageOf({ imports: 'config/missing.json' })).toContain(
      'imports: "config/missing.json" names no file in the workspace'
    )
    writeFileSync(path.join(workspace, 'config/bad.json'), '[{"program-id": 1001,]')
    expect(messageOf({ imports: 'config/bad.json' })).toContain(
      'imports: "config/bad.json" is not valid JSON ('
    )
  })

  it('refuses removals, which go to one program, with imports', () => {
    expect(
      messageOf({
        imports: '- program-id: 1001\n  program-member-status: Member\n  files: a.csv',
        mirror: 'true'
      })
    ).toBe(
      'mirror: "true" cannot be used with imports: removals go to one program; remove members in a step of its own'
    )
  })

  it('refuses entries that read their files against different changed-since refs', () => {
    expect(
      messageOf({
        imports:
          '- {program-id: 1001, program-member-status: Member, files: a.csv, changed-since: HEAD~1}\n' +
          '- {program-id: 1002, program-member-status: Member, files: b.csv}'
      })
    ).toBe(
      'imports: "HEAD~1, (none)" gives the entries different changed-since refs; give every entry the same ref (or the step one changed-since), or import them in steps of their own'
    )
    const same = read({
      imports:
        '- {program-id: 1001, program-member-status: Member, files: a.csv}\n' +
        '- {program-id: 1002, program-member-status: Member, files: b.csv}',
      'changed-since': 'origin/main'
    })
    expect(same.imports.map((spec) => spec.changedSince)).toEqual(['origin/main', 'origin/main'])
  })

  it('does not need the step’s program, status or files with imports', () => {
    const inputs = read({
      imports: '- {program-id: 1001, program-member-status: Member, files: a.csv}'
    })
    expect(inputs.imports.map((spec) => spec.programId)).toEqual(['1001'])
    expect(inputs.files).toEqual([])
  })
})
