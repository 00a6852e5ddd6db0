/**
 * CHANGELOG.md in the Keep a Changelog format: `## [Unreleased]`, then one `## [1.2.3] - 2026-11-26`
 * section per release, newest first, and link definitions (`[1.2.3]: https://...`) at the end.
 * A release's notes are the body of its section.
 */
import { formatVersion, ReleaseError, type Version } from './versions.js'

export interface ChangelogSection {
  /** `Unreleased` or a version such as `1.2.3`, as written between the brackets. */
  name: string
  /** `YYYY-MM-DD` after the heading's dash, when there is one. */
  date: string | undefined
  /** What follows the heading up to the next section, trimmed. */
  body: string
  /** 1-based line of the heading. */
  line: number
}

const SECTION = /^## \[([^\]]+)\](?:\s+-\s+(\S+))?\s*$/
const LINK_DEFINITION = /^\[[^\]]+\]:\s+\S+/
const ISO_DATE = /^\d{4}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])$/

export function parseChangelog(text: string): ChangelogSection[] {
  const sections: ChangelogSection[] = []
  let body: string[] = []
  const close = (): void => {
    const last = sections.at(-1)
    if (last) last.body = body.join('\n').trim()
    body = []
  }
  text.split(/\r?\n/).forEach((line, index) => {
    const heading = SECTION.exec(line)
    if (heading) {
      close()
      sections.push({ name: heading[1]!, date: heading[2], body: '', line: index + 1 })
    } else if (line.startsWith('## ')) {
      throw new ReleaseError(
        `CHANGELOG.md line ${index + 1}: "${line}" is not a section heading like "## [1.2.3] - 2026-11-26"`
      )
    } else if (!LINK_DEFINITION.test(line)) {
      // The link definitions at the end belong to the file, not to the last section's notes.
      body.push(line)
    }
  })
  close()
  return sections
}

/** The notes of `version`'s section; refused when the section is missing, undated or empty. */
export function releaseNotes(changelog: string, version: Version): string {
  const name = formatVersion(version)
  const section = parseChangelog(changelog).find((s) => s.name === name)
  if (!section)
    throw new ReleaseError(
      `CHANGELOG.md has no section "## [${name}] - YYYY-MM-DD": ` +
        `move the Unreleased entries under one before releasing`
    )
  if (section.date === undefined || !ISO_DATE.test(section.date))
    throw new ReleaseError(
      `CHANGELOG.md line ${section.line}: the ${name} section needs its release date, ` +
        `as in "## [${name}] - 2026-11-26"`
    )
  if (section.body === '')
    throw new ReleaseError(`CHANGELOG.md line ${section.line}: the ${name} section is empty`)
  return section.body
}
