/**
 * The built action at scale against the simulator: a 25 MB file split into parts, and 14 files
 * through Marketo's 10-job queue while another integration fills it. Run `npm run bundle` first.
 */
import { afterEach, describe, expect, it } from '@jest/globals'
import { mkdir, mkdtemp, readdir, readFile, rm } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeCsv } from '../../scripts/bench/csv.js'
import { runAction, type ActionRun } from '../../scripts/run-action.js'
import { SimClient } from '../../simulator/client.js'
import type { SimJob } from '../../simulator/server.js'
import {
  callsOf,
  FAST_RETRIES,
  maxOverlap,
  readReport,
  simulatorInputs,
  useSimulator
} from './harness.js'

/** chunk-size's default, 10MB (1000-based), and Marketo's own limit, 10 MiB. */
const DEFAULT_CHUNK_BYTES = 10_000_000
const MARKETO_LIMIT_BYTES = 10_485_760

/** Each test restarts it with the simulator settings it needs. */
const sim = useSimulator()
const cleanup: string[] = []

afterEach(async () => {
  for (const dir of cleanup.splice(0)) await rm(dir, { recursive: true, force: true })
})

async function workspace(): Promise<string> {
  const root = await mkdtemp(join(tmpdir(), 'mpmi-scale-'))
  cleanup.push(root)
  const dir = join(root, 'workspace')
  await mkdir(dir)
  return dir
}

function keep(run: ActionRun): ActionRun {
  cleanup.push(run.dirs.root)
  return run
}

