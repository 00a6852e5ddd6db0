/**
 * The calls that describe the instance: a program, the channels and their progression statuses,
 * the lead and program member fields, and the day's API usage. Shapes follow Adobe's
 * swagger-asset.json (program, channels) and swagger-mapi.json (describe, usage).
 */
import { requestId } from './http.js'
import type { Exchange } from './http.js'

export const PROGRAM_PATH = /^\/rest\/asset\/v1\/program\/([^/]+)\.json$/
export const CHANNELS_PATH = '/rest/asset/v1/channels.json'
export const LEAD_DESCRIBE_PATH = '/rest/v1/leads/describe2.json'
export const MEMBER_DESCRIBE_PATH = '/rest/v1/programs/members/describe.json'
export const USAGE_PATH = '/rest/v1/stats/usage.json'

/**
 * A permission a role may lack: Read-Only Assets (program, channels), Read-Only Lead (describe,
 * the lead lookup, the program member export) or Read-Write Lead (the member delete).
 */
export type SimPermission = 'assets' | 'lead' | 'leadWrite'

export interface SimStatus {
  name: string
  step: number
  success: boolean
  hidden: boolean
  type: string
  description: string
}

export interface SimChannel {
  id: number
  name: string
  applicableProgramType: string
  progressionStatuses: SimStatus[]
}

export interface SimField {
  name: string
  displayName: string
  dataType: string
  length?: number
  updateable: boolean
  crmManaged: boolean
}

/** How a program shows in the asset API; any part left out is made up from its id. */
export interface SimProgramInfo {
  name?: string
  workspace?: string
  /** Its channel's name; default the channel whose statuses are the program's. */
  channel?: string
}

const field = (
  name: string,
  displayName: string,
  dataType: string,
  updateable = true,
  length?: number
): SimField => ({
  name,
  displayName,
  dataType,
  updateable,
  crmManaged: false,
  ...(length === undefined ? {} : { length })
})

export const DEFAULT_LEAD_FIELDS: SimField[] = [
  field('id', 'Id', 'integer', false),
  field('email', 'Email Address', 'email', true, 255),
  field('firstName', 'First Name', 'string', true, 255),
  field('lastName', 'Last Name', 'string', true, 255),
  field('company', 'Company Name', 'string', true, 255),
  field('title', 'Job Title', 'string', true, 255),
  field('phone', 'Phone Number', 'phone', true, 255),
  field('country', 'Country', 'string', true, 255),
  field('leadScore', 'Lead Score', 'integer'),
  field('createdAt', 'Created At', 'datetime', false)
]

export const DEFAULT_MEMBER_FIELDS: SimField[] = [
  field('leadId', 'Lead Id', 'integer', false),
  field('membershipDate', 'Membership Date', 'datetime', false),
  field('reachedSuccess', 'Reached Success', 'boolean', false),
  field('nurtureCadence', 'Nurture Cadence', 'string'),
  field('registrationCode', 'Registration Code', 'string', true, 255),
  field('webinarUrl', 'Webinar URL', 'string', true, 255)
]

/** Success is the last step, as in Marketo's stock channels. */
export function channelOf(id: number, name: string, statuses: string[]): SimChannel {
  return {
    id,
    name,
    applicableProgramType: 'event',
    progressionStatuses: statuses.map((status, step) => ({
      name: status,
      step,
      success: step === statuses.length - 1 && step > 0,
      hidden: false,
      type: 'Member',
      description: ''
    }))
  }
}

/** What the instance holds: programs (id -> statuses) with their channels, and the fields. */
export class Instance {
  readonly channels: SimChannel[] = []
  private readonly channelOfProgram = new Map<string, SimChannel>()

  constructor(
    private readonly programs: Record<string, string[]>,
    private readonly info: Record<string, SimProgramInfo>,
    readonly leadFields: SimField[],
    readonly memberFields: SimField[],
    private readonly denied: SimPermission[]
  ) {
    for (const [programId, statuses] of Object.entries(programs)) {
      const named = info[programId]?.channel
      const key = statuses.join('\n')
      let channel = this.channels.find((c) =>
        named === undefined
          ? c.progressionStatuses.map((s) => s.name).join('\n') === key
          : c.name === named
      )
      if (channel === undefined) {
        const id = this.channels.length + 1
        channel = channelOf(id, named ?? (id === 1 ? 'Webinar' : `Channel ${id}`), statuses)
        this.channels.push(channel)
      }
      this.channelOfProgram.set(programId, channel)
    }
  }

