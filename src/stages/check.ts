import { logPlan, logProblem, type Discovery } from './find.js'
import { locallyKnownRenames, type FilePlan } from '../files/index.js'
import { hasCredentials } from './instance.js'
import { plural } from '../format.js'
import type { Inputs } from '../inputs/index.js'
import type { RunMode } from '../inputs/run-mode.js'
import type { Annotation } from '../report/annotations.js'
import type { FileProblem } from '../report/accounting.js'
import { selectChanged } from '../changes/select.js'
import { removedAnnotations } from '../changes/summary.js'
import type { ChangeSummary } from '../changes/types.js'
import type { RemovalCandidate } from '../removals/types.js'
import { describeStatuses, statusRegrouper } from '../statuses/group.js'
import { describeFinding, preflight } from '../validate/preflight.js'
import type { ValidationSummary } from '../validate/types.js'
import type { Log } from '../log.js'

/**
 * The renames the local checks read the headers with. `Email Address`, the display name of email,
 * is mapped wherever the instance checks will run at import time: a dry run without credentials
 * judges the file as that import will send it.
 */
export function localRenames(inputs: Inputs): ReadonlyMap<string, string> {
  return locallyKnownRenames(inputs.columns, inputs.mapDisplayNames && inputs.checkInstance)
}

/** Findings printed in the log; the summary and report.json count the rest. */
const LOGGED_FINDINGS = 100

/** The log calls this stage makes. */
export type StageLog = Pick<Log, 'info' | 'warning' | 'error' | 'group'>

/** The files as they go to Marketo once checked (and narrowed by changed-since). */
export interface CheckedFiles {
  plans: FilePlan[]
  problems: FileProblem[]
  validation?: ValidationSummary
  changes?: ChangeSummary
  /** removed-records: remove: the records removed since the ref, to remove from the program. */
  removed?: RemovalCandidate[]
  /** Findings and removed records to annotate, uncapped. */
  annotations: Annotation[]
}

/**
 * Between finding the files and sending them: with changed-since, keeps only the records new or
 * changed since the ref; then checks every file locally (the whole of a dry run, the preflight of
 * an import) and holds back the files with errors. Throws ChangeError when the ref is unknown.
 * Resuming with batch-ids sends nothing, so there is nothing to check.
 *
 * The files the discovery left unplanned are planned here, in the same read as their checks, and
 * move to `found.plans`; `onPassed` gets each file that passed as soon as it has, while the next
 * files are read.
 */
export async function checkFiles(
  inputs: Inputs,
  mode: RunMode,
  found: Discovery,
  log: StageLog,
  onPassed?: (plan: FilePlan) => void
): Promise<CheckedFiles> {
  if (mode.kind === 'resume') {
    return { plans: found.plans, problems: found.problems, annotations: [] }
  }
  const ref = inputs.changedSince
  // The instance checks run before the first submit of an import, and in a dry run given
  // credentials: then they, not a guess from the header's spelling, judge the column names.
  const instanceChecked = inputs.checkInstance && (!inputs.dryRun || hasCredentials(inputs))
  const renames = localRenames(inputs)
  const selection = ref
    ? await log.group(`Selecting the records new or changed since ${ref}`, async () => {
        const selected = await selectChanged(found.plans, {
          ref,
          cwd: inputs.workspace,
          chunkSizeBytes: inputs.chunkSizeBytes,
          warn: log.warning,
          collectRemoved: inputs.removedRecords === 'remove',
          renames
        })
        for (const file of selected.summary.files) {
          log.info(
            `${file.displayPath}: ${file.newFile ? 'new file, ' : ''}${file.added} new, ${file.changed} changed, ` +
              `${file.unchanged} unchanged (not sent), ${file.removed} removed`
          )
        }
        return selected
      })
    : undefined
  const plans = selection?.plans ?? found.plans
  const column = inputs.statusColumn
  // status-column: each file that passes its checks is planned again, its parts by status.
  const regroup = column
    ? statusRegrouper({
        column,
        programId: inputs.programId,
        chunkSizeBytes: inputs.chunkSizeBytes,
        renames,
        ...(selection ? { selectedLines: selection.selectedLines } : {}),
        onFile: (file, statuses) => log.info(describeStatuses(file, statuses))
      })
    : undefined
  const planned: FilePlan[] = []
  const checked = await log.group(
    `Checking ${plural(plans.length + found.files.length + found.problems.length, 'file')}`,
    async () => {
      const result = await preflight({
        plans,
        problems: found.problems,
        workspace: inputs.workspace,
        format: inputs.format,
        chunkSizeBytes: inputs.chunkSizeBytes,
        dryRun: inputs.dryRun,
        files: found.files,
        onFile: (outcome) => {
          if (outcome.planned) {
            planned.push(outcome.planned)
            logPlan(outcome.planned, log)
          }
          if (outcome.planProblem) {
            found.problems.push(outcome.planProblem)
            logProblem(outcome.planProblem, log)
          }
          if (outcome.plan) onPassed?.(outcome.plan)
        },
        scratchDir: inputs.scratchDir,
        renames,
        columnsCheckedByInstance: instanceChecked,
        ...(regroup ? { regroup } : {}),
        ...(selection && ref ? { selection: { ref, selectedLines: selection.selectedLines } } : {})
      })
      const { errors, warnings, notices } = result.summary
      log.info(
        `${plural(errors, 'error')}, ${plural(warnings, 'warning')}, ${plural(notices, 'notice')}` +
          (result.summary.rejectedFiles.length > 0
            ? `; not ${inputs.dryRun ? 'to be ' : ''}submitted: ${result.summary.rejectedFiles.join(', ')}`
            : '')
      )
      for (const finding of result.findings.slice(0, LOGGED_FINDINGS))
        log.info(describeFinding(finding))
      const more = errors + warnings + notices - Math.min(result.findings.length, LOGGED_FINDINGS)
      if (more > 0)
        log.info(`…and ${plural(more, 'more finding')}: see the job summary and report.json`)
      return result
    }
  )
  // What the discovery left unplanned is planned now.
  found.plans.push(...planned)
  found.files = []
  return {
    plans: checked.plans,
    problems: checked.problems,
    validation: checked.summary,
    ...(selection ? { changes: selection.summary } : {}),
    ...(selection && inputs.removedRecords === 'remove' ? { removed: selection.removed } : {}),
    annotations: [
      ...checked.annotations,
      ...removedAnnotations(selection?.summary, inputs.removedRecords === 'remove')
    ]
  }
}
