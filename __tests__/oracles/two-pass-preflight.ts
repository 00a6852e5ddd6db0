/**
 * The preflight as it was before the single pass (issue 11), on `two-pass-check.ts`'s
 * `checkFile`: the oracle of the single pass's findings and plans.
 */
import { tmpdir } from 'node:os'
import { resolve } from 'node:path'
import { detectFormat, readHead, type FilePlan } from '../../src/files/index.js'
import { formatBytes, plural } from '../../src/format.js'
import type { FileProblem } from '../../src/report/accounting.js'
import { findingAnnotation } from '../../src/validate/annotations.js'
import { CheckRun, findDuplicates } from '../../src/validate/check.js'
import { Findings } from '../../src/validate/findings.js'
import type { Preflight, PreflightOptions } from '../../src/validate/preflight.js'
import type { FileCheck, Finding } from '../../src/validate/types.js'
import { checkFile } from './two-pass-check.js'

/**
 * The local checks before anything is sent (or instead of sending, in a dry run): reads every
 * matched file once with the record scanner, refuses the files with errors (their rows count as not
 * submitted, with the first error as the reason), and notes the files that will be split.
 */
export async function twoPassPreflight(options: PreflightOptions): Promise<Preflight> {
  const findings = new Findings()
  const run = new CheckRun(
    findings,
    options.plans.reduce((total, plan) => total + plan.rows, 0),
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
