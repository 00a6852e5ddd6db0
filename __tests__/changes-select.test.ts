import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { mkdir, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTempDir, readSource, type TempDir } from '../__fixtures__/files/temp-files.js'
import { ChangeError } from '../src/changes/git.js'
import { planSelection, rangesOf } from '../src/changes/plan.js'
import { selectChanged } from '../src/changes/select.js'
import { readRanges, sourceOfPart } from '../src/changes/source.js'
import { planFile, readRecords, type FilePlan } from '../src/files/index.js'

let dir: TempDir
beforeEach(async () => {
  dir = await makeTempDir('changes-select-')
})
afterEach(async () => {
  await dir.remove()
})

function git(...args: string[]): string {
  return execFileSync(
    'git',
    [
      '-c',
      'user.name=Test',
      '-c',
      'user.email=test@example.com',
      '-c',
      'init.defaultBranch=main',
      ...args
    ],
    { cwd: dir.path, encoding: 'utf8' }
  ).trim()
}

async function commit(files: Record<string, string>, message = 'lists'): Promise<string> {
  for (const [name, content] of Object.entries(files)) {
    await mkdir(join(dir.path, name, '..'), { recursive: true })
    await writeFile(join(dir.path, name), content)
  }
  git('add', '-A')
  git('commit', '-q', '-m', message)
  return git('rev-parse', 'HEAD')
}

async function plan(name: string, chunkSizeBytes = 10_000_000): Promise<FilePlan> {
  return planFile(join(dir.path, name), { format: 'CSV', chunkSizeBytes, displayPath: name })
}

const BEFORE = [
  'firstName,email,leadScore',
  'Ann,ann@x.com,1',
  'Bo,bo@x.com,2',
  'Cy,cy@x.com,3',
  'Di,di@x.com,4',
  'Ed,ed@x.com,5',
  ''
].join('\n')

describe('records new or changed since a ref', () => {
  it('selects changed and added records, counts the unchanged, and reports the removed', async () => {
    git('init', '-q')
    const base = await commit({ 'lists/a.csv': BEFORE })
    // Bo changed, Cy removed, Fay added; reordered columns are no change.
    await writeFile(
      join(dir.path, 'lists/a.csv'),
      [
        'email,firstName,leadScore',
        'ann@x.com,Ann,1',
        'bo@x.com,Bo,20',
        'di@x.com,Di,4',
        'ed@x.com,Ed,5',
        'fay@x.com,Fay,6',
        ''
      ].join('\n')
    )
    const current = await plan('lists/a.csv')
    const selection = await selectChanged([current], {
      ref: base,
      cwd: dir.path,
      chunkSizeBytes: 10_000_000
    })
    expect(selection.summary).toEqual({
      ref: base,
      commit: base,
      files: [
        {
          displayPath: 'lists/a.csv',
          newFile: false,
          unchanged: 3,
          changed: 1,
          added: 1,
          removed: 1,
          removedLines: [4]
        }
      ]
    })
    expect([...selection.selectedLines.get(current.path)!]).toEqual([3, 6])
    const [selected] = selection.plans
    expect(selected!.rows).toBe(2)
    expect(selected!.parts).toHaveLength(1)
    const part = selected!.parts[0]!
    expect(part.ranges).toHaveLength(2)
    expect(part.firstLine).toBe(3)
    const body = (await readSource(sourceOfPart(part, selected!.header))).toString()
    expect(body).toBe('email,firstName,leadScore\nbo@x.com,Bo,20\nfay@x.com,Fay,6\n')
  })

  it('collects the removed records whose email is in none of the files now, with their old line', async () => {
    git('init', '-q')
    const base = await commit({ 'a.csv': BEFORE, 'b.csv': 'email\nzed@x.com\n' })
    // Cy and Di leave a.csv; Di moves to b.csv and keeps the membership.
    await writeFile(
      join(dir.path, 'a.csv'),
      ['firstName,email,leadScore', 'Ann,ann@x.com,1', 'Bo,bo@x.com,2', 'Ed,ed@x.com,5', ''].join(
        '\n'
      )
    )
    await writeFile(join(dir.path, 'b.csv'), 'email\nzed@x.com\nDI@x.com\n')
    const selection = await selectChanged([await plan('a.csv'), await plan('b.csv')], {
      ref: base,
      cwd: dir.path,
      chunkSizeBytes: 10_000_000,
      collectRemoved: true
    })
    expect(selection.removed).toEqual([{ email: 'cy@x.com', source: { file: 'a.csv', line: 4 } }])
    const without = await selectChanged([await plan('a.csv')], {
      ref: base,
      cwd: dir.path,
      chunkSizeBytes: 10_000_000
    })
    expect(without.removed).toEqual([])
  })

  it('reads the email column under its renamed header, then and now', async () => {
    git('init', '-q')
    const base = await commit({ 'a.csv': 'E-mail,firstName\nann@x.com,Ann\ncy@x.com,Cy\n' })
    await writeFile(join(dir.path, 'a.csv'), 'E-mail,firstName\nann@x.com,Ann\n')
    const selection = await selectChanged([await plan('a.csv')], {
      ref: base,
      cwd: dir.path,
      chunkSizeBytes: 10_000_000,
      collectRemoved: true,
      renames: new Map([['E-mail', 'email']])
    })
    expect(selection.removed).toEqual([{ email: 'cy@x.com', source: { file: 'a.csv', line: 3 } }])
  })

  it('reads a ref by name, and counts a file absent there as all new', async () => {
    git('init', '-q')
    await commit({ 'lists/a.csv': BEFORE })
    git('branch', 'base')
    await commit({ 'lists/new.csv': 'email\nx@x.com\ny@x.com\n' })
    const selection = await selectChanged(
      [await plan('lists/a.csv'), await plan('lists/new.csv')],
      {
        ref: 'base',
        cwd: join(dir.path, 'lists'),
        chunkSizeBytes: 10_000_000
      }
    )
    expect(
      selection.summary.files.map((f) => [f.displayPath, f.newFile, f.added, f.unchanged])
    ).toEqual([
      ['lists/a.csv', false, 0, 5],
      ['lists/new.csv', true, 2, 0]
    ])
    // Nothing changed: no part. All new: the file's own plan, unchanged.
    expect(selection.plans[0]!.parts).toEqual([])
    expect(selection.plans[1]!.parts[0]!.ranges).toBeUndefined()
  })

  it('counts everything as new for the all-zero sha of a branch’s first push', async () => {
    git('init', '-q')
    await commit({ 'a.csv': BEFORE })
    const selection = await selectChanged([await plan('a.csv')], {
      ref: '0'.repeat(40),
      cwd: dir.path,
      chunkSizeBytes: 10_000_000
    })
    expect(selection.summary.commit).toBeNull()
    expect(selection.summary.files[0]).toMatchObject({ newFile: true, added: 5 })
  })

  it('fails on an unknown ref with how to fix it, naming a shallow clone', async () => {
    git('init', '-q')
    await commit({ 'a.csv': BEFORE })
    await commit({ 'a.csv': BEFORE + 'Fay,fay@x.com,6\n' })
    const clone = join(dir.path, 'clone')
    execFileSync('git', ['clone', '-q', '--depth', '1', `file://${dir.path}`, clone])
    const current = await planFile(join(clone, 'a.csv'), {
      format: 'CSV',
      chunkSizeBytes: 10_000_000
    })
    const attempt = selectChanged([current], {
      ref: 'HEAD~1',
      cwd: clone,
      chunkSizeBytes: 10_000_000
    })
    await expect(attempt).rejects.toThrow(ChangeError)
    await expect(attempt).rejects.toThrow(
      'changed-since: "HEAD~1" is not a commit in this repository: this clone is shallow ' +
        '(actions/checkout fetches a single commit by default). Set fetch-depth: 0 on ' +
        'actions/checkout so the history is there, or give a ref the clone has'
    )
  })

  it('fails outside a git repository', async () => {
    await writeFile(join(dir.path, 'a.csv'), BEFORE)
    await expect(
      selectChanged([await plan('a.csv')], {
        ref: 'main',
        cwd: dir.path,
        chunkSizeBytes: 10_000_000
      })
    ).rejects.toThrow(/is not in a git repository; check the repository out with actions\/checkout/)
  })
})

