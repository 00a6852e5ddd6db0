/**
 * Duplicate emails over every file of a run in bounded memory. The first pass puts each email's
 * fingerprint in a Bloom filter sized by the rows planned (at most 16 MiB) and keeps the few
 * fingerprints it may have seen before as candidates; a second pass, only over candidates, finds
 * the true duplicates by their exact email and names both lines. Memory grows with the
 * duplicates found, not with the rows read.
 */

/** Bits per expected email: about 1% of emails become candidates at the cap, far fewer below it. */
const BITS_PER_EMAIL = 12
const MIN_BITS = 2 ** 20
const MAX_BITS = 2 ** 27
const HASHES = 7

export class EmailBloom {
  readonly candidates = new Set<number>()
  private readonly bits: Uint32Array
  private readonly mask: number

  constructor(expectedEmails: number) {
    let size = MIN_BITS
    while (size < expectedEmails * BITS_PER_EMAIL && size < MAX_BITS) size *= 2
    this.bits = new Uint32Array(size / 32)
    this.mask = size - 1
  }

  /** Records an email (as `emailKey` gives it); one seen before becomes a candidate. */
  add(key: string): void {
    const [h1, h2] = hashes(key)
    let seen = true
    for (let i = 0; i < HASHES; i++) {
      const bit = (h1 + Math.imul(i, h2)) & this.mask
      const word = bit >>> 5
      const flag = 1 << (bit & 31)
      if (((this.bits[word] as number) & flag) === 0) {
        seen = false
        this.bits[word] = (this.bits[word] as number) | flag
      }
    }
    if (seen) this.candidates.add(fingerprint(h1, h2))
  }

  /** Whether the second pass must look at this email. */
  isCandidate(key: string): boolean {
    if (this.candidates.size === 0) return false
    const [h1, h2] = hashes(key)
    return this.candidates.has(fingerprint(h1, h2))
  }
}

/** 52 bits of the two hashes: an exact-enough set key (the emails themselves are compared). */
function fingerprint(h1: number, h2: number): number {
  return (h1 >>> 0) * 2 ** 20 + ((h2 >>> 0) & 0xfffff)
}

/** Two independent 32-bit hashes of the UTF-16 code units (FNV-1a, and a murmur-style mix). */
function hashes(key: string): [number, number] {
  let a = 0x811c9dc5
  let b = 0x9747b28c
  for (let i = 0; i < key.length; i++) {
    const code = key.charCodeAt(i)
    a = Math.imul(a ^ code, 0x01000193)
    b = Math.imul(b ^ code, 0x5bd1e995)
    b ^= b >>> 15
  }
  b = Math.imul(b ^ (b >>> 13), 0xc2b2ae35)
  b ^= b >>> 16
  // An odd step visits every position of a power-of-two table.
  return [a >>> 0, (b | 1) >>> 0]
}
