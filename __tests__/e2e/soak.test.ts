/**
 * Soak: the built action imports 50 files while the simulator injects faults drawn from a seeded
 * random mix. Whatever the faults do, every row must end imported, failed, not submitted or (only
 * if the run stopped with jobs open) pending, exactly once in the accounting; and no part may be
 * imported twice unless report.json marks it as resubmitted after an uncertain failure.
 *
 * To study a run: SOAK_LOG=/tmp/soak writes the action's log, the fault plan and every call.
 */
import { beforeAll, describe, expect, it } from '@jest/globals'
import { writeFile } from 'node:fs/promises'
import { seededRandom } from '../../scripts/bench/csv.js'
import { runAction, type ActionRun } from '../../scripts/run-action.js'
import type { Fault, FaultRule, FaultTarget } from '../../simulator/server.js'
import { FAST_RETRIES, readReport, simulatorInputs, TIME_SCALE, useSimulator } from './harness.js'

const SEED = 0x5eed_2026
const FILES = 50
const RULES = 70

type Random = () => number
const pick = <T>(random: Random, items: readonly T[]): T =>
  items[Math.floor(random() * items.length)] as T
const between = (random: Random, low: number, high: number): number =>
  low + Math.floor(random() * (high - low + 1))

/** Faults any call can meet. */
const ANY_CALL: readonly Fault[] = [
  { kind: 'http', status: 502, html: true },
  { kind: 'http', status: 503, html: true },
  { kind: 'http', status: 504, html: true },
  { kind: 'reset' },
  { kind: 'truncated' },
  { kind: 'nonJson' },
  { kind: 'code', code: '604' },
  { kind: 'code', code: '606' },
  { kind: 'code', code: '608' },
  { kind: 'code', code: '611' },
  { kind: 'code', code: '615' },
  { kind: 'delay', ms: 150 }
]
const TOKEN: readonly Fault[] = [
  { kind: 'code', code: '601' },
  { kind: 'code', code: '602' }
]
const QUEUE_FULL: Fault = { kind: 'code', code: '1016' }
/** Faults on an accepted submit (the job exists), each given to a different job. */
const ON_ACCEPTED_SUBMIT: readonly Fault[] = [
  { kind: 'resetAfterAccept' },
  { kind: 'resetAfterAccept' },
  { kind: 'resetAfterAccept' },
  { kind: 'resetAfterAccept' },
  { kind: 'jobFails', message: 'Import failed: simulated' },
  { kind: 'jobFails', message: 'Import failed: simulated' }
]

/** Targets of the extra rules, weighted, with how far into their calls a rule may start. */
const TARGETS: readonly { on: FaultTarget; weight: number; maxNth: number }[] = [
  { on: 'submit', weight: 35, maxNth: FILES },
  { on: 'status', weight: 35, maxNth: 2 * FILES },
  { on: 'failures', weight: 8, maxNth: 8 },
  { on: 'warnings', weight: 5, maxNth: 4 },
  { on: 'any', weight: 17, maxNth: 3 * FILES }
]

interface FaultPlan {
  rules: FaultRule[]
  /** Submit calls (counted from 1) on whose arrival every token expires. */
  expireTokensAtSubmits: number[]
}

/**
 * Every kind of fault at least once, on calls that surely happen (the first 40 submits, the
 * first 50 polls); each accepted-submit fault on a job of its own; then random extras on any call.
 *
 * Token trouble (601, 602, expiry) lands on submits, which go one at a time, at least three
 * submits apart: a token rejected again right after it was renewed rightly stops the run, and
 * concurrent polls would make whether that happens depend on timing.
 */
