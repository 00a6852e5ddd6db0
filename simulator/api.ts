/** The identity call and the four Bulk Program Member Import calls, once a call is let through. */
import { countDataRows, countDataRowsOfBytes } from './rows.js'
import { DELIMITERS, FILE_CONTENT_TYPES, parseDelimited, parseFormat } from './delimited.js'
import type { Fault, FaultBook, RowFileChange } from './faults.js'
import type { ExportQueue } from './exports.js'
import type { ImportQueue, NewJob, SimJob } from './jobs.js'
import type { Membership } from './members.js'
import { multipartBoundary, parseMultipart } from './multipart.js'
import { requestId } from './http.js'
import type { Exchange } from './http.js'
import type { TokenStore } from './tokens.js'
import type { Instance } from './instance.js'

export interface ApiContext {
  instance: Instance
  /** See SimulatorOptions.rejectUnknownColumns. */
  rejectUnknownColumns: boolean
  queue: ImportQueue
  membership: Membership
  exports: ExportQueue
  programs: Record<string, string[]>
  faults: FaultBook
  tokens: TokenStore
  clientId: string
  clientSecret: string
  noFileAnswer: '404' | 'empty'
  /** False: uploads are counted, not kept (see SimulatorOptions.keepUploads). */
  keepUploads: boolean
}

export function handleIdentity(
  ex: Exchange,
  ctx: ApiContext,
  query: Record<string, string>,
  body: Buffer
): void {
  const contentType = ex.req.headers['content-type'] ?? ''
  const params: Record<string, string> = {}
  if (ex.req.method === 'POST' && /application\/x-www-form-urlencoded/i.test(contentType)) {
    for (const [key, value] of new URLSearchParams(body.toString('utf8'))) params[key] = value
  }
  Object.assign(params, query)
  if (params.grant_type !== 'client_credentials') {
    const description = `Unsupported grant type: ${params.grant_type ?? ''}`
    ex.send(
      400,
      JSON.stringify({ error: 'unsupported_grant_type', error_description: description }),
      {
        'Content-Type': 'application/json;charset=UTF-8'
      },
      'unsupported_grant_type'
    )
    return
  }
  if (params.client_id !== ctx.clientId || params.client_secret !== ctx.clientSecret) {
    const answer = { error: 'invalid_client', error_description: 'Bad client credentials' }
    ex.send(
      401,
      JSON.stringify(answer),
      { 'Content-Type': 'application/json;charset=UTF-8' },
      'invalid_client'
    )
    return
  }
  const issued = ctx.tokens.issue()
  ex.json({
    access_token: issued.token,
    token_type: 'bearer',
    expires_in: issued.expiresInSeconds,
    scope: 'apiuser@example.com'
  })
}

/** Text fields of a form, for `format` and `programMemberStatus` sent as parts (the curl example). */
function formFields(parts: ReturnType<typeof parseMultipart>): Record<string, string> {
  const fields: Record<string, string> = {}
  for (const part of parts ?? []) {
    if (part.filename === undefined) fields[part.name] = part.content.toString('utf8')
  }
  return fields
}

const EMPTY = Buffer.alloc(0)

/** The header's columns: the file's first record, decoded alone (the file may be huge). */
function headerOf(content: Buffer, delimiter: string): string[] {
  const end = content.indexOf(0x0a)
  const line = content.subarray(0, end === -1 ? content.length : end).toString('utf8')
  return parseDelimited(line.replace(/\r$/, ''), delimiter)[0]?.fields ?? []
}

