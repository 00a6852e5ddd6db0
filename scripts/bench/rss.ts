/**
 * Peak memory of the action process, measured two ways. While it splits and uploads one large
 * file: the built action runs as a child (`node dist/index.js`, as the runner runs it) against a
 * simulator in this process that counts the uploads instead of keeping them. While it traces a
 * hostile failures file: the simulator pads a job's failures file with its own rows again. The
 * child reports its own peak (getrusage's maxrss) on exit through a preloaded module;
 * /proc/<pid>/status VmHWM is sampled alongside as a cross-check.
 */
import { readFile, rm, stat, writeFile } from 'node:fs/promises'
import { dirname, join } from 'node:path'
import { runAction, type ActionRun } from '../run-action.js'
import {
  startSimulator,
  type FaultRule,
  type Simulator,
  type SimulatorOptions
} from '../../simulator/server.js'

export interface RssRun {
  fileBytes: number
  rows: number
  parts: number
  /** Peak resident set of the action process, from its own getrusage on exit. */
  peakRssBytes: number
  /** Highest VmHWM read from /proc while it ran (sampled, so at most the peak). */
  sampledHwmBytes: number
  wallMs: number
  apiCalls: number
  rowsImported: number
  /** Set when the action did not import every row: its exit and the end of its log. */
  failure?: string
}

const PROBE = `import { writeFileSync } from 'node:fs'
process.on('exit', () => {
  writeFileSync(process.env.BENCH_RSS_FILE, String(process.resourceUsage().maxRSS * 1024))
})
`

/** One run of the built action as a child, with its peak memory. */
export interface MeasuredRun {
  run: ActionRun
  peakRssBytes: number
  sampledHwmBytes: number
  wallMs: number
  /** Jobs the simulator was given. */
  jobs: number
}

/**
 * Runs the built action on `fileName` in `workspace` against a simulator started with `options`
 * and `faults`, with a probe that reports the child's own peak RSS on exit and /proc's VmHWM
 * sampled alongside. `scratch` holds the probe.
 */
export async function runMeasured(
  options: SimulatorOptions,
  faults: FaultRule[],
  run: { workspace: string; fileName: string; scratch: string; inputs?: Record<string, string> },
  onEnd?: (sim: Simulator) => void
): Promise<MeasuredRun> {
  const sim = await startSimulator(options)
  for (const rule of faults) sim.addFault(rule)
  try {
    const measured = await measure(sim, run.workspace, run.fileName, run.scratch, run.inputs)
    onEnd?.(sim)
    return measured
  } finally {
    await sim.stop()
  }
}

async function measure(
  sim: Simulator,
  workspace: string,
  fileName: string,
  scratch: string,
  inputs: Record<string, string> = {}
): Promise<MeasuredRun> {
  const probe = join(scratch, 'rss-probe.mjs')
  const report = join(scratch, `rss-${fileName}-${Date.now()}.txt`)
  await writeFile(probe, PROBE)
  let sampledHwm = 0
  let sampler: NodeJS.Timeout | undefined
  const started = performance.now()
  try {
    const run = await runAction({
      workspace,
      inputs: {
        'rest-url': sim.url,
        'client-id': sim.clientId,
        'client-secret': sim.clientSecret,
        'program-id': '1001',
        'program-member-status': 'On List',
        files: fileName,
        'poll-interval': '0.05',
        'max-poll-interval': '0.2',
        'upload-artifact': 'false',
        annotations: 'false',
        ...inputs
      },
      env: { NODE_OPTIONS: `--import=${probe}`, BENCH_RSS_FILE: report },
      timeoutMs: 15 * 60_000,
      onSpawn: (child) => {
        const status = `/proc/${child.pid}/status`
        sampler = setInterval(() => {
          readFile(status, 'utf8').then(
            (text) => {
              const kb = Number(/^VmHWM:\s+(\d+)\s+kB/m.exec(text)?.[1] ?? 0)
              sampledHwm = Math.max(sampledHwm, kb * 1024)
            },
            () => undefined
          )
        }, 25)
      }
    })
    const wallMs = performance.now() - started
    clearInterval(sampler)
    const peak = await readFile(report, 'utf8').catch(() => '')
    await rm(report, { force: true })
    // A process killed before its exit handler reports nothing: the sampled peak stands in.
    return {
      run,
      peakRssBytes: peak === '' ? sampledHwm : Number(peak),
      sampledHwmBytes: sampledHwm,
      wallMs,
      jobs: sim.jobs.length
    }
  } finally {
    clearInterval(sampler)
  }
}