describe('the built action at scale', () => {
  it('splits a 25 MB CSV (quoted line breaks, CRLF, BOM, non-ASCII) and imports every row once', async () => {
    await sim.restart({ msPerRow: 0 })
    const dir = await workspace()
    const path = join(dir, 'members.csv')
    // Text leadScores in the first, second and last thirds of the file, which the simulator fails.
    const bad = new Set([7, 123_457, 200_001, 300_003])
    const file = await writeCsv(path, {
      targetBytes: 25_000_000,
      crlf: true,
      bom: true,
      badLeadScore: (row) => bad.has(row),
      seed: 25
    })
    expect(file.rows).toBeGreaterThan(300_003)
    expect(file.badRows).toHaveLength(bad.size)

    const run = keep(
      await runAction({
        workspace: dir,
        inputs: simulatorInputs(sim(), {
          files: 'members.csv',
          'max-failed-rows': String(bad.size)
        })
      })
    )
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({
      'rows-total': String(file.rows),
      'rows-submitted': String(file.rows),
      'rows-imported': String(file.rows - bad.size),
      'rows-failed': String(bad.size),
      'rows-not-submitted': '0'
    })

    // Every row exactly once; the failed rows not at all.
    const imported = sim().importedEmails('1001')
    expect(imported.size).toBe(file.rows - bad.size)
    expect([...imported.values()].every((count) => count === 1)).toBe(true)
    for (let row = 0; row < file.rows; row++) {
      const email = `member.${row}@example.com`
      if (imported.has(email) === bad.has(row))
        throw new Error(`${email}: imported ${!bad.has(row)}`)
    }

    // Parts under chunk-size (framing included), each with the header, and nothing else: the
    // parts' records, joined, are the file's records byte for byte.
    const submits = callsOf(sim(), 'submit')
    expect(submits.length).toBeGreaterThanOrEqual(3)
    expect(submits.every((r) => r.response.status === 200 && r.response.code === undefined)).toBe(
      true
    )
    const header = Buffer.from(file.header, 'utf8')
    const records: Buffer[] = []
    for (const submit of submits) {
      expect(submit.bodyBytes).toBeLessThanOrEqual(DEFAULT_CHUNK_BYTES)
      expect(submit.bodyBytes).toBeLessThan(MARKETO_LIMIT_BYTES)
      const content = submit.upload!.content
      expect(content.subarray(0, header.length).equals(header)).toBe(true)
      records.push(content.subarray(header.length))
    }
    const source = await readFile(path)
    const bom = 3
    expect(Buffer.concat(records).equals(source.subarray(bom + header.length))).toBe(true)
    expect(
      sim()
        .jobs.map((job) => job.rows)
        .reduce((a, b) => a + b, 0)
    ).toBe(file.rows)

    // Failed rows traced to the line where each starts in the original file, across parts.
    const report = await readReport<{
      failures: { file: string; line: number; part: number; reason: string }[]
    }>(run)
    expect(report.failures.map((f) => f.line).sort((a, b) => a - b)).toEqual(
      file.badRows.map((r) => r.line)
    )
    expect(
      report.failures.every(
        (f) => f.file === 'members.csv' && f.reason === 'Invalid data type in field Lead Score'
      )
    ).toBe(true)
    expect(new Set(report.failures.map((f) => f.part)).size).toBeGreaterThanOrEqual(3)
    // Line numbers count the quoted line breaks: the last bad row starts well past its index.
    expect(file.badRows.at(-1)!.line).toBeGreaterThan(300_003 + 2 + 10_000)

    // The duplicate check's buckets outgrew memory (300,000 emails) and went to RUNNER_TEMP;
    // nothing of them is left there.
    expect(await readdir(run.dirs.runnerTemp)).not.toContainEqual(
      expect.stringMatching(/^mpmi-emails-/)
    )
  })

  it('moves 14 files through a 10-job queue another integration filled, within max-concurrent-jobs', async () => {
    const simulator = await sim.restart({ maxQueued: 10 })
    const dir = await workspace()
    const files = 14
    const rowsPerFile = 80
    await mkdir(join(dir, 'lists'))
    for (let k = 1; k <= files; k++) {
      await writeCsv(join(dir, 'lists', `list-${String(k).padStart(2, '0')}.csv`), {
        rows: rowsPerFile,
        emailPrefix: `list${k}`,
        seed: k
      })
    }
    // Another integration's 8 jobs hold 8 of the 10 places while the queue is stalled.
    simulator.pauseProcessing()
    const other = new SimClient(simulator)
    for (let k = 0; k < 8; k++) {
      await other.submitOk({
        programId: '1002',
        content: `email,firstName\nother${k}@example.com,Other\n`
      })
    }
    const maxConcurrentJobs = 5
    let queueFullSeen = false
    // The queue moves again once the action has been told it is full.
    const watcher = setInterval(() => {
      if (simulator.requests.some((r) => r.kind === 'submit' && r.response.code === '1016')) {
        queueFullSeen = true
        simulator.resumeProcessing()
        clearInterval(watcher)
      }
    }, 5)
    let run: ActionRun
    try {
      run = keep(
        await runAction({
          workspace: dir,
          inputs: simulatorInputs(simulator, {
            files: 'lists/*.csv',
            'max-concurrent-jobs': String(maxConcurrentJobs),
            'poll-interval': '0.1',
            'max-poll-interval': '0.3'
          }),
          env: FAST_RETRIES
        })
      )
    } finally {
      clearInterval(watcher)
      simulator.resumeProcessing()
    }
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(queueFullSeen).toBe(true)
    expect(run.outputs['rows-imported']).toBe(String(files * rowsPerFile))

    const imported = simulator.importedEmails('1001')
    expect(imported.size).toBe(files * rowsPerFile)
    expect([...imported.values()].every((count) => count === 1)).toBe(true)
    const ours = simulator.jobs.filter((job) => job.programId === '1001')
    expect(ours).toHaveLength(files)
    expect(ours.every((job) => job.status === 'Complete')).toBe(true)

    const open = (job: SimJob): { start: number; end: number } => ({
      start: job.createdAt,
      end: job.endedAt!
    })
    const importing = (job: SimJob): { start: number; end: number } => ({
      start: job.startedAt!,
      end: job.endedAt!
    })
    // Never more than max-concurrent-jobs queued or importing at once, and they did overlap:
    // several queued together, and both of Marketo's slots busy with this run's jobs.
    const mostOpen = maxOverlap(ours.map(open))
    expect(mostOpen).toBeLessThanOrEqual(maxConcurrentJobs)
    expect(mostOpen).toBeGreaterThanOrEqual(3)
    expect(maxOverlap(ours.map(importing))).toBe(2)
  })
})