  /**
   * The first column of a header that is no lead or program member field's REST name (Marketo
   * then rejects the whole file), or undefined.
   */
  unknownColumn(header: string[]): string | undefined {
    const known = new Set(
      [...this.leadFields, ...this.memberFields].map((f) => f.name.toLowerCase())
    )
    return header.find((column) => !known.has(column.trim().toLowerCase()))
  }

  allows(permission: SimPermission): boolean {
    return !this.denied.includes(permission)
  }

  program(programId: string): Record<string, unknown> | undefined {
    if (this.programs[programId] === undefined) return undefined
    const info = this.info[programId] ?? {}
    return {
      id: Number(programId),
      name: info.name ?? `Program ${programId}`,
      type: 'event',
      channel: this.channelOfProgram.get(programId)?.name,
      workspace: info.workspace ?? 'Default',
      folder: { id: 15, type: 'Folder' },
      status: '',
      costs: [],
      tags: [],
      createdAt: '2026-01-05T10:00:00Z',
      updatedAt: '2026-01-05T10:00:00Z',
      url: `https://app-sim.marketo.com/#ME${programId}A1`
    }
  }
}

export const ACCESS_DENIED = 'Access denied'

/** GET /rest/asset/v1/program/{id}.json: an unknown id answers success with no result. */
export function handleProgram(ex: Exchange, instance: Instance, programId: string): void {
  if (ex.req.method !== 'GET') return ex.error('605', 'Request method not supported')
  if (!instance.allows('assets')) return ex.error('603', ACCESS_DENIED)
  if (!/^\d+$/.test(programId)) return ex.error('1003', `Invalid program id '${programId}'`)
  const program = instance.program(programId)
  if (program === undefined) {
    return ex.json({
      requestId: requestId(),
      success: true,
      errors: [],
      warnings: ['No assets found for the given search criteria.']
    })
  }
  ex.json({ requestId: requestId(), success: true, errors: [], warnings: [], result: [program] })
}

/** GET /rest/asset/v1/channels.json, paged by `offset` and `maxReturn` (default 20, up to 200). */
export function handleChannels(
  ex: Exchange,
  instance: Instance,
  query: Record<string, string>
): void {
  if (ex.req.method !== 'GET') return ex.error('605', 'Request method not supported')
  if (!instance.allows('assets')) return ex.error('603', ACCESS_DENIED)
  const maxReturn = Number(query.maxReturn ?? 20)
  const offset = Number(query.offset ?? 0)
  if (!Number.isInteger(maxReturn) || maxReturn < 1 || maxReturn > 200) {
    return ex.error('1003', 'maxReturn must be between 1 and 200')
  }
  if (!Number.isInteger(offset) || offset < 0) return ex.error('1003', 'Invalid offset')
  const page = instance.channels.slice(offset, offset + maxReturn).map((channel) => ({
    ...channel,
    createdAt: '2025-06-01T09:00:00Z',
    updatedAt: '2025-06-01T09:00:00Z'
  }))
  if (page.length === 0) {
    return ex.json({
      requestId: requestId(),
      success: true,
      errors: [],
      warnings: ['No assets found for the given search criteria.']
    })
  }
  ex.json({ requestId: requestId(), success: true, errors: [], warnings: [], result: page })
}

/** GET /rest/v1/leads/describe2.json and /rest/v1/programs/members/describe.json. */
export function handleDescribe(ex: Exchange, instance: Instance, of: 'lead' | 'member'): void {
  if (ex.req.method !== 'GET') return ex.error('605', 'Request method not supported')
  if (!instance.allows('lead')) return ex.error('603', ACCESS_DENIED)
  const fields = of === 'lead' ? instance.leadFields : instance.memberFields
  const searchableFields = [['email'], ['id']]
  const result =
    of === 'lead'
      ? { name: 'API Lead', searchableFields, fields }
      : {
          name: 'API Program Member',
          description: 'API Program Member Map',
          createdAt: '2025-06-01T09:00:00Z',
          updatedAt: '2025-06-01T09:00:00Z',
          dedupeFields: ['leadId', 'programId'],
          searchableFields: [['leadId']],
          fields
        }
  ex.json({ requestId: requestId(), success: true, errors: [], warnings: [], result: [result] })
}

/** GET /rest/v1/stats/usage.json: today's calls, `callsToday` counting the ones served so far. */
export function handleUsage(ex: Exchange, callsToday: number, today: Date): void {
  if (ex.req.method !== 'GET') return ex.error('605', 'Request method not supported')
  const date = `${today.toISOString().slice(0, 10)}T00:00:00Z`
  ex.json({
    requestId: requestId(),
    success: true,
    errors: [],
    warnings: [],
    result: [
      { date, total: callsToday, users: [{ userId: 'apiuser@example.com', count: callsToday }] }
    ]
  })
}
