import { isUtf8 } from 'node:buffer'

const LF = 0x0a

/** Where a file stops being valid UTF-8. */
export interface Utf8Problem {
  /** Byte offset of the first byte that is not part of a valid UTF-8 sequence. */
  offset: number
  /** 1-based line of that byte (every line feed counts, as an editor shows it). */
  line: number
  /** The file starts with a UTF-16 byte order mark: it was saved as "Unicode" text. */
  utf16: boolean
}

/**
 * Checks a file's bytes as UTF-8, chunk by chunk, and keeps the first invalid byte. Whole chunks
 * go through Node's native check; only a chunk that fails is walked byte by byte to find where.
 */
export class Utf8Checker {
  problem: Utf8Problem | null = null
  private offset = 0
  private lines = 1
  /** The start of a sequence cut by the end of the previous chunk. */
  private carry: Buffer = Buffer.alloc(0)

  /**
   * `startLine`: the line the chunk starts on, when the caller counts lines already (the record
   * scanner does); else the checker counts the chunk's line feeds itself.
   */
  push(chunk: Buffer, startLine?: number): void {
    if (this.problem !== null) return
    if (this.offset === 0 && this.carry.length === 0 && isUtf16Bom(chunk)) {
      this.problem = { offset: 0, line: 1, utf16: true }
      return
    }
    const bytes = this.carry.length === 0 ? chunk : Buffer.concat([this.carry, chunk])
    const cut = incompleteTail(bytes)
    const whole = bytes.subarray(0, cut)
    const start = this.offset - this.carry.length
    // A carried sequence start holds no line feed: `whole` starts on the chunk's line.
    if (startLine !== undefined) this.lines = startLine
    if (!isUtf8(whole)) {
      const at = firstInvalidByte(whole)
      this.problem = {
        offset: start + at,
        line: this.lines + countLineFeeds(whole, at),
        utf16: false
      }
      return
    }
    if (startLine === undefined) this.lines += countLineFeeds(whole, whole.length)
    this.carry = Buffer.from(bytes.subarray(cut))
    this.offset += chunk.length
  }

  /**
   * Ends the file: a sequence cut by its end is invalid. `endLine`: the file's last line, when
   * the lines were given to `push`.
   */
  finish(endLine?: number): Utf8Problem | null {
    if (this.problem === null && this.carry.length > 0) {
      const line = endLine ?? this.lines
      this.problem = { offset: this.offset - this.carry.length, line, utf16: false }
    }
    return this.problem
  }
}

function isUtf16Bom(chunk: Buffer): boolean {
  return (
    chunk.length >= 2 &&
    ((chunk[0] === 0xff && chunk[1] === 0xfe) || (chunk[0] === 0xfe && chunk[1] === 0xff))
  )
}

/** Length of a sequence by its lead byte; 0 for a byte that cannot start one. */
function sequenceLength(lead: number): number {
  if (lead < 0x80) return 1
  if (lead >= 0xc2 && lead <= 0xdf) return 2
  if (lead >= 0xe0 && lead <= 0xef) return 3
  if (lead >= 0xf0 && lead <= 0xf4) return 4
  return 0
}

/** Where the last, unfinished sequence of `bytes` starts (`bytes.length` when none is cut). */
function incompleteTail(bytes: Buffer): number {
  for (let back = 1; back <= 3 && back <= bytes.length; back++) {
    const at = bytes.length - back
    const byte = bytes[at] as number
    if (byte < 0x80) return bytes.length
    if (byte >= 0xc0) return at + sequenceLength(byte) > bytes.length ? at : bytes.length
  }
  return bytes.length
}

/** Offset of the first byte that does not begin or continue a well-formed sequence. */
export function firstInvalidByte(bytes: Buffer): number {
  let i = 0
  while (i < bytes.length) {
    const lead = bytes[i] as number
    const length = sequenceLength(lead)
    if (length === 0) return i
    if (length === 1) {
      i++
      continue
    }
    // The second byte's range excludes overlong forms, surrogates and code points past U+10FFFF.
    const second = bytes[i + 1]
    const low = lead === 0xe0 ? 0xa0 : lead === 0xf0 ? 0x90 : 0x80
    const high = lead === 0xed ? 0x9f : lead === 0xf4 ? 0x8f : 0xbf
    if (second === undefined || second < low || second > high) return i
    for (let k = 2; k < length; k++) {
      const next = bytes[i + k]
      if (next === undefined || next < 0x80 || next > 0xbf) return i
    }
    i += length
  }
  return bytes.length
}

function countLineFeeds(bytes: Buffer, end: number): number {
  let count = 0
  for (let at = bytes.indexOf(LF); at !== -1 && at < end; at = bytes.indexOf(LF, at + 1)) count++
  return count
}
