import { createReadStream, createWriteStream } from 'node:fs'
import { readdir, rename, rm } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import type { SecretScrubber } from '../text/secrets.js'

/**
 * Rewrites `path` with every secret replaced by `***`, streaming (a failures file may be
 * large); a file without one is left untouched. True when something was replaced. `onBytes` is
 * told the size of each chunk read (the runtime's memory bound: see memory.ts).
 */
export async function scrubFile(
  path: string,
  secrets: SecretScrubber,
  onBytes?: (bytes: number) => void
): Promise<boolean> {
  if (secrets.size === 0) return false
  const scrubbing = `${path}.scrubbing`
  const stream = secrets.stream()
  const source = createReadStream(path)
  if (onBytes) source.on('data', (chunk) => onBytes(chunk.length))
  try {
    await pipeline(source, stream, createWriteStream(scrubbing))
    if (stream.found()) await rename(scrubbing, path)
    return stream.found()
  } finally {
    await rm(scrubbing, { force: true })
  }
}

/** The final pass over output-dir: every regular file in it (links are not followed). */
export async function scrubDirectory(
  directory: string,
  secrets: SecretScrubber,
  onBytes?: (bytes: number) => void
): Promise<void> {
  if (secrets.size === 0) return
  const entries = await readdir(directory, { recursive: true, withFileTypes: true })
  for (const entry of entries) {
    if (entry.isFile()) await scrubFile(join(entry.parentPath, entry.name), secrets, onBytes)
  }
}
