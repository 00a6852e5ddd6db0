/**
 * `npm run check-licenses [-- path]`: every package bundled in dist/ (dist/licenses.txt, which
 * `npm run bundle` writes) is under an allowed license or reviewed by hand in policy.ts.
 */
import { readFileSync } from 'node:fs'
import { checkLicenses, parseLicenses } from './licenses.js'
import { LICENSE_POLICY } from './policy.js'

const path = process.argv[2] ?? 'dist/licenses.txt'
let text: string
try {
  text = readFileSync(path, 'utf8')
} catch {
  console.error(`${path}: cannot be read; run 'npm run bundle' first, which writes it`)
  process.exit(1)
}
const packages = parseLicenses(text)
const { refused, stale } = checkLicenses(packages, LICENSE_POLICY)
for (const name of stale)
  console.log(`::warning::${name} is reviewed in scripts/licenses/policy.ts but no longer needs it`)
if (packages.length === 0) {
  console.error(`${path}: no package found; is it ncc's licenses.txt?`)
  process.exit(1)
}
if (refused.length > 0) {
  for (const line of refused) console.log(`::error::${line}`)
  console.error(
    `${refused.length} of ${packages.length} bundled packages have a license outside ` +
      `scripts/licenses/policy.ts: replace the dependency, or review it and say why there`
  )
  process.exit(1)
}
const reviewed = packages.filter((p) => p.name in LICENSE_POLICY.reviewed).length
console.log(
  `${packages.length} bundled packages: ${packages.length - reviewed} under allowed licenses, ` +
    `${reviewed} reviewed by hand (scripts/licenses/policy.ts)`
)
