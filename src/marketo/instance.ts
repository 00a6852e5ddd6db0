/** Reads the answers of the calls that describe the instance: program, channels, fields, usage. */
import { AttemptFailure } from './retry.js'

export interface ProgramInfo {
  id: number
  name: string
  /** The channel's name, as the program answer gives it. */
  channel: string
  workspace: string
}

export interface ProgressionStatus {
  name: string
  step: number
  success: boolean
  hidden: boolean
}

export interface ChannelInfo {
  name: string
  statuses: ProgressionStatus[]
}

export interface FieldInfo {
  name: string
  displayName: string
  dataType: string
  updateable: boolean
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

const invalid = (what: string): AttemptFailure =>
  new AttemptFailure('invalid answer', `${what} is not the expected JSON`)

const text = (value: unknown): string => (typeof value === 'string' ? value : '')

/** `result[0]` of a program answer; undefined when Marketo knows no such program. */
export function parseProgram(result: unknown[]): ProgramInfo | undefined {
  const program = result[0]
  if (program === undefined) return undefined
  if (!isRecord(program) || typeof program.name !== 'string') throw invalid('the program answer')
  return {
    id: typeof program.id === 'number' ? program.id : Number.NaN,
    name: program.name,
    channel: text(program.channel),
    workspace: text(program.workspace)
  }
}

export function parseChannels(result: unknown[]): ChannelInfo[] {
  return result.map((channel) => {
    if (!isRecord(channel) || typeof channel.name !== 'string') throw invalid('a channel')
    const statuses = Array.isArray(channel.progressionStatuses) ? channel.progressionStatuses : []
    return {
      name: channel.name,
      statuses: statuses.filter(isRecord).map((status) => ({
        name: text(status.name),
        step: typeof status.step === 'number' ? status.step : 0,
        success: status.success === true,
        hidden: status.hidden === true
      }))
    }
  })
}

/** `result[0].fields` of describe2.json or programs/members/describe.json. */
export function parseFields(result: unknown[]): FieldInfo[] {
  const described = result[0]
  if (!isRecord(described) || !Array.isArray(described.fields)) throw invalid('a describe answer')
  return described.fields.filter(isRecord).map((field) => ({
    name: text(field.name),
    displayName: text(field.displayName),
    dataType: text(field.dataType),
    // A field the describe does not say is read-only is taken as writable.
    updateable: field.updateable !== false
  }))
}

/** Today's calls: `result[0].total` of usage.json (0 when Marketo has counted none). */
export function parseUsage(result: unknown[]): number {
  const today = result[0]
  if (today === undefined) return 0
  if (!isRecord(today)) throw invalid('the usage answer')
  const total = today.total
  return typeof total === 'number' && Number.isInteger(total) && total >= 0 ? total : 0
}
