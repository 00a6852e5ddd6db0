import { PerformanceObserver } from 'node:perf_hooks'
import { getHeapSpaceStatistics, setFlagsFromString } from 'node:v8'

/**
 * The young generation's size for the whole run: large enough that a read chunk and the records
 * parsed from it die young, and fixed, so the action's memory does not grow with the file.
 */
export const YOUNG_GENERATION_BYTES = 16 * 2 ** 20

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
