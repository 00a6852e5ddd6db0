import * as core from '@actions/core'
import { mkdir } from 'node:fs/promises'
import { discover } from './discover.js'
import { partSource, type FilePlan, type Part } from './files/index.js'
import { formatBytes, formatCount, formatDuration, plural } from './format.js'
import { InputError, readInputs, type Inputs } from './inputs.js'
import { describePart, runImportJobs, type ScheduleOutcome } from './jobs/scheduler.js'
import { MarketoClient } from './marketo/index.js'
import { account, type FileProblem, type PartCounts } from './report/accounting.js'
import type { JobResult } from './jobs/types.js'
import { collectRowFiles } from './report/row-files.js'
import type { RunReport } from './report/model.js'
import { publishReport } from './report/publish.js'
import { decideVerdict } from './report/verdict.js'
import { rowAnnotations, type Annotation } from './report/annotations.js'
import { traceRowIssues, type RowIssues } from './report/row-issues.js'
import { realSleep, systemClock } from './time.js'

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

  const found = await core.group('Finding files', async () => {
    const discovery = await discover(inputs)
    for (const plan of discovery.plans) core.info(describePlan(plan))
    for (const problem of discovery.problems)
      core.error(`${problem.displayPath}: ${problem.message}`)
    return discovery
  })
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
  const parts = found.plans.flatMap((plan) => plan.parts)
  const headers = new Map(found.plans.map((plan) => [plan.path, plan.header]))

  let outcome: ScheduleOutcome = { results: [] }
  let apiCalls = 0
  if (!inputs.dryRun && parts.length > 0) {
    await mkdir(inputs.outputDir, { recursive: true })
    const cancel = cancelOnSignals()
    try {
      const client = new MarketoClient({
        ...inputs.endpoint,
        clientId: inputs.clientId,
        clientSecret: inputs.clientSecret,
        onSecret: (token) => core.setSecret(token),
        retry: scaledRetry(process.env),
        signal: cancel.signal,
        log: { debug: core.debug, info: core.info, warning: core.warning }
      })
      core.info(
        `Importing ${plural(
          sum(parts, (p) => p.rows),
          'row'
        )} in ${plural(parts.length, 'part')} into program ` +
          `${inputs.programId} as "${inputs.programMemberStatus}", up to ${inputs.maxConcurrentJobs} jobs at once`
      )
      outcome = await runImportJobs(parts, client, {
        programId: inputs.programId,
        programMemberStatus: inputs.programMemberStatus,
        maxConcurrentJobs: inputs.maxConcurrentJobs,
        pollIntervalMs: inputs.pollIntervalMs,
        maxPollIntervalMs: inputs.maxPollIntervalMs,
        deadline: startedAt + inputs.timeoutMs,
        clock: systemClock,
        sleep: realSleep,
        controller: cancel.controller,
        sourceOf: (part: Part) => partSource(part, headers.get(part.path) as FilePlan['header']),
        onJobEnded: (result) => collectRowFiles(result, client, inputs.outputDir, core),
        log: {
          info: core.info,
          warning: core.warning,
          progress: (p) =>
            core.info(
              `Progress: ${p.partsEnded}/${p.partsTotal} parts done, ${p.partsOpen} in Marketo's queue, ` +
                `${p.partsWaiting} waiting; ${formatCount(p.rowsImported)} rows imported; ` +
                `${formatDuration(p.elapsedMs)}; ${plural(client.stats.calls, 'API call')}`
            )
        }
      })
      apiCalls = client.stats.calls
      core.info(
        `Marketo API calls used: ${apiCalls} (plus ${plural(client.stats.identityCalls, 'token request')})`
      )
    } finally {
      cancel.dispose()
    }
  } else {
    outcome = { results: parts.map((part) => dryRunResult(part)) }
  }

  const rowIssues = await core.group('Tracing failed and warned rows to their source lines', () =>
    traceRowIssues(outcome.results, found.plans, inputs.outputDir)
  )
  const report = buildReport(
    inputs,
    found.plans,
    found.problems,
    outcome,
    rowIssues,
    apiCalls,
    startedAt
  )
  if (report.mode === 'import') await logPerFile(report)
  await publishReport(report, inputs, core)
  if (inputs.annotations) annotate(rowAnnotations(rowIssues, 'report.md in the artifact'))
  if (report.verdict.length > 0) core.setFailed(report.verdict.join('\n'))
  else
    core.info(
      report.mode === 'dry-run'
        ? 'Dry run: nothing was sent to Marketo.'
        : 'All rows accounted for.'
    )
}

function buildReport(
  inputs: Inputs,
  plans: FilePlan[],
  fileProblems: FileProblem[],
  outcome: ScheduleOutcome,
  rowIssues: RowIssues,
  apiCalls: number,
  startedAt: number
): RunReport {
  const accounting = account(outcome.results, fileProblems)
  const mode = inputs.dryRun ? 'dry-run' : 'import'
  const verdict = decideVerdict(
    {
      totals: accounting.totals,
      results: outcome.results,
      fileProblems,
      dryRun: mode === 'dry-run',
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

function describePlan(plan: FilePlan): string {
  const split = plan.parts.length > 1 ? `, split into ${plan.parts.length} parts` : ''
  const empty = plan.rows === 0 ? ' (no data rows: nothing to import)' : ''
  return `${plan.displayPath}: ${plan.format}, ${formatBytes(plan.sizeBytes)}, ${plural(plan.rows, 'row')}${split}${empty}`
}

function dryRunResult(part: Part): ScheduleOutcome['results'][number] {
  return {
    part,
    outcome: 'NotSubmitted',
    imported: 0,
    failed: 0,
    warned: 0,
    message: `dry run: would be submitted as ${describePart(part)}`,
    uncertainResubmits: 0
  }
}

/**
 * The runner cancels a step with SIGINT, then SIGTERM about 7.5 s later: stop submitting, report
 * what was submitted, and let the step fail.
 */
function cancelOnSignals(): { controller: AbortController; signal: AbortSignal; dispose(): void } {
  const controller = new AbortController()
  const onSignal = (name: string) => (): void => {
    if (!controller.signal.aborted)
      core.warning(`Received ${name}: stopping and writing the report`)
    controller.abort(new Error(`cancelled by ${name}`))
  }
  const onInt = onSignal('SIGINT')
  const onTerm = onSignal('SIGTERM')
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  return {
    controller,
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
    }
  }
}

/**
 * Contributors' knob: MARKETO_IMPORT_TIME_SCALE (e.g. 0.01) shortens the retry waits (back-off,
 * Marketo's 20 s rate window, queue-full waits) when the action runs against the simulator.
 */
function scaledRetry(env: NodeJS.ProcessEnv): Record<string, number> | undefined {
  const scale = Number(env['MARKETO_IMPORT_TIME_SCALE'])
  if (!env['MARKETO_IMPORT_TIME_SCALE'] || !(scale > 0 && scale <= 1)) return undefined
  return {
    baseDelayMs: 1000 * scale,
    maxDelayMs: 30_000 * scale,
    rateWindowMs: 20_000 * scale,
    queueWaitMs: 5000 * scale,
    maxQueueWaitMs: 60_000 * scale
  }
}

function sum<T>(items: T[], pick: (item: T) => number): number {
  return items.reduce((total, item) => total + pick(item), 0)
}
