/**
 * A set of email addresses as the duplicate check's 52-bit fingerprints in one sorted
 * Float64Array: 8 bytes an address, sized once from the rows planned, no email text in memory.
 * Two addresses sharing a fingerprint (odds about n²/2⁵³) make one look present: a member is
 * then kept, never removed by mistake.
 */
import { fingerprint, hashes } from '../validate/duplicates.js'

export class EmailSet {
  private prints: Float64Array
  private count = 0
  private sorted = true

  /** `expected`: about how many addresses will be added (more grow the array). */
  constructor(expected = 1024) {
    this.prints = new Float64Array(Math.max(16, expected))
  }

  get size(): number {
    return this.count
  }

  add(email: string): void {
    if (this.count === this.prints.length) {
      const grown = new Float64Array(Math.ceil(this.prints.length * 1.5))
      grown.set(this.prints)
      this.prints = grown
    }
    const [h1, h2] = hashes(email)
    this.prints[this.count++] = fingerprint(h1, h2)
    this.sorted = false
  }

  has(email: string): boolean {
    if (!this.sorted) {
      this.prints.subarray(0, this.count).sort()
      this.sorted = true
    }
    const [h1, h2] = hashes(email)
    const wanted = fingerprint(h1, h2)
    let low = 0
    let high = this.count - 1
    while (low <= high) {
      const middle = (low + high) >>> 1
      const value = this.prints[middle] as number
      if (value === wanted) return true
      if (value < wanted) low = middle + 1
      else high = middle - 1
    }
    return false
  }
}
