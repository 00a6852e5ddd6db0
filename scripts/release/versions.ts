/**
 * Release versions and tags, as plain values: `1.2.3` in package.json, `v1.2.3` as its tag and
 * `v1` as the major tag that follows the newest release of that major. No git, no files.
 */

export interface Version {
  major: number
  minor: number
  patch: number
}

export type Bump = 'major' | 'minor' | 'patch'

/** A release step refused, said in one line the maintainer can act on. */
export class ReleaseError extends Error {
  override name = 'ReleaseError'
}

// Semantic versioning's core without pre-release or build parts, and without leading zeros.
const VERSION = /^(0|[1-9]\d*)\.(0|[1-9]\d*)\.(0|[1-9]\d*)$/

/** `1.2.3` as a Version; anything else (`v1.2.3`, `1.2`, `1.2.3-rc.1`) is refused. */
export function parseVersion(text: string, what = 'version'): Version {
  const match = VERSION.exec(text)
  if (!match)
    throw new ReleaseError(`${what}: "${text}" is not a version like 1.2.3 (major.minor.patch)`)
  return { major: Number(match[1]), minor: Number(match[2]), patch: Number(match[3]) }
}

/** `v1.2.3` as a Version; a major tag (`v1`) or a pre-release tag is not a release tag. */
export function parseReleaseTag(tag: string): Version {
  if (!tag.startsWith('v') || !VERSION.test(tag.slice(1)))
    throw new ReleaseError(`tag: "${tag}" is not a release tag like v1.2.3`)
  return parseVersion(tag.slice(1))
}

export function formatVersion(version: Version): string {
  return `${version.major}.${version.minor}.${version.patch}`
}

export function releaseTagOf(version: Version): string {
  return `v${formatVersion(version)}`
}

/** The tag users pin to follow a major version: `v1` for 1.4.2. */
export function majorTagOf(version: Version): string {
  return `v${version.major}`
}

export function compareVersions(a: Version, b: Version): number {
  return a.major - b.major || a.minor - b.minor || a.patch - b.patch
}

export function nextVersion(base: Version, bump: Bump): Version {
  if (bump === 'major') return { major: base.major + 1, minor: 0, patch: 0 }
  if (bump === 'minor') return { major: base.major, minor: base.minor + 1, patch: 0 }
  return { ...base, patch: base.patch + 1 }
}

/** The released versions among a repository's tags (`v1`, `v2.0.0-rc.1` and others left out). */
export function releasedVersions(tags: readonly string[]): Version[] {
  return tags
    .filter((tag) => tag.startsWith('v') && VERSION.test(tag.slice(1)))
    .map((tag) => parseVersion(tag.slice(1)))
    .sort(compareVersions)
}

/**
 * The version a release is to have: `request` is a version, or a bump of the newest release
 * (of package.json's version before any release). It must not be released already, and must not
 * go below package.json's version, which only moves forward.
 */
export function releaseVersion(
  request: string,
  packageVersion: Version,
  released: readonly Version[]
): Version {
  const newest = released.at(-1)
  const target =
    request === 'major' || request === 'minor' || request === 'patch'
      ? nextVersion(newest ?? packageVersion, request)
      : parseVersion(request, 'release')
  if (released.some((version) => compareVersions(version, target) === 0))
    throw new ReleaseError(`release: ${releaseTagOf(target)} is already tagged`)
  if (compareVersions(target, packageVersion) < 0)
    throw new ReleaseError(
      `release: ${formatVersion(target)} is below package.json's version ` +
        `${formatVersion(packageVersion)}; give ${formatVersion(packageVersion)} or a later version`
    )
  return target
}

/** The tag and package.json must name the same version: the release is what package.json says. */
export function checkTagMatchesPackage(tag: string, packageVersion: string): Version {
  const version = parseReleaseTag(tag)
  if (formatVersion(version) !== packageVersion)
    throw new ReleaseError(
      `tag: ${tag} but package.json's version is "${packageVersion}"; ` +
        `tag the commit whose package.json says ${formatVersion(version)}`
    )
  return version
}

/** True when no release is newer than `version`: it becomes the repository's latest release. */
export function isNewest(version: Version, released: readonly Version[]): boolean {
  return released.every((other) => compareVersions(other, version) <= 0)
}

/**
 * True when no release of the same major is newer: the major tag moves to it. A fix released
 * on 1.2.x after 1.3.0 leaves `v1` on 1.3.0.
 */
export function movesMajorTag(version: Version, released: readonly Version[]): boolean {
  return isNewest(
    version,
    released.filter((other) => other.major === version.major)
  )
}
