/**
 * `node scripts/live-check/expect.ts <step>`, in the live check after each step of the action:
 * compares the step's outcome (OUTCOME: success or failure), its outputs (OUTPUTS: the step's
 * outputs as JSON) and the failed and warned rows of its report.json with
 * .github/live-check/expected.json. Those are what the
 * simulator answers for the same files and inputs, which __tests__/e2e/live-check-rehearsal.test.ts
 * checks: a difference is Marketo answering otherwise than the simulator, a simulator bug.
 * Node 24 runs this file as it is (no imports of ours, types only), so the job needs no npm ci.
 */
import { readFileSync } from 'node:fs'
import { resolve } from 'node:path'

interface RowExpectation {
  file: string
  line: number | null
  reason: string
}

interface StepExpectation {
  outcome: string
  outputs: Record<string, string>
  failures?: RowExpectation[]
  warnings?: RowExpectation[]
}

const EXPECTED = resolve(import.meta.dirname, '../../.github/live-check/expected.json')

function rowsOf(rows: readonly RowExpectation[]): string[] {
  return rows.map((row) => `${row.file}:${row.line ?? '-'} ${row.reason}`).sort()
}

/** One line per difference between what Marketo answered and what the simulator answers. */
function differences(
  expected: StepExpectation,
  outcome: string,
  outputs: Record<string, string>
): string[] {
  const found: string[] = []
  if (outcome !== expected.outcome)
    found.push(
      `the step's outcome: Marketo's run gives "${outcome}", the simulator's "${expected.outcome}"`
    )
  for (const [name, value] of Object.entries(expected.outputs)) {
    if (outputs[name] !== value)
      found.push(
        `${name}: Marketo's run gives ${JSON.stringify(outputs[name] ?? null)}, the simulator's "${value}"`
      )
  }
  if (expected.failures === undefined && expected.warnings === undefined) return found
  const reportPath = outputs['report-path']
  if (!reportPath)
    return [...found, 'report-path: empty, so the failed and warned rows cannot be compared']
  const report = JSON.parse(readFileSync(reportPath, 'utf8')) as {
    failures: RowExpectation[]
    warnings: RowExpectation[]
  }
  for (const kind of ['failures', 'warnings'] as const) {
    const want = rowsOf(expected[kind] ?? [])
    const got = rowsOf(report[kind])
    for (const row of got.filter((r) => !want.includes(r)))
      found.push(`${kind}: Marketo reports ${row}, the simulator does not`)
    for (const row of want.filter((r) => !got.includes(r)))
      found.push(`${kind}: the simulator reports ${row}, Marketo does not`)
  }
  return found
}

const step = process.argv[2] ?? ''
const all = JSON.parse(readFileSync(EXPECTED, 'utf8')) as Record<string, StepExpectation>
const expected = all[step]
if (!expected) {
  console.log(
    `::error title=Live check::"${step}" is not a step of ${EXPECTED}: ${Object.keys(all).join(', ')}`
  )
  process.exit(1)
}
let outputs: Record<string, string>
try {
  outputs = JSON.parse(process.env['OUTPUTS'] ?? '') as Record<string, string>
} catch {
  console.log(`::error title=Live check (${step})::OUTPUTS is not the step's outputs as JSON`)
  process.exit(1)
}
const found = differences(expected, process.env['OUTCOME'] ?? '', outputs)
for (const line of found) console.log(`::error title=Live check (${step})::${line}`)
if (found.length > 0) {
  console.log(
    `${found.length} differences from the simulator: each is a simulator bug to fix ` +
      `(CONTRIBUTING.md, "The live check")`
  )
  process.exit(1)
}
const rows = (expected.failures?.length ?? 0) + (expected.warnings?.length ?? 0)
console.log(
  `${step}: ${Object.keys(expected.outputs).length} outputs` +
    (rows > 0 ? ` and ${rows} failed or warned rows` : '') +
    ' as the simulator answers'
)
