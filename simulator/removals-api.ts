/** The calls that remove members: lead lookup by email, member delete, bulk program member export. */
import type { ApiContext } from './api.js'
import { EXPORT_FIELDS, ExportQueue } from './exports.js'
import type { ExportField } from './exports.js'
import { requestId } from './http.js'
import type { Exchange } from './http.js'
import { ACCESS_DENIED } from './instance.js'

/** Marketo's batch limit for a lead lookup's filterValues and a member delete's input. */
export const MAX_BATCH = 300

export const LEADS_PATH = '/rest/v1/leads.json'
export const MEMBER_DELETE_PATH = /^\/rest\/v1\/programs\/([^/]+)\/members\/delete\.json$/
export const EXPORT_PATH =
  /^\/bulk\/v1\/program\/members\/export\/(?:create\.json|([^/]+)\/(enqueue|status|file|cancel)\.json)$/

function isForm(ex: Exchange): boolean {
  return /application\/x-www-form-urlencoded/i.test(ex.req.headers['content-type'] ?? '')
}

function jsonBody(body: Buffer): unknown {
  try {
    return JSON.parse(body.toString('utf8'))
  } catch {
    return undefined
  }
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

/**
 * GET /rest/v1/leads.json, or the POST form with `_method=GET` that Marketo accepts for long
 * queries. Unknown emails are simply not in `result`.
 */
export function handleLeadLookup(
  ex: Exchange,
  ctx: ApiContext,
  query: Record<string, string>,
  body: Buffer
): void {
  const params = { ...query }
  if (!ctx.instance.allows('lead')) return ex.error('603', ACCESS_DENIED)
  if (ex.req.method === 'POST') {
    if (!isForm(ex)) return ex.error('612', 'Invalid Content Type')
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = value
    if (params._method !== 'GET') return ex.error('1003', 'Lead sync is not supported here')
  } else if (ex.req.method !== 'GET') return ex.error('605', 'Request method not supported')
  if (params.filterType !== 'email') return ex.error('1003', 'Invalid filterType')
  const values = (params.filterValues ?? '').split(',').filter((value) => value !== '')
  if (values.length === 0) return ex.error('1003', 'filterValues not specified')
  if (values.length > MAX_BATCH) return ex.error('1003', `filterValues exceeds ${MAX_BATCH}`)
  const fields = (params.fields ?? 'id,email').split(',')
  const result: Array<Record<string, unknown>> = []
  const seen = new Set<number>()
  for (const email of values) {
    const leadId = ctx.membership.find(email)
    if (leadId === undefined || seen.has(leadId)) continue
    seen.add(leadId)
    const lead: Record<string, unknown> = { id: leadId }
    if (fields.includes('email')) lead.email = email.toLowerCase()
    result.push(lead)
  }
  ex.json({ requestId: requestId(), result, success: true, moreResult: false })
}

/** POST /rest/v1/programs/{programId}/members/delete.json with `{"input":[{"leadId":..}]}`. */
export function handleMemberDelete(
  ex: Exchange,
  ctx: ApiContext,
  programId: string,
  body: Buffer
): void {
  if (ex.req.method !== 'POST') return ex.error('605', 'Request method not supported')
  if (!ctx.instance.allows('leadWrite')) return ex.error('603', ACCESS_DENIED)
  if (!/application\/json/i.test(ex.req.headers['content-type'] ?? '')) {
    return ex.error('612', 'Invalid Content Type')
  }
  if (!/^\d+$/.test(programId)) return ex.error('1003', `Invalid program id '${programId}'`)
  if (ctx.programs[programId] === undefined) return ex.error('1013', 'Object not found')
  const request = jsonBody(body)
  const input = isRecord(request) ? request.input : undefined
  if (!Array.isArray(input) || input.length === 0) return ex.error('1003', 'input not specified')
  if (input.length > MAX_BATCH) return ex.error('1003', `input exceeds ${MAX_BATCH}`)
  const leadIds: number[] = []
  for (const record of input) {
    const leadId = isRecord(record) ? record.leadId : undefined
    if (typeof leadId !== 'number' || !Number.isInteger(leadId)) {
      return ex.error('1003', 'Invalid leadId')
    }
    leadIds.push(leadId)
  }
  const fault = ctx.faults.accepted('memberDelete')
  if (fault) ex.record.fault = ex.record.fault ? `${ex.record.fault},${fault.kind}` : fault.kind
  const result = ctx.membership.remove(programId, leadIds)
  // The members are gone, and the answer saying so is lost on the way.
  if (fault?.kind === 'resetAfterAccept') return ex.drop()
  ex.json({ requestId: requestId(), result, success: true })
}

function exportAnswer(ex: Exchange, job: Parameters<typeof ExportQueue.statusOf>[0]): void {
  ex.json({ requestId: requestId(), result: [ExportQueue.statusOf(job)], success: true })
}

/** create, enqueue, status, file and cancel of a bulk program member export. */
export function handleExportCall(
  ex: Exchange,
  ctx: ApiContext,
  exportId: string | undefined,
  call: 'create' | 'enqueue' | 'status' | 'file' | 'cancel',
  body: Buffer
): void {
  const method = call === 'status' || call === 'file' ? 'GET' : 'POST'
  if (ex.req.method !== method) return ex.error('605', 'Request method not supported')
  if (!ctx.instance.allows('lead')) return ex.error('603', ACCESS_DENIED)
  if (call === 'create') {
    const request = jsonBody(body)
    if (!isRecord(request) || !isRecord(request.filter) || !Array.isArray(request.fields)) {
      return ex.error('1003', 'fields and filter are required')
    }
    const programId = request.filter.programId
    if (typeof programId !== 'number' || !Number.isInteger(programId)) {
      return ex.error('1003', 'filter programId is required')
    }
    if (ctx.programs[String(programId)] === undefined) return ex.error('1013', 'Object not found')
    const fields = request.fields as unknown[]
    const unknown = fields.find((field) => !EXPORT_FIELDS.includes(field as ExportField))
    if (unknown !== undefined) return ex.error('1003', `Invalid field '${String(unknown)}'`)
    const statusNames = request.filter.statusNames ?? []
    if (!Array.isArray(statusNames) || statusNames.some((name) => typeof name !== 'string')) {
      return ex.error('1003', 'Invalid statusNames')
    }
    const job = ctx.exports.create(
      String(programId),
      statusNames as string[],
      fields as ExportField[]
    )
    return exportAnswer(ex, job)
  }
  const job = ctx.exports.find(exportId ?? '')
  if (job === undefined) return ex.error('1013', 'Object not found')
  if (call === 'enqueue') {
    const refused = ctx.exports.enqueue(job)
    if (refused !== undefined) return ex.error('1029', refused)
    return exportAnswer(ex, job)
  }
  if (call === 'cancel') {
    ctx.exports.cancel(job)
    return exportAnswer(ex, job)
  }
  if (call === 'status') return exportAnswer(ex, job)
  if (job.status !== 'Completed') return ex.error('1003', 'Export not completed')
  ex.stream(200, ctx.exports.file(job), { 'Content-Type': 'text/csv' })
}
