import { tmpdir } from 'node:os'
import { resolve } from 'node:path'
import {
  detectFormat,
  FileFormatError,
  readHead,
  type FilePlan,
  type RequestedFormat
} from '../files/index.js'
import { formatBytes, messageOf, plural } from '../format.js'
import type { ImportFormat } from '../marketo/types.js'
import type { Annotation } from '../report/annotations.js'
import type { FileProblem } from '../report/accounting.js'
import { findingAnnotation } from './annotations.js'
import { checkAndPlan, CheckRun, findDuplicates, type CheckedPlan } from './check.js'
import { Findings } from './findings.js'
import type { ParseOptions } from './parse.js'
import type { FileCheck, Finding, ValidationSummary } from './types.js'

export interface PreflightOptions {
  /** The files planned for import. */
  plans: FilePlan[]
  /** Files found and not planned yet: the checks plan them as they read them. */
  files?: FoundFile[]
  /**
   * Called as each file is checked, in the order they are read: a file's parts can go to Marketo
   * from here, before the next file is read.
   */
  onFile?: (outcome: FileOutcome) => void
  /** The files that could not be planned (checked too, for their lines and row counts). */
  problems: FileProblem[]
  workspace: string
  format: RequestedFormat
  chunkSizeBytes: number
  dryRun: boolean
  /** changed-since: the row checks cover only these lines of each file (by absolute path). */
  selection?: { ref: string; selectedLines: Map<string, Set<number>> }
  /** Where the duplicate check keeps scratch files while it runs; default the system's temp folder. */
  scratchDir?: string
  parse?: ParseOptions
  /** `columns`: headers checked under the REST names they are sent as. */
  renames?: ReadonlyMap<string, string>
  /** The instance checks will check the columns against Marketo's fields (see FileToCheck). */
  columnsCheckedByInstance?: boolean
  /**
   * status-column: plans again a file that passed its checks (its parts by status), with the row
   * findings that makes (empty statuses), listed with the checks' own.
   */
  regroup?: (plan: FilePlan) => Promise<{ plan: FilePlan; findings: RowFinding[] }>
}

/** A finding about one row made outside the checks' own pass. */
export type RowFinding = Pick<Finding, 'kind' | 'file' | 'message'> & { line: number }

export interface Preflight {
  /** The plans of the files without errors: what is submitted. */
  plans: FilePlan[]
  /** The discovery's problems (with their rows counted) and the files refused for errors. */
  problems: FileProblem[]
  summary: ValidationSummary
  /** Dry run: every finding; import: the errors (warnings are Marketo's to report then). */
  annotations: Annotation[]
  /** The kept findings, in file and line order, for the log. */
  findings: Finding[]
}

/**
 * The local checks before anything is sent (or instead of sending, in a dry run): reads every
 * matched file once with the record scanner, refuses the files with errors (their rows count as not
 * submitted, with the first error as the reason), and notes the files that will be split.
 */
export async function preflight(options: PreflightOptions): Promise<Preflight> {
  const pass = new CheckPass(options)
  try {
    // One pass in path order (planned or not), so "the first" of a duplicate is the first in order.
    for (const entry of inPathOrder<FileEntry>([
      ...options.plans.map((plan) => ({ plan })),
      ...(options.files ?? []).map((found) => ({ found })),
      ...options.problems.map((problem) => ({ problem }))
    ])) {
      // Read first: `onFile?.(...)` would skip its argument without a callback.
      const outcome = await pass.file(entry)
      options.onFile?.(outcome)
    }
    return await pass.finish()
  } finally {
    pass.close()
  }
}

/** A file for the checks: found and still to plan, planned already, or a discovery's problem. */
export type FileEntry = { found: FoundFile } | { plan: FilePlan } | { problem: FileProblem }

/** A file found by the discovery, not yet read. */
export interface FoundFile {
  /** Absolute path. */
  path: string
  displayPath: string
  format: ImportFormat
  /** Its size when it was found. */
  sizeBytes: number
}

