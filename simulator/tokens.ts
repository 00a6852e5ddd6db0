/** Access tokens as Marketo's identity service hands them out: one live token, reused until it expires. */
import { randomUUID } from 'node:crypto'

export type TokenVerdict = 'valid' | 'invalid' | 'expired'

export interface IssuedToken {
  token: string
  expiresInSeconds: number
}

export class TokenStore {
  /** Every token issued and not invalidated -> when it expires (epoch ms). */
  private readonly expiries = new Map<string, number>()
  private current: string | undefined
  private readonly ttlMs: number
  private readonly clock: () => number

  constructor(ttlSeconds: number, clock: () => number = Date.now) {
    this.ttlMs = ttlSeconds * 1000
    this.clock = clock
  }

  /** The live token with its remaining life, or a new one when none has a second left. */
  issue(): IssuedToken {
    const now = this.clock()
    const currentExpiry = this.current === undefined ? undefined : this.expiries.get(this.current)
    if (this.current !== undefined && currentExpiry !== undefined && currentExpiry - now >= 1000) {
      return { token: this.current, expiresInSeconds: Math.floor((currentExpiry - now) / 1000) }
    }
    const token = `${randomUUID()}:ab`
    this.expiries.set(token, now + this.ttlMs)
    this.current = token
    return { token, expiresInSeconds: Math.floor(this.ttlMs / 1000) }
  }

  verify(token: string | undefined): TokenVerdict {
    const expiry = token === undefined ? undefined : this.expiries.get(token)
    if (expiry === undefined) return 'invalid'
    return this.clock() >= expiry ? 'expired' : 'valid'
  }

  /** Every token issued so far now answers 602; the next identity call issues a new one. */
  expireAll(): void {
    const now = this.clock()
    for (const [token, expiry] of this.expiries) this.expiries.set(token, Math.min(expiry, now))
    this.current = undefined
  }

  /** Every token issued so far now answers 601; the next identity call issues a new one. */
  invalidateAll(): void {
    this.expiries.clear()
    this.current = undefined
  }
}
