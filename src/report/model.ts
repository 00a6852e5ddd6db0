import type { ColumnMapping } from '../files/index.js'
import type { JobResult } from '../jobs/types.js'
import type { RunStop } from '../jobs/scheduler.js'
import type { Accounting, FileProblem } from './accounting.js'
import type { RowIssues } from './row-issue-list.js'
import type { ValidationSummary } from '../validate/types.js'
import type { ChangeSummary } from '../changes/types.js'
import type { RemovalOutcome } from '../removals/types.js'
import type { InstanceFacts } from '../instance/types.js'
import type { ImportSection } from './imports.js'

/** Everything the report stages render: one value, built once the jobs have ended. */
export interface RunReport {
  mode: 'import' | 'dry-run'
  programId: string
  programMemberStatus: string
  /** Matched files in order, with their rows. */
  files: {
    displayPath: string
    rows: number
    parts: number
    bytes: number
    /** Columns sent under another name (columns, map-display-names). */
    renamed?: ColumnMapping[]
  }[]
  fileProblems: FileProblem[]
  results: JobResult[]
  accounting: Accounting
  /** Failed and warned rows traced to their source lines, and the fix-and-retry files. */
  rowIssues: RowIssues
  stop?: RunStop
  /** Marketo REST calls this run made (identity excluded). */
  apiCalls: number
  elapsedMs: number
  /** The uploaded artifact with output-dir's files, when there is one. */
  artifact?: { id: string; url: string; name: string }
  /** The local checks of the files (dry run, or the preflight of an import). */
  validation?: ValidationSummary
  /** changed-since: what each file gained, changed and lost since the ref. */
  changes?: ChangeSummary
  /** removed-records: remove or mirror: who was removed, who was not and why. */
  removals?: RemovalOutcome
  /** check-instance: the program, status, columns and quota as Marketo described them. */
  instance?: InstanceFacts
  /**
   * With imports (or a status column): each program and status with its totals, in the order
   * first seen; `accounting.totals` is the run's.
   */
  imports?: ImportSection[]
  /** Failed or warned rows within their limits, said when the step passes anyway. */
  limitsKept?: string[]
  /** An error no stage expected, after which the report holds what was known before it. */
  unexpectedError?: string
  /** One line per reason the step fails; empty when it passes. */
  verdict: string[]
}
