import { realpath, stat } from 'node:fs/promises'
import { relative, sep } from 'node:path'
import { detectFormat, HEAD_BYTES, planFile, readHead, type FilePlan } from '../files/index.js'
import { problemOf, type FoundFile } from '../validate/preflight.js'
import type { Inputs } from '../inputs/index.js'
import type { RunMode } from '../inputs/run-mode.js'
import type { FileProblem } from '../report/accounting.js'
import { findFiles } from '../github/glob.js'
import { formatBytes, plural } from '../format.js'
import { isWithin } from '../files/workspace.js'
import type { Log } from '../log.js'

export interface Discovery {
  /** Patterns matched nothing. */
  noFiles: boolean
  /** The files planned into parts: by the discovery, or by the checks once they read `files`. */
  plans: FilePlan[]
  /**
   * Files found and not read yet, left to the checks, which plan them in the same pass
   * (`discover` with `planned: false`); they move to `plans` as the checks plan them.
   */
  files: FoundFile[]
  /** Files that cannot be imported at all (unreadable, malformed, a record too large). */
  problems: FileProblem[]
  /** Files read in another format than their extension says, with `format: auto`: why. */
  notices: FormatNotice[]
}

export interface FormatNotice {
  displayPath: string
  message: string
}

/** The log calls this stage makes. */
export type FindLog = Pick<Log, 'info' | 'notice' | 'warning' | 'error' | 'group'>

/**
 * The first stage: the files the patterns match, with what was found logged in one group.
 * Resuming and changed-since plan each file into parts here (what they do next reads the plans);
 * else the checks plan them as they read them. Resuming without files: the batch ids alone say
 * what to poll.
 */
export async function findStage(inputs: Inputs, mode: RunMode, log: FindLog): Promise<Discovery> {
  return log.group('Finding files', async () => {
    const planned = mode.kind === 'resume' || inputs.changedSince !== undefined
    const discovery =
      mode.kind === 'resume' && !mode.withFiles
        ? { noFiles: false, plans: [], files: [], problems: [], notices: [] }
        : await discover(inputs, planned)
    for (const { displayPath, message } of discovery.notices) {
      log.notice(`${displayPath}: ${message}`, { file: displayPath, startLine: 1 })
    }
    for (const plan of discovery.plans) logPlan(plan, log)
    for (const problem of discovery.problems) logProblem(problem, log)
    return discovery
  })
}

/** What the log says of a planned file: its size, rows and parts, or that it has no rows. */
export function logPlan(plan: FilePlan, log: Pick<FindLog, 'info' | 'warning'>): void {
  log.info(describePlan(plan))
  if (plan.rows === 0) {
    log.warning(
      plan.sizeBytes === 0
        ? `${plan.displayPath}: the file is empty; nothing to import from it`
        : `${plan.displayPath}: the file has a header but no data rows; nothing to import from it`
    )
  }
}

/** A file that cannot be imported, as an error annotation at its line. */
export function logProblem(problem: FileProblem, log: Pick<FindLog, 'error'>): void {
  log.error(`${problem.displayPath}: ${problem.message}`, {
    file: problem.displayPath,
    ...(problem.line ? { startLine: problem.line } : {})
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

/**
 * Finds the files and detects each one's format from its first bytes; `planned`: splits each into
 * parts too, reading it once (else the checks do, in their one read).
 */
export async function discover(inputs: Inputs, planned = true): Promise<Discovery> {
  const paths = await findFiles(inputs.files, inputs.workspace)
  const workspace = await realpath(inputs.workspace).catch(() => inputs.workspace)
  const plans: FilePlan[] = []
  const files: FoundFile[] = []
  const problems: FileProblem[] = []
  const notices: FormatNotice[] = []
  for (const matched of paths) {
    const displayPath = displayPathOf(matched, inputs.workspace)
    // The workspace is the boundary: a link out of it is refused before anything reads it.
    const path = await realpath(matched).catch(() => undefined)
    if (path === undefined || !isWithin(path, workspace)) {
      problems.push({ displayPath, rows: 0, message: OUTSIDE_WORKSPACE })
      continue
    }
    const head = await readHead(path)
    const content = contentKind(head)
    if (content !== 'text') {
      problems.push({ displayPath, rows: 0, message: NOT_TEXT[content] })
      continue
    }
    const { format, notice } = detectFormat(matched, inputs.format, head)
    if (notice !== undefined) notices.push({ displayPath, message: notice })
    if (!planned) {
      files.push({
        path,
        displayPath,
        format,
        sizeBytes: head.length < HEAD_BYTES ? head.length : (await stat(path)).size
      })
      continue
    }
    try {
      plans.push(
        await planFile(path, { format, chunkSizeBytes: inputs.chunkSizeBytes, displayPath })
      )
    } catch (error) {
      problems.push(problemOf(displayPath, error))
    }
  }
  return { noFiles: paths.length === 0, plans, files, problems, notices }
}

const OUTSIDE_WORKSPACE =
  'is a link to a file outside the workspace; only files inside GITHUB_WORKSPACE are read, ' +
  'so it was not opened'

const NOT_TEXT = {
  utf16: 'is UTF-16 text; save it as UTF-8 (CSV, TSV or SSV) and run the action again',
  binary: 'is not a text file (it holds NUL bytes); give CSV, TSV or SSV text files'
}

/**
 * UTF-16 before the NUL probe, which it would fail: a byte order mark (FF FE, FE FF), or the
 * NULs of mostly ASCII UTF-16 text, in every other byte and nowhere else.
 */
export function contentKind(head: Buffer): 'text' | keyof typeof NOT_TEXT {
  if (
    head.length >= 2 &&
    ((head[0] === 0xff && head[1] === 0xfe) || (head[0] === 0xfe && head[1] === 0xff))
  )
    return 'utf16'
  if (!head.includes(0)) return 'text'
  const pairs = Math.floor(head.length / 2)
  let evenNuls = 0
  let oddNuls = 0
  for (let at = 0; at + 1 < head.length; at += 2) {
    if (head[at] === 0) evenNuls++
    if (head[at + 1] === 0) oddNuls++
  }
  const most = Math.max(evenNuls, oddNuls)
  const least = Math.min(evenNuls, oddNuls)
  return pairs > 0 && most >= pairs / 2 && least <= pairs / 20 ? 'utf16' : 'binary'
}

/** Relative to the workspace with forward slashes, as GitHub annotations and humans expect. */
export function displayPathOf(path: string, workspace: string): string {
  const shown = relative(workspace, path)
  return (shown !== '' && isWithin(path, workspace) ? shown : path).split(sep).join('/')
}
