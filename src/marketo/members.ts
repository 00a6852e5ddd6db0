/** Reads the answers of the calls that remove members: lead lookup, member delete, export. */
import { AttemptFailure } from './retry.js'

export interface FoundLead {
  id: number
  /** Lower case, as Marketo stores it. */
  email: string
}

export type MemberDeleteStatus = 'deleted' | 'skipped'

export interface MemberDeleteResult {
  leadId: number
  status: MemberDeleteStatus
  /** Marketo's reason of a skipped record, e.g. `1004 Lead not found in program`. */
  reason?: string
  /**
   * Set on a skipped record when the call was sent again after an attempt whose answer was lost
   * (a reset, a gateway error): that attempt may have deleted the member this one found gone.
   */
  afterLostAnswer?: true
}

export type ExportStatus =
  'Created' | 'Queued' | 'Processing' | 'Completed' | 'Cancelled' | 'Failed'

export interface MemberExport {
  exportId: string
  status: ExportStatus
  numberOfRecords?: number
  fileSize?: number
  errorMsg?: string
}

const EXPORT_STATUSES: readonly string[] = [
  'Created',
  'Queued',
  'Processing',
  'Completed',
  'Cancelled',
  // Adobe's OpenAPI file spells it so in one place.
  'Canceled',
  'Failed'
]

function isObject(value: unknown): value is Record<string, unknown> {
  return typeof value === 'object' && value !== null && !Array.isArray(value)
}

function invalid(what: string): AttemptFailure {
  return new AttemptFailure('invalid answer', what)
}

const isLeadId = (value: unknown): value is number =>
  typeof value === 'number' && Number.isSafeInteger(value) && value > 0

export function parseFoundLeads(result: unknown[]): FoundLead[] {
  return result.map((lead) => {
    if (!isObject(lead) || !isLeadId(lead.id) || typeof lead.email !== 'string') {
      throw invalid('a lead of the lookup answer has no id or email')
    }
    return { id: lead.id, email: lead.email.trim().toLowerCase() }
  })
}

/** Per record of the request, in its order (`seq`); a record Marketo left out is an invalid answer. */
export function parseDeleteResults(result: unknown[], leadIds: number[]): MemberDeleteResult[] {
  const bySeq = new Map<number, MemberDeleteResult>()
  result.forEach((record, i) => {
    if (!isObject(record) || !isLeadId(record.leadId)) {
      throw invalid('a record of the member delete answer has no leadId')
    }
    if (record.status !== 'deleted' && record.status !== 'skipped') {
      throw invalid('a record of the member delete answer has no known status')
    }
    const seq = typeof record.seq === 'number' ? record.seq : i
    const reasons = Array.isArray(record.reasons) ? (record.reasons as unknown[]) : []
    const reason = reasons
      .filter(isObject)
      .map((r) => `${String(r.code ?? '')} ${String(r.message ?? '')}`.trim())
      .join('; ')
    bySeq.set(seq, {
      leadId: record.leadId,
      status: record.status,
      ...(reason ? { reason: reason.slice(0, 200) } : {})
    })
  })
  return leadIds.map((leadId, seq) => {
    const found = bySeq.get(seq)
    if (found === undefined || found.leadId !== leadId) {
      throw invalid('the member delete answer does not list every record sent')
    }
    return found
  })
}

export function parseMemberExport(result: unknown[]): MemberExport {
  const first = result[0]
  if (!isObject(first) || typeof first.exportId !== 'string' || first.exportId === '') {
    throw invalid('the export answer has no exportId')
  }
  if (typeof first.status !== 'string' || !EXPORT_STATUSES.includes(first.status)) {
    throw invalid('the export answer has no known status')
  }
  const status = (first.status === 'Canceled' ? 'Cancelled' : first.status) as ExportStatus
  return {
    exportId: first.exportId,
    status,
    ...(typeof first.numberOfRecords === 'number'
      ? { numberOfRecords: first.numberOfRecords }
      : {}),
    ...(typeof first.fileSize === 'number' ? { fileSize: first.fileSize } : {}),
    ...(typeof first.errorMsg === 'string' ? { errorMsg: first.errorMsg.slice(0, 1000) } : {})
  }
}
