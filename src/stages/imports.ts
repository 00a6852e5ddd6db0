/**
 * The run's imports through the stages before the first submit: each import's files found and
 * checked with its own program, status, files, format, columns and changed-since, then checked
 * against the instance through one client, and handed on as one list of plans whose parts carry
 * their import's target. A run without `imports` has one import, the step's own.
 */
import type { FilePlan, Part } from '../files/index.js'
import type { ImportSpec, Inputs } from '../inputs/index.js'
import type { RunMode } from '../inputs/run-mode.js'
import type { ImportTarget, JobPart } from '../jobs/types.js'
import type { InstanceFacts } from '../instance/types.js'
import type { RunImport } from '../report/imports.js'
import { plural } from '../format.js'
import type { Log } from '../log.js'
import { EXAMPLES_PER_KIND } from '../validate/findings.js'
import type { ValidationSummary } from '../validate/types.js'
import { checkFiles, type CheckedFiles } from './check.js'
import { findStage, noFilesMatched, type Discovery, type FindLog } from './find.js'
import { checkInstanceStage, type InstanceStage } from './instance.js'
import { addStatuses, type ProgramStatuses } from '../statuses/order.js'

/** One import as the stages found and checked it. */
export interface FoundImport {
  spec: ImportSpec
  /** What every part of the import carries when the run lists imports; else none. */
  target?: ImportTarget
  found: Discovery
  checked?: CheckedFiles
  /** The instance checks' facts of this import's program and status. */
  instance?: InstanceFacts
}

/** True when the imports come from the `imports` input, rather than the step's own inputs. */
export function isListed(imports: readonly Pick<ImportSpec, 'entry'>[]): boolean {
  return imports.some((spec) => spec.entry !== undefined)
}

/** `imports entry 2 (program 1045)`, how messages name a listed import. */
export function entryLabel(spec: Pick<ImportSpec, 'entry' | 'programId'>): string {
  return `imports entry ${spec.entry} (program ${spec.programId})`
}

/** The run's inputs as one import's stages read them: its program, status, files and columns. */
export function inputsOf(inputs: Inputs, spec: ImportSpec): Inputs {
  return {
    ...inputs,
    programId: spec.programId,
    programMemberStatus: spec.programMemberStatus,
    files: spec.files,
    format: spec.format,
    columns: spec.columns,
    changedSince: spec.changedSince,
    statusColumn: spec.statusColumn
  }
}

/**
 * Finds each import's files. Patterns of one import that match nothing end the run as
 * `if-no-files-found` says, naming the import; a file two imports match is imported into each,
 * with a notice.
 */
export async function findImports(
  inputs: Inputs,
  mode: RunMode,
  log: FindLog
): Promise<{ imports: FoundImport[]; early?: string; noFiles: boolean }> {
  const listed = isListed(inputs.imports)
  const imports: FoundImport[] = []
  for (const spec of inputs.imports) {
    if (listed) {
      log.info(
        `${entryLabel(spec)}: ${spec.statusColumn === undefined ? `status "${spec.programMemberStatus}"` : `status from column "${spec.statusColumn}"`}, files ${spec.files.join(', ')}`
      )
    }
    const found = await findStage(inputsOf(inputs, spec), mode, log)
    imports.push({
      spec,
      ...(listed
        ? { target: { programId: spec.programId, programMemberStatus: spec.programMemberStatus } }
        : {}),
      found
    })
  }
  for (const item of imports) {
    if (!item.found.noFiles) continue
    const named = (line: string): string => (listed ? `${entryLabel(item.spec)}: ${line}` : line)
    const { early } = noFilesMatched(inputsOf(inputs, item.spec), {
      info: (line) => log.info(named(line)),
      warning: (line) => log.warning(named(line))
    })
    if (early) return { imports, noFiles: true, early: named(early) }
  }
  if (listed) noticeSharedFiles(imports, log)
  return { imports, noFiles: imports.every((item) => item.found.noFiles) }
}

