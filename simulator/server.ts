/** A Marketo Bulk Program Member Import endpoint on 127.0.0.1, for tests, the demo and benchmarks. */
import { createServer, STATUS_CODES } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { handleBatchCall, handleIdentity, handleSubmit } from './api.js'
import type { ApiContext } from './api.js'
import { FaultBook } from './faults.js'
import type { CallKind, Fault, FaultRule } from './faults.js'
import { Exchange, TOO_LARGE_HTML, readBody, requestId } from './http.js'
import type { RecordedRequest } from './http.js'
import { ExportQueue } from './exports.js'
import type { SimExport } from './exports.js'
import { ImportQueue } from './jobs.js'
import type { SimJob } from './jobs.js'
import { CallLimits } from './limits.js'
import type { RateLimit } from './limits.js'
import { Membership } from './members.js'
import type { GeneratedMembers } from './members.js'
import {
  EXPORT_PATH,
  LEADS_PATH,
  MEMBER_DELETE_PATH,
  handleExportCall,
  handleLeadLookup,
  handleMemberDelete
} from './removals-api.js'
import { TokenStore } from './tokens.js'
import {
  CHANNELS_PATH,
  DEFAULT_LEAD_FIELDS,
  DEFAULT_MEMBER_FIELDS,
  Instance,
  LEAD_DESCRIBE_PATH,
  MEMBER_DESCRIBE_PATH,
  PROGRAM_PATH,
  USAGE_PATH,
  handleChannels,
  handleDescribe,
  handleProgram,
  handleUsage
} from './instance.js'
import type { SimField, SimPermission, SimProgramInfo } from './instance.js'

export type { RecordedRequest, RecordedUpload } from './http.js'
export type { SimJob, SimJobStatus } from './jobs.js'
export type { Fault, FaultRule, FaultTarget, CallKind } from './faults.js'
export type { RowIssue } from './rows.js'
export type { SimExport, SimExportStatus } from './exports.js'
export type { GeneratedMembers, SimMember } from './members.js'
export type { SimChannel, SimField, SimPermission, SimProgramInfo, SimStatus } from './instance.js'

/** A member the simulator starts with. */
export interface SeedMember {
  email: string
  status: string
}

export interface SimulatorOptions {
  port?: number
  clientId?: string
  clientSecret?: string
  tokenTtlSeconds?: number
  programs?: Record<string, string[]>
  msPerRow?: number
  jobOverheadMs?: number
  queuedMs?: number
  maxProcessing?: number
  maxQueued?: number
  maxBodyBytes?: number
  rateLimit?: RateLimit
  maxConcurrentCalls?: number
  noFileAnswer?: '404' | 'empty'
  /** Members each program starts with (program id -> members); imported rows are added to them. */
  members?: Record<string, SeedMember[]>
  /** Emails of leads the instance knows that are members of no program. */
  leads?: string[]
  /** A generated block of members per program (benchmarks of large programs). */
  generatedMembers?: Record<string, GeneratedMembers>
  /** Bytes of export files per day before enqueue answers 1029; default 500 MB. */
  exportDailyBytes?: number
  /** How long an export stays Processing; default 30 ms. */
  exportMs?: number
  /**
   * Default true. False keeps no upload in memory, for benchmarks that send gigabytes: rows are
   * counted on the bytes, every row imports (no row checks, no failures or warnings), recorded
   * uploads have empty `content`, and `importedEmails()` does not see these jobs.
   */
  keepUploads?: boolean
  /** Name, workspace and channel of programs in the asset API (program id -> info). */
  programInfo?: Record<string, SimProgramInfo>
  /** Lead fields of describe2.json; default DEFAULT_LEAD_FIELDS. */
  leadFields?: SimField[]
  /** Program member fields of programs/members/describe.json; default DEFAULT_MEMBER_FIELDS. */
  memberFields?: SimField[]
  /** Permissions the API user's role lacks: their calls answer 603. */
  deniedPermissions?: SimPermission[]
  /** Calls made today before the simulator started, added to the ones it serves in usage.json. */
  usageToday?: number
  /**
   * True: a submit whose header has a column that is no lead or program member field is
   * rejected whole (1006 Field not found), as Marketo does. Default false, so tests may send
   * any column.
   */
  rejectUnknownColumns?: boolean
  /** Time source of the rate-limit window and token expiry, so tests can move time; default Date.now. */
  clock?: () => number
}

/** Sees each call as it arrives, before faults, limits and tokens are applied (e.g. to expire tokens). */
export type ArrivalHook = (request: RecordedRequest, simulator: Simulator) => void

