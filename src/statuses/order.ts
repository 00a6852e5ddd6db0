/**
 * What the instance checks make of a status column: each status found checked against the
 * program's channel, the parts of the known ones submitted in the order of its progression
 * steps (Registered before Attended), the parts of the others held back with why.
 */
import type { FilePlan } from '../files/index.js'
import { checkStatus } from '../instance/checks.js'
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

/**
 * The parts in the order they are submitted: without word from the channel, as planned (file
 * order); with it, the parts of a status in the order of its progression steps (stable: the same
 * step keeps file order), and a part of an unknown status held back, naming its first line.
 */
export function submitOrder(parts: JobPart[], judged: ChannelStatuses | undefined): JobPart[] {
  if (judged === undefined) return parts
  // Parts of no known step (held, or without a status) go last, in file order.
  const last = Number.MAX_SAFE_INTEGER
  const stepOf = (part: JobPart): number => {
    const status = part.target?.programMemberStatus
    return status === undefined ? last : (judged.steps.get(status) ?? last)
  }
  return parts
    .map((part, at) => {
      const status = part.target?.programMemberStatus
      const unknown = status === undefined ? undefined : judged.unknown.get(status)
      if (unknown === undefined || part.held !== undefined || !('rows' in part)) {
        return { part, at }
      }
      const held = `not submitted: ${unknown.replace(/\.$/, '')}; ${plural(part.rows, 'row')}, first on line ${part.firstLine}`
      return { part: { ...part, held }, at }
    })
    .sort((a, b) => stepOf(a.part) - stepOf(b.part) || a.at - b.at)
    .map(({ part }) => part)
}
