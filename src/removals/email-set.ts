/**
 * A set of email addresses kept as 64-bit digests in typed arrays: about 16 bytes an address,
 * whatever its length, and no email text in memory. Two addresses sharing a digest (odds about
 * n²/2⁶⁴) make one look present: a member is then kept, never removed by mistake.
 */
import { createHash } from 'node:crypto'

const EMPTY = 0

export class EmailSet {
  private high = new Uint32Array(1024)
  private low = new Uint32Array(1024)
  private entries = 0

  get size(): number {
    return this.entries
  }

  add(email: string): void {
    if (this.entries * 2 >= this.high.length) this.grow()
    const [high, low] = digest(email)
    this.insert(high, low)
  }

  has(email: string): boolean {
    const [high, low] = digest(email)
    const mask = this.high.length - 1
    for (let at = low & mask; ; at = (at + 1) & mask) {
      if (this.low[at] === EMPTY) return false
      if (this.low[at] === low && this.high[at] === high) return true
    }
  }

  private insert(high: number, low: number): void {
    const mask = this.high.length - 1
    for (let at = low & mask; ; at = (at + 1) & mask) {
      if (this.low[at] === EMPTY) {
        this.low[at] = low
        this.high[at] = high
        this.entries++
        return
      }
      if (this.low[at] === low && this.high[at] === high) return
    }
  }

  private grow(): void {
    const { high, low } = this
    this.high = new Uint32Array(high.length * 2)
    this.low = new Uint32Array(low.length * 2)
    this.entries = 0
    for (let i = 0; i < low.length; i++) {
      if (low[i] !== EMPTY) this.insert(high[i] as number, low[i] as number)
    }
  }
}

/** The first 8 bytes of the SHA-1 of the address; the low word is never 0 (0 marks a free slot). */
function digest(email: string): [number, number] {
  const hash = createHash('sha1').update(email).digest()
  return [hash.readUInt32BE(0), hash.readUInt32BE(4) || 1]
}
