import { describe, expect, it } from '@jest/globals'
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'
import { parseChangelog, releaseNotes } from '../scripts/release/changelog.js'
import { compareVersions, parseVersion } from '../scripts/release/versions.js'

const v = parseVersion

const CHANGELOG = `# Changelog

All notable changes are documented here.

## [Unreleased]

### Added

- Something in progress.

## [1.1.0] - 2026-12-01

### Added

- \`check-instance\`.

### Fixed

- A bug.

## [1.0.0] - 2026-11-26

### Added

- The first release.

[unreleased]: https://github.com/acme/marketo-program-member-import/compare/v1.1.0...HEAD
[1.1.0]: https://github.com/acme/marketo-program-member-import/compare/v1.0.0...v1.1.0
[1.0.0]: https://github.com/acme/marketo-program-member-import/releases/tag/v1.0.0
`

describe('CHANGELOG.md', () => {
  it('reads its sections, with their dates and lines', () => {
    expect(parseChangelog(CHANGELOG).map(({ name, date, line }) => ({ name, date, line }))).toEqual(
      [
        { name: 'Unreleased', date: undefined, line: 5 },
        { name: '1.1.0', date: '2026-12-01', line: 11 },
        { name: '1.0.0', date: '2026-11-26', line: 21 }
      ]
    )
  })

  it('gives a release its section as notes, without the links at the end', () => {
    expect(releaseNotes(CHANGELOG, v('1.1.0'))).toBe(
      '### Added\n\n- `check-instance`.\n\n### Fixed\n\n- A bug.'
    )
    expect(releaseNotes(CHANGELOG, v('1.0.0'))).toBe('### Added\n\n- The first release.')
  })

  it('refuses a release without a section, a date or notes', () => {
    expect(() => releaseNotes(CHANGELOG, v('1.2.0'))).toThrow(
      'CHANGELOG.md has no section "## [1.2.0] - YYYY-MM-DD": move the Unreleased entries under one before releasing'
    )
    const undated = CHANGELOG.replace('## [1.1.0] - 2026-12-01', '## [1.1.0]')
    expect(() => releaseNotes(undated, v('1.1.0'))).toThrow(
      'CHANGELOG.md line 11: the 1.1.0 section needs its release date, as in "## [1.1.0] - 2026-11-26"'
    )
    const badDate = CHANGELOG.replace('2026-12-01', '2026-13-01')
    expect(() => releaseNotes(badDate, v('1.1.0'))).toThrow('needs its release date')
    const empty = CHANGELOG.replace('### Added\n\n- The first release.\n', '')
    expect(() => releaseNotes(empty, v('1.0.0'))).toThrow(
      'CHANGELOG.md line 21: the 1.0.0 section is empty'
    )
  })

  it('refuses a level-2 heading that is not a section', () => {
    expect(() => parseChangelog(`${CHANGELOG}\n## 1.2.0\n`)).toThrow(
      'CHANGELOG.md line 31: "## 1.2.0" is not a section heading like "## [1.2.3] - 2026-11-26"'
    )
  })

  it("holds this repository's releases newest first, each dated with notes", () => {
    const own = readFileSync(resolve(import.meta.dirname, '../CHANGELOG.md'), 'utf8')
    const [unreleased, ...releases] = parseChangelog(own)
    expect(unreleased?.name).toBe('Unreleased')
    expect(releases.length).toBeGreaterThan(0)
    const versions = releases.map((section) => parseVersion(section.name))
    versions.forEach((version, i) => {
      expect(releaseNotes(own, version)).not.toBe('')
      if (i > 0) expect(compareVersions(versions[i - 1]!, version)).toBeGreaterThan(0)
    })
  })
})
