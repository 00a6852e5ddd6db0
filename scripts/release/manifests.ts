/** The version in package.json and package-lock.json, written as npm writes it. */
import { ReleaseError } from './versions.js'

export const MANIFESTS = ['package.json', 'package-lock.json'] as const

/**
 * `text` (package.json or package-lock.json) with its version set: the top-level `version` and,
 * in a lockfile, the root package's entry under `packages[""]`. Two-space JSON with a final line
 * break, as npm and Prettier both leave these files.
 */
export function withVersion(text: string, version: string, file: string): string {
  let manifest: Record<string, unknown>
  try {
    manifest = JSON.parse(text) as Record<string, unknown>
  } catch (error) {
    throw new ReleaseError(`${file}: not JSON (${(error as Error).message})`)
  }
  if (typeof manifest['version'] !== 'string')
    throw new ReleaseError(`${file}: has no "version" to set`)
  manifest['version'] = version
  const root = (manifest['packages'] as Record<string, Record<string, unknown>> | undefined)?.['']
  if (root && typeof root['version'] === 'string') root['version'] = version
  return `${JSON.stringify(manifest, null, 2)}\n`
}
