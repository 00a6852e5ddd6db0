import { tmpdir } from 'node:os'
import { resolve } from 'node:path'
import { detectFormat, readHead, type FilePlan, type RequestedFormat } from '../files/index.js'
import { formatBytes, plural } from '../format.js'
import type { Annotation } from '../report/annotations.js'
import type { FileProblem } from '../report/accounting.js'
import { findingAnnotation } from './annotations.js'
import { checkFile, CheckRun, findDuplicates } from './check.js'
import { Findings } from './findings.js'
import type { ParseOptions } from './parse.js'
import type { FileCheck, Finding, ValidationSummary } from './types.js'

export interface PreflightOptions {
  /** The files planned for import. */
  plans: FilePlan[]
  /** The files that could not be planned (checked too, for their lines and row counts). */
  problems: FileProblem[]
  workspace: string
  format: RequestedFormat
  chunkSizeBytes: number
  dryRun: boolean
  /** changed-since: the row checks cover only these lines of each file (by absolute path). */
  selection?: { ref: string; selectedLines: Map<string, Set<number>> }
  /** Rows the files hold, to size the duplicate check; default the plans' rows. */
  expectedRows?: number
  /** Where the duplicate check keeps scratch files while it runs; default the system's temp folder. */
  scratchDir?: string
  parse?: ParseOptions
  /** `columns`: headers checked under the REST names they are sent as. */
  renames?: ReadonlyMap<string, string>
  /** The instance checks will check the columns against Marketo's fields (see FileToCheck). */
  columnsCheckedByInstance?: boolean
  /** Row findings made before the checks (status-column's empty statuses), listed with theirs. */
  rowFindings?: ReadonlyArray<Pick<Finding, 'kind' | 'file' | 'line' | 'message'>>
}

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
  const findings = new Findings()
  const run = new CheckRun(
    findings,
    options.expectedRows ?? options.plans.reduce((total, plan) => total + plan.rows, 0),
    options.scratchDir ?? tmpdir()
  )
  try {
    return await checkAll(options, run)
  } finally {
    run.emails.close()
  }
}

async function checkAll(options: PreflightOptions, run: CheckRun): Promise<Preflight> {
  const { findings } = run
  const selectedLines = options.selection?.selectedLines
  const checkOf = async (
    path: string,
    displayPath: string,
    format: FilePlan['format']
  ): Promise<FileCheck> => {
    const lines = selectedLines?.get(path)
    return checkFile(
      {
        path,
        displayPath,
        format,
        ...(lines ? { selected: (line: number) => lines.has(line) } : {}),
        ...(options.renames ? { renames: options.renames } : {}),
        columnsCheckedByInstance: options.columnsCheckedByInstance === true
      },
      run,
      options.parse
    )
  }

  // One pass in path order (planned or not), so "the first" of a duplicate is the first in order.
  const files = [
    ...options.plans.map((plan) => ({ displayPath: plan.displayPath, plan })),
    ...options.problems.map((problem) => ({ displayPath: problem.displayPath, problem }))
  ].sort((a, b) => (a.displayPath < b.displayPath ? -1 : a.displayPath > b.displayPath ? 1 : 0))
  const plans: FilePlan[] = []
  const problems: FileProblem[] = []
  const rejected: string[] = []
  const refuse = (check: FileCheck, rows: number): void => {
    rejected.push(check.displayPath)
    const first = check.firstError as Finding
    problems.push({
      displayPath: check.displayPath,
      rows,
      message:
        `${plural(check.errors, 'error')} in the file, the first${first.line === null ? '' : ` on line ${first.line}`}: ` +
        `${first.message}; ${options.dryRun ? 'it would not be submitted' : 'it was not submitted'}`,
      ...(first.line !== null ? { line: first.line } : {})
    })
  }
  // Lines the discovery already annotated: not annotated twice.
  const annotated = new Set<string>()
  for (const entry of files) {
    if ('plan' in entry) {
      const { plan } = entry
      const check = await checkOf(plan.path, plan.displayPath, plan.format)
      if (check.errors > 0) refuse(check, plan.rows)
      else plans.push(plan)
    } else if (entry.problem.line === undefined) {
      // Not text, or not readable: nothing to check line by line.
      problems.push(entry.problem)
    } else {
      const { problem } = entry
      const path = resolve(options.workspace, problem.displayPath)
      const { format } = detectFormat(path, options.format, await readHead(path))
      const check = await checkOf(path, problem.displayPath, format)
      annotated.add(`${problem.displayPath}\u0000${problem.line ?? ''}`)
      if (check.errors > 0) refuse(check, Math.max(problem.rows, check.rows))
      else problems.push({ ...problem, rows: Math.max(problem.rows, check.rows) })
    }
  }
  for (const { kind, file, line, message } of options.rowFindings ?? []) {
    findings.add(kind, file, line, message)
  }
  await findDuplicates(run)
  for (const plan of plans) {
    if (plan.parts.length > 1) {
      findings.add(
        'split',
        plan.displayPath,
        null,
        `will be sent in ${plan.parts.length} parts of at most ${formatBytes(options.chunkSizeBytes)} ` +
          '(chunk-size), each with the header, split between records'
      )
    }
  }

  const list = findings.list()
  const kinds = findings.byKind()
  const total = (severity: Finding['severity']): number =>
    kinds.filter((k) => k.severity === severity).reduce((sum, k) => sum + k.count, 0)
  const annotations = list
    .filter((f) => options.dryRun || f.severity === 'error')
    .filter((f) => !annotated.has(`${f.file}\u0000${f.line ?? ''}`))
    .map(findingAnnotation)
  return {
    plans,
    problems,
    summary: {
      kinds,
      errors: total('error'),
      warnings: total('warning'),
      notices: total('notice'),
      warnedRows: run.warnedRows,
      rejectedFiles: rejected,
      findings: list,
      ...(options.selection ? { changedSince: options.selection.ref } : {})
    },
    annotations,
    findings: list
  }
}

/** One log line per finding: where, how bad, what. Never a value. */
export function describeFinding(finding: Finding): string {
  const where = finding.line === null ? finding.file : `${finding.file} line ${finding.line}`
  return `${where}: ${finding.severity}: ${finding.message}`
}