function noticeSharedFiles(imports: FoundImport[], log: Pick<Log, 'notice'>): void {
  const byPath = new Map<string, FoundImport[]>()
  const filesOf = (item: FoundImport): Pick<FilePlan, 'path' | 'displayPath'>[] => [
    ...item.found.plans,
    ...item.found.files
  ]
  for (const item of imports) {
    for (const plan of filesOf(item))
      byPath.set(plan.path, [...(byPath.get(plan.path) ?? []), item])
  }
  for (const [, items] of byPath) {
    if (items.length < 2) continue
    const plan = filesOf(items[0] as FoundImport).find(
      (p) => byPath.get(p.path) === items
    ) as FilePlan
    const into = items
      .map(({ spec }) => `program ${spec.programId} as "${spec.programMemberStatus}"`)
      .join(', ')
    log.notice(
      `${plan.displayPath}: matched by ${plural(items.length, 'import')} (entries ${items.map(({ spec }) => spec.entry).join(', ')}): imported into each, ${into}`,
      { file: plan.displayPath }
    )
  }
}

/**
 * Checks each import's files locally, with its own columns and changed-since; `onPassed` gets each
 * file that passed as soon as it has, its parts carrying their import's target.
 */
export async function checkImports(
  inputs: Inputs,
  mode: RunMode,
  imports: FoundImport[],
  log: Parameters<typeof checkFiles>[3],
  onPassed?: (plan: FilePlan, item: FoundImport) => void
): Promise<CheckedFiles> {
  for (const item of imports) {
    const passed =
      onPassed &&
      ((plan: FilePlan) => onPassed(withTarget([plan], item.target)[0] as FilePlan, item))
    const checked = await checkFiles(inputsOf(inputs, item.spec), mode, item.found, log, passed)
    item.checked = { ...checked, plans: withTarget(checked.plans, item.target) }
  }
  return mergeChecked(imports.map((item) => item.checked as CheckedFiles))
}

/** The one list of found files of every import, their parts carrying their import's target. */
export function mergeFound(imports: FoundImport[]): Discovery {
  return {
    noFiles: imports.every((item) => item.found.noFiles),
    plans: imports.flatMap((item) => withTarget(item.found.plans, item.target)),
    files: imports.flatMap((item) => item.found.files),
    problems: imports.flatMap((item) => item.found.problems),
    notices: imports.flatMap((item) => item.found.notices)
  }
}

function withTarget(plans: FilePlan[], target: ImportTarget | undefined): FilePlan[] {
  if (target === undefined) return plans
  const tag = (part: Part): Part => {
    const tagged: JobPart = { ...part, target: (part as JobPart).target ?? target }
    return tagged as Part
  }
  return plans.map((plan) => ({ ...plan, parts: plan.parts.map(tag) }))
}

function mergeChecked(all: CheckedFiles[]): CheckedFiles {
  if (all.length === 1) return all[0] as CheckedFiles
  const validations = all.flatMap((checked) => (checked.validation ? [checked.validation] : []))
  const changes = all.flatMap((checked) => (checked.changes ? [checked.changes] : []))
  const first = changes[0]
  return {
    plans: all.flatMap((checked) => checked.plans),
    problems: all.flatMap((checked) => checked.problems),
    ...(validations.length > 0 ? { validation: mergeValidation(validations) } : {}),
    // Every import reads the same ref (the inputs see to it): one summary of every file.
    ...(first ? { changes: { ...first, files: changes.flatMap((c) => c.files) } } : {}),
    annotations: all.flatMap((checked) => checked.annotations)
  }
}

/** The local checks of several imports as one summary: counts added, findings in import order. */
function mergeValidation(summaries: ValidationSummary[]): ValidationSummary {
  const kinds = new Map<string, ValidationSummary['kinds'][number]>()
  for (const summary of summaries) {
    for (const kind of summary.kinds) {
      const known = kinds.get(kind.kind)
      kinds.set(
        kind.kind,
        known
          ? {
              ...known,
              count: known.count + kind.count,
              examples: [...known.examples, ...kind.examples].slice(0, EXAMPLES_PER_KIND)
            }
          : kind
      )
    }
  }
  const sum = (pick: (s: ValidationSummary) => number): number =>
    summaries.reduce((total, summary) => total + pick(summary), 0)
  const changedSince = summaries.find((s) => s.changedSince !== undefined)?.changedSince
  return {
    kinds: [...kinds.values()],
    errors: sum((s) => s.errors),
    warnings: sum((s) => s.warnings),
    notices: sum((s) => s.notices),
    warnedRows: sum((s) => s.warnedRows),
    rejectedFiles: summaries.flatMap((s) => s.rejectedFiles),
    findings: summaries.flatMap((s) => s.findings),
    ...(changedSince !== undefined ? { changedSince } : {})
  }
}

