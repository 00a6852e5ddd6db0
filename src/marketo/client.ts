/**
 * The Marketo Bulk Program Member Import client: submit, status, failures, warnings. Every call
 * goes through one token cache, one limiter and one retry policy.
 */
import { Readable } from 'node:stream'
import type { Dispatcher } from 'undici'
import { realSleep, systemClock, type Clock, type Sleep } from '../time.js'
import { parseJobStatus, parseSubmittedJob, resultOf } from './answers.js'
import { TokenCache, trimTrailingSlashes } from './auth.js'
import { saveAnswerFile } from './download.js'
import type { Operation } from './error-codes.js'
import { MarketoApiError, SubmitInterrupted } from './errors.js'
import {
  discardBody,
  logExchange,
  readText,
  send,
  silentLogger,
  type HttpContext,
  type HttpExchange,
  type HttpResponse,
  type Logger
} from './http.js'
import { CallLimiter, DEFAULT_LIMITS } from './limiter.js'
import {
  parseDeleteResults,
  parseFoundLeads,
  parseMemberExport,
  type FoundLead,
  type MemberDeleteResult,
  type MemberExport
} from './members.js'
import {
  parseChannels,
  parseFields,
  parseProgram,
  parseUsage,
  type ChannelInfo,
  type FieldInfo,
  type ProgramInfo
} from './instance.js'
import { multipartEnvelope } from './multipart.js'
import {
  AttemptFailure,
  resolveRetryPolicy,
  withRetry,
  type RetryEvent,
  type RetryOptions,
  type RetryPolicy
} from './retry.js'
import type { ImportJobStatus, SubmitRequest, SubmittedJob } from './types.js'
import { UploadBody, mayHaveTakenEffect } from './upload.js'

export const DEFAULT_REQUEST_TIMEOUT_MS = 60_000
const EXPORT_BASE = '/bulk/v1/program/members/export'
/** The most channels.json returns at once. */
const CHANNEL_PAGE = 200
/** Marketo may take a while to answer a 10 MB upload. */
export const MIN_SUBMIT_TIMEOUT_MS = 300_000

export interface MarketoClientOptions {
  restUrl: string
  identityUrl: string
  clientId: string
  clientSecret: string
  clock?: Clock
  sleep?: Sleep
  random?: () => number
  /** Headers and body timeouts of every call; the upload uses at least 300 000. */
  requestTimeoutMs?: number
  /** Timeouts of the upload call; default the larger of requestTimeoutMs and 300 000. */
  submitTimeoutMs?: number
  retry?: Partial<RetryPolicy>
  limits?: { callsPerWindow?: number; windowMs?: number; concurrent?: number }
  onSecret?: (value: string) => void
  /** Told the size of every chunk an upload reads (the action keeps its memory flat with it). */
  onUploadBytes?: (bytes: number) => void
  log?: Logger
  dispatcher?: Dispatcher
  /** Aborts waits and requests (cancellation, the action's timeout). */
  signal?: AbortSignal
}

export type SubmitOutcome = SubmittedJob & {
  /** Requests sent for this job, the successful one included. */
  attempts: number
  /** Resubmissions after a failure that came after the whole body was sent: a duplicate job may exist. */
  uncertainAttempts: number
  /** Waits because Marketo's import queue was full (1016). */
  queueFullWaits: number
}

export interface ClientStats {
  /** REST calls started (identity excluded), retries included. */
  calls: number
  identityCalls: number
  retries: number
  /** Waits Marketo imposed with 606 (rate limit). */
  rateLimitWaits: number
}

export class MarketoClient {
  private readonly restUrl: string
  private readonly onUploadBytes: (bytes: number) => void
  private readonly clock: Clock
  private readonly sleep: Sleep
  private readonly random: () => number
  private readonly timeoutMs: number
  private readonly submitTimeoutMs: number
  private readonly policy: RetryPolicy
  private readonly signal: AbortSignal | undefined
  private readonly log: Logger
  private readonly http: HttpContext
  private readonly limiter: CallLimiter
  private readonly tokens: TokenCache
  private identityCalls = 0
  private retries = 0
  private rateLimitWaits = 0

