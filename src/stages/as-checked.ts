/**
 * An import that sends each file as soon as its checks pass. Before the first submit, every file
 * of every import is checked by its header, locally and against the instance (the quota with the
 * parts its size makes likely); then the rows are checked file by file, in the one read that
 * plans the parts, and a file's parts go to Marketo's queue once that file passed, while the next
 * files are read. A file with an error is still held back whole; a duplicate email a later file
 * repeats stays a warning, as it always was, and cannot hold back a file already sent.
 */
import { core } from '../github/log.js'
import {
  estimatePartCount,
  mayOversizeAfterRename,
  planHeader,
  readHeader,
  renameColumns,
  withSentHeaderOf,
  type FilePlan
} from '../files/index.js'
import type { Inputs } from '../inputs/index.js'
import type { RunMode } from '../inputs/run-mode.js'
import type { InstanceFacts } from '../instance/types.js'
import { heldStatusAnnotations, submitOrder } from '../statuses/order.js'
import { JobLedger } from '../jobs/ledger.js'
import { PartQueue } from '../jobs/part-queue.js'
import { jobPartsOf } from '../jobs/resume.js'
import type { JobPart } from '../jobs/types.js'
import { headerError } from '../validate/check.js'
import type { CheckedFiles } from './check.js'
import { localRenames } from './check.js'
import { importParts, type Imported } from './import.js'
import {
  checkImports,
  checkImportsInInstance,
  inputsOf,
  mergeFound,
  type FoundImport
} from './imports.js'
import type { InstanceStage } from './instance.js'
import type { Discovery } from './find.js'

/** What the run knows as this goes: a run that breaks off reports from it. */
export interface AsCheckedProgress {
  found?: Discovery
  checked?: CheckedFiles
  ledger?: JobLedger
  imported?: Imported
  instance?: InstanceFacts
}

/** Whether an import can send files as they pass: nothing before its first submit reads rows. */
export function importsAsChecked(inputs: Inputs, mode: RunMode): boolean {
  // status-column: its parts wait for every file to be read, to go in the channel's order.
  return (
    mode.kind === 'import' &&
    inputs.imports.every((spec) => spec.changedSince === undefined && !spec.statusColumn)
  )
}

/**
 * Checks and imports the files of every import, each file's parts submitted once it passed. The
 * instance checks run on every file's header when the first file with rows passes, before its
 * submit; if they find a problem (or a renamed header may push a part past Marketo's limit), the
 * run goes on as a check-then-import one: every file checked, then the instance checks of the files
 * that passed, as before. Returns the plans as they were sent, and why the run stopped before any
 * submit, if it did.
 */
export async function importAsChecked(
  inputs: Inputs,
  mode: RunMode,
  imports: FoundImport[],
  startedAt: number,
  known: AsCheckedProgress
): Promise<{ plans: FilePlan[]; stop?: string }> {
  const headers = await headerPlans(inputs, imports)
  const estimate = [...headers.values()]
    .flat()
    .reduce((total, plan) => total + estimatePartCount(plan, inputs.chunkSizeBytes), 0)
  const sent: FilePlan[] = []
  const waiting: [FilePlan, FoundImport][] = []
  const ledger = (known.ledger = new JobLedger([]))
  const queue = new PartQueue()
  let importing: Promise<Imported> | undefined
  let send: ((plan: FilePlan, item: FoundImport) => void) | undefined
  let streaming = true

  /** The client of the instance checks, for a check-then-import run to go on with (one token). */
  let client: InstanceStage['client']
  let instanceRun: Promise<void> | undefined
  const startInstance = (): Promise<void> =>
    (instanceRun ??= (async () => {
      const instance = await checkImportsInInstance(inputs, mode, imports, estimate, headers)
      client = instance.client
      const sentAs = sentHeaders(imports, headers, instance.plans)
      // A renamed header longer than chunk-size leaves room for may push a part past Marketo's
      // limit, which is known only once the file is planned.
      const risky = [...sentAs.values()].some((byPath) =>
        [...byPath.values()].some((plan) => mayOversizeAfterRename(plan, inputs.chunkSizeBytes))
      )
      if (instance.stop !== undefined || risky) {
        streaming = false
        return
      }
      if (instance.facts) known.instance = instance.facts
      importing = importParts(inputs, mode, queue, sent, ledger, startedAt, instance.client)
      send = (plan, item) => {
        const header = sentAs.get(item)?.get(plan.path)
        const sending = header ? withSentHeaderOf(plan, header) : plan
        sent.push(sending)
        ledger.add(sending.parts as JobPart[])
        queue.add(sending.parts as JobPart[])
      }
      for (const [plan, item] of waiting.splice(0)) send(plan, item)
    })())
  const passed = (plan: FilePlan, item: FoundImport): void => {
    if (!streaming) return
    if (send !== undefined) return send(plan, item)
    waiting.push([plan, item])
    // Marketo is asked only once a file has rows to send, as before.
    if (plan.parts.length > 0) startInstance().catch(() => undefined)
  }
  try {
    known.checked = await checkImports(inputs, mode, imports, core, passed)
    await instanceRun
  } finally {
    queue.end()
    // Jobs already submitted run on to their end, whatever the checks met.
    if (importing) known.imported = await importing
  }
  known.found = mergeFound(imports)
  if (importing) {
    known.checked.plans = sent
    return { plans: sent }
  }
  return instanceThenImport(inputs, mode, imports, known.checked, startedAt, known, client)
}

