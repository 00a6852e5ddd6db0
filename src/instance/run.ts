/**
 * The instance checks in order, through one client: the program, its channel's statuses, the
 * columns against the field descriptions, the daily quota. A call Marketo refuses with 603 leaves
 * its check out with one warning naming the permission; any other failure ends the run.
 */
import { MarketoApiError } from '../marketo/index.js'
import type { ChannelInfo, FieldInfo, ProgramInfo } from '../marketo/index.js'
import type { ColumnMapping } from '../files/index.js'
import { checkColumns, checkQuota, checkStatus, mapDisplayNames } from './checks.js'
import type { InstanceFacts } from './types.js'
import { judgeStatuses, type ChannelStatuses } from '../statuses/order.js'
import { shownStatus } from '../statuses/group.js'

export interface InstanceApi {
  getProgram(programId: string): Promise<ProgramInfo | undefined>
  getChannels(): Promise<ChannelInfo[]>
  describeFields(of: 'lead' | 'member'): Promise<FieldInfo[]>
  getDailyUsage(): Promise<number>
}

export interface InstanceRequest {
  programId: string
  programMemberStatus: string
  dailyQuota: number
  parts: number
  /** Each file's columns (after the `columns` renames), by its displayed path. */
  headers: Array<{ displayPath: string; columns: string[] }>
  /** map-display-names: send a column named as one field's display name as its REST name. */
  mapDisplayNames: boolean
  /** status-column: the statuses its files hold, checked instead of programMemberStatus. */
  statusColumn?: { column: string; statuses: string[] }
}

export interface InstanceCheck {
  facts: InstanceFacts
  /** Why the run stops before any submit: one line per problem. */
  problems: string[]
  warnings: string[]
  /** Per file of the request, in its order: the columns as sent and the display names mapped. */
  sent: Array<{ columns: string[]; mappings: ColumnMapping[] }>
  /** status-column: its statuses as the channel knows them (unset when it was not read). */
  statuses?: ChannelStatuses
}

const ASSETS = 'Read-Only Assets'
const LEAD = 'Read-Only Lead'

/** 603 is a role without the permission; Marketo's 702 and 1013 are an asset it does not know. */
const codeOf = (error: unknown): string | undefined =>
  error instanceof MarketoApiError ? error.code : undefined

export async function runInstanceChecks(
  api: InstanceApi,
  request: InstanceRequest,
  calls: () => number
): Promise<InstanceCheck> {
  const facts: InstanceFacts = { skipped: [], calls: 0 }
  const problems: string[] = []
  const warnings: string[] = []
  const denied = (permission: string, what: string): void => {
    const line =
      `Marketo denied ${what} (603): the API user's role lacks the ${permission} permission, ` +
      `so ${what === 'the field descriptions' ? 'the columns were' : 'the program and status were'} not checked`
    facts.skipped.push(line)
    warnings.push(line)
  }
  let sent = request.headers.map((file) => ({
    columns: file.columns,
    mappings: [] as ColumnMapping[]
  }))
  let statuses: ChannelStatuses | undefined
  const finish = (): InstanceCheck => {
    facts.calls = calls()
    return { facts, problems, warnings, sent, ...(statuses ? { statuses } : {}) }
  }

  let program: ProgramInfo | undefined
  let assetsDenied = false
  try {
    program = await api.getProgram(request.programId)
  } catch (error) {
    const code = codeOf(error)
    if (code === '603') assetsDenied = true
    else if (code !== '702' && code !== '1013') throw error
  }
  if (assetsDenied) denied(ASSETS, 'the program')
  else if (program === undefined) {
    problems.push(
      `program-id ${request.programId}: Marketo has no program with this id; check the id in the ` +
        `program's URL (…/#ME<id>A1) and that the API user's workspace can see it`
    )
    return finish()
  } else {
    facts.program = program
    const channels = await api.getChannels().catch((error: unknown) => {
      if (codeOf(error) !== '603') throw error
      denied(ASSETS, 'the channels')
      return undefined
    })
    const channel = channels?.find((candidate) => candidate.name === program?.channel)
    if (channels && channel === undefined) {
      warnings.push(
        `program ${request.programId}'s channel "${program.channel}" is not among the instance's channels: the status was not checked`
      )
    } else if (channel && request.statusColumn) {
      const { column } = request.statusColumn
      // Their rows are held back, not the run: each held part is annotated at its first line.
      statuses = judgeStatuses(request.statusColumn.statuses, channel, column)
      facts.columnStatuses = {
        column,
        known: [...statuses.steps]
          .map(([name, step]) => ({ name, step }))
          .sort((a, b) => a.step - b.step),
        // As logs show them: a value that looks like an email address is never repeated.
        unknown: [...statuses.unknown.keys()].map(shownStatus)
      }
    } else if (channel) {
      const status = checkStatus(request.programMemberStatus, channel)
      if (status.problem !== undefined) problems.push(status.problem)
      else facts.status = status.status
    }
  }

  try {
    const leadFields = await api.describeFields('lead')
    const memberFields = await api.describeFields('member')
    const fields = [...leadFields, ...memberFields]
    if (request.mapDisplayNames) {
      sent = request.headers.map((file) => mapDisplayNames(file.columns, fields))
    }
    let columns = 0
    request.headers.forEach((file, at) => {
      const sentColumns = (sent[at] as (typeof sent)[number]).columns
      columns += sentColumns.length
      problems.push(...checkColumns(file.displayPath, sentColumns, leadFields, memberFields))
    })
    facts.columnsChecked = columns
  } catch (error) {
    if (codeOf(error) !== '603') throw error
    denied(LEAD, 'the field descriptions')
  }

  if (problems.length === 0) {
    const usedToday = await api.getDailyUsage()
    // The checks' own calls are in Marketo's count already; the estimate is the rest of the run.
    const quota = checkQuota(request.parts, usedToday, request.dailyQuota)
    facts.quota = quota
    if (quota.stop) problems.push(quota.stop)
    else if (quota.warning) warnings.push(quota.warning)
  }
  return finish()
}
