import { open } from 'node:fs/promises'
import { relative, sep } from 'node:path'
import { detectFormat, FileFormatError, planFile, type FilePlan } from '../files/index.js'
import type { Inputs } from '../inputs/index.js'
import type { RunMode } from '../inputs/run-mode.js'
import type { FileProblem } from '../report/accounting.js'
import { findFiles } from '../github/glob.js'
import { formatBytes, plural } from '../format.js'

export interface Discovery {
  /** Patterns matched nothing. */
  noFiles: boolean
  plans: FilePlan[]
  /** Files that cannot be imported at all (unreadable, malformed, a record too large). */
  problems: FileProblem[]
}

/** The log calls this stage makes; the action passes @actions/core. */
export interface FindLog {
  info(message: string): void
  warning(message: string): void
  error(message: string, properties?: { file?: string; startLine?: number }): void
  group<T>(name: string, fn: () => Promise<T>): Promise<T>
}

/**
 * The first stage: the files the patterns match, each planned into parts, with what was found
 * logged in one group. Resuming without files: the batch ids alone say what to poll.
 */
export async function findStage(inputs: Inputs, mode: RunMode, log: FindLog): Promise<Discovery> {
  return log.group('Finding files', async () => {
    const discovery =
      mode.kind === 'resume' && !mode.withFiles
        ? { noFiles: false, plans: [], problems: [] }
        : await discover(inputs)
    for (const plan of discovery.plans) {
      log.info(describePlan(plan))
      if (plan.rows === 0) {
        log.warning(
          plan.sizeBytes === 0
            ? `${plan.displayPath}: the file is empty; nothing to import from it`
            : `${plan.displayPath}: the file has a header but no data rows; nothing to import from it`
        )
      }
    }
    for (const problem of discovery.problems) {
      log.error(`${problem.displayPath}: ${problem.message}`, {
        file: problem.displayPath,
        ...(problem.line ? { startLine: problem.line } : {})
      })
    }
    return discovery
  })
}

/**
 * What a run whose patterns match nothing ends with: a failure with `if-no-files-found: error`,
 * else a warning or a line in the log, and a passing step.
 */
export function noFilesMatched(
  inputs: Inputs,
  log: Pick<FindLog, 'info' | 'warning'>
): { early?: string } {
  const message = `files: no file matches ${inputs.files.join(', ')} in ${inputs.workspace}`
  if (inputs.ifNoFilesFound === 'error') return { early: `${message} (if-no-files-found: error)` }
  if (inputs.ifNoFilesFound === 'warn') log.warning(message)
  else log.info(message)
  return {}
}

function describePlan(plan: FilePlan): string {
  const split = plan.parts.length > 1 ? `, split into ${plan.parts.length} parts` : ''
  return `${plan.displayPath}: ${plan.format}, ${formatBytes(plan.sizeBytes)}, ${plural(plan.rows, 'row')}${split}`
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
