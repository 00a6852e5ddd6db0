import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { mkdir, readdir } from 'node:fs/promises'
import { join } from 'node:path'
import { makeTempDir, type TempDir } from '../__fixtures__/files/temp-files.js'
import { planFile } from '../src/files/index.js'
import { EmailFingerprints } from '../src/validate/duplicates.js'
import { preflight } from '../src/validate/preflight.js'

let dir: TempDir
beforeAll(async () => {
  dir = await makeTempDir('validate-duplicates-')
})
afterAll(async () => {
  await dir.remove()
})

describe('duplicate emails in bounded memory', () => {
  it('finds every repeated email and nothing else, without scratch files when it fits', async () => {
    const parent = join(dir.path, 'scratch-small')
    await mkdir(parent)
    const emails = new EmailFingerprints(1000, parent)
    for (let i = 0; i < 1000; i++) emails.add(`person${i}@example.com`)
    emails.add('person42@example.com')
    expect(await readdir(parent)).toEqual([])
    expect(emails.candidates().size).toBe(1)
    expect(emails.isCandidate('person42@example.com')).toBe(true)
    expect(emails.isCandidate('person43@example.com')).toBe(false)
  })

  it('spreads many emails over scratch buckets and removes them once it has the candidates', async () => {
    const parent = join(dir.path, 'scratch-large')
    await mkdir(parent)
    const count = 600_000
    const emails = new EmailFingerprints(count, parent)
    for (let i = 0; i < count; i++) emails.add(`person${i}@example.com`)
    for (const i of [0, 7, 299_999, 599_999]) emails.add(`person${i}@example.com`)
    // Four buckets of about 150,000 fingerprints, each written out in 8 KiB blocks.
    const [folder] = await readdir(parent)
    expect((await readdir(join(parent, folder as string))).sort()).toEqual([
      'bucket-0',
      'bucket-1',
      'bucket-2',
      'bucket-3'
    ])
    expect(emails.candidates().size).toBe(4)
    for (const i of [0, 7, 299_999, 599_999]) {
      expect(emails.isCandidate(`person${i}@example.com`)).toBe(true)
    }
    expect(emails.isCandidate('person8@example.com')).toBe(false)
    expect(await readdir(parent)).toEqual([])
  })

  it('removes its scratch files when the checks stop before the candidates', async () => {
    const parent = join(dir.path, 'scratch-stopped')
    await mkdir(parent)
    const emails = new EmailFingerprints(300_000, parent)
    for (let i = 0; i < 300_000; i++) emails.add(`person${i}@example.com`)
    expect(await readdir(parent)).toHaveLength(1)
    emails.close()
    expect(await readdir(parent)).toEqual([])
  })

  it('names both lines of every duplicate over large files, and nothing else', async () => {
    const rows = (from: number, to: number): string =>
      Array.from(
        { length: to - from },
        (_, i) => `P${from + i},person${from + i}@example.com\n`
      ).join('')
    // a.csv: 60,000 people; b.csv: 40,000 more, then three people of a.csv again, one twice.
    const a = await dir.write('a.csv', `firstName,email\n${rows(0, 60_000)}`)
    const b = await dir.write(
      'b.csv',
      `firstName,email\n${rows(60_000, 100_000)}X,PERSON7@example.com\nY,person59999@example.com\nZ,person7@example.com \n`
    )
    const plans = [
      await planFile(a, { format: 'CSV', chunkSizeBytes: 10_000_000, displayPath: 'a.csv' }),
      await planFile(b, { format: 'CSV', chunkSizeBytes: 10_000_000, displayPath: 'b.csv' })
    ]
    const result = await preflight({
      plans,
      problems: [],
      workspace: dir.path,
      format: 'auto',
      chunkSizeBytes: 10_000_000,
      dryRun: true
    })
    expect(result.findings.map((f) => [f.file, f.line, f.related])).toEqual([
      ['b.csv', 40_002, { file: 'a.csv', line: 9 }],
      ['b.csv', 40_003, { file: 'a.csv', line: 60_001 }],
      ['b.csv', 40_004, { file: 'a.csv', line: 9 }]
    ])
    expect(result.summary.warnedRows).toBe(3)
  })
})
