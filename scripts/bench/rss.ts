/**
 * Peak memory of the action process while it splits and uploads one large file: the built
 * action runs as a child (`node dist/index.js`, as the runner runs it) against a simulator in
 * this process that counts the uploads instead of keeping them. The child reports its own peak
 * (getrusage's maxrss) on exit through a preloaded module; /proc/<pid>/status VmHWM is sampled
 * alongside as a cross-check.
 */
import { readFile, rm, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runAction } from '../run-action.js'
import { startSimulator } from '../../simulator/server.js'

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
  const probe = join(scratch, 'rss-probe.mjs')
  const report = join(scratch, `rss-${fileName}-${expected.bytes}.txt`)
  await writeFile(probe, PROBE)
  await rm(report, { force: true })
  const sim = await startSimulator({
    keepUploads: false,
    msPerRow: 0,
    jobOverheadMs: 5,
    queuedMs: 0
  })
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
        annotations: 'false'
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
    await rm(run.dirs.root, { recursive: true, force: true })
    const rowsImported = Number(run.outputs['rows-imported'] ?? NaN)
    let failure: string | undefined
    if (run.code !== 0 || rowsImported !== expected.rows) {
      const log = `${run.stdout}\n${run.stderr}`.trim().split('\n').slice(-5).join('\n')
      failure =
        `exit ${run.code ?? run.signal}, ${rowsImported} of ${expected.rows} rows imported; ` +
        `the log ends:\n${log}`
    }
    const calls = /Marketo API calls used: (\d+)/.exec(run.stdout)?.[1]
    const peak = await readFile(report, 'utf8').catch(() => '')
    return {
      ...(failure ? { failure } : {}),
      fileBytes: expected.bytes,
      rows: expected.rows,
      parts: sim.jobs.length,
      // A process killed before its exit handler reports nothing: the sampled peak stands in.
      peakRssBytes: peak === '' ? sampledHwm : Number(peak),
      sampledHwmBytes: sampledHwm,
      wallMs,
      apiCalls: Number(calls ?? NaN),
      rowsImported
    }
  } finally {
    clearInterval(sampler)
    await sim.stop()
  }
}
