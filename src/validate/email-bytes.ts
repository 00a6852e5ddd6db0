/**
 * The email rules of `rules.ts` read straight from a record's bytes, for the plain ASCII field
 * almost every row has: trimmed, judged and hashed as `emailKey` gives it, in one loop and without
 * making a string. Anything else (a quoted field, a byte past ASCII) is left to the string rules.
 */

/** What `EmailBytes.read` found. AsString: quoted, or not ASCII: read it as a string. */
export const EmailRead = { AsString: 0, Empty: 1, Valid: 2, Invalid: 3 } as const
export type EmailRead = (typeof EmailRead)[keyof typeof EmailRead]

import { HASH_SEEDS, hashEnd, hashRound } from './duplicates.js'

const AT = 0x40
const DOT = 0x2e
const HYPHEN = 0x2d
const QUOTE = 0x22

/** The white space `String#trim` and the `\s` of a regular expression mean, within ASCII. */
function isSpace(byte: number): boolean {
  return byte === 0x20 || (byte >= 0x09 && byte <= 0x0d)
}

function isLetter(byte: number): boolean {
  return (byte | 0x20) >= 0x61 && (byte | 0x20) <= 0x7a
}

/** Reads one email field's bytes; `h1` and `h2` are the hashes of its key after a read. */
export class EmailBytes {
  /** `hashes(emailKey(email))` of the last email read, when it was not empty. */
  h1 = 0
  h2 = 0

  /**
   * Reads the field `bytes[from, to)`: empty, valid or invalid by `isInvalidEmail`'s rules
   * (one `@`; a local part that neither starts nor ends with a dot; labels that are not empty and
   * neither start nor end with a hyphen; a top-level domain of 2+ letters; no `..`, no white space),
   * hashing the lower-cased key on the way as `hashes` does.
   */
  read(bytes: Buffer, from: number, to: number): EmailRead {
    let start = from
    let end = to
    if (start < end && bytes[start] === QUOTE) return EmailRead.AsString
    while (start < end && isSpace(bytes[start] as number)) start++
    while (end > start && isSpace(bytes[end - 1] as number)) end--
    if (start === end) return EmailRead.Empty
    let a: number = HASH_SEEDS[0]
    let b: number = HASH_SEEDS[1]
    let valid = true
    let at = -1
    /** Start of the domain label being read. */
    let label = -1
    let lastDot = -2
    let lastHyphen = -2
    // Four bytes at a time: most hold none of the bytes the rules look at (@ . - white space,
    // past ASCII), and they are hashed lower-cased as one word. The last 0-3 bytes go one by one.
    const words = start + ((end - start) & ~3)
    let tail = 0
    for (let i = start; i < end; i += 4) {
      let word: number
      let events: number
      if (i < words) {
        word =
          (bytes[i] as number) |
          ((bytes[i + 1] as number) << 8) |
          ((bytes[i + 2] as number) << 16) |
          ((bytes[i + 3] as number) << 24)
        if ((word & 0x80808080) !== 0) return EmailRead.AsString
        events = specialBytes(word)
        const heptets = word & 0x7f7f7f7f
        const upper = (heptets + 0x3f3f3f3f) & ~(heptets + 0x25252525) & 0x80808080
        word |= upper >>> 2
        a = hashRound(a, word)
        b = hashRound(b, word)
      } else {
        word = 0
        for (let k = i; k < end; k++) {
          const byte = bytes[k] as number
          if (byte >= 0x80) return EmailRead.AsString
          word |= (byte >= 0x41 && byte <= 0x5a ? byte | 0x20 : byte) << ((k - i) << 3)
        }
        tail = word
        events = specialBytes(word) & (0xffffffff >>> ((4 - (end - i)) << 3))
      }
      for (; events !== 0 && valid;) {
        const bit = events & -events
        events ^= bit
        const where = i + ((31 - Math.clz32(bit)) >> 3)
        const byte = bytes[where] as number
        if (byte === AT) {
          // A second @, an empty local part, or one that ends with a dot.
          if (at >= 0 || where === start || lastDot === where - 1) valid = false
          at = where
          label = where + 1
        } else if (byte === DOT) {
          if (lastDot === where - 1 || where === start) valid = false
          else if (at >= 0 && (where === label || lastHyphen === where - 1)) valid = false
          label = where + 1
          lastDot = where
        } else if (byte === HYPHEN) {
          if (at >= 0 && where === label) valid = false
          lastHyphen = where
        } else if (isSpace(byte)) valid = false
      }
    }
    this.h1 = hashEnd(a, tail, end - start)
    this.h2 = hashEnd(b, tail, end - start)
    // The last label is the top-level domain, of 2+ letters, after a dot past the @.
    if (!valid || at < 0 || label <= at + 1 || end - label < 2) return EmailRead.Invalid
    for (let i = label; i < end; i++) if (!isLetter(bytes[i] as number)) return EmailRead.Invalid
    return EmailRead.Valid
  }
}

/**
 * Bit 7 of each byte of `word` that is `@`, `.`, `-` or below `!` (white space and control
 * characters); the word holds ASCII only. Exact per byte: no borrow runs between them.
 */
function specialBytes(word: number): number {
  const heptets = word & 0x7f7f7f7f
  const at = heptets ^ 0x40404040
  const dot = heptets ^ 0x2e2e2e2e
  const hyphen = heptets ^ 0x2d2d2d2d
  const low = ~(heptets + 0x5f5f5f5f) & 0x80808080
  // (No helper for the three zero-byte tests: a closure here costs 20 times the whole read.)
  return (
    ~((at + 0x7f7f7f7f) | at | 0x7f7f7f7f) |
    ~((dot + 0x7f7f7f7f) | dot | 0x7f7f7f7f) |
    ~((hyphen + 0x7f7f7f7f) | hyphen | 0x7f7f7f7f) |
    low
  )
}
