import { core } from './github/log.js'
import { ChangeError } from './changes/git.js'
import { InputError, type Inputs } from './inputs/index.js'
import type { RunMode } from './inputs/run-mode.js'
import type { JobLedger } from './jobs/ledger.js'
import { resumeMismatch } from './jobs/resume.js'
import { buildReport, type ReportFacts } from './report/build.js'
import { noRowIssues, type RowIssues } from './report/row-issue-list.js'
import { traceRowIssues } from './report/row-issues.js'
import type { FilePlan } from './files/index.js'
import type { CheckedFiles } from './stages/check.js'
import { commentOnPullRequest } from './stages/comment.js'
import type { Discovery } from './stages/find.js'
import { importAsChecked, importsAsChecked, instanceThenImport } from './stages/as-checked.js'
import type { Imported } from './stages/import.js'
import {
  checkImports,
  findImports,
  mergeFound,
  runImportsOf,
  type FoundImport
} from './stages/imports.js'
import type { InstanceFacts } from './instance/types.js'
import { readInputsStage } from './stages/inputs.js'
import { publishRun } from './stages/publish.js'
import { removeMembersStage } from './stages/remove.js'
import type { RemovalOutcome } from './removals/types.js'
import { systemClock } from './time.js'

/** What the stages have handed on so far: a run that ends at any point reports from it. */
interface Known {
  /** Each import of the run with its files, as far as the stages got. */
  imports?: FoundImport[]
  found?: Discovery
  checked?: CheckedFiles
  ledger?: JobLedger
  imported?: Imported
  rowIssues?: RowIssues
  removals?: RemovalOutcome
  instance?: InstanceFacts
}

type Ending = Pick<ReportFacts, 'early' | 'unexpected'>

/**
 * The whole job: inputs, files, checks, Marketo, report, verdict. The only place that decides
 * whether the step fails; every way out of the stages, early, broken off or not, goes through
 * `conclude`, which writes the outputs, the summary and report.json first.
 */
export async function run(): Promise<void> {
  const started = systemClock.now()
  const read = readInputsStage(core)
  if (!read) return
  const { inputs, mode } = read
  const known: Known = {}
  const ending = await runStages(inputs, mode, started, known).catch(endingOf)
  await conclude(inputs, mode, started, known, ending)
}

/** The stages in order, each handing the next its value; an early exit says why. */
async function runStages(
  inputs: Inputs,
  mode: RunMode,
  started: number,
  known: Known
): Promise<Ending> {
  const finding = await findImports(inputs, mode, core)
  known.imports = finding.imports
  known.found = mergeFound(finding.imports)
  if (finding.early !== undefined) return { early: finding.early }
  if (finding.noFiles) return {}
  const sent = importsAsChecked(inputs, mode)
    ? await importAsChecked(inputs, mode, finding.imports, started, known)
    : await checkThenImport(inputs, mode, finding.imports, started, known)
  if ('early' in sent) return sent.early
  // A dry run's verdict counts only the files' problems: what Marketo said is one of them.
  if (sent.stop !== undefined) return mode.kind === 'dry-run' ? { early: sent.stop } : {}
  const checked = known.checked as CheckedFiles
  const found = known.found as Discovery
  const { results } = (known.imported as Imported).outcome
  known.rowIssues = await core.group('Tracing failed and warned rows to their source lines', () =>
    traceRowIssues(results, sent.plans, inputs)
  )
  const sentByPath = new Map(sent.plans.map((plan) => [plan.path, plan.sentHeader]))
  known.removals = await removeMembersStage(inputs, {
    // Every matched file, each read by the header it was sent with.
    plans: found.plans.map((plan) => {
      const sentHeader = sentByPath.get(plan.path)
      return sentHeader ? { ...plan, sentHeader } : plan
    }),
    fileProblems: checked.problems.length,
    fileErrors: checked.validation?.errors ?? 0,
    candidates: checked.removed ?? [],
    outcome: (known.imported as Imported).outcome,
    startedAt: started
  })
  return {}
}

/**
 * Every file checked, then the instance, then the import: a dry run, resuming, changed-since.
 * Returns the plans as sent, why the run stopped before any submit, or an early ending.
 */
async function checkThenImport(
  inputs: Inputs,
  mode: RunMode,
  imports: FoundImport[],
  started: number,
  known: Known
): Promise<{ plans: FilePlan[]; stop?: string } | { early: Ending }> {
  const checked = (known.checked = await checkImports(inputs, mode, imports, core))
  // The checks planned the files the discovery left to them.
  const found = (known.found = mergeFound(imports))
  if (mode.kind === 'resume' && mode.withFiles) {
    const mismatch = resumeMismatch(found.plans, mode.batchIds)
    if (mismatch) return { early: { early: mismatch } }
  }
  return instanceThenImport(inputs, mode, imports, checked, started, known)
}

/** Publishes the report of the run as far as it went, then passes or fails the step. */
async function conclude(
  inputs: Inputs,
  mode: RunMode,
  started: number,
  known: Known,
  ending: Ending
): Promise<void> {
  const files = known.checked ?? {
    plans: known.found?.plans ?? [],
    problems: known.found?.problems ?? [],
    annotations: []
  }
  const report = buildReport({
    ...ending,
    mode: mode.kind === 'dry-run' ? 'dry-run' : 'import',
    inputs,
    plans: files.plans,
    fileProblems: files.problems,
    ...(files.validation ? { validation: files.validation } : {}),
    ...(files.changes ? { changes: files.changes } : {}),
    ...(known.removals ? { removals: known.removals } : {}),
    ...(known.instance ? { instance: known.instance } : {}),
    ...(known.imports ? { imports: runImportsOf(known.imports) } : {}),
    // Broken off while importing: the jobs submitted so far, the rest not submitted.
    outcome: known.imported?.outcome ??
      known.ledger?.outcomeSoFar('the run stopped on an unexpected error') ?? { results: [] },
    // The import goes on with the checks' client: its count holds the checks' calls.
    apiCalls: known.imported?.apiCalls ?? known.instance?.calls ?? 0,
    rowIssues: known.rowIssues ?? noRowIssues(),
    elapsedMs: systemClock.now() - started
  })
  await publishRun(report, inputs, files.annotations, core)
  if (inputs.commentOnPr) await commentOnPullRequest(report, inputs, process.env, core)
  if (report.verdict.length > 0) return core.setFailed(report.verdict.join('\n'))
  for (const kept of report.limitsKept ?? []) core.info(kept)
  core.info(
    report.mode === 'dry-run' ? 'Dry run: nothing was sent to Marketo.' : 'All rows accounted for.'
  )
}

/** A bad ref or input found on the way is the user's to fix; anything else is a bug, in one line. */
function endingOf(error: unknown): Ending {
  if (error instanceof ChangeError || error instanceof InputError) return { early: error.message }
  if (error instanceof Error && error.stack) core.debug(error.stack)
  const message = error instanceof Error ? error.message : String(error)
  return { unexpected: message.split('\n')[0] as string }
}
