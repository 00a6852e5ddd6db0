/** What removing members works on and hands the report. No email address leaves this stage. */

/** Where a member to remove comes from: its record's line in the old revision, or a mirror. */
export type RemovalSource = { file: string; line: number } | 'not in the files'

/** A member to remove: by email (changed-since, looked up) or by lead id (mirror, exported). */
export interface RemovalCandidate {
  email: string
  leadId?: number
  source: RemovalSource
}

export interface RemovedMember {
  leadId: number
  source: RemovalSource
}

export interface NotRemoved {
  source: RemovalSource
  /** `unknown to Marketo`, `not a member of the program`, or Marketo's reason of a skipped record. */
  why: string
  leadId?: number
}

export type RemovalMode = 'removed-records' | 'mirror'

export interface RemovalOutcome {
  mode: RemovalMode
  dryRun: boolean
  /** Members that were to be removed (records, or exported members in none of the files). */
  candidates: number
  removed: RemovedMember[]
  /** The candidates not removed, each with why: Marketo's status, or not sent. */
  notRemoved: NotRemoved[]
  /** Candidates not removed without a line of their own (held by a guard): counted only. */
  notListed: number
  /** Dry run: the candidates that would be removed. */
  wouldRemove?: RemovalSource[]
  /** Why nothing (more) was removed: a guard, a failed import, a cancel, a Marketo error. */
  held?: string
  /** The guard: the most a run may remove, and what it was computed from. */
  limit?: { count: number; described: string }
  /** The program's members with the step's statuses, when an export counted them. */
  currentMembers?: number
  /** Status polls of the member export. */
  exportPolls?: number
  /** Marketo calls the removals used (exports, lookups, deletes). */
  apiCalls: number
}

/** Candidates that were not removed: every candidate is removed, not removed, or (dry run) would be. */
export function notRemovedCount(outcome: RemovalOutcome): number {
  return outcome.notRemoved.length + outcome.notListed
}
