/**
 * The packages a bundle holds, from the names of its modules, and their licenses.txt in ncc's
 * format (`licenses.ts` reads it): pure, so the collector's output is the same on every machine
 * that installed the same lockfile.
 */

export interface LicenseEntry {
  name: string
  /** The package.json license; empty when the package declares none. */
  license: string
  /** The package's license file; empty when it ships none. */
  text: string
}

// The innermost package of a module path: `./node_modules/a/node_modules/@s/b/lib/x.js`.
const PACKAGE_DIR = /^(?:\.\/)?((?:node_modules\/(?:@[^/]+\/)?[^/]+\/)+)/

/**
 * The package directories (`node_modules/a`, `node_modules/a/node_modules/b`) the modules come
 * from, each once, sorted. A concatenated module's name (`… + 13 modules`) counts for its first
 * module; the others are listed on their own.
 */
export function packageDirsOf(moduleNames: readonly string[]): string[] {
  const dirs = new Set<string>()
  for (const name of moduleNames) {
    const match = PACKAGE_DIR.exec(name)
    if (match) dirs.add((match[1] as string).replace(/\/$/, ''))
  }
  return [...dirs].sort()
}

/**
 * licenses.txt as ncc writes it: per package, sorted by name, the name, the declared license on
 * the next line (left out when none is declared), the license text, a blank line. Two copies of
 * one package with the same license and text are one entry.
 */
export function renderLicenses(entries: readonly LicenseEntry[]): string {
  const seen = new Set<string>()
  const unique = entries.filter((entry) => {
    const key = JSON.stringify([entry.name, entry.license, entry.text])
    if (seen.has(key)) return false
    seen.add(key)
    return true
  })
  unique.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
  return unique
    .map((entry) =>
      [entry.name, ...(entry.license ? [entry.license] : []), entry.text.trim()]
        .filter((line, at) => at === 0 || line !== '')
        .join('\n')
    )
    .map((block) => `${block}\n`)
    .join('\n')
}
