/**
 * README.md, CHANGELOG.md, SECURITY.md and CONTRIBUTING.md agree with each other and with the
 * repository: every input and output of action.yml has its changelog entry, the pinning advice
 * names the newest release, and the scripts, paths and settings the pages name exist.
 */
import { describe, expect, it } from '@jest/globals'
import { existsSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { parseChangelog } from '../scripts/release/changelog.js'
import { majorTagOf, parseVersion } from '../scripts/release/versions.js'

const ROOT = resolve(import.meta.dirname, '..')
const read = (file: string): string => readFileSync(join(ROOT, file), 'utf8')
const PAGES = ['README.md', 'CHANGELOG.md', 'SECURITY.md', 'CONTRIBUTING.md'] as const

/** The names declared under `inputs:` or `outputs:` of action.yml (two spaces in). */
function declared(section: 'inputs' | 'outputs'): string[] {
  const text = read('action.yml')
  const body = text.slice(text.indexOf(`\n${section}:\n`) + section.length + 3)
  const end = body.search(/^\S/m)
  return [...body.slice(0, end < 0 ? undefined : end).matchAll(/^ {2}([\w-]+):/gm)].map(
    (m) => m[1]!
  )
}

describe('the documentation', () => {
  it('has a changelog entry naming every input and output of action.yml', () => {
    const changelog = read('CHANGELOG.md')
    const names = [...declared('inputs'), ...declared('outputs')]
    expect(names.length).toBeGreaterThan(30)
    expect(names.filter((name) => !changelog.includes(`\`${name}\``))).toEqual([])
  })

  it('pins to the newest release and its major tag, which SECURITY.md supports', () => {
    const [, newest] = parseChangelog(read('CHANGELOG.md'))
    const version = parseVersion(newest!.name)
    const major = majorTagOf(version)
    const readme = read('README.md')
    expect(readme).toContain(`acme/marketo-program-member-import@${major}\``)
    expect(readme).toContain(`acme/marketo-program-member-import@v${newest!.name}\``)
    expect(readme).toContain(`no input or output is renamed or dropped`)
    expect(read('SECURITY.md')).toContain(`| \`${major}\` (${version.major}.x.y, newest)`)
    expect(read('CHANGELOG.md')).toContain(
      `within a major version (\`${major}\`), no\ninput or output is renamed or dropped`
    )
  })

  it('names only npm scripts that package.json has', () => {
    const scripts = Object.keys(JSON.parse(read('package.json')).scripts as Record<string, string>)
    for (const page of PAGES) {
      const named = [...read(page).matchAll(/npm run ([\w:-]+)/g)].map((m) => m[1]!)
      expect({ page, missing: named.filter((name) => !scripts.includes(name)) }).toEqual({
        page,
        missing: []
      })
    }
  })

  it('names only files and folders of the repository', () => {
    const top =
      /^(src|scripts|simulator|testkit|__tests__|__fixtures__|\.github|\.ci|examples|samples|dist)\//
    for (const page of PAGES) {
      const text = read(page)
      const quoted = [...text.matchAll(/`([^`\s]+)`/g)].map((m) => m[1]!)
      const listed = [
        ...text.matchAll(/^([\w.-]+\/[\w./-]*|[\w-]+\.(?:yml|json|md|ts))\s{2,}/gm)
      ].map((m) => m[1]!)
      const paths = [...quoted, ...listed].filter(
        (p) => top.test(p) || /^(action\.yml|package(-lock)?\.json|[A-Z]+\.md)$/.test(p)
      )
      const missing = paths.filter(
        (p) => !p.includes('*') && !existsSync(join(ROOT, p.replace(/\/$/, '')))
      )
      expect({ page, missing }).toEqual({ page, missing: [] })
    }
  })

  it('describes the live check with the secrets and variables its workflow reads', () => {
    const workflow = read('.github/workflows/live-check.yml')
    const names = [
      ...new Set([...workflow.matchAll(/\b(?:secrets|vars)\.(MARKETO_\w+)/g)].map((m) => m[1]!))
    ]
    expect(names.sort()).toEqual([
      'MARKETO_CLIENT_ID',
      'MARKETO_CLIENT_SECRET',
      'MARKETO_LIVE_REMOVALS',
      'MARKETO_MUNCHKIN_ID',
      'MARKETO_PROGRAM_ID',
      'MARKETO_PROGRAM_STATUS'
    ])
    const contributing = read('CONTRIBUTING.md')
    for (const name of names) expect(contributing).toContain(`\`${name}\``)
  })
})
