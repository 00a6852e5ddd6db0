import { afterAll, beforeAll } from '@jest/globals'
import { mkdtemp, rm, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { UploadSource } from '../../src/marketo/types.js'

/** The reference page's Lannister file: a header and 8 rows. */
export const LANNISTER_CSV = join(import.meta.dirname, 'Lead-House-Lannister.csv')

/** A folder in the OS temp dir for a test file's inputs; `remove()` it in `afterAll`. */
export interface TempDir {
  path: string
  /** Writes `content` (UTF-8 when a string) to `name` in the folder; returns its path. */
  write(name: string, content: string | Buffer): Promise<string>
  remove(): Promise<void>
}

export async function makeTempDir(prefix = 'files-test-'): Promise<TempDir> {
  const path = await mkdtemp(join(tmpdir(), prefix))
  return {
    path,
    async write(name, content) {
      const file = join(path, name)
      await writeFile(file, content)
      return file
    },
    remove: () => rm(path, { recursive: true, force: true })
  }
}

/**
 * A temp dir made in `beforeAll` and removed in `afterAll` of the calling test file; its `path`
 * and `write` are the current one's.
 */
export function useTempDir(prefix?: string): Pick<TempDir, 'path' | 'write'> {
  let dir: TempDir | undefined
  beforeAll(async () => {
    dir = await makeTempDir(prefix)
  })
  afterAll(async () => {
    await dir?.remove()
  })
  const current = (): TempDir => {
    if (!dir) throw new Error('useTempDir: the temp dir exists only within the tests')
    return dir
  }
  return {
    get path() {
      return current().path
    },
    write: (name, content) => current().write(name, content)
  }
}

/** Everything an upload source's `open()` streams. */
export async function readSource(source: UploadSource): Promise<Buffer> {
  const chunks: Buffer[] = []
  for await (const chunk of source.open()) chunks.push(Buffer.from(chunk as Uint8Array))
  return Buffer.concat(chunks)
}
