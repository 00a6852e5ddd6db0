/**
 * The bundled packages' licenses, as `collect.ts` writes them to dist/licenses.txt in ncc's
 * format, checked against a policy. The format is one entry per package, sorted by name: the
 * name, the package.json license on the next line (absent when the package declares none), the
 * license text, a blank line.
 */

export interface BundledPackage {
  name: string
  /** The declared license (an SPDX expression, or what the package wrote); empty when none. */
  license: string
  /** 1-based line of the name in licenses.txt. */
  line: number
}

export interface LicensePolicy {
  /** License identifiers the bundle may carry; an `A OR B` needs one of them, `A AND B` both. */
  allowed: readonly string[]
  /** Packages checked by hand whose declared license is missing or outside `allowed`: why. */
  reviewed: Readonly<Record<string, string>>
}

export interface LicenseCheck {
  /** One line per package the policy refuses. */
  refused: string[]
  /** Reviewed packages no longer bundled, or now under an allowed license: their entries can go. */
  stale: string[]
}

// An npm package name, scoped or not, alone on its line.
const PACKAGE_NAME = /^(@[a-z0-9~-][a-z0-9._~-]*\/)?[a-z0-9~-][a-z0-9._~-]*$/

/**
 * The packages of a licenses.txt: an entry starts at a package name that opens the file or
 * follows a blank line, and its license is the next line (blank when none is declared). A line
 * of license text that looks like an entry is then checked as one too and refused: the check
 * errs towards a false alarm, never towards a package it did not see.
 */
export function parseLicenses(text: string): BundledPackage[] {
  const lines = text.split(/\r?\n/)
  const packages: BundledPackage[] = []
  lines.forEach((line, index) => {
    if (index > 0 && lines[index - 1] !== '') return
    if (!PACKAGE_NAME.test(line)) return
    packages.push({ name: line, license: (lines[index + 1] ?? '').trim(), line: index + 1 })
  })
  return packages
}

type Expression =
  { kind: 'id'; id: string } | { kind: 'and' | 'or'; left: Expression; right: Expression }

/** An SPDX expression: OR binds loosest, then AND; `X WITH exception` is one identifier. */
function parseExpression(text: string): Expression | undefined {
  const tokens = text.match(/\(|\)|[^\s()]+/g) ?? []
  let at = 0
  const primary = (): Expression | undefined => {
    const token = tokens[at++]
    if (token === '(') {
      const inner = or()
      return tokens[at++] === ')' ? inner : undefined
    }
    if (token === undefined || token === ')' || /^(AND|OR|WITH)$/.test(token)) return undefined
    if (tokens[at] === 'WITH' && tokens[at + 1]) {
      at += 2
      return { kind: 'id', id: `${token} WITH ${tokens[at - 1]}` }
    }
    return { kind: 'id', id: token }
  }
  const chain = (kind: 'and' | 'or', word: string, next: () => Expression | undefined) => {
    let left = next()
    while (left && tokens[at] === word) {
      at++
      const right = next()
      left = right ? { kind, left, right } : undefined
    }
    return left
  }
  const and = (): Expression | undefined => chain('and', 'AND', primary)
  const or = (): Expression | undefined => chain('or', 'OR', and)
  const expression = or()
  return at === tokens.length ? expression : undefined
}

function permits(expression: Expression, allowed: ReadonlySet<string>): boolean {
  if (expression.kind === 'id') return allowed.has(expression.id)
  if (expression.kind === 'and')
    return permits(expression.left, allowed) && permits(expression.right, allowed)
  return permits(expression.left, allowed) || permits(expression.right, allowed)
}

/** Whether `license` (an SPDX expression) may be bundled under `allowed`. */
export function isAllowed(license: string, allowed: readonly string[]): boolean {
  const expression = parseExpression(license)
  return expression !== undefined && permits(expression, new Set(allowed))
}

export function checkLicenses(
  packages: readonly BundledPackage[],
  policy: LicensePolicy
): LicenseCheck {
  const refused = packages
    .filter((p) => !isAllowed(p.license, policy.allowed) && !(p.name in policy.reviewed))
    .map(
      (p) =>
        `${p.name} (licenses.txt line ${p.line}): ` +
        (p.license === '' ? 'declares no license' : `"${p.license}" is not on the allow-list`)
    )
  const stillNeeded = new Set(
    packages.filter((p) => !isAllowed(p.license, policy.allowed)).map((p) => p.name)
  )
  const stale = Object.keys(policy.reviewed).filter((name) => !stillNeeded.has(name))
  return { refused, stale }
}
