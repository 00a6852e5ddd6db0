import { core } from './github/log.js'
import { findStage } from './stages/find.js'
import type { FilePlan } from './files/index.js'
import { formatCount, plural } from './format.js'
import { InputError, readInputs, type Inputs } from './inputs/index.js'
import { describePart, notSubmitted, type ScheduleOutcome } from './jobs/scheduler.js'
import { account, type FileProblem, type PartCounts } from './report/accounting.js'
import type { JobResult } from './jobs/types.js'
import type { RunReport } from './report/model.js'
import { publishReport } from './stages/publish.js'
import { decideVerdict, limitsKept } from './report/verdict.js'
import { rowAnnotations, type Annotation } from './report/annotations.js'
import { traceRowIssues, type RowIssues } from './report/row-issues.js'
import { systemClock } from './time.js'
import { importParts } from './stages/import.js'
import { ChangeError } from './changes/git.js'
import { commentOnPullRequest } from './stages/comment.js'
import { capAnnotations } from './validate/annotations.js'
import { checkFiles, type CheckedFiles } from './stages/check.js'
import { batchOnlyParts, resumeMismatch } from './jobs/resume.js'

/**
 * The whole job: inputs, files, Marketo, report, verdict. The only place that decides whether the
 * step fails; every path through it writes the outputs and the summary first.
 */
export async function run(): Promise<void> {
  let inputs: Inputs
  try {
    inputs = readInputs((name) => core.getInput(name), process.env)
  } catch (error) {
    if (error instanceof InputError) {
      core.setFailed(error.message)
      return
    }
    throw error
  }
  if (inputs.clientSecret) core.setSecret(inputs.clientSecret)
  const startedAt = systemClock.now()

  const resuming = inputs.batchIds.length > 0
  const found = await findStage(inputs, core)
  if (found.noFiles) {
    const message = `files: no file matches ${inputs.files.join(', ')} in ${inputs.workspace}`
    if (inputs.ifNoFilesFound === 'error') {
      await publishEmpty(inputs, startedAt)
      core.setFailed(`${message} (if-no-files-found: error)`)
      return
    }
    if (inputs.ifNoFilesFound === 'warn') core.warning(message)
    else core.info(message)
    await publishEmpty(inputs, startedAt)
    return
  }
  // changed-since narrows the files to their new and changed records; the local checks hold back
  // the files with errors (a dry run stops there).
  let checked: CheckedFiles
  try {
    checked = await checkFiles(inputs, found, core)
  } catch (error) {
    if (!(error instanceof ChangeError)) throw error
    await publishEmpty(inputs, startedAt)
    core.setFailed(error.message)
    return
  }
  const parts =
    resuming && inputs.files.length === 0
      ? batchOnlyParts(inputs.batchIds)
      : checked.plans.flatMap((plan) => plan.parts)

  const resumeProblem =
    resuming && inputs.files.length > 0 ? resumeMismatch(found.plans, inputs.batchIds) : undefined
  if (resumeProblem) {
    core.setFailed(resumeProblem)
    return
  }

  let outcome: ScheduleOutcome = { results: [] }
  let apiCalls = 0
  if (!inputs.dryRun && parts.length > 0) {
    const imported = await importParts(inputs, parts, checked.plans, startedAt)
    outcome = imported.outcome
    apiCalls = imported.apiCalls
  } else {
    outcome = {
      results: parts.map((part) =>
        notSubmitted(part, `dry run: would be submitted as ${describePart(part)}`)
      )
    }
  }

  const rowIssues = await core.group('Tracing failed and warned rows to their source lines', () =>
    traceRowIssues(outcome.results, checked.plans, inputs.outputDir)
  )
  const report = buildReport(
    inputs,
    checked.plans,
    checked.problems,
    outcome,
    rowIssues,
    apiCalls,
    startedAt,
    checked
  )
  if (report.mode === 'import') await logPerFile(report)
  await publishReport(report, inputs, core)
  if (inputs.annotations) {
    annotate(
      capAnnotations(
        [...checked.annotations, ...rowAnnotations(rowIssues, 'report.md in the artifact')],
        'the job summary and report.json'
      )
    )
  }
  if (inputs.commentOnPr) await commentOnPullRequest(report, inputs, process.env, core)
  if (report.verdict.length > 0) {
    core.setFailed(report.verdict.join('\n'))
    return
  }
  for (const kept of report.limitsKept ?? []) core.info(kept)
  core.info(
    report.mode === 'dry-run' ? 'Dry run: nothing was sent to Marketo.' : 'All rows accounted for.'
  )
}

