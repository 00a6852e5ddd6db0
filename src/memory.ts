import { PerformanceObserver } from 'node:perf_hooks'
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

/**
 * How the action keeps its memory flat at any file size (measured with `npm run bench`): the
 * runtime's own appetite is bounded here, first thing, through V8 flags that V8 reads when it
 * needs them (so they still work once running); uploads and file scrubs then call `countStreamedBytes`.
 */
export function boundRuntimeMemory(): void {
  boundYoungGeneration()
  keepWebAssemblyOnBaseline()
}

/**
 * Keeps undici's HTTP parser (llhttp, compiled to WebAssembly) on the code V8 first compiles it
 * to. Once the parser has run a little, V8 recompiles its main function with its optimizing
 * compiler on a background thread, which used 23 MB of compiler memory (the process went from 71
 * to 95 MiB after 20 requests) for a parser that reads a few hundred small answers per run. A
 * tiering budget far above what a run parses keeps it where it is. (`--liftoff-only` would too,
 * but V8 reads that one only at start.)
 */
export function keepWebAssemblyOnBaseline(): void {
  setFlagsFromString(`--wasm-tiering-budget=${WASM_TIERING_BUDGET}`)
}

/** V8's budget is the bytes a function executes before its recompilation; V8 ships 13 million. */
export const WASM_TIERING_BUDGET = 2_000_000_000

/**
 * The young generation's size for the whole run: large enough that a read chunk and the records
 * parsed from it die young, and fixed, so the action's memory does not grow with the file.
 * Measured on the checks of a 100 MB file: 106 MiB peak at 8 MiB, 117 MiB at 16 MiB, and 138 MiB
 * at 4 MiB, where the records in flight at each collection moved on to the old generation.
 */
export const YOUNG_GENERATION_BYTES = 8 * 2 ** 20

/**
 * Lets V8's young generation grow to `limitBytes` and no further.
 *
 * V8 doubles the young generation each time the bytes that survived its collections since the
 * last doubling add up to its size, up to 128 MiB here, and gives it back only when the process
 * goes idle. A pass over a large file always has a few records in flight at each collection, so
 * those survivors add up: checking 1 GB grew it to 128 MiB while under 10 MiB was live, and the
 * action's peak memory grew with the file. Kept at its starting 1 MiB instead, half of each
 * collection's objects were still in flight and moved to the old generation, which then churned
 * 25 MiB between full collections and made a 100 MB file peak higher than before.
 *
 * Its limits are fixed when the process starts (`--max-semi-space-size` does nothing later), but
 * V8 reads the growth factor at each growth: once a collection shows the young generation at the
 * limit, a factor of 1 stops it there. The check runs between collections, so a long stretch of
 * code that never yields could still double it once more.
 */
export function boundYoungGeneration(limitBytes = YOUNG_GENERATION_BYTES): void {
  const stopGrowing = (): boolean => {
    if (youngGenerationBytes() < limitBytes) return false
    setFlagsFromString('--semi-space-growth-factor=1')
    return true
  }
  if (stopGrowing()) return
  const observer = new PerformanceObserver(() => {
    if (stopGrowing()) observer.disconnect()
  })
  observer.observe({ entryTypes: ['gc'] })
}

/** Bytes of the young generation's active half, as V8 reports it. */
export function youngGenerationBytes(): number {
  return getHeapSpaceStatistics().find((space) => space.space_name === 'new_space')?.space_size ?? 0
}

/** Streamed bytes between two collections of the young generation. */
export const STREAMED_BYTES_PER_COLLECTION = 8 * 2 ** 20

let streamedSinceCollection = 0
let collectYoungGeneration: (() => void) | undefined

/**
 * Counts bytes read into fresh buffers by a stream that makes almost no objects (an upload, the
 * secret scrub of a file in output-dir), and collects the young generation after every
 * `STREAMED_BYTES_PER_COLLECTION`. V8 collects it when JavaScript objects fill it, or when young
 * buffers add up to 32 MiB, so such a stream's spent buffers piled up to 32 MiB between
 * collections: measured, 26 MiB of a 100 MB import's 139 MiB peak, and, scrubbing a 500 MB
 * failures file twice, 40-60 MiB of buffers at the trace's 212-243 MiB peak (164-197 MiB with
 * the scrub counted). (A buffer cannot be reused instead: nothing says when the socket or the
 * next stream is done with it.) A young collection takes well under a millisecond. `gc` is
 * exposed the way jest's --logHeapUsage does: the flag, then a fresh context, whose global has
 * it; the action's own global does not.
 */
export function countStreamedBytes(bytes: number): void {
  streamedSinceCollection += bytes
  if (streamedSinceCollection < STREAMED_BYTES_PER_COLLECTION) return
  streamedSinceCollection = 0
  collectYoungGeneration ??= exposeYoungCollection()
  collectYoungGeneration()
}

function exposeYoungCollection(): () => void {
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as (options: { type: 'minor' }) => void
  return () => gc({ type: 'minor' })
}
