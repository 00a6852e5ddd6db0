/**
 * The access token cache: one token for the run, renewed shortly before it expires or when
 * Marketo rejects it (601/602). Concurrent callers share one identity request.
 */
import { parseJson } from './answers.js'
import { discardBody, logExchange, readText, send, type HttpContext } from './http.js'
import { AttemptFailure, withRetry, type RetryOptions } from './retry.js'

/** Renew when less than this much life remains, so no call starts with a dying token. */
export const TOKEN_RENEW_BEFORE_MS = 60_000

export interface TokenCacheOptions {
  identityUrl: string
  clientId: string
  clientSecret: string
  timeoutMs: number
  http: HttpContext
  retry: Omit<RetryOptions, 'operation'>
  renewBeforeMs?: number
  /** Called with every new token before anyone uses it (the action masks it in logs). */
  onSecret?: (value: string) => void
  /** Called once per identity request sent, retries included. */
  onIdentityCall?: () => void
}

interface CachedToken {
  value: string
  expiresAt: number
}

export class TokenCache {
  private readonly options: TokenCacheOptions
  private current: CachedToken | undefined
  private pending: Promise<string> | undefined

  constructor(options: TokenCacheOptions) {
    this.options = options
  }

  /** A token with more than `renewBeforeMs` of life left, fetching one if needed. */
  async token(): Promise<string> {
    const renewBefore = this.options.renewBeforeMs ?? TOKEN_RENEW_BEFORE_MS
    const current = this.current
    if (current && this.options.http.clock.now() < current.expiresAt - renewBefore) {
      return current.value
    }
    this.pending ??= this.fetchToken().finally(() => {
      this.pending = undefined
    })
    return this.pending
  }

  /** Forgets `token` after Marketo rejected it; a newer token already fetched is kept. */
  invalidate(token: string): void {
    if (this.current?.value === token) this.current = undefined
  }

  private fetchToken(): Promise<string> {
    return withRetry({ ...this.options.retry, operation: 'identity' }, async (attempt) => {
      const { clock } = this.options.http
      const startedAt = clock.now()
      const exchange = { method: 'GET' as const, url: this.tokenUrl(), attempt }
      this.options.onIdentityCall?.()
      let status: number | undefined
      let code: string | undefined
      try {
        const response = await send(
          {
            ...exchange,
            headers: { accept: 'application/json' },
            timeoutMs: this.options.timeoutMs
          },
          this.options.http
        )
        status = response.statusCode
        if (status >= 500) {
          await discardBody(response)
          throw new AttemptFailure(`HTTP ${status}`, `HTTP ${status}`, { httpStatus: status })
        }
        const body = parseJson(await readText(response, this.options.http.signal))
        const answer =
          typeof body === 'object' && body !== null ? (body as Record<string, unknown>) : {}
        if (status !== 200) {
          const description = [answer.error, answer.error_description]
            .filter((part) => typeof part === 'string')
            .join(': ')
          throw new AttemptFailure(`HTTP ${status}`, description || `HTTP ${status}`, {
            httpStatus: status
          })
        }
        const value = answer.access_token
        const expiresIn = answer.expires_in
        if (typeof value !== 'string' || value === '' || typeof expiresIn !== 'number') {
          throw new AttemptFailure('invalid answer', 'no access_token in the identity answer', {
            httpStatus: status
          })
        }
        this.options.onSecret?.(value)
        this.current = { value, expiresAt: startedAt + expiresIn * 1000 }
        return value
      } catch (error) {
        if (error instanceof AttemptFailure) code = error.code
        throw error
      } finally {
        logExchange(this.options.http.log, exchange, {
          status,
          code,
          startedAt,
          endedAt: clock.now()
        })
      }
    })
  }

  private tokenUrl(): string {
    const query = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: this.options.clientId,
      client_secret: this.options.clientSecret
    })
    return `${trimTrailingSlashes(this.options.identityUrl)}/oauth/token?${query.toString()}`
  }
}

export function trimTrailingSlashes(url: string): string {
  return url.replace(/\/+$/, '')
}
