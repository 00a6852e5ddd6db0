import { readdirSync, statSync } from 'node:fs'
import { join, relative } from 'node:path'

/**
 * A clone writes every file within a second or so, in no set order: a bundle is stale only when a
 * source changed clearly after it.
 */
const CHECKOUT_SLACK_MS = 2000

/** The source file changed after `bundleMtimeMs` (beyond the slack), if any. */
export function newerSource(
  bundleMtimeMs: number,
  sources: Iterable<{ path: string; mtimeMs: number }>
): string | undefined {
  let newest: { path: string; mtimeMs: number } | undefined
  for (const source of sources) if (!newest || source.mtimeMs > newest.mtimeMs) newest = source
  return newest && newest.mtimeMs > bundleMtimeMs + CHECKOUT_SLACK_MS ? newest.path : undefined
}

function* sourcesUnder(folder: string): Generator<{ path: string; mtimeMs: number }> {
  for (const entry of readdirSync(folder, { withFileTypes: true })) {
    const path = join(folder, entry.name)
    if (entry.isDirectory()) yield* sourcesUnder(path)
    else if (entry.isFile()) yield { path, mtimeMs: statSync(path).mtimeMs }
  }
}

/**
 * End-to-end tests run dist/index.js, as the runner does: a bundle older than src/ would test
 * yesterday's action and pass or fail for the wrong reason, so it is refused.
 */
export function assertBundleFresh(bundlePath: string, sourceFolder: string): void {
  const stale = newerSource(statSync(bundlePath).mtimeMs, sourcesUnder(sourceFolder))
  if (stale) {
    throw new Error(
      `${relative(process.cwd(), bundlePath)} is older than ${relative(process.cwd(), stale)}: ` +
        'run `npm run bundle` before the end-to-end tests'
    )
  }
}
