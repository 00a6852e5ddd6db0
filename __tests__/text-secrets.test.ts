import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { mkdtemp, readFile, rm, stat, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { text } from 'node:stream/consumers'
import { scrubDirectory, scrubFile } from '../src/report/scrub-files.js'
import { MASK, SecretScrubber } from '../src/text/secrets.js'

const SECRET = 'sim-client-secret'
const TOKEN = 'cdf01657-110d-4155-99a7-f986b2ff13a0:int'

function scrubber(...secrets: string[]): SecretScrubber {
  const scrub = new SecretScrubber()
  for (const secret of secrets) scrub.add(secret)
  return scrub
}

describe('SecretScrubber', () => {
  it('replaces each secret, raw or URL-encoded, with ***', () => {
    const scrub = scrubber(SECRET, TOKEN)
    expect(scrub.scrub(`Bad client credentials: ${SECRET}`)).toBe(`Bad client credentials: ${MASK}`)
    expect(scrub.scrub(`token ${TOKEN} and ${encodeURIComponent(TOKEN)}`)).toBe(
      `token ${MASK} and ${MASK}`
    )
  })

  it('leaves values too short to tell from ordinary words', () => {
    expect(scrubber('abc').scrub('abc def')).toBe('abc def')
  })

  it('scrubs the string values of JSON, keeping it JSON', () => {
    const json = scrubber('s3cr"et\\x').json({ message: 'said s3cr"et\\x', n: 1 })
    expect(JSON.parse(json)).toEqual({ message: `said ${MASK}`, n: 1 })
  })

  it('streams: a secret cut by any chunk boundary is still replaced', async () => {
    const scrub = scrubber(SECRET, TOKEN)
    await fc.assert(
      fc.asyncProperty(
        fc.array(fc.constantFrom('row,', SECRET, TOKEN, '\n', 'é', 'sim-', 'x'), { maxLength: 20 }),
        fc.array(fc.integer({ min: 1, max: 9 }), { minLength: 1, maxLength: 10 }),
        async (pieces, cuts) => {
          const bytes = Buffer.from(pieces.join(''))
          const chunks: Buffer[] = []
          for (let at = 0, i = 0; at < bytes.length; i++) {
            const size = cuts[i % cuts.length] as number
            chunks.push(bytes.subarray(at, at + size))
            at += size
          }
          const stream = scrub.stream()
          const out = await text(Readable.from(chunks).pipe(stream))
          expect(out).toBe(scrub.scrub(pieces.join('')))
          expect(stream.found()).toBe(pieces.includes(SECRET) || pieces.includes(TOKEN))
        }
      ),
      { numRuns: 500 }
    )
  })
})

describe('scrubFile and scrubDirectory', () => {
  it('rewrite only the files that hold a secret', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scrub-'))
    try {
      const leaking = join(dir, 'leads.batch-1.failures.csv')
      const clean = join(dir, 'report.md')
      await writeFile(leaking, `email,Import Failure Reason\na@x,token ${TOKEN} rejected\n`)
      await writeFile(clean, '# report\n')
      const before = (await stat(clean)).mtimeMs
      await scrubDirectory(dir, scrubber(TOKEN))
      expect(await readFile(leaking, 'utf8')).toBe(
        `email,Import Failure Reason\na@x,token ${MASK} rejected\n`
      )
      expect((await stat(clean)).mtimeMs).toBe(before)
      expect(await scrubFile(clean, scrubber(TOKEN))).toBe(false)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })

  it('tell the memory bound every byte they read', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'scrub-'))
    try {
      const big = join(dir, 'big.csv')
      const clean = join(dir, 'report.md')
      await writeFile(big, Buffer.alloc(300_000, 'a'))
      await writeFile(clean, '# report\n')
      let counted = 0
      await scrubDirectory(dir, scrubber(TOKEN), (bytes) => (counted += bytes))
      expect(counted).toBe(300_000 + '# report\n'.length)
    } finally {
      await rm(dir, { recursive: true, force: true })
    }
  })
})