  constructor(options: MarketoClientOptions) {
    this.restUrl = trimTrailingSlashes(options.restUrl).replace(/\/rest$/, '')
    this.clock = options.clock ?? systemClock
    this.sleep = options.sleep ?? realSleep
    this.random = options.random ?? Math.random
    this.timeoutMs = options.requestTimeoutMs ?? DEFAULT_REQUEST_TIMEOUT_MS
    this.submitTimeoutMs =
      options.submitTimeoutMs ?? Math.max(this.timeoutMs, MIN_SUBMIT_TIMEOUT_MS)
    this.policy = resolveRetryPolicy(options.retry)
    this.signal = options.signal
    this.log = options.log ?? silentLogger
    this.onUploadBytes = options.onUploadBytes ?? (() => {})
    this.http = {
      clock: this.clock,
      log: this.log,
      ...(options.dispatcher ? { dispatcher: options.dispatcher } : {}),
      ...(options.signal ? { signal: options.signal } : {})
    }
    this.limiter = new CallLimiter({
      callsPerWindow: options.limits?.callsPerWindow ?? DEFAULT_LIMITS.callsPerWindow,
      windowMs: options.limits?.windowMs ?? DEFAULT_LIMITS.windowMs,
      concurrent: options.limits?.concurrent ?? DEFAULT_LIMITS.concurrent,
      clock: this.clock,
      sleep: this.sleep,
      ...(options.signal ? { signal: options.signal } : {})
    })
    this.tokens = new TokenCache({
      identityUrl: options.identityUrl,
      clientId: options.clientId,
      clientSecret: options.clientSecret,
      timeoutMs: this.timeoutMs,
      http: this.http,
      retry: this.retryOptions(),
      ...(options.onSecret ? { onSecret: options.onSecret } : {}),
      onIdentityCall: () => {
        this.identityCalls++
      }
    })
  }

  get stats(): ClientStats {
    return {
      calls: this.limiter.calls,
      identityCalls: this.identityCalls,
      retries: this.retries,
      rateLimitWaits: this.rateLimitWaits
    }
  }

  /** Creates an import job; waits and submits again while Marketo's import queue is full. */
  async submitImport(request: SubmitRequest): Promise<SubmitOutcome> {
    const { programId, programMemberStatus, format, source } = request
    const url =
      `${this.restUrl}/bulk/v1/program/${encodeURIComponent(programId)}/members/import.json` +
      `?format=${format.toUpperCase()}&programMemberStatus=${encodeURIComponent(programMemberStatus)}`
    const counts = { attempts: 0, uncertainAttempts: 0, queueFullWaits: 0 }
    const onRetry = (event: RetryEvent): void => {
      if (event.failure.uncertain) counts.uncertainAttempts++
      if (event.handling === 'queueFull') counts.queueFullWaits++
    }
    // Set when the run stops while a whole upload is on the wire, waiting for Marketo's answer.
    let cutAfterSending = false
    const job = await this.restCall('submit', onRetry, async (token, attempt) => {
      counts.attempts = attempt
      // A consumed stream cannot be sent again: every attempt frames a fresh one.
      const envelope = multipartEnvelope(source.filename, format)
      const upload = new UploadBody(envelope, source, this.onUploadBytes)
      try {
        return await this.exchange(
          {
            method: 'POST',
            url,
            attempt,
            timeoutMs: this.submitTimeoutMs,
            body: upload.stream,
            headers: {
              ...this.headers(token),
              'content-type': envelope.contentType,
              'content-length': String(upload.byteLength)
            }
          },
          async (response) => {
            const result = resultOf(response.statusCode, await readText(response, this.signal))
            const submitted = parseSubmittedJob(result[0])
            // A readable success without a job: retrying could create a second job, so say so once.
            if (!submitted) {
              throw new AttemptFailure('NO_JOB_IN_ANSWER', 'success without a batchId', {
                httpStatus: response.statusCode,
                uncertain: true
              })
            }
            return submitted
          }
        )
      } catch (error) {
        if (upload.sourceError !== undefined) throw upload.sourceError
        if (this.signal?.aborted) cutAfterSending = upload.sent
        throw upload.sent && error instanceof AttemptFailure && mayHaveTakenEffect(error)
          ? new AttemptFailure(error.code, error.message, {
              ...(error.httpStatus !== undefined ? { httpStatus: error.httpStatus } : {}),
              uncertain: true
            })
          : error
      } finally {
        upload.stream.destroy()
      }
    }).catch((error: unknown) => {
      // Stopped from outside: say whether Marketo may have the job, which only this call knows.
      if (!this.signal?.aborted || error instanceof MarketoApiError) throw error
      const uncertainAttempts = counts.uncertainAttempts + (cutAfterSending ? 1 : 0)
      throw new SubmitInterrupted(error, uncertainAttempts > 0, uncertainAttempts)
    })
    return { ...job, ...counts }
  }

  async getImportStatus(batchId: number): Promise<ImportJobStatus> {
    const url = `${this.restUrl}/bulk/v1/program/members/import/${batchId}/status.json`
    return this.restCall('status', undefined, (token, attempt) =>
      this.exchange(
        { method: 'GET', url, attempt, timeoutMs: this.timeoutMs, headers: this.headers(token) },
        async (response) => {
          const result = resultOf(response.statusCode, await readText(response, this.signal))
          const status = parseJobStatus(result[0])
          if (!status) throw new AttemptFailure('invalid answer', 'the answer has no job status')
          return status
        }
      )
    )
  }

