/**
 * The run's secrets (the client secret, each access token, the GitHub token) and the one
 * scrubber that replaces them with `***` in text the action writes anywhere: outputs, summary,
 * reports, artifact files. The runner's `add-mask` covers the log only.
 */
import { Transform, type TransformCallback } from 'node:stream'

export const MASK = '***'
/** Shorter values would match ordinary words; the runner still masks them in the log. */
export const MIN_SECRET_CHARS = 4

export class SecretScrubber {
  private readonly patterns: string[] = []
  private readonly byteForms: Buffer[] = []

  /** Learns a secret as it becomes known: its raw form and its URL-encoded form. */
  add(secret: string): void {
    if (secret.length < MIN_SECRET_CHARS) return
    for (const form of new Set([secret, encodeURIComponent(secret)])) {
      if (this.patterns.includes(form)) continue
      this.patterns.push(form)
      this.byteForms.push(Buffer.from(form, 'utf8'))
    }
    // Longest first, so a secret that contains another is replaced whole.
    this.patterns.sort((a, b) => b.length - a.length)
    this.byteForms.sort((a, b) => b.length - a.length)
  }

  get size(): number {
    return this.patterns.length
  }

  scrub(text: string): string {
    let scrubbed = text
    for (const pattern of this.patterns) {
      if (scrubbed.includes(pattern)) scrubbed = scrubbed.split(pattern).join(MASK)
    }
    return scrubbed
  }

  /** `JSON.stringify` with every string value scrubbed (keys are the action's own). */
  json(value: unknown, space?: number): string {
    return JSON.stringify(
      value,
      (_key, item: unknown) => (typeof item === 'string' ? this.scrub(item) : item),
      space
    )
  }

  /**
   * A byte stream with every secret replaced; `found()` says whether it met one. It holds back
   * the last bytes of each chunk that could start a secret cut by the chunk's end.
   */
  stream(): Transform & { found(): boolean } {
    const forms = [...this.byteForms]
    const keep = Math.max(0, ...forms.map((form) => form.length - 1))
    const mask = Buffer.from(MASK)
    let carry = Buffer.alloc(0)
    let found = false
    const replace = (bytes: Buffer): Buffer => {
      let current = bytes
      for (const form of forms) {
        let at = current.indexOf(form)
        if (at < 0) continue
        found = true
        const pieces: Buffer[] = []
        let from = 0
        while (at >= 0) {
          pieces.push(current.subarray(from, at), mask)
          from = at + form.length
          at = current.indexOf(form, from)
        }
        pieces.push(current.subarray(from))
        current = Buffer.concat(pieces)
      }
      return current
    }
    const transform = new Transform({
      transform(chunk: Buffer, _encoding: BufferEncoding, done: TransformCallback) {
        const replaced = replace(Buffer.concat([carry, chunk]))
        const cut = Math.max(0, replaced.length - keep)
        carry = Buffer.from(replaced.subarray(cut))
        done(null, replaced.subarray(0, cut))
      },
      flush(done: TransformCallback) {
        done(null, replace(carry))
      }
    })
    return Object.assign(transform, { found: () => found })
  }
}