export function logEnd(run: ActionRun): string {
  return `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-5).join('\n')
}

/**
 * Imports `path` (already in `workspace`, named `fileName`) with the default chunk-size into a
 * fast simulator, and returns the action's peak RSS. `scratch` holds the probe and its report.
 */
export async function measureActionRss(
  workspace: string,
  fileName: string,
  scratch: string,
  expected: { bytes: number; rows: number }
): Promise<RssRun> {
  const { run, peakRssBytes, sampledHwmBytes, wallMs, jobs } = await runMeasured(
    { keepUploads: false, msPerRow: 0, jobOverheadMs: 5, queuedMs: 0 },
    [],
    { workspace, fileName, scratch }
  )
  await rm(run.dirs.root, { recursive: true, force: true })
  const rowsImported = Number(run.outputs['rows-imported'] ?? NaN)
  let failure: string | undefined
  if (run.code !== 0 || rowsImported !== expected.rows) {
    failure =
      `exit ${run.code ?? run.signal}, ${rowsImported} of ${expected.rows} rows imported; ` +
      `the log ends:\n${logEnd(run)}`
  }
  const calls = /Marketo API calls used: (\d+)/.exec(run.stdout)?.[1]
  return {
    ...(failure ? { failure } : {}),
    fileBytes: expected.bytes,
    rows: expected.rows,
    parts: jobs,
    peakRssBytes,
    sampledHwmBytes,
    wallMs,
    apiCalls: Number(calls ?? NaN),
    rowsImported
  }
}

export interface TraceRun {
  /** Bytes of the failures file Marketo (the simulator) answered. */
  failuresBytes: number
  /** Rows Marketo counted as failed, each traced to its line. */
  failedRows: number
  peakRssBytes: number
  sampledHwmBytes: number
  wallMs: number
  /** Bytes of the report.json written. */
  reportBytes: number
  /** Set when the run did not end as it should: failed, on the failures file, with report.json. */
  failure?: string
}

/**
 * Peak memory of the action tracing a hostile failures file: `fileName` (one part, every row
 * failing) is imported into a simulator that pads its failures file to `failuresBytes` with the
 * same rows again. The run must fail on the file's rows outnumbering numOfRowsFailed, with every
 * counted row traced and report.json written.
 */
export async function measureTraceRss(
  workspace: string,
  fileName: string,
  scratch: string,
  failuresBytes: number,
  expected: { rows: number }
): Promise<TraceRun> {
  const { run, peakRssBytes, sampledHwmBytes, wallMs } = await runMeasured(
    { msPerRow: 0, jobOverheadMs: 5, queuedMs: 0 },
    [
      {
        on: 'failures',
        fault: { kind: 'rowFile', change: { kind: 'extraRows', bytes: failuresBytes } }
      }
    ],
    { workspace, fileName, scratch }
  )
  const reportPath = run.outputs['report-path'] ?? ''
  const reportBytes = reportPath ? (await stat(reportPath).catch(() => ({ size: 0 }))).size : 0
  const report =
    reportBytes > 0 ? (JSON.parse(await readFile(reportPath, 'utf8')) as TraceReport) : undefined
  const failuresFile = report?.parts[0]?.failuresFile
  const downloaded = failuresFile ? (await stat(join(dirname(reportPath), failuresFile))).size : 0
  await rm(run.dirs.root, { recursive: true, force: true })
  const traced = report?.failures.filter((issue) => issue.line !== null).length ?? 0
  const problem = report?.rowFileProblems[0]?.message ?? ''
  let failure: string | undefined
  if (run.code !== 1 || traced !== expected.rows || !/^the file has \d+ rows, but/.test(problem)) {
    failure =
      `exit ${run.code ?? run.signal}, ${traced} of ${expected.rows} failed rows traced, ` +
      `problem "${problem}"; the log ends:\n${logEnd(run)}`
  }
  return {
    ...(failure ? { failure } : {}),
    failuresBytes: downloaded,
    failedRows: traced,
    peakRssBytes,
    sampledHwmBytes,
    wallMs,
    reportBytes
  }
}

interface TraceReport {
  parts: { failuresFile: string | null }[]
  failures: { line: number | null }[]
  rowFileProblems: { message: string }[]
}