export interface Simulator {
  url: string
  identityUrl: string
  clientId: string
  clientSecret: string
  requests: RecordedRequest[]
  jobs: SimJob[]
  exports: SimExport[]
  /** The program's current members (email -> status), generated ones aside. */
  members(programId: string): Map<string, string>
  addFault(rule: FaultRule): void
  clearFaults(): void
  expireTokens(): void
  invalidateTokens(): void
  /** Calls `hook` on each arriving call from now on; `undefined` removes it. */
  onArrival(hook: ArrivalHook | undefined): void
  importedEmails(programId?: string): Map<string, number>
  /** Queued jobs stay Queued (still filling the queue) until resumeProcessing(). */
  pauseProcessing(): void
  resumeProcessing(): void
  waitForIdle(): Promise<void>
  stop(): Promise<void>
}

export const DEFAULT_STATUSES = [
  'Not in Program',
  'Member',
  'On List',
  'Invited',
  'Registered',
  'Attended'
]

/** Bytes past `maxBodyBytes` still drained so the client can read its 413 before the close. */
const BODY_SLACK_BYTES = 1_048_576

const SUBMIT_PATH = /^\/bulk\/v1\/program\/([^/]+)\/members\/import\.json$/
const BATCH_PATH =
  /^\/bulk\/v1\/program\/members\/import\/([^/]+)\/(status|failures|warnings)\.json$/
const IDENTITY_PATH = '/identity/oauth/token'
/** Marketo's URL limit: a longer request line gets HTTP 414. */
const MAX_URL_BYTES = 8192

function classify(path: string): CallKind {
  if (path === IDENTITY_PATH) return 'identity'
  if (path === LEADS_PATH) return 'leads'
  if (MEMBER_DELETE_PATH.test(path)) return 'memberDelete'
  if (EXPORT_PATH.test(path)) return 'export'
  if (SUBMIT_PATH.test(path)) return 'submit'
  if (PROGRAM_PATH.test(path)) return 'program'
  if (path === CHANNELS_PATH) return 'channels'
  if (path === LEAD_DESCRIBE_PATH || path === MEMBER_DESCRIBE_PATH) return 'describe'
  if (path === USAGE_PATH) return 'usage'
  const batch = BATCH_PATH.exec(path)
  return batch ? (batch[2] as CallKind) : 'other'
}

function flatHeaders(req: IncomingMessage): Record<string, string> {
  const headers: Record<string, string> = {}
  for (const [name, value] of Object.entries(req.headers)) {
    if (value !== undefined) headers[name] = Array.isArray(value) ? value.join(', ') : value
  }
  return headers
}

function bearerToken(req: IncomingMessage, query: Record<string, string>): string | undefined {
  const match = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')
  return match?.[1] ?? query.access_token
}

const GATEWAY_HTML = (status: number): string => {
  const title = `${status} ${STATUS_CODES[status] ?? 'Error'}`
  return `<html>\r\n<head><title>${title}</title></head>\r\n<body>\r\n<center><h1>${title}</h1></center>\r\n</body>\r\n</html>\r\n`
}

const CODE_MESSAGES: Record<string, string> = {
  '601': 'Access token invalid',
  '602': 'Access token expired',
  '604': 'Request timed out',
  '606': "Max rate limit '100' exceeded with in '20' secs",
  '607': 'Daily quota reached',
  '608': 'API Temporarily Unavailable',
  '611': 'System error',
  '615': 'Concurrent access limit reached',
  '1016': 'Too many imports'
}

/** Answers a call with a fault that replaces the normal answer; false when the fault does not. */
function answerFault(ex: Exchange, fault: Fault): boolean {
  switch (fault.kind) {
    case 'http':
      if (fault.html) ex.html(fault.status, GATEWAY_HTML(fault.status))
      else
        ex.send(fault.status, `${fault.status} ${STATUS_CODES[fault.status] ?? 'Error'}`, {
          'Content-Type': 'text/plain'
        })
      return true
    case 'code':
      ex.error(fault.code, fault.message ?? CODE_MESSAGES[fault.code] ?? 'Simulated error')
      return true
    case 'truncated': {
      const full = JSON.stringify({
        requestId: requestId(),
        result: [{ batchId: 0, status: 'Queued' }],
        success: true
      })
      ex.send(200, full.slice(0, Math.floor(full.length / 2)), {
        'Content-Type': 'application/json;charset=UTF-8'
      })
      return true
    }
    case 'hugeAnswer': {
      const answer = { requestId: requestId(), success: true, result: [], message: '' }
      const padding = Math.max(0, fault.bytes - JSON.stringify(answer).length)
      ex.json({ ...answer, message: 'x'.repeat(padding) })
      return true
    }
    case 'nonJson':
      ex.html(
        200,
        '<html><body><h1>Service Unavailable</h1><p>Please try again later.</p></body></html>'
      )
      return true
    default:
      return false
  }
}

