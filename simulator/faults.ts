/** Scripted faults: which calls misbehave, and how. */

/** `leads`: lead lookup; `memberDelete`: the member delete; `export`: any program member export call. */
export type CallKind =
  | 'identity'
  | 'submit'
  | 'status'
  | 'failures'
  | 'warnings'
  | 'leads'
  | 'memberDelete'
  | 'export'
  | 'program'
  | 'channels'
  | 'describe'
  | 'usage'
  | 'other'

/** `any` is every call except identity. */
export type FaultTarget = Exclude<CallKind, 'other'> | 'any'

export type Fault =
  | { kind: 'http'; status: number; html?: boolean }
  | { kind: 'code'; code: string; message?: string }
  | { kind: 'reset' }
  | { kind: 'resetAfterAccept' }
  | { kind: 'delay'; ms: number }
  | { kind: 'truncated' }
  | { kind: 'nonJson' }
  | { kind: 'jobFails'; message?: string }
  | { kind: 'stuck' }
  /** Identity: a 401 whose error_description echoes the client_secret the call sent. */
  | { kind: 'echoSecret' }
  /** Status: the job's message echoes the access token the call sent. */
  | { kind: 'echoToken' }
  /** Submit: the job's status messages end with `message`; its failed and warned rows get `reason`. */
  | { kind: 'hostileText'; message?: string; reason?: string }
  /** Accepted (the job exists), answered `success: true` with no job in `result`. */
  | { kind: 'noJob' }
  /** A status answer of an ended job whose counts are these JSON values instead. */
  | { kind: 'counts'; counts: Partial<Record<CountField, unknown>> }
  /** A well-formed JSON success answer of `bytes` bytes (a long `message`). */
  | { kind: 'hugeAnswer'; bytes: number }
  /** The failures or warnings file, changed as `change` says. */
  | { kind: 'rowFile'; change: RowFileChange }

export type CountField = 'numOfLeadsProcessed' | 'numOfRowsFailed' | 'numOfRowsWithWarning'

/**
 * `unbalancedQuote`: the first data row opens a quote that never closes. `swappedHeader`: the
 * header's first two columns change places. `extraRows`: the rows again, `rows` more of them,
 * or until the file has `bytes` bytes.
 */
export type RowFileChange =
  | { kind: 'unbalancedQuote' }
  | { kind: 'swappedHeader' }
  | { kind: 'extraRows'; rows?: number; bytes?: number }

export interface FaultRule {
  on: FaultTarget
  /** 1-based: the nth matching call counted from when the rule was added; default 1. */
  nth?: number
  /** Consecutive matching calls from the nth it applies to; default 1; Infinity allowed. */
  times?: number
  fault: Fault
}

/** Faults that act on an accepted submit (the job exists) rather than on the call's arrival. */
export type AcceptFault = Extract<
  Fault,
  { kind: 'resetAfterAccept' | 'jobFails' | 'stuck' | 'hostileText' | 'noJob' }
>

const ACCEPT_KINDS = new Set<Fault['kind']>([
  'resetAfterAccept',
  'jobFails',
  'stuck',
  'hostileText',
  'noJob'
])

/** Faults that change one kind of answer, once the call is let through. */
const TARGETS: Partial<Record<Fault['kind'], FaultTarget[]>> = {
  counts: ['status'],
  rowFile: ['failures', 'warnings']
}

export function isAcceptFault(fault: Fault): fault is AcceptFault {
  return ACCEPT_KINDS.has(fault.kind)
}

interface ActiveRule {
  on: FaultTarget
  first: number
  last: number
  fault: Fault
  seen: number
}

function positiveCount(value: number | undefined, fallback: number, name: string): number {
  const count = value ?? fallback
  const valid = count === Infinity || (Number.isInteger(count) && count >= 1)
  if (!valid) throw new Error(`fault rule: ${name} must be a whole number >= 1, got ${value}`)
  return count
}

export class FaultBook {
  private rules: ActiveRule[] = []

  add(rule: FaultRule): void {
    const acceptedBy =
      rule.fault.kind === 'resetAfterAccept' ? ['submit', 'memberDelete'] : ['submit']
    if (isAcceptFault(rule.fault) && !acceptedBy.includes(rule.on) && rule.on !== 'any') {
      throw new Error(
        `fault rule: '${rule.fault.kind}' applies to ${acceptedBy.join(' or ')} calls only`
      )
    }
    const targets = TARGETS[rule.fault.kind]
    if (targets && !targets.includes(rule.on)) {
      throw new Error(
        `fault rule: '${rule.fault.kind}' applies to ${targets.join(' or ')} calls only`
      )
    }
    const nth = positiveCount(rule.nth, 1, 'nth')
    const times = positiveCount(rule.times, 1, 'times')
    this.rules.push({ on: rule.on, first: nth, last: nth + times - 1, fault: rule.fault, seen: 0 })
  }

  clear(): void {
    this.rules = []
  }

  /**
   * Counts an arriving call against every rule that matches it and returns the first fault
   * whose window covers it. Faults on an accepted call are counted by `accepted()` instead.
   */
  arrival(kind: CallKind): Fault | undefined {
    return this.count(kind, (fault) => !isAcceptFault(fault))
  }

  /**
   * Counts a submit that passed every check (a job is about to be created), or a member delete
   * about to take effect (only `resetAfterAccept` applies to it).
   */
  accepted(kind: 'submit' | 'memberDelete' = 'submit'): AcceptFault | undefined {
    return this.count(kind, isAcceptFault) as AcceptFault | undefined
  }

  private count(kind: CallKind, eligible: (fault: Fault) => boolean): Fault | undefined {
    let applied: Fault | undefined
    for (const rule of this.rules) {
      const matches = rule.on === kind || (rule.on === 'any' && kind !== 'identity')
      if (!matches || !eligible(rule.fault)) continue
      rule.seen++
      if (applied === undefined && rule.seen >= rule.first && rule.seen <= rule.last) {
        applied = rule.fault
      }
    }
    return applied
  }
}
