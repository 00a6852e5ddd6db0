import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Duplicate emails over every file of a run in memory that does not grow with the rows. The
 * first pass files each email's 52-bit fingerprint in one of several buckets by its top bits; a
 * bucket's fingerprints wait in a small buffer and go to a scratch file when it fills. Then each
 * bucket is read back alone and sorted: a fingerprint seen twice is a candidate. A second pass,
 * only when there are candidates, finds the true duplicates by their exact email and names both
 * lines. Memory: the buckets' buffers, one bucket read back (at most about 2 MiB up to 67 million
 * emails), and the candidates; no scratch file at all while every bucket fits its buffer.
 */

/** Fingerprints a bucket aims to hold, so that one bucket read back stays near 2 MiB. */
const BUCKET_FINGERPRINTS = 2 ** 18
/** At most this many buckets (and scratch files open at once). */
const MAX_BUCKETS = 256
/** Fingerprints buffered per bucket before they are written (8 KiB). */
const BUFFERED = 1024

export class EmailFingerprints {
  private readonly bits: number
  private readonly buffers: Float64Array[]
  private readonly filled: number[]
  /** Scratch file of each bucket that overflowed its buffer once. */
  private readonly files: (number | undefined)[]
  private readonly written: number[]
  private dir: string | undefined
  private found: Set<number> | undefined

  /**
   * @param expectedEmails the rows planned, to choose the number of buckets
   * @param scratchParent where the scratch folder goes, made only when a buffer overflows
   */
  constructor(
    expectedEmails: number,
    private readonly scratchParent: string
  ) {
    let bits = 0
    while (2 ** bits * BUCKET_FINGERPRINTS < expectedEmails && 2 ** bits < MAX_BUCKETS) bits++
    this.bits = bits
    const buckets = 2 ** bits
    this.buffers = Array.from({ length: buckets }, () => new Float64Array(BUFFERED))
    this.filled = new Array<number>(buckets).fill(0)
    this.files = new Array<number | undefined>(buckets).fill(undefined)
    this.written = new Array<number>(buckets).fill(0)
  }

  /** Records an email (as `emailKey` gives it). */
  add(key: string): void {
    if (this.found !== undefined) throw new Error('EmailFingerprints: add after candidates()')
    const [h1, h2] = hashes(key)
    const bucket = this.bits === 0 ? 0 : h1 >>> (32 - this.bits)
    const buffer = this.buffers[bucket] as Float64Array
    let filled = this.filled[bucket] as number
    buffer[filled++] = fingerprint(h1, h2)
    if (filled === BUFFERED) {
      this.spill(bucket, buffer)
      filled = 0
    }
    this.filled[bucket] = filled
  }

  /**
   * The fingerprints recorded more than once: every email that appeared twice, plus the rare
   * distinct emails that share a fingerprint (the second pass compares the emails themselves).
   * Ends the recording and removes the scratch files.
   */
  candidates(): Set<number> {
    if (this.found !== undefined) return this.found
    const found = new Set<number>()
    try {
      // One array for every bucket in turn: a fresh one each would leave them all to the
      // garbage collector at once, as this loop never yields.
      let largest = 0
      for (let bucket = 0; bucket < this.buffers.length; bucket++) {
        largest = Math.max(largest, this.sizeOf(bucket))
      }
      const space = new Float64Array(largest)
      for (let bucket = 0; bucket < this.buffers.length; bucket++) {
        const all = this.readBack(bucket, space)
        all.sort()
        for (let i = 1; i < all.length; i++) {
          if (all[i] === all[i - 1]) found.add(all[i] as number)
        }
      }
    } finally {
      this.close()
    }
    this.found = found
    return found
  }

  /** Whether the second pass must look at this email; ends the recording, as `candidates()` does. */
  isCandidate(key: string): boolean {
    const found = this.candidates()
    if (found.size === 0) return false
    const [h1, h2] = hashes(key)
    return found.has(fingerprint(h1, h2))
  }

  /** Closes and removes the scratch files (also when the checks stop early). */
  close(): void {
    for (let bucket = 0; bucket < this.files.length; bucket++) {
      const fd = this.files[bucket]
      if (fd !== undefined) closeSync(fd)
      this.files[bucket] = undefined
    }
    if (this.dir !== undefined) rmSync(this.dir, { recursive: true, force: true })
    this.dir = undefined
  }

  private spill(bucket: number, buffer: Float64Array): void {
    let fd = this.files[bucket]
    if (fd === undefined) {
      this.dir ??= mkdtempSync(join(this.scratchParent, 'mpmi-emails-'))
      fd = openSync(join(this.dir, `bucket-${bucket}`), 'w+')
      this.files[bucket] = fd
    }
    writeSync(fd, new Uint8Array(buffer.buffer, 0, buffer.byteLength))
    this.written[bucket] = (this.written[bucket] as number) + BUFFERED
  }

  private sizeOf(bucket: number): number {
    return (this.written[bucket] as number) + (this.filled[bucket] as number)
  }

  /** The bucket's fingerprints, read into the start of `space`. */
  private readBack(bucket: number, space: Float64Array): Float64Array {
    const written = this.written[bucket] as number
    const filled = this.filled[bucket] as number
    const all = space.subarray(0, written + filled)
    const fd = this.files[bucket]
    if (fd !== undefined) {
      const bytes = new Uint8Array(all.buffer, all.byteOffset, written * 8)
      let offset = 0
      while (offset < bytes.length) {
        const read = readSync(fd, bytes, offset, bytes.length - offset, offset)
        if (read === 0) throw new Error(`scratch file of bucket ${bucket} ends early`)
        offset += read
      }
    }
    all.set((this.buffers[bucket] as Float64Array).subarray(0, filled), written)
    return all
  }
}

/** 52 bits of the two hashes: an exact-enough set key (the emails themselves are compared). */
export function fingerprint(h1: number, h2: number): number {
  return (h1 >>> 0) * 2 ** 20 + ((h2 >>> 0) & 0xfffff)
}

/** Two independent 32-bit hashes of the UTF-16 code units (FNV-1a, and a murmur-style mix). */
export function hashes(key: string): [number, number] {
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
  return [a >>> 0, b >>> 0]
}