/**
 * After the local checks of every file: the instance checks of the files that passed, then their
 * import. Returns the plans as sent, and why the run stopped before any submit, if it did.
 */
export async function instanceThenImport(
  inputs: Inputs,
  mode: RunMode,
  imports: FoundImport[],
  checked: CheckedFiles,
  startedAt: number,
  known: AsCheckedProgress,
  client?: InstanceStage['client']
): Promise<{ plans: FilePlan[]; stop?: string }> {
  const parts = jobPartsOf(mode, checked.plans)
  known.ledger = new JobLedger(parts)
  const instance = await checkImportsInInstance(
    inputs,
    mode,
    imports,
    parts.length,
    undefined,
    client
  )
  if (instance.facts) known.instance = instance.facts
  // The report and the row tracing see the header each file is sent with.
  checked.plans = instance.plans
  // status-column: the parts of each status in its channel's order, unknown statuses held back.
  const jobs = submitOrder(parts, instance.statuses)
  if (jobs !== parts) {
    known.ledger = new JobLedger(jobs)
    checked.annotations.push(...heldStatusAnnotations(parts, jobs))
  }
  if (instance.stop !== undefined) {
    known.imported = {
      outcome: known.ledger.outcomeSoFar(instance.stop),
      apiCalls: instance.facts?.calls ?? 0
    }
    return { plans: instance.plans, stop: instance.stop }
  }
  known.imported = await importParts(
    inputs,
    mode,
    jobs,
    instance.plans,
    known.ledger,
    startedAt,
    instance.client
  )
  return { plans: instance.plans }
}

/**
 * Each import's files by their header alone (`planHeader`), for the instance checks before any
 * row is read; a file whose header the local checks refuse is left out, as the checks will hold
 * it back whole.
 */
async function headerPlans(
  inputs: Inputs,
  imports: FoundImport[]
): Promise<Map<FoundImport, FilePlan[]>> {
  const headers = new Map<FoundImport, FilePlan[]>()
  for (const item of imports) {
    const renames = localRenames(inputsOf(inputs, item.spec))
    const plans: FilePlan[] = []
    for (const file of item.found.files) {
      const plan = await planHeader(file.path, file)
      const { columns } = await readHeader(plan)
      const header = renameColumns(columns, renames).columns
      if (plan.header.end > plan.header.start && headerError(header, file.format) === undefined) {
        plans.push(plan)
      }
    }
    headers.set(item, plans)
  }
  return headers
}

/** The header plans as the instance checks send them (in the order given), by import and path. */
function sentHeaders(
  imports: FoundImport[],
  headers: Map<FoundImport, FilePlan[]>,
  sent: FilePlan[]
): Map<FoundImport, Map<string, FilePlan>> {
  const byImport = new Map<FoundImport, Map<string, FilePlan>>()
  let at = 0
  for (const item of imports) {
    const byPath = new Map<string, FilePlan>()
    for (const plan of headers.get(item) ?? []) byPath.set(plan.path, sent[at++] ?? plan)
    byImport.set(item, byPath)
  }
  return byImport
}
