import { mkdtempSync, utimesSync, writeFileSync, mkdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from '@jest/globals'
import { assertBundleFresh, newerSource } from '../testkit/bundle-freshness.js'

describe('the end-to-end tests refuse a stale dist/', () => {
  it('names a source changed after the bundle, beyond a fresh clone’s spread', () => {
    const at = 1_000_000
    expect(newerSource(at, [{ path: 'src/a.ts', mtimeMs: at + 1500 }])).toBeUndefined()
    expect(
      newerSource(at, [
        { path: 'src/a.ts', mtimeMs: at - 10 },
        { path: 'src/b.ts', mtimeMs: at + 60_000 }
      ])
    ).toBe('src/b.ts')
  })

  it('throws for a bundle older than a source file on disk, and passes a newer one', () => {
    const root = mkdtempSync(join(tmpdir(), 'freshness-'))
    mkdirSync(join(root, 'src', 'deep'), { recursive: true })
    const source = join(root, 'src', 'deep', 'main.ts')
    const bundle = join(root, 'index.js')
    writeFileSync(source, 'export {}\n')
    writeFileSync(bundle, '// built\n')
    utimesSync(bundle, new Date(2026, 0, 1), new Date(2026, 0, 1))
    utimesSync(source, new Date(2026, 0, 2), new Date(2026, 0, 2))
    expect(() => assertBundleFresh(bundle, join(root, 'src'))).toThrow(
      /index\.js is older than .*main\.ts: run `npm run bundle`/
    )
    utimesSync(bundle, new Date(2026, 0, 3), new Date(2026, 0, 3))
    expect(() => assertBundleFresh(bundle, join(root, 'src'))).not.toThrow()
  })
})