describe('parts of selected records', () => {
  it('packs them within chunk-size, merging neighbours into one range', async () => {
    const rows = Array.from({ length: 40 }, (_, i) => `p${i}@x.com,${'v'.repeat(i % 7)}\n`).join('')
    const path = await dir.write('many.csv', `email,note\n${rows}`)
    const whole = await planFile(path, { format: 'CSV', chunkSizeBytes: 600 })
    const records = []
    for await (const record of readRecords(path, 'CSV')) {
      if (record.index > 0 && record.index % 3 !== 0) records.push(record)
    }
    const selected = planSelection(whole, records, 600)
    expect(selected.rows).toBe(records.length)
    let sent = ''
    for (const part of selected.parts) {
      const source = sourceOfPart(part, whole.header)
      const body = (await readSource(source)).toString()
      expect(Buffer.byteLength(body)).toBe(source.byteLength)
      expect(body.startsWith('email,note\n')).toBe(true)
      expect(part.byteStart).toBe(part.ranges![0]!.start)
      expect(part.byteEnd).toBe(part.ranges!.at(-1)!.end)
      expect(part.bytes).toBe(source.byteLength)
      sent += body.slice('email,note\n'.length)
    }
    expect(selected.parts.length).toBeGreaterThan(1)
    expect(sent).toBe(records.map((r) => r.fields.join(',') + '\n').join(''))
    // A renamed header goes before the same ranges, counted in byteLength.
    const renamed = Buffer.from('email,note_c\n')
    const first = selected.parts[0]!
    const source = sourceOfPart(first, whole.header, renamed)
    const body = (await readSource(source)).toString()
    expect(body).toBe(
      'email,note_c\n' + (await readSource(sourceOfPart(first, whole.header))).toString().slice(11)
    )
    expect(Buffer.byteLength(body)).toBe(source.byteLength)
    expect(
      rangesOf([
        { line: 2, start: 10, end: 20 },
        { line: 3, start: 20, end: 30 },
        { line: 5, start: 40, end: 50 }
      ])
    ).toEqual([
      { start: 10, end: 30 },
      { start: 40, end: 50 }
    ])
  })

  it('reads ranges larger than one read, and refuses a file that shrank', async () => {
    const text = 'h\n' + 'x'.repeat(600_000) + '\n' + 'y'.repeat(10) + '\n'
    const path = await dir.write('big.txt', text)
    const chunks: Buffer[] = []
    for await (const chunk of readRanges(path, [
      { start: 0, end: 2 },
      { start: 3, end: 600_003 },
      { start: 600_003, end: 600_014 }
    ])) {
      chunks.push(chunk)
    }
    expect(Buffer.concat(chunks).toString()).toBe(
      'h\n' + 'x'.repeat(599_999) + '\n' + 'y'.repeat(10) + '\n'
    )
    const reading = async (): Promise<void> => {
      for await (const _ of readRanges(path, [{ start: 700_000, end: 700_010 }])) void _
    }
    await expect(reading()).rejects.toThrow(/changed during the run/)
  })
})