  /** Saves the failed rows of a job; false (and no file) when Marketo has none. */
  downloadFailures(batchId: number, destinationPath: string): Promise<boolean> {
    return this.download('failures', batchId, destinationPath)
  }

  /** Saves the rows imported with warnings; false (and no file) when Marketo has none. */
  downloadWarnings(batchId: number, destinationPath: string): Promise<boolean> {
    return this.download('warnings', batchId, destinationPath)
  }

  /** The leads of these emails (at most 300, within the 8 KB URL: see removals/batches.ts). */
  async lookupLeads(emails: string[]): Promise<FoundLead[]> {
    const query = new URLSearchParams({
      filterType: 'email',
      filterValues: emails.join(','),
      fields: 'id,email'
    })
    const result = await this.jsonCall('leads', 'GET', `/rest/v1/leads.json?${query}`)
    return parseFoundLeads(result)
  }

  /** Removes these leads (at most 300) from the program; Marketo's status per record, in order. */
  async deleteMembers(programId: string, leadIds: number[]): Promise<MemberDeleteResult[]> {
    const path = `/rest/v1/programs/${encodeURIComponent(programId)}/members/delete.json`
    // The small JSON body is always sent whole: a lost answer may mean the delete took effect.
    let retriedAfterLostAnswer = false
    const result = await this.jsonCall(
      'memberDelete',
      'POST',
      path,
      { input: leadIds.map((leadId) => ({ leadId })) },
      (event) => {
        if (mayHaveTakenEffect(event.failure)) retriedAfterLostAnswer = true
      }
    )
    const results = parseDeleteResults(result, leadIds)
    if (!retriedAfterLostAnswer) return results
    return results.map((record) =>
      record.status === 'skipped' ? { ...record, afterLostAnswer: true } : record
    )
  }

  /** The program, or undefined when Marketo knows none with this id. Needs Read-Only Assets. */
  async getProgram(programId: string): Promise<ProgramInfo | undefined> {
    const path = `/rest/asset/v1/program/${encodeURIComponent(programId)}.json`
    return parseProgram(await this.jsonCall('program', 'GET', path))
  }

  /** Every channel with its progression statuses, 200 a page. Needs Read-Only Assets. */
  async getChannels(): Promise<ChannelInfo[]> {
    const channels: ChannelInfo[] = []
    for (let offset = 0; ; offset += CHANNEL_PAGE) {
      const query = new URLSearchParams({ maxReturn: String(CHANNEL_PAGE), offset: String(offset) })
      const page = parseChannels(
        await this.jsonCall('channels', 'GET', `/rest/asset/v1/channels.json?${query}`)
      )
      channels.push(...page)
      if (page.length < CHANNEL_PAGE) return channels
    }
  }

  /** The lead fields (describe2.json) or the program member fields. Needs Read-Only Lead. */
  async describeFields(of: 'lead' | 'member'): Promise<FieldInfo[]> {
    const path =
      of === 'lead' ? '/rest/v1/leads/describe2.json' : '/rest/v1/programs/members/describe.json'
    return parseFields(await this.jsonCall('describe', 'GET', path))
  }

  /** The API calls the instance has counted today. */
  async getDailyUsage(): Promise<number> {
    return parseUsage(await this.jsonCall('usage', 'GET', '/rest/v1/stats/usage.json'))
  }

  /** Creates a bulk export of the program's members with these statuses (all when empty). */
  async createMemberExport(programId: string, statusNames: string[]): Promise<MemberExport> {
    const filter = { programId: Number(programId), ...(statusNames.length ? { statusNames } : {}) }
    const result = await this.jsonCall('export', 'POST', `${EXPORT_BASE}/create.json`, {
      fields: ['leadId', 'email'],
      format: 'CSV',
      filter
    })
    return parseMemberExport(result)
  }

  async enqueueMemberExport(exportId: string): Promise<MemberExport> {
    const path = `${EXPORT_BASE}/${encodeURIComponent(exportId)}/enqueue.json`
    return parseMemberExport(await this.jsonCall('export', 'POST', path))
  }

  async getMemberExportStatus(exportId: string): Promise<MemberExport> {
    const path = `${EXPORT_BASE}/${encodeURIComponent(exportId)}/status.json`
    return parseMemberExport(await this.jsonCall('export', 'GET', path))
  }

  /** Streams a completed export's file to disk; false (and no file) when it is empty. */
  downloadMemberExport(exportId: string, destinationPath: string): Promise<boolean> {
    const url = `${this.restUrl}${EXPORT_BASE}/${encodeURIComponent(exportId)}/file.json`
    return this.saveFile('export', url, destinationPath)
  }