export function handleSubmit(
  ex: Exchange,
  ctx: ApiContext,
  programId: string,
  query: Record<string, string>,
  body: Buffer
): void {
  const boundary = multipartBoundary(ex.req.headers['content-type'])
  if (boundary === undefined) return ex.error('612', 'Invalid Content Type')
  const parts = parseMultipart(body, boundary)
  if (parts === undefined) return ex.error('613', 'Invalid Multipart Request')
  const params = { ...formFields(parts), ...query }

  const format = parseFormat(params.format)
  if (format === undefined) return ex.error('1003', 'Invalid format')
  const status = params.programMemberStatus
  if (status === undefined || status.trim() === '') {
    return ex.error('1003', 'Program member status not specified')
  }
  const statuses = ctx.programs[programId]
  if (statuses === undefined) return ex.error('1013', 'Object not found')
  if (!statuses.includes(status)) return ex.error('1025', 'Program status not found')

  const file = parts.find((part) => part.name === 'file')
  if (file === undefined) return ex.error('1003', 'File not specified')
  const keep = ctx.keepUploads
  ex.record.upload = {
    fieldName: file.name,
    filename: file.filename ?? '',
    contentType: file.contentType ?? '',
    content: keep ? Buffer.from(file.content) : EMPTY
  }
  const rows = keep
    ? countDataRows(file.content.toString('utf8'), DELIMITERS[format])
    : countDataRowsOfBytes(file.content, DELIMITERS[format])
  if (rows === 0) return ex.error('1003', 'Empty file')
  if (ctx.rejectUnknownColumns) {
    const unknown = ctx.instance.unknownColumn(headerOf(file.content, DELIMITERS[format]))
    if (unknown !== undefined) return ex.error('1006', `Field '${unknown}' not found`)
  }
  if (ctx.queue.isFull) return ex.error('1016', 'Too many imports')

  const fault = ctx.faults.accepted()
  const newJob: NewJob = {
    programId,
    programMemberStatus: status,
    format,
    filename: file.filename ?? '',
    content: keep ? Buffer.from(file.content) : EMPTY,
    rows
  }
  if (!keep) newJob.countOnly = true
  if (fault?.kind === 'jobFails' || fault?.kind === 'stuck') newJob.fault = fault
  if (fault?.kind === 'hostileText') newJob.text = { ...fault }
  if (fault) ex.record.fault = ex.record.fault ? `${ex.record.fault},${fault.kind}` : fault.kind
  const job = ctx.queue.submit(newJob)
  if (fault?.kind === 'resetAfterAccept') return ex.drop()
  if (fault?.kind === 'noJob') return ex.json({ requestId: requestId(), result: [], success: true })
  ex.json({
    requestId: requestId(),
    result: [{ batchId: job.batchId, importId: job.importId, status: job.status }],
    success: true
  })
}

function statusResult(job: SimJob, echoedToken?: string): Record<string, unknown> {
  const echo = echoedToken === undefined ? '' : ` (access token ${echoedToken})`
  return {
    batchId: job.batchId,
    importId: job.importId,
    status: job.status,
    numOfLeadsProcessed: job.numOfLeadsProcessed,
    numOfRowsFailed: job.numOfRowsFailed,
    numOfRowsWithWarning: job.numOfRowsWithWarning,
    message: `${job.message}${job.text?.message ?? ''}${echo}`
  }
}

export function handleBatchCall(
  ex: Exchange,
  ctx: ApiContext,
  rawBatchId: string,
  call: 'status' | 'failures' | 'warnings',
  fault?: Fault,
  echoedToken?: string
): void {
  if (!/^\d+$/.test(rawBatchId)) return ex.error('1003', `Invalid batch id '${rawBatchId}'`)
  const job = ctx.queue.find(Number(rawBatchId))
  if (job === undefined) return ex.error('1013', 'Object not found')
  if (call === 'status') {
    const result = statusResult(job, echoedToken)
    const ended = job.status === 'Complete' || job.status === 'Failed'
    if (fault?.kind === 'counts' && ended) Object.assign(result, fault.counts)
    return ex.json({ requestId: requestId(), result: [result], success: true })
  }
  const file = ctx.queue.issueFile(job, call)
  if (file !== undefined) {
    if (fault?.kind !== 'rowFile')
      return ex.send(200, file.body, { 'Content-Type': file.contentType })
    return ex.stream(200, changedRowFile(file.body, fault.change), {
      'Content-Type': file.contentType
    })
  }
  if (ctx.noFileAnswer === 'empty')
    return ex.send(200, '', { 'Content-Type': FILE_CONTENT_TYPES[job.format] })
  ex.notFound(`No ${call} file for batch ${job.batchId}`)
}

/** A failures or warnings file as a `rowFile` fault changes it, in chunks (it may be huge). */
function* changedRowFile(body: string, change: RowFileChange): Generator<Buffer> {
  const [header = '', ...rows] = body.split('\n')
  if (change.kind === 'unbalancedQuote') {
    yield Buffer.from([header, ...rows.map((row, i) => (i === 0 ? `"${row}` : row))].join('\n'))
    return
  }
  if (change.kind === 'swappedHeader') {
    const [first = '', second = '', ...rest] = header.split(',')
    yield Buffer.from([[second, first, ...rest].join(','), ...rows].join('\n'))
    return
  }
  yield Buffer.from(body)
  if (rows.length === 0) return
  if (change.rows !== undefined) {
    // Exactly `rows` more, the file's rows over and over.
    const extra = Array.from({ length: change.rows }, (_, i) => rows[i % rows.length])
    if (extra.length > 0) yield Buffer.from(`\n${extra.join('\n')}`)
    return
  }
  // The rows again in blocks of about 1 MB until the file has `bytes` bytes.
  const block = Buffer.from(
    `\n${rows.join('\n')}`.repeat(Math.max(1, Math.floor(1e6 / body.length)))
  )
  for (
    let written = Buffer.byteLength(body);
    written < (change.bytes ?? 0);
    written += block.length
  ) {
    yield block
  }
}