function buildReport(
  inputs: Inputs,
  plans: FilePlan[],
  fileProblems: FileProblem[],
  outcome: ScheduleOutcome,
  rowIssues: RowIssues,
  apiCalls: number,
  startedAt: number,
  checked: Pick<CheckedFiles, 'validation' | 'changes'> = {}
): RunReport {
  const accounting = account(outcome.results, fileProblems)
  const mode = inputs.dryRun ? 'dry-run' : 'import'
  const verdict = decideVerdict(
    {
      totals: accounting.totals,
      results: outcome.results,
      fileProblems,
      dryRun: mode === 'dry-run',
      ...(checked.validation
        ? {
            checkedWarnings: {
              rows: checked.validation.warnedRows,
              of: outcome.results.reduce((total, result) => total + result.part.rows, 0)
            }
          }
        : {}),
      ...(outcome.stop ? { stop: outcome.stop } : {})
    },
    inputs
  )
  return {
    mode,
    programId: inputs.programId,
    programMemberStatus: inputs.programMemberStatus,
    files: plans.map((plan) => ({
      displayPath: plan.displayPath,
      rows: plan.rows,
      parts: plan.parts.length,
      bytes: plan.sizeBytes
    })),
    fileProblems,
    results: outcome.results,
    accounting,
    rowIssues,
    ...(outcome.stop ? { stop: outcome.stop } : {}),
    apiCalls,
    elapsedMs: systemClock.now() - startedAt,
    ...(checked.validation ? { validation: checked.validation } : {}),
    ...(checked.changes ? { changes: checked.changes } : {}),
    ...(mode === 'import' ? { limitsKept: limitsKept(accounting.totals, inputs) } : {}),
    verdict
  }
}

async function publishEmpty(inputs: Inputs, startedAt: number): Promise<void> {
  const nothing = { failures: [], warnings: [], fixFiles: [] }
  await publishReport(
    buildReport(inputs, [], [], { results: [] }, nothing, 0, startedAt),
    inputs,
    core
  )
}

/** One folded group per file: its parts, batches and counts, then what happened to its rows. */
async function logPerFile(report: RunReport): Promise<void> {
  const byFile = new Map<string, number[]>()
  report.results.forEach((result, index) => {
    const list = byFile.get(result.part.displayPath) ?? []
    list.push(index)
    byFile.set(result.part.displayPath, list)
  })
  for (const [file, indexes] of byFile) {
    const counts = indexes.map((i) => report.accounting.perPart[i] as PartCounts)
    const total = (pick: (c: PartCounts) => number): number => sum(counts, pick)
    const title =
      `${file}: ${formatCount(total((c) => c.imported))} imported, ${formatCount(total((c) => c.failed))} failed, ` +
      `${formatCount(total((c) => c.notSubmitted))} not submitted`
    await core.group(title, async () => {
      for (const i of indexes) {
        const result = report.results[i] as JobResult
        const c = counts[indexes.indexOf(i)] as PartCounts
        core.info(
          `${describePart(result.part)}: ${result.batchId === undefined ? 'no batch' : `batch ${result.batchId}`}, ` +
            `${result.outcome}, ${plural(result.part.rows, 'row')} from line ${result.part.firstLine}: ` +
            `${formatCount(c.imported)} imported (${formatCount(c.warned)} with a warning), ${formatCount(c.failed)} failed` +
            (result.message ? `. ${result.message}` : '')
        )
      }
      for (const issue of report.rowIssues.failures.filter((f) => f.file === file).slice(0, 20)) {
        core.info(`  failed: line ${issue.line ?? '?'} (batch ${issue.batchId}): ${issue.reason}`)
      }
    })
  }
  const { discrepancies } = report.accounting
  if (discrepancies.length > 0) {
    // One annotation, so the rows' own warnings keep their places under GitHub's cap.
    core.warning(
      `Marketo's counts do not add up for ${plural(discrepancies.length, 'part')}: ${discrepancies[0]}`
    )
    for (const discrepancy of discrepancies.slice(1))
      core.info(`Counts do not add up: ${discrepancy}`)
  }
}

function annotate(annotations: Annotation[]): void {
  for (const { kind, message, title, file, line } of annotations) {
    const properties = {
      ...(title ? { title } : {}),
      ...(file ? { file } : {}),
      ...(line ? { startLine: line } : {})
    }
    if (kind === 'error') core.error(message, properties)
    else if (kind === 'warning') core.warning(message, properties)
    else core.notice(message, properties)
  }
}

function sum<T>(items: T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0)
}
