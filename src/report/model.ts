import type { JobResult } from '../jobs/types.js'
import type { RunStop } from '../jobs/scheduler.js'
import type { Accounting, FileProblem } from './accounting.js'

/** Everything the report stages render: one value, built once the jobs have ended. */
export interface RunReport {
  mode: 'import' | 'dry-run'
  programId: string
  programMemberStatus: string
  /** Matched files in order, with their rows. */
  files: { displayPath: string; rows: number; parts: number; bytes: number }[]
  fileProblems: FileProblem[]
  results: JobResult[]
  accounting: Accounting
  stop?: RunStop
  /** Marketo REST calls this run made (identity excluded). */
  apiCalls: number
  elapsedMs: number
  /** One line per reason the step fails; empty when it passes. */
  verdict: string[]
}