function faultPlan(random: Random): FaultPlan {
  const rules: FaultRule[] = []
  const early = (): number => between(random, 1, 40)
  for (const fault of ANY_CALL) {
    const on = pick(random, ['submit', 'status'] as const)
    // Polls outnumber submits: spread their faults wider, so one poll rarely meets six in a row.
    rules.push({ on, nth: on === 'status' ? between(random, 1, FILES) : early(), fault })
  }
  const tokenSlots = Array.from({ length: 12 }, (_, i) => 3 + 3 * i)
  const tokenSlot = (): number => tokenSlots.splice(Math.floor(random() * tokenSlots.length), 1)[0]!
  for (const fault of TOKEN) rules.push({ on: 'submit', nth: tokenSlot(), fault })
  const expireTokensAtSubmits = [tokenSlot(), tokenSlot()]
  rules.push({ on: 'submit', nth: early(), times: between(random, 3, 8), fault: QUEUE_FULL })
  const jobs = Array.from({ length: FILES }, (_, i) => i + 1)
  for (const fault of ON_ACCEPTED_SUBMIT) {
    const [nth] = jobs.splice(Math.floor(random() * jobs.length), 1)
    rules.push({ on: 'submit', nth: nth!, fault })
  }
  const totalWeight = TARGETS.reduce((sum, target) => sum + target.weight, 0)
  while (rules.length < RULES) {
    let roll = random() * totalWeight
    const target = TARGETS.find((t) => (roll -= t.weight) < 0) ?? TARGETS[0]!
    const pool = target.on === 'submit' ? [...ANY_CALL, QUEUE_FULL] : ANY_CALL
    const fault = pick(random, pool)
    const times = fault === QUEUE_FULL ? between(random, 2, 6) : 1
    rules.push({ on: target.on, nth: between(random, 1, target.maxNth), times, fault })
  }
  return { rules, expireTokensAtSubmits }
}

interface SoakFile {
  name: string
  content: string
  /** Emails of rows Marketo imports (with or without a warning). */
  good: string[]
  /** Emails of rows Marketo rejects. */
  bad: string[]
}

/** Small files with distinct emails; some with a row that fails and one imported with a warning. */
function soakFiles(random: Random): SoakFile[] {
  const files: SoakFile[] = []
  for (let f = 1; f <= FILES; f++) {
    const name = `list-${String(f).padStart(2, '0')}.csv`
    const lines = ['firstName,lastName,email,leadScore']
    const good: string[] = []
    const bad: string[] = []
    for (let n = 1, rows = between(random, 3, 8); n <= rows; n++) {
      const email = `soak${f}-${n}@example.com`
      good.push(email)
      lines.push(`Row${n},File${f},${email},${n}`)
    }
    if (random() < 0.2) {
      const email = `soak${f}-bad@example.com`
      bad.push(email)
      lines.push(`Bad,File${f},${email},not-a-number`)
    }
    if (random() < 0.1) {
      const email = `soak${f}-warn@example`
      good.push(email)
      lines.push(`Warn,File${f},${email},1`)
    }
    files.push({ name, content: lines.join('\n') + '\n', good, bad })
  }
  return files
}

interface ReportPart {
  file: string
  rows: number
  batchId: number | null
  status: string
  resubmittedAfterUncertainFailure: boolean
  marketo: { imported: number; failed: number; warned: number }
}

interface Report {
  passed: boolean
  verdict: string[]
  totals: Record<string, number>
  stop: { kind: string; message: string } | null
  parts: ReportPart[]
}

async function writeDebugFiles(prefix: string, plan: FaultPlan): Promise<void> {
  await writeFile(`${prefix}.log`, run.stdout)
  await writeFile(`${prefix}.plan.json`, JSON.stringify(plan, null, 1))
  const calls = sim().requests.map((r) =>
    [r.seq, r.arrivedAt, r.kind, r.response.status, r.response.code ?? '-', r.fault ?? '-'].join(
      ' '
    )
  )
  await writeFile(`${prefix}.calls.txt`, calls.join('\n') + '\n')
}

// Marketo's 100 calls per 20 s, on the same 1:100 time scale as the action's waits.
const sim = useSimulator(
  { jobOverheadMs: 15, rateLimit: { calls: 100, windowMs: 20_000 * TIME_SCALE } },
  { scope: 'all' }
)
let tokenExpiries = 0
let files: SoakFile[]
let run: ActionRun
let report: Report

beforeAll(async () => {
  const random = seededRandom(SEED)
  const plan = faultPlan(random)
  files = soakFiles(random)
  for (const rule of plan.rules) sim().addFault(rule)
  let submits = 0
  sim().onArrival((request, simulator) => {
    if (request.kind !== 'submit') return
    if (!plan.expireTokensAtSubmits.includes(++submits)) return
    simulator.expireTokens()
    tokenExpiries++
  })
  run = await runAction({
    inputs: simulatorInputs(sim(), { files: '*.csv', 'max-failed-rows': '100%', timeout: '2' }),
    files: Object.fromEntries(files.map((file) => [file.name, file.content])),
    env: FAST_RETRIES,
    timeoutMs: 150_000
  })
  report = await readReport<Report>(run)
  const debugPrefix = process.env['SOAK_LOG']
  if (debugPrefix) await writeDebugFiles(debugPrefix, plan)
  // Jobs left open by a stopped run may still end; judge what Marketo holds once it settles.
  await sim().waitForIdle()
}, 180_000)

