import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, rm, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readInputs } from '../src/inputs/index.js'
import { contentKind, discover } from '../src/stages/find.js'

const CSV = 'email,firstName\nann@example.com,Ann\n'

describe('contentKind: UTF-16 is told apart before the NUL probe', () => {
  const utf16le = Buffer.from(CSV, 'utf16le')
  const utf16be = Buffer.from(utf16le).swap16()
  it.each([
    [
      'UTF-16LE with its byte order mark',
      Buffer.concat([Buffer.from([0xff, 0xfe]), utf16le]),
      'utf16'
    ],
    [
      'UTF-16BE with its byte order mark',
      Buffer.concat([Buffer.from([0xfe, 0xff]), utf16be]),
      'utf16'
    ],
    ['UTF-16LE without a mark', utf16le, 'utf16'],
    ['UTF-16BE without a mark', utf16be, 'utf16'],
    ['UTF-8', Buffer.from(CSV), 'text'],
    [
      'a binary file',
      Buffer.from([0x50, 0x4b, 0x03, 0x04, 0, 0, 0, 0, 8, 0, 0x10, 0, 0, 0]),
      'binary'
    ]
  ])('%s', (_name, head, kind) => {
    expect(contentKind(head)).toBe(kind)
  })
})

describe('discover: the workspace is the boundary', () => {
  let root: string
  beforeEach(async () => {
    root = await mkdtemp(join(tmpdir(), 'find-'))
    await mkdir(join(root, 'workspace/lists'), { recursive: true })
    await mkdir(join(root, 'outside'), { recursive: true })
  })
  afterEach(async () => {
    await rm(root, { recursive: true, force: true })
  })

  it('refuses a link to a file outside, and follows one that stays inside', async () => {
    await writeFile(join(root, 'outside/passwd'), 'root:x:0:0:root:/root:/bin/bash\n')
    await writeFile(join(root, 'workspace/lists/leads.csv'), CSV)
    await writeFile(join(root, 'workspace/utf16.csv'), Buffer.from(CSV, 'utf16le'))
    await symlink(join(root, 'outside/passwd'), join(root, 'workspace/lists/passwd.csv'))
    await symlink(join(root, 'outside'), join(root, 'workspace/lists/more'))
    await symlink('leads.csv', join(root, 'workspace/lists/latest.csv'))
    const inputs = readInputs(
      (name) =>
        ({
          files: 'lists/**/*.csv\nutf16.csv',
          'dry-run': 'true',
          'program-id': '1001',
          'program-member-status': 'On List'
        })[name] ?? '',
      { GITHUB_WORKSPACE: join(root, 'workspace') }
    )
    await writeFile(join(root, 'outside/more.csv'), 'email\nsecret@example.com\n')
    const found = await discover(inputs)
    expect(found.plans.map((plan) => plan.displayPath)).toEqual([
      'lists/latest.csv',
      'lists/leads.csv'
    ])
    expect(found.problems).toEqual([
      {
        displayPath: 'lists/more/more.csv',
        rows: 0,
        message: expect.stringMatching(/^is a link to a file outside the workspace/)
      },
      {
        displayPath: 'lists/passwd.csv',
        rows: 0,
        message:
          'is a link to a file outside the workspace; only files inside GITHUB_WORKSPACE are read, so it was not opened'
      },
      {
        displayPath: 'utf16.csv',
        rows: 0,
        message: 'is UTF-16 text; save it as UTF-8 (CSV, TSV or SSV) and run the action again'
      }
    ])
  })
})
