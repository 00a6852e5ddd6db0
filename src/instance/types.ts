import type { ProgramInfo, ProgressionStatus } from '../marketo/index.js'
import type { QuotaCheck } from './checks.js'

/** What the instance checks learned, for the summary and report.json. */
export interface InstanceFacts {
  program?: ProgramInfo
  status?: ProgressionStatus
  /**
   * status-column: the statuses its files hold, the channel's known ones by progression step,
   * and the ones it does not know (their rows held back).
   */
  columnStatuses?: {
    column: string
    known: Array<{ name: string; step: number }>
    /** As `shownStatus` shows them: quoted, never a value that looks like an email. */
    unknown: string[]
  }
  quota?: QuotaCheck
  /** Columns checked against the field descriptions, over every file. */
  columnsChecked?: number
  /** Checks left out, each with why (a 603: the permission the API user lacks). */
  skipped: string[]
  /** REST calls the checks made. */
  calls: number
  /** With several imports: each one's program and status as Marketo described them, in order. */
  imports?: Array<Pick<InstanceFacts, 'program' | 'status' | 'columnStatuses'>>
}