  /** One JSON call: the `result` array of its answer. */
  private jsonCall(
    operation: Operation,
    method: 'GET' | 'POST',
    path: string,
    body?: Record<string, unknown>,
    onRetry?: (event: RetryEvent) => void
  ): Promise<unknown[]> {
    const url = `${this.restUrl}${path}`
    return this.restCall(operation, onRetry, (token, attempt) => {
      const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body))
      return this.exchange(
        {
          method,
          url,
          attempt,
          timeoutMs: this.timeoutMs,
          headers: {
            ...this.headers(token),
            ...(payload
              ? { 'content-type': 'application/json', 'content-length': String(payload.length) }
              : {})
          },
          ...(payload ? { body: Readable.from([payload]) } : {})
        },
        async (response) => resultOf(response.statusCode, await readText(response, this.signal))
      )
    })
  }

  private download(
    operation: 'failures' | 'warnings',
    batchId: number,
    destinationPath: string
  ): Promise<boolean> {
    const url = `${this.restUrl}/bulk/v1/program/members/import/${batchId}/${operation}.json`
    return this.saveFile(operation, url, destinationPath)
  }

  private saveFile(
    operation: 'failures' | 'warnings' | 'export',
    url: string,
    destinationPath: string
  ): Promise<boolean> {
    return this.restCall(operation, undefined, (token, attempt) =>
      this.exchange(
        { method: 'GET', url, attempt, timeoutMs: this.timeoutMs, headers: this.headers(token) },
        async (response) => {
          if (response.statusCode === 404) {
            await discardBody(response)
            return false
          }
          if (response.statusCode < 200 || response.statusCode >= 300) {
            resultOf(response.statusCode, await readText(response, this.signal))
          }
          return saveAnswerFile(response, destinationPath, this.signal)
        }
      )
    )
  }

  private headers(token: string): Record<string, string> {
    return { authorization: `Bearer ${token}`, accept: 'application/json, */*' }
  }

  /** One REST call: a token, a limiter slot per attempt, the retry policy around it all. */
  private restCall<T>(
    operation: Operation,
    onRetry: ((event: RetryEvent) => void) | undefined,
    attempt: (token: string, attemptNumber: number) => Promise<T>
  ): Promise<T> {
    let usedToken: string | undefined
    const options = this.retryOptions((event) => {
      if (event.handling === 'reauth' && usedToken !== undefined) this.tokens.invalidate(usedToken)
      onRetry?.(event)
    })
    return withRetry({ ...options, operation }, async (attemptNumber) => {
      const token = await this.tokens.token()
      usedToken = token
      return this.limiter.run(() => attempt(token, attemptNumber))
    })
  }

  private retryOptions(onRetry?: (event: RetryEvent) => void): Omit<RetryOptions, 'operation'> {
    return {
      policy: this.policy,
      random: this.random,
      sleep: this.sleep,
      now: () => this.clock.now(),
      ...(this.signal ? { signal: this.signal } : {}),
      onRetry: (event) => {
        this.noteRetry(event)
        onRetry?.(event)
      }
    }
  }

  private noteRetry(event: RetryEvent): void {
    this.retries++
    const { failure, operation, attempt, delayMs } = event
    const seconds = `${Math.round(delayMs / 100) / 10} s`
    switch (event.handling) {
      case 'reauth':
        this.log.info(`Marketo rejected the access token (${failure.code}); renewing it`)
        return
      case 'rateWindow':
        this.rateLimitWaits++
        this.limiter.holdUntil(this.clock.now() + delayMs)
        this.log.info(`Marketo rate limit reached (${failure.code}); waiting ${seconds}`)
        return
      case 'queueFull':
        this.log.info(
          `Marketo's import queue is full (${failure.code}); submitting again in ${seconds}`
        )
        return
      case 'backoff':
        if (failure.uncertain) {
          this.log.warning(
            `The ${operation} call failed after the whole file was sent (${failure.code}); Marketo ` +
              'may have created the job, submitting again (a duplicate job may exist)'
          )
        }
        this.log.info(
          `Marketo ${operation} attempt ${attempt} of ${this.policy.maxAttempts} failed ` +
            `(${failure.code}: ${failure.message}); retrying in ${seconds}`
        )
    }
  }

  /** Sends one request and hands the answer to `handle`, logging the exchange either way. */
  private async exchange<T>(
    exchange: HttpExchange,
    handle: (response: HttpResponse) => Promise<T>
  ): Promise<T> {
    const startedAt = this.clock.now()
    let status: number | undefined
    let code: string | undefined
    let response: HttpResponse | undefined
    try {
      response = await send(exchange, this.http)
      status = response.statusCode
      return await handle(response)
    } catch (error) {
      if (error instanceof AttemptFailure) code = error.code
      throw error
    } finally {
      if (response && !response.body.readableEnded) response.body.destroy()
      logExchange(this.log, exchange, { status, code, startedAt, endedAt: this.clock.now() })
    }
  }
}