/**
 * The instance checks of every import through one client (one token), before the first submit:
 * each import's program, status and columns, and the daily quota for the whole run. Any import's
 * problem stops the run, naming the import.
 */
export async function checkImportsInInstance(
  inputs: Inputs,
  mode: RunMode,
  imports: FoundImport[],
  runParts: number,
  headers?: ReadonlyMap<FoundImport, FilePlan[]>,
  shared?: InstanceStage['client']
): Promise<InstanceStage> {
  const listed = isListed(inputs.imports)
  const stages: InstanceStage[] = []
  let client: InstanceStage['client'] = shared
  for (const item of imports) {
    // Before the rows are read: each file's header plan, rows to send if it goes on past it.
    const header = headers?.get(item)
    const plans = header ?? item.checked?.plans ?? []
    const sendsRows = header
      ? (plan: FilePlan) => plan.sizeBytes > plan.header.end
      : (plan: FilePlan) => plan.parts.length > 0
    const parts = plans.some(sendsRows) ? runParts : 0
    const stage = await checkInstanceStage(
      inputsOf(inputs, item.spec),
      mode,
      plans,
      parts,
      client,
      sendsRows
    )
    client ??= stage.client
    if (stage.facts) item.instance = stage.facts
    stages.push(stage)
  }
  const stops = stages.flatMap((stage, at) => {
    if (stage.stop === undefined) return []
    const spec = (imports[at] as FoundImport).spec
    return [listed ? `${entryLabel(spec)}: ${stage.stop}` : stage.stop]
  })
  const facts = mergeFacts(stages.flatMap((stage) => (stage.facts ? [stage.facts] : [])))
  const statuses: ProgramStatuses = new Map()
  for (const stage of stages) addStatuses(statuses, stage.statuses)
  return {
    plans: stages.flatMap((stage) => stage.plans),
    ...(client ? { client } : {}),
    ...(facts ? { facts } : {}),
    ...(statuses.size > 0 ? { statuses } : {}),
    ...(stops.length > 0
      ? {
          stop:
            stops.length === 1 ? (stops[0] as string) : `${stops.join('; ')}; nothing was submitted`
        }
      : {})
  }
}

/** One import's facts as they are; several: the run's calls, quota and skipped checks. */
function mergeFacts(all: InstanceFacts[]): InstanceFacts | undefined {
  if (all.length <= 1) return all[0]
  const quota = [...all].reverse().find((facts) => facts.quota)?.quota
  const columns = all.flatMap((facts) =>
    facts.columnsChecked === undefined ? [] : [facts.columnsChecked]
  )
  return {
    skipped: [...new Set(all.flatMap((facts) => facts.skipped))],
    // The client counts every call of the run: the last import's count holds them all.
    calls: Math.max(...all.map((facts) => facts.calls)),
    imports: all.map(({ program, status, columnStatuses }) => ({
      ...(program ? { program } : {}),
      ...(status ? { status } : {}),
      ...(columnStatuses ? { columnStatuses } : {})
    })),
    ...(quota ? { quota } : {}),
    ...(columns.length > 0 ? { columnsChecked: columns.reduce((a, b) => a + b, 0) } : {})
  }
}

/** The imports as the report sees them: each one's entry, target, files and file problems. */
export function runImportsOf(imports: readonly FoundImport[]): RunImport[] {
  return imports.map((item) => ({
    spec: item.spec,
    ...(item.target ? { target: item.target } : {}),
    paths: new Set(item.found.plans.map((plan) => plan.path)),
    problems: item.checked?.problems ?? item.found.problems
  }))
}
