import { afterAll, beforeAll, describe, expect, it } from '@jest/globals'
import { makeTempDir, type TempDir } from '../__fixtures__/files/temp-files.js'
import { planFile } from '../src/files/index.js'
import { EmailBloom } from '../src/validate/duplicates.js'
import { preflight } from '../src/validate/preflight.js'

let dir: TempDir
beforeAll(async () => {
  dir = await makeTempDir('validate-duplicates-')
})
afterAll(async () => {
  await dir.remove()
})

describe('duplicate emails in bounded memory', () => {
  it('keeps as candidates only what it may have seen, never missing a repeat', () => {
    const bloom = new EmailBloom(100_000)
    for (let i = 0; i < 100_000; i++) bloom.add(`person${i}@example.com`)
    // A few false candidates at most, and every true repeat.
    expect(bloom.candidates.size).toBeLessThan(100)
    bloom.add('person42@example.com')
    bloom.add('person99999@example.com')
    expect(bloom.isCandidate('person42@example.com')).toBe(true)
    expect(bloom.isCandidate('person99999@example.com')).toBe(true)
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
