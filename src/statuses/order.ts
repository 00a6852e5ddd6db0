/**
 * What the instance checks make of a status column: each status found checked against the
 * program's channel, the parts of the known ones submitted in the order of its progression
 * steps (Registered before Attended), the parts of the others held back with why.
 */
import type { FilePlan } from '../files/index.js'
import type { Annotation } from '../report/annotations.js'
import { checkStatus } from '../instance/checks.js'
import { isBatchPart } from '../jobs/parts.js'
import type { JobPart } from '../jobs/types.js'
import type { ChannelInfo } from '../marketo/index.js'
import { plural } from '../format.js'
import { shownStatus } from './group.js'

/** The statuses of a status column as the program's channel knows them. */
export interface ChannelStatuses {
  /** Progression step of each known status. */
  steps: Map<string, number>
  /** Why each unknown status cannot be imported, with "did you mean" when one is near. */
  unknown: Map<string, string>
}

/** The statuses the parts of `plans` import into, each once, in the order first met. */
export function statusesOf(plans: FilePlan[]): string[] {
  const statuses = new Set<string>()
  for (const plan of plans) {
    if (plan.statusColumn === undefined) continue
    for (const part of plan.parts as JobPart[]) {
      if (part.target && part.held === undefined) statuses.add(part.target.programMemberStatus)
    }
  }
  return [...statuses]
}

/** Each status against the channel's statuses. */
export function judgeStatuses(
  statuses: string[],
  channel: ChannelInfo,
  column: string
): ChannelStatuses {
  const judged: ChannelStatuses = { steps: new Map(), unknown: new Map() }
  for (const status of statuses) {
    const check = checkStatus(
      status,
      channel,
      `status ${shownStatus(status)} of column "${column}"`
    )
    if (check.status) judged.steps.set(status, check.status.step)
    else judged.unknown.set(status, check.problem)
  }
  return judged
}

/** Per program id, the statuses of its status columns as its channel knows them. */
export type ProgramStatuses = Map<string, ChannelStatuses>

/** Adds `more` to `into`: two imports into one program each judged the statuses they found. */
export function addStatuses(into: ProgramStatuses, more: ProgramStatuses | undefined): void {
  for (const [programId, statuses] of more ?? []) {
    const known = into.get(programId)
    if (known === undefined) {
      into.set(programId, statuses)
      continue
    }
    for (const [status, step] of statuses.steps) known.steps.set(status, step)
    for (const [status, why] of statuses.unknown) known.unknown.set(status, why)
  }
}

/**
 * The parts in the order they are submitted: without word from a program's channel, as planned
 * (file order); with it, that program's parts take the places they had, in the order of the
 * progression steps (stable: the same step keeps file order), and a part of an unknown status is
 * held back, naming its first line. Other parts keep their places.
 */
export function submitOrder(parts: JobPart[], judged: ProgramStatuses | undefined): JobPart[] {
  if (judged === undefined || judged.size === 0) return parts
  // Parts of no known step (held, or an unknown status) go last among their program's.
  const last = Number.MAX_SAFE_INTEGER
  const ordered = [...parts]
  for (const [programId, statuses] of judged) {
    const places: number[] = []
    parts.forEach((part, at) => {
      if (part.target?.programId === programId && !isBatchPart(part)) places.push(at)
    })
    const mine = places.map((at, order) => {
      const part = parts[at] as JobPart
      const status = part.target?.programMemberStatus ?? ''
      const unknown = statuses.unknown.get(status)
      const held =
        unknown === undefined || part.held !== undefined || isBatchPart(part)
          ? part
          : {
              ...part,
              held: `not submitted: ${unknown.replace(/\.$/, '')}; ${plural(part.rows, 'row')}, first on line ${part.firstLine}`
            }
      const step = held.held === undefined ? (statuses.steps.get(status) ?? last) : last
      return { part: held, step, order }
    })
    mine.sort((a, b) => a.step - b.step || a.order - b.order)
    places.forEach((at, i) => {
      ordered[at] = (mine[i] as (typeof mine)[number]).part
    })
  }
  return ordered
}

/**
 * One error annotation per part `submitOrder` held back for its status, at its file and the
 * first line of its rows: the row is the user's to fix, like a row with an empty status.
 */
export function heldStatusAnnotations(before: JobPart[], after: JobPart[]): Annotation[] {
  const planned = new Set(before)
  const annotations: Annotation[] = []
  for (const part of after) {
    if (part.held === undefined || planned.has(part) || isBatchPart(part)) continue
    annotations.push({
      kind: 'error',
      title: 'Status not in the channel (rows not submitted)',
      message: part.held,
      file: part.displayPath,
      line: part.firstLine
    })
  }
  return annotations
}
