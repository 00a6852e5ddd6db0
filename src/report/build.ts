import type { FilePlan } from '../files/index.js'
import type { Inputs } from '../inputs/index.js'
import { rowsOf } from '../jobs/parts.js'
import type { ScheduleOutcome } from '../jobs/scheduler.js'
import type { ChangeSummary } from '../changes/types.js'
import { removalVerdict } from '../removals/summary.js'
import type { RemovalOutcome } from '../removals/types.js'
import type { ValidationSummary } from '../validate/types.js'
import type { InstanceFacts } from '../instance/types.js'
import { account, type FileProblem } from './accounting.js'
import type { RunReport } from './model.js'
import type { RowIssues } from './row-issue-list.js'
import { hasSections, importReport, type RunImport } from './imports.js'
import { decideVerdict, limitsKept } from './verdict.js'

/** Everything a run learned, however far it got: what the report is built from. */
export interface ReportFacts {
  mode: RunReport['mode']
  inputs: Pick<
    Inputs,
    'programId' | 'programMemberStatus' | 'maxFailedRows' | 'maxWarningRows' | 'timeoutMs'
  >
  plans: FilePlan[]
  fileProblems: FileProblem[]
  outcome: ScheduleOutcome
  rowIssues: RowIssues
  apiCalls: number
  elapsedMs: number
  validation?: ValidationSummary
  changes?: ChangeSummary
  removals?: RemovalOutcome
  instance?: InstanceFacts
  /** Why the run ended before its stages did; the first reason the step fails. */
  early?: string
  /** An error no stage expected. */
  unexpected?: string
  /** The run's imports as far as the stages found them. */
  imports?: RunImport[]
}

/** The report of a run, its verdict included: the one value every output is rendered from. */
export function buildReport(facts: ReportFacts): RunReport {
  const { inputs, outcome, fileProblems } = facts
  const accounting = account(outcome.results, fileProblems)
  const dryRun = facts.mode === 'dry-run'
  const imports =
    facts.imports && hasSections(facts.imports, outcome.results)
      ? importReport(facts.imports, outcome.results, inputs)
      : undefined
  const importVerdict = decideVerdict(
    {
      totals: accounting.totals,
      results: outcome.results,
      fileProblems,
      dryRun,
      discrepancies: accounting.discrepancies,
      rowFileProblems: facts.rowIssues.problems,
      ...(facts.validation
        ? {
            checkedWarnings: {
              rows: facts.validation.warnedRows,
              of: outcome.results.reduce((total, result) => total + rowsOf(result), 0)
            }
          }
        : {}),
      ...(outcome.stop ? { stop: outcome.stop } : {}),
      ...(facts.early ? { early: facts.early } : {}),
      ...(facts.unexpected ? { unexpected: facts.unexpected } : {}),
      ...(imports ? { judged: imports.judged, importLimits: imports.over } : {})
    },
    inputs
  )
  const verdict = [...importVerdict, ...removalVerdict(facts.removals)]
  return {
    mode: facts.mode,
    programId: inputs.programId,
    programMemberStatus: inputs.programMemberStatus,
    files: facts.plans.map((plan) => ({
      displayPath: plan.displayPath,
      rows: plan.rows,
      parts: plan.parts.length,
      bytes: plan.sizeBytes,
      ...(plan.sentHeader ? { renamed: plan.sentHeader.mappings } : {})
    })),
    fileProblems,
    results: outcome.results,
    accounting,
    rowIssues: facts.rowIssues,
    ...(outcome.stop ? { stop: outcome.stop } : {}),
    apiCalls: facts.apiCalls,
    elapsedMs: facts.elapsedMs,
    ...(facts.validation ? { validation: facts.validation } : {}),
    ...(facts.changes ? { changes: facts.changes } : {}),
    ...(facts.removals ? { removals: facts.removals } : {}),
    ...(facts.instance ? { instance: facts.instance } : {}),
    ...(imports ? { imports: imports.sections } : {}),
    ...(dryRun
      ? {}
      : {
          limitsKept: [
            ...limitsKept(accounting.totals, inputs, imports?.judged),
            ...(imports?.within ?? [])
          ]
        }),
    ...(facts.unexpected ? { unexpectedError: facts.unexpected } : {}),
    verdict
  }
}
