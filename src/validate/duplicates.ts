import { closeSync, mkdtempSync, openSync, readSync, rmSync, writeSync } from 'node:fs'
import { join } from 'node:path'

/**
 * Duplicate emails over every file of a run in memory that does not grow with the rows. The
 * first pass files each email's 52-bit fingerprint in one of several buckets by its top bits; a
 * bucket's fingerprints wait in a small buffer and go to a scratch file when it fills. Then each
 * bucket is read back alone into a hash table: a fingerprint seen twice is a candidate. A second pass,
 * only when there are candidates, finds the true duplicates by their exact email and names both
 * lines. Memory: the buckets' buffers, one bucket read back (at most about 2 MiB up to 67 million
 * emails), and the candidates; no scratch file at all while every bucket fits its buffer.
 */

/** Fingerprints a bucket aims to hold, so that one bucket read back stays near 2 MiB. */
const BUCKET_FINGERPRINTS = 2 ** 18
/** At most this many buckets (and scratch files open at once). */
const MAX_BUCKETS = 256
/** Fingerprints buffered over all buckets before they are written (4 MiB), ... */
const BUFFERED_IN_ALL = 2 ** 19
/** ... and per bucket at least 8 KiB, at most 128 KiB (fewer writes). */
const BUFFERED_MIN = 1024
const BUFFERED_MAX = 16_384

export class EmailFingerprints {
  private readonly bits: number
  /** Fingerprints each bucket's buffer holds. */
  private readonly buffered: number
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
    this.buffered = Math.min(BUFFERED_MAX, Math.max(BUFFERED_MIN, BUFFERED_IN_ALL / buckets))
    this.buffers = Array.from({ length: buckets }, () => new Float64Array(this.buffered))
    this.filled = new Array<number>(buckets).fill(0)
    this.files = new Array<number | undefined>(buckets).fill(undefined)
    this.written = new Array<number>(buckets).fill(0)
  }

  /** Records an email (as `emailKey` gives it). */
  add(key: string): void {
    const [h1, h2] = hashes(key)
    this.addHashes(h1, h2)
  }

  /** Records an email by its two `hashes` (the checks hash plain emails from their bytes). */
  addHashes(h1: number, h2: number): void {
    if (this.found !== undefined) throw new Error('EmailFingerprints: add after candidates()')
    const bucket = this.bits === 0 ? 0 : h1 >>> (32 - this.bits)
    const buffer = this.buffers[bucket] as Float64Array
    let filled = this.filled[bucket] as number
    buffer[filled++] = fingerprint(h1, h2)
    if (filled === this.buffered) {
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
      const table = new Float64Array(tableSize(largest))
      for (let bucket = 0; bucket < this.buffers.length; bucket++) {
        repeatedIn(this.readBack(bucket, space), table, found)
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
    this.written[bucket] = (this.written[bucket] as number) + this.buffered
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

/** Slots of a table for `fingerprints` entries: a power of two, at most half full. */
function tableSize(fingerprints: number): number {
  let size = 16
  while (size < fingerprints * 2) size *= 2
  return size
}

/**
 * Adds to `found` each fingerprint `all` holds more than once, through an open-addressing table
 * (linear probing) that is cleared first; it stores fingerprint + 1, so 0 marks a free slot.
 */
function repeatedIn(all: Float64Array, table: Float64Array, found: Set<number>): void {
  const size = tableSize(all.length)
  const slots = table.subarray(0, size)
  slots.fill(0)
  const mask = size - 1
  for (let i = 0; i < all.length; i++) {
    const stored = (all[i] as number) + 1
    // The low bits of both hashes (the bucket is the top bits of the first).
    let slot = ((stored % 0x100000) ^ (stored / 0x100000)) & mask
    for (;;) {
      const there = slots[slot] as number
      if (there === 0) {
        slots[slot] = stored
        break
      }
      if (there === stored) {
        found.add(stored - 1)
        break
      }
      slot = (slot + 1) & mask
    }
  }
}

/** 52 bits of the two hashes: an exact-enough set key (the emails themselves are compared). */
export function fingerprint(h1: number, h2: number): number {
  return (h1 >>> 0) * 2 ** 20 + ((h2 >>> 0) & 0xfffff)
}

/**
 * Two 32-bit hashes of the key's UTF-8 bytes (murmur3's rounds, 4 bytes at a time, two seeds),
 * so the checks can hash a plain email straight from a file's bytes (`EmailBytes`).
 */
export function hashes(key: string): [number, number] {
  let a: number = HASH_SEEDS[0]
  let b: number = HASH_SEEDS[1]
  let word = 0
  let i = 0
  for (; i < key.length; i++) {
    const code = key.charCodeAt(i)
    if (code >= 0x80) return hashBytes(Buffer.from(key, 'utf8'))
    word |= code << ((i & 3) << 3)
    if ((i & 3) === 3) {
      a = hashRound(a, word)
      b = hashRound(b, word)
      word = 0
    }
  }
  return [hashEnd(a, word, i), hashEnd(b, word, i)]
}

function hashBytes(bytes: Buffer): [number, number] {
  let a: number = HASH_SEEDS[0]
  let b: number = HASH_SEEDS[1]
  let word = 0
  let i = 0
  for (; i < bytes.length; i++) {
    word |= (bytes[i] as number) << ((i & 3) << 3)
    if ((i & 3) === 3) {
      a = hashRound(a, word)
      b = hashRound(b, word)
      word = 0
    }
  }
  return [hashEnd(a, word, i), hashEnd(b, word, i)]
}

/** The seeds of the two hashes. */
export const HASH_SEEDS = [0x811c9dc5 | 0, 0x9747b28c | 0] as const

// murmur3's constants as signed 32-bit values, which stay small integers in V8's optimized code.
const C1 = 0xcc9e2d51 | 0
const C2 = 0x1b873593
const N = 0xe6546b64 | 0
const F1 = 0x85ebca6b | 0
const F2 = 0xc2b2ae35 | 0

/** One round of murmur3: mixes the next 4 bytes (little-endian) into `hash`. */
export function hashRound(hash: number, word: number): number {
  let k = Math.imul(word, C1)
  k = (k << 15) | (k >>> 17)
  k = Math.imul(k, C2)
  let h = hash ^ k
  h = (h << 13) | (h >>> 19)
  return (Math.imul(h, 5) + N) | 0
}

/** murmur3's end: the last 1-3 bytes (`tail`), the length, the final mix; unsigned. */
export function hashEnd(hash: number, tail: number, length: number): number {
  let h = hash
  if ((length & 3) !== 0) {
    let k = Math.imul(tail, C1)
    k = (k << 15) | (k >>> 17)
    h ^= Math.imul(k, C2)
  }
  h ^= length
  h ^= h >>> 16
  h = Math.imul(h, F1)
  h ^= h >>> 13
  h = Math.imul(h, F2)
  h ^= h >>> 16
  return h >>> 0
}
