/**
 * `tsx scripts/licenses/collect.ts <stats.json> <licenses.txt>`: writes the licenses of every
 * package ncc bundled, from the module list of its webpack stats (`ncc build --stats-out`).
 *
 * ncc's own `--license` file leaves out the ES module packages (`@actions/core`, `@octokit/*`,
 * `yaml` and some 40 more of 167), so the allow-list check never saw them and the bundle shipped
 * their code without their notices. This writes the file in ncc's format (see `licenses.ts`) for
 * every package a bundled module comes from.
 */
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { packageDirsOf, renderLicenses, type LicenseEntry } from './bundled.js'
import { parseLicenses } from './licenses.js'

interface StatsModule {
  name?: string
  modules?: StatsModule[]
}

function moduleNames(modules: StatsModule[] | undefined, into: string[] = []): string[] {
  for (const module of modules ?? []) {
    if (module.name) into.push(module.name)
    moduleNames(module.modules, into)
  }
  return into
}

/** The declared license as ncc shows it: the SPDX string, or the legacy object and list forms. */
function declaredLicense(manifest: Record<string, unknown>): string {
  const named = (value: unknown): string =>
    typeof value === 'string'
      ? value
      : typeof value === 'object' && value !== null && 'type' in value
        ? String((value as { type: unknown }).type)
        : ''
  if (manifest['license'] !== undefined) return named(manifest['license'])
  const list = manifest['licenses']
  return Array.isArray(list) ? list.map(named).filter(Boolean).join(' OR ') : ''
}

const LICENSE_FILE = /^(licen[cs]e|copying)(\.|-|$)/i

function entryOf(root: string, dir: string): LicenseEntry {
  const path = join(root, dir)
  const manifest = JSON.parse(readFileSync(join(path, 'package.json'), 'utf8')) as Record<
    string,
    unknown
  >
  const file = readdirSync(path)
    .filter((name) => LICENSE_FILE.test(name))
    .sort()[0]
  return {
    name: typeof manifest['name'] === 'string' ? manifest['name'] : dir,
    license: declaredLicense(manifest),
    text: file ? readFileSync(join(path, file), 'utf8') : ''
  }
}

const [statsPath, outPath] = process.argv.slice(2)
if (!statsPath || !outPath) {
  console.error('usage: tsx scripts/licenses/collect.ts <stats.json> <licenses.txt>')
  process.exit(2)
}
const stats = JSON.parse(readFileSync(statsPath, 'utf8')) as { modules?: StatsModule[] }
const dirs = packageDirsOf(moduleNames(stats.modules))
const root = process.cwd()
const text = renderLicenses(dirs.map((dir) => entryOf(root, dir)))
writeFileSync(outPath, text)
// Counted as check-licenses counts them: a package bundled from two directories is one entry.
console.log(
  `${outPath}: the licenses of ${parseLicenses(text).length} bundled packages ` +
    `(from ${dirs.length} package directories)`
)
