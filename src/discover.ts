import { open } from 'node:fs/promises'
import { relative, sep } from 'node:path'
import { detectFormat, FileFormatError, planFile, type FilePlan } from './files/index.js'
import type { Inputs } from './inputs.js'
import type { FileProblem } from './report/accounting.js'
import { findFiles } from './search.js'

export interface Discovery {
  /** Patterns matched nothing. */
  noFiles: boolean
  plans: FilePlan[]
  /** Files that cannot be imported at all (unreadable, malformed, a record too large). */
  problems: FileProblem[]
}

/** Finds the files, detects each one's format and splits it into parts, reading each file once. */
export async function discover(inputs: Inputs): Promise<Discovery> {
  const paths = await findFiles(inputs.files, inputs.workspace)
  const plans: FilePlan[] = []
  const problems: FileProblem[] = []
  for (const path of paths) {
    const displayPath = displayPathOf(path, inputs.workspace)
    if (await looksBinary(path)) {
      problems.push({
        displayPath,
        rows: 0,
        message: 'is not a text file (it holds NUL bytes); give CSV, TSV or SSV text files'
      })
      continue
    }
    try {
      plans.push(
        await planFile(path, {
          format: detectFormat(path, inputs.format),
          chunkSizeBytes: inputs.chunkSizeBytes,
          displayPath
        })
      )
    } catch (error) {
      if (!(error instanceof FileFormatError)) {
        const message = error instanceof Error ? error.message : String(error)
        problems.push({ displayPath, rows: 0, message: `cannot be read: ${message}` })
        continue
      }
      // "<file> line N: detail": the file is known, the line goes to the annotation.
      const detail = error.message.slice(`${error.file} `.length)
      problems.push({ displayPath, rows: 0, message: detail, line: error.line })
    }
  }
  return { noFiles: paths.length === 0, plans, problems }
}

/** Bytes read to tell a text file from a binary one, as git does. */
const BINARY_PROBE_BYTES = 8000

async function looksBinary(path: string): Promise<boolean> {
  const file = await open(path, 'r')
  try {
    const { buffer, bytesRead } = await file.read(
      Buffer.alloc(BINARY_PROBE_BYTES),
      0,
      BINARY_PROBE_BYTES,
      0
    )
    return buffer.subarray(0, bytesRead).includes(0)
  } finally {
    await file.close()
  }
}

/** Relative to the workspace with forward slashes, as GitHub annotations and humans expect. */
export function displayPathOf(path: string, workspace: string): string {
  const shown = relative(workspace, path)
  const inside = shown !== '' && !shown.startsWith('..')
  return (inside ? shown : path).split(sep).join('/')
}