/** What the checks made of one file. */
export interface FileOutcome {
  /** Set when the file passed: its plan, to submit. */
  plan?: FilePlan
  /** Set when it is held back or cannot be imported: why, with its rows. */
  problem?: FileProblem
  /** A found file `planFile` would have refused: what the discovery used to say (and annotate). */
  planProblem?: FileProblem
  /** A found file's plan, whether it passed or not. */
  planned?: FilePlan
}

/**
 * The rows a file of this size may hold, to size the duplicate check before it is read: short
 * records (64 bytes) err towards more buckets, which costs little, where too few make one bucket's
 * table outgrow the processor's caches (a 200 MB file in one bucket checked at half the speed).
 */
function estimatedRows(sizeBytes: number): number {
  return Math.ceil(sizeBytes / 64)
}

/** The entries sorted by display path, the order the checks read them in. */
export function inPathOrder<T extends FileEntry>(entries: T[]): T[] {
  const pathOf = (entry: FileEntry): string =>
    'found' in entry
      ? entry.found.displayPath
      : 'plan' in entry
        ? entry.plan.displayPath
        : entry.problem.displayPath
  return [...entries].sort((a, b) => (pathOf(a) < pathOf(b) ? -1 : pathOf(a) > pathOf(b) ? 1 : 0))
}

/**
 * The checks of a run, one file at a time (each read once, planned in the same pass), so a
 * file's parts can go to Marketo while the next file is read; `finish` then adds what needs every
 * file (duplicate emails across files) and sums up. Files come in path order; `close` always.
 */
export class CheckPass {
  private readonly run: CheckRun
  private readonly plans: FilePlan[] = []
  private readonly problems: FileProblem[] = []
  private readonly rejected: string[] = []
  /** Lines the discovery (or a plan problem) annotated already: not annotated twice. */
  private readonly annotated = new Set<string>()
  private readonly selectedLines: Map<string, Set<number>> | undefined

  constructor(private readonly options: PreflightOptions) {
    this.run = new CheckRun(
      new Findings(),
      // The rows the files hold, to size the duplicate check: the plans' and the found files'.
      options.plans.reduce((total, plan) => total + plan.rows, 0) +
        (options.files ?? []).reduce((total, file) => total + estimatedRows(file.sizeBytes), 0),
      options.scratchDir ?? tmpdir()
    )
    this.selectedLines = options.selection?.selectedLines
  }

  async file(entry: FileEntry): Promise<FileOutcome> {
    if ('problem' in entry) return this.discoveryProblem(entry.problem)
    const { path, displayPath, format } = 'plan' in entry ? entry.plan : entry.found
    const checked = await this.checkOf(path, displayPath, format)
    const { check } = checked
    if ('plan' in entry) return this.planned(entry.plan, check)
    if (!('error' in checked.plan)) {
      return { ...(await this.planned(checked.plan, check)), planned: checked.plan }
    }
    const planProblem = problemOf(displayPath, checked.plan.error)
    this.annotated.add(`${displayPath}\u0000${planProblem.line ?? ''}`)
    const outcome = this.checkedProblem(planProblem, check)
    return { ...outcome, planProblem }
  }

  /** After the last file: the duplicates, the counts, the annotations. */
  async finish(): Promise<Preflight> {
    const { run, options } = this
    const { findings } = run
    await findDuplicates(run)
    const list = findings.list()
    const kinds = findings.byKind()
    const total = (severity: Finding['severity']): number =>
      kinds.filter((k) => k.severity === severity).reduce((sum, k) => sum + k.count, 0)
    const annotations = list
      .filter((f) => options.dryRun || f.severity === 'error')
      .filter((f) => !this.annotated.has(`${f.file}\u0000${f.line ?? ''}`))
      .map(findingAnnotation)
    return {
      plans: this.plans,
      problems: this.problems,
      summary: {
        kinds,
        errors: total('error'),
        warnings: total('warning'),
        notices: total('notice'),
        warnedRows: run.warnedRows,
        rejectedFiles: this.rejected,
        findings: list,
        ...(options.selection ? { changedSince: options.selection.ref } : {})
      },
      annotations,
      findings: list
    }
  }