describe(`soak: ${FILES} files, ${RULES} seeded fault rules (seed ${SEED.toString(16)})`, () => {
  it('fails the step exactly when report.json gives a reason', () => {
    expect(run.code).toBe(report.passed ? 0 : 1)
    expect(report.verdict.length === 0).toBe(report.passed)
  })

  it('accounts for every row exactly once', () => {
    const rowsTotal = files.reduce((sum, file) => sum + file.good.length + file.bad.length, 0)
    const out = (name: string): number => Number(run.outputs[name])
    expect(out('rows-total')).toBe(rowsTotal)
    expect(
      out('rows-imported') + out('rows-failed') + out('rows-not-submitted') + out('rows-pending')
    ).toBe(rowsTotal)
    expect(report.parts).toHaveLength(FILES)
    expect(report.parts.reduce((sum, part) => sum + part.rows, 0)).toBe(rowsTotal)
    // Pending rows only when the run stopped with jobs open.
    expect(out('rows-pending') === 0 || report.stop !== null).toBe(true)
  })

  it('imports no part twice unless the report marks it as resubmitted after an uncertain failure', () => {
    const imported = sim().importedEmails('1001')
    const known = new Set(files.flatMap((file) => [...file.good, ...file.bad]))
    expect([...imported.keys()].filter((email) => !known.has(email))).toEqual([])
    let twice = 0
    for (const file of files) {
      const part = report.parts.find((p) => p.file === file.name)!
      const times = new Set(file.good.map((email) => imported.get(email) ?? 0))
      for (const email of file.bad) expect(imported.get(email) ?? 0).toBe(0)
      if (Math.max(...times) > 1) twice++
      if (part.resubmittedAfterUncertainFailure) continue
      const expected =
        part.status === 'Complete'
          ? [1]
          : part.status === 'Queued' || part.status === 'Importing'
            ? [0, 1] // still in Marketo's queue when the run stopped
            : [0] // Failed as a whole, or never submitted
      for (const count of times) expect(expected).toContain(count)
    }
    // The check bites: connections dropped after Marketo took a part made it import twice.
    expect(twice).toBeGreaterThan(0)
  })

  it("agrees with Marketo's own counts for every job that ended", () => {
    for (const part of report.parts.filter((p) => p.status === 'Complete')) {
      const job = sim().jobs.find((j) => j.batchId === part.batchId)!
      expect(job.status).toBe('Complete')
      expect(part.marketo).toEqual({
        imported: job.numOfLeadsProcessed,
        failed: job.numOfRowsFailed,
        warned: job.numOfRowsWithWarning
      })
    }
  })

  it('injected faults of many kinds, and lost nothing', () => {
    const injected = new Map<string, number>()
    for (const request of sim().requests) {
      for (const kind of request.fault?.split(',') ?? []) {
        const detail =
          kind === 'code'
            ? ` ${request.response.code}`
            : kind === 'http'
              ? ` ${request.response.status}`
              : ''
        const key = `${kind}${detail} on ${request.kind}`
        injected.set(key, (injected.get(key) ?? 0) + 1)
      }
    }
    const total = [...injected.values()].reduce((sum, n) => sum + n, 0)
    const kinds = new Set([...injected.keys()].map((key) => key.split(' ')[0]))
    const out = (name: string): string => run.outputs[name] ?? '?'
    const resubmitted = report.parts.filter((p) => p.resubmittedAfterUncertainFailure).length
    console.log(
      [
        `soak seed ${SEED.toString(16)}: ${FILES} files, ${out('rows-total')} rows, ` +
          `${sim().requests.length} calls, ${total} faults injected:`,
        ...[...injected.entries()]
          .sort(([a], [b]) => a.localeCompare(b))
          .map(([key, n]) => `  ${String(n).padStart(3)} × ${key}`),
        `  ${String(tokenExpiries).padStart(3)} × every token expired as a submit arrived`,
        `rows: ${out('rows-imported')} imported (${out('rows-warned')} with a warning), ` +
          `${out('rows-failed')} failed, ${out('rows-not-submitted')} not submitted, ` +
          `${out('rows-pending')} pending; ${resubmitted} parts resubmitted after an uncertain failure`,
        report.stop ? `run stopped: ${report.stop.kind}: ${report.stop.message}` : 'run ended',
        'nothing lost'
      ].join('\n')
    )
    expect(total).toBeGreaterThanOrEqual(30)
    expect(kinds.size).toBeGreaterThanOrEqual(8)
    expect(kinds).toContain('resetAfterAccept')
    expect(tokenExpiries).toBe(2)
  })
})