export async function startSimulator(options: SimulatorOptions = {}): Promise<Simulator> {
  const clientId = options.clientId ?? 'sim-client-id'
  const clientSecret = options.clientSecret ?? 'sim-client-secret'
  const maxBodyBytes = options.maxBodyBytes ?? 10_485_760
  const membership = new Membership()
  for (const [programId, members] of Object.entries(options.members ?? {})) {
    for (const member of members) membership.add(programId, member.email, member.status)
  }
  for (const email of options.leads ?? []) membership.addLead(email)
  for (const [programId, block] of Object.entries(options.generatedMembers ?? {})) {
    membership.generate(programId, block)
  }
  const clock = options.clock ?? Date.now
  const queue = new ImportQueue(
    {
      msPerRow: options.msPerRow ?? 2,
      jobOverheadMs: options.jobOverheadMs ?? 50,
      queuedMs: options.queuedMs ?? 20,
      maxProcessing: options.maxProcessing ?? 2,
      maxQueued: options.maxQueued ?? 10
    },
    clock,
    (job) => {
      for (const email of job.importedEmails) {
        membership.add(job.programId, email, job.programMemberStatus)
      }
    }
  )
  const exports = new ExportQueue(
    {
      maxProcessing: 2,
      maxQueued: 10,
      dailyBytes: options.exportDailyBytes ?? 500 * 1024 * 1024,
      processingMs: options.exportMs ?? 30
    },
    membership
  )
  const faults = new FaultBook()
  const tokens = new TokenStore(options.tokenTtlSeconds ?? 3600, clock)
  const limits = new CallLimits(
    options.rateLimit ?? { calls: 100, windowMs: 20_000 },
    options.maxConcurrentCalls ?? 10,
    clock
  )
  const programs = options.programs ?? {
    '1001': [...DEFAULT_STATUSES],
    '1002': [...DEFAULT_STATUSES]
  }
  const instance = new Instance(
    programs,
    options.programInfo ?? {},
    options.leadFields ?? DEFAULT_LEAD_FIELDS,
    options.memberFields ?? DEFAULT_MEMBER_FIELDS,
    options.deniedPermissions ?? []
  )
  const context: ApiContext = {
    instance,
    rejectUnknownColumns: options.rejectUnknownColumns ?? false,
    queue,
    membership,
    exports,
    faults,
    tokens,
    clientId,
    clientSecret,
    programs,
    noFileAnswer: options.noFileAnswer ?? '404',
    keepUploads: options.keepUploads ?? true
  }
  const requests: RecordedRequest[] = []
  let arrivalHook: ArrivalHook | undefined
  const answerTimers = new Set<NodeJS.Timeout>()
  const schedule = (ms: number, action: () => void): void => {
    const timer = setTimeout(() => {
      answerTimers.delete(timer)
      action()
    }, ms)
    answerTimers.add(timer)
  }

  async function onRequest(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const kind = classify(url.pathname)
    const record: RecordedRequest = {
      seq: requests.length + 1,
      kind,
      method: req.method ?? 'GET',
      path: url.pathname,
      query: Object.fromEntries(url.searchParams),
      headers: flatHeaders(req),
      bodyBytes: 0,
      response: { status: 0 },
      arrivedAt: clock()
    }
    requests.push(record)
    arrivalHook?.(record, simulator)
    const ex = new Exchange(req, res, record, schedule, clock)
    const limitError = kind === 'identity' ? undefined : limits.arrive()
    if (kind !== 'identity') res.once('close', () => limits.leave())

    const fault = faults.arrival(kind)
    if (fault) record.fault = fault.kind
    if (fault?.kind === 'reset') return ex.drop()
    if (fault?.kind === 'delay') ex.delayMs = fault.ms

    const body = await readBody(req, maxBodyBytes, BODY_SLACK_BYTES)
    record.bodyBytes = body.bytes
    if (body.aborted) return
    if (fault?.kind === 'echoSecret') {
      const secret = record.query.client_secret ?? ''
      const answer = {
        error: 'invalid_client',
        error_description: `Bad client credentials: ${secret}`
      }
      const json = { 'Content-Type': 'application/json;charset=UTF-8' }
      return ex.send(401, JSON.stringify(answer), json, 'invalid_client')
    }
    if (fault && answerFault(ex, fault)) return
    if ((req.url ?? '').length > MAX_URL_BYTES) {
      return ex.html(414, '<html><body><h1>414 Request-URI Too Large</h1></body></html>')
    }
    if (body.tooLarge) {
      return ex.html(413, TOO_LARGE_HTML, body.cut ? { Connection: 'close' } : {})
    }
    if (kind === 'identity') {
      if (req.method !== 'GET' && req.method !== 'POST')
        return ex.error('605', 'Request method not supported')
      return handleIdentity(ex, context, record.query, body.body)
    }
    if (limitError) return ex.error(limitError.code, limitError.message)
    if (kind === 'other') return ex.notFound(`No handler for ${record.method} ${record.path}`)
    const token = bearerToken(req, record.query)
    const verdict = tokens.verify(token)
    if (verdict === 'invalid') return ex.error('601', 'Access token invalid')
    if (verdict === 'expired') return ex.error('602', 'Access token expired')

    if (kind === 'leads') return handleLeadLookup(ex, context, record.query, body.body)
    if (kind === 'memberDelete') {
      const programId = MEMBER_DELETE_PATH.exec(record.path)?.[1] as string
      return handleMemberDelete(ex, context, decodeURIComponent(programId), body.body)
    }
    if (kind === 'program') {
      const programId = PROGRAM_PATH.exec(record.path)?.[1] as string
      return handleProgram(ex, instance, decodeURIComponent(programId))
    }
    if (kind === 'channels') return handleChannels(ex, instance, record.query)
    if (kind === 'describe') {
      return handleDescribe(ex, instance, record.path === LEAD_DESCRIBE_PATH ? 'lead' : 'member')
    }
    if (kind === 'usage') {
      // Marketo counts every REST call, this one included; the identity calls are not REST calls.
      const served = requests.filter((request) => request.kind !== 'identity').length
      return handleUsage(ex, (options.usageToday ?? 0) + served, new Date(clock()))
    }
    if (kind === 'export') {
      const match = EXPORT_PATH.exec(record.path)
      const call = (match?.[2] ?? 'create') as 'create' | 'enqueue' | 'status' | 'file' | 'cancel'
      return handleExportCall(ex, context, match?.[1], call, body.body)
    }
    const expectedMethod = kind === 'submit' ? 'POST' : 'GET'
    if (req.method !== expectedMethod) return ex.error('605', 'Request method not supported')
    if (kind === 'submit') {
      const programId = SUBMIT_PATH.exec(record.path)?.[1] as string
      return handleSubmit(ex, context, decodeURIComponent(programId), record.query, body.body)
    }
    const batchId = BATCH_PATH.exec(record.path)?.[1] as string
    handleBatchCall(
      ex,
      context,
      batchId,
      kind,
      fault,
      fault?.kind === 'echoToken' ? token : undefined
    )
  }

  const server = createServer((req, res) => {
    onRequest(req, res).catch((error: unknown) => {
      const message = error instanceof Error ? error.message : String(error)
      if (!res.headersSent && !res.destroyed) {
        res.writeHead(500, { 'Content-Type': 'text/plain' })
        res.end(`simulator error: ${message}`)
      }
    })
  })
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', reject)
      resolve()
    })
  })
  const { port } = server.address() as AddressInfo
  const url = `http://127.0.0.1:${port}`

  const simulator: Simulator = {
    url,
    identityUrl: `${url}/identity`,
    clientId,
    clientSecret,
    requests,
    jobs: queue.jobs,
    exports: exports.exports,
    members: (programId) => membership.snapshot(programId),
    addFault: (rule) => faults.add(rule),
    clearFaults: () => faults.clear(),
    expireTokens: () => tokens.expireAll(),
    invalidateTokens: () => tokens.invalidateAll(),
    onArrival: (hook) => {
      arrivalHook = hook
    },
    importedEmails: (programId) => queue.importedEmails(programId),
    pauseProcessing: () => queue.pause(),
    resumeProcessing: () => queue.resume(),
    waitForIdle: () => queue.waitForIdle(),
    stop: async () => {
      queue.stop()
      exports.stop()
      for (const timer of answerTimers) clearTimeout(timer)
      answerTimers.clear()
      const closed = new Promise<void>((resolve) => server.close(() => resolve()))
      server.closeAllConnections()
      await closed
    }
  }
  return simulator
}