  /** Removes the duplicate check's scratch files. */
  close(): void {
    this.run.emails.close()
  }

  private async checkOf(
    path: string,
    displayPath: string,
    format: ImportFormat
  ): Promise<CheckedPlan> {
    const { options } = this
    const lines = this.selectedLines?.get(path)
    return checkAndPlan(
      {
        path,
        displayPath,
        format,
        ...(lines ? { selected: (line: number) => lines.has(line) } : {}),
        ...(options.renames ? { renames: options.renames } : {}),
        columnsCheckedByInstance: options.columnsCheckedByInstance === true
      },
      this.run,
      { chunkSizeBytes: options.chunkSizeBytes },
      options.parse
    )
  }

  private async planned(checkedPlan: FilePlan, check: FileCheck): Promise<FileOutcome> {
    if (check.errors > 0) return { problem: this.refuse(check, checkedPlan.rows) }
    const { plan, findings } = this.options.regroup
      ? await this.options.regroup(checkedPlan)
      : { plan: checkedPlan, findings: [] }
    for (const { kind, file, line, message } of findings) {
      this.run.findings.add(kind, file, line, message)
    }
    if (plan.statusColumn) this.run.statusColumns.set(plan.path, plan.statusColumn.at)
    this.plans.push(plan)
    if (plan.parts.length > 1) {
      this.run.findings.add(
        'split',
        plan.displayPath,
        null,
        `will be sent in ${plan.parts.length} parts of at most ${formatBytes(this.options.chunkSizeBytes)} ` +
          (plan.statusColumn
            ? '(chunk-size), one or more per status (status-column), each with the header'
            : '(chunk-size), each with the header, split between records')
      )
    }
    return { plan }
  }

  private async discoveryProblem(problem: FileProblem): Promise<FileOutcome> {
    if (problem.line === undefined) {
      // Not text, or not readable: nothing to check line by line.
      this.problems.push(problem)
      return { problem }
    }
    const path = resolve(this.options.workspace, problem.displayPath)
    const { format } = detectFormat(path, this.options.format, await readHead(path))
    const { check } = await this.checkOf(path, problem.displayPath, format)
    this.annotated.add(`${problem.displayPath}\u0000${problem.line ?? ''}`)
    return this.checkedProblem(problem, check)
  }

  private checkedProblem(problem: FileProblem, check: FileCheck): FileOutcome {
    const rows = Math.max(problem.rows, check.rows)
    if (check.errors > 0) return { problem: this.refuse(check, rows) }
    const kept = { ...problem, rows }
    this.problems.push(kept)
    return { problem: kept }
  }

  private refuse(check: FileCheck, rows: number): FileProblem {
    this.rejected.push(check.displayPath)
    const first = check.firstError as Finding
    const problem: FileProblem = {
      displayPath: check.displayPath,
      rows,
      message:
        `${plural(check.errors, 'error')} in the file, the first${first.line === null ? '' : ` on line ${first.line}`}: ` +
        `${first.message}; ${this.options.dryRun ? 'it would not be submitted' : 'it was not submitted'}`,
      ...(first.line !== null ? { line: first.line } : {})
    }
    this.problems.push(problem)
    return problem
  }
}

/**
 * What the discovery says of a file it cannot plan: the FileFormatError's detail with its line
 * (the file is known; the line goes to the annotation), or that it cannot be read.
 */
export function problemOf(displayPath: string, error: unknown): FileProblem {
  if (!(error instanceof FileFormatError)) {
    return { displayPath, rows: 0, message: `cannot be read: ${messageOf(error)}` }
  }
  const detail = error.message.slice(`${error.file} `.length)
  return { displayPath, rows: 0, message: detail, line: error.line }
}

/** One log line per finding: where, how bad, what. Never a value. */
export function describeFinding(finding: Finding): string {
  const where = finding.line === null ? finding.file : `${finding.file} line ${finding.line}`
  return `${where}: ${finding.severity}: ${finding.message}`
}
