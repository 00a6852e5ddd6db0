import { createWriteStream, type WriteStream } from 'node:fs'
import { mkdir, open, type FileHandle } from 'node:fs/promises'
import { basename, dirname, isAbsolute, join } from 'node:path'
import { once } from 'node:events'
import type { FilePlan } from '../files/index.js'
import { ArtifactNames } from './artifact-names.js'

/** A file in the source's own format: its header and its failing records, byte for byte. */
export interface FixFile {
  /** The input file it comes from, as shown to the user. */
  source: string
  path: string
  /** Path inside output-dir (and the artifact), e.g. `fix-and-retry/lists/leads.csv`. */
  relativePath: string
  rows: number
}

export interface FixFileWriter {
  /** Appends the source's bytes [start, end): one record, its line break included. */
  add(start: number, end: number): Promise<void>
  close(): Promise<void>
  result(): FixFile
}

/** Copied in slices so a huge record never sits whole in memory. */
const COPY_BYTES = 1024 * 1024

/**
 * `<output-dir>/fix-and-retry/<the file's path in the workspace>`, made safe and unique among
 * `names`: the user corrects it and runs the action on it again. Nothing is added to the records.
 */
export async function openFixFile(
  plan: FilePlan,
  outputDir: string,
  names: ArtifactNames = new ArtifactNames()
): Promise<FixFileWriter> {
  const relativePath = names.claim(
    `fix-and-retry/${isAbsolute(plan.displayPath) ? basename(plan.displayPath) : plan.displayPath}`
  )
  const path = join(outputDir, relativePath)
  await mkdir(dirname(path), { recursive: true })
  const source = await open(plan.path, 'r')
  const out = createWriteStream(path)
  let rows = 0
  let lastEndedWithLineBreak = true
  const buffer = Buffer.alloc(COPY_BYTES)
  const copy = async (start: number, end: number): Promise<void> => {
    for (let at = start; at < end;) {
      const length = Math.min(COPY_BYTES, end - at)
      const { bytesRead } = await source.read(buffer, 0, length, at)
      if (bytesRead === 0) break
      await write(out, Buffer.from(buffer.subarray(0, bytesRead)))
      lastEndedWithLineBreak = buffer[bytesRead - 1] === 0x0a
      at += bytesRead
    }
  }
  try {
    await copy(plan.header.start, plan.header.end)
  } catch (error) {
    await closeAll(source, out)
    throw error
  }
  // Consecutive records are copied as one range: a part where every row failed is one copy.
  let pending: { start: number; end: number } | undefined
  const flush = async (): Promise<void> => {
    if (!pending) return
    const { start, end } = pending
    pending = undefined
    await copy(start, end)
  }
  return {
    async add(start, end) {
      rows++
      if (pending && pending.end === start) pending.end = end
      else {
        await flush()
        // Only the file's last record can lack a line break, and records come in file order.
        if (!lastEndedWithLineBreak) await write(out, Buffer.from('\n'))
        pending = { start, end }
      }
      if (pending.end - pending.start >= COPY_BYTES) await flush()
    },
    close: async () => {
      try {
        await flush()
      } finally {
        await closeAll(source, out)
      }
    },
    result: () => ({ source: plan.displayPath, path, relativePath, rows })
  }
}

async function write(out: WriteStream, chunk: Buffer): Promise<void> {
  if (!out.write(chunk)) await once(out, 'drain')
}

async function closeAll(source: FileHandle, out: WriteStream): Promise<void> {
  await source.close()
  if (!out.closed) {
    out.end()
    await once(out, 'close')
  }
}
