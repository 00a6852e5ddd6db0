/**
 * Peak memory of the built action mirroring a large program: the simulator holds `members`
 * generated members with the step's status; the matched file lists all but `removals` of them.
 * The action imports the file, exports the program's members (streamed to disk), compares and
 * removes the rest within max-removals.
 */
import { rm } from 'node:fs/promises'
import { readFile } from 'node:fs/promises'
import { logEnd, runMeasured } from './rss.js'

export interface MirrorRun {
  members: number
  removed: number
  peakRssBytes: number
  sampledHwmBytes: number
  wallMs: number
  /** Removal calls as the simulator saw them. */
  exportCalls: number
  exportPolls: number
  lookups: number
  deletes: number
  failure?: string
}

/** The generated members' emails, as writeCsv writes them (`member.N@example.com`). */
export const memberEmail = (index: number): string => `member.${index}@example.com`

export async function measureMirrorRss(
  workspace: string,
  fileName: string,
  scratch: string,
  expected: { members: number; removals: number }
): Promise<MirrorRun> {
  const counted = { exportCalls: 0, lookups: 0, deletes: 0 }
  const { run, peakRssBytes, sampledHwmBytes, wallMs } = await runMeasured(
    {
      keepUploads: false,
      msPerRow: 0,
      jobOverheadMs: 5,
      queuedMs: 0,
      exportMs: 200,
      generatedMembers: {
        '1001': { count: expected.members, status: 'On List', emailOf: memberEmail }
      }
    },
    [],
    { workspace, fileName, scratch, inputs: { mirror: 'true', 'max-removals': '5%' } },
    (sim) => {
      counted.exportCalls = sim.requests.filter((r) => r.kind === 'export').length
      counted.lookups = sim.requests.filter((r) => r.kind === 'leads').length
      counted.deletes = sim.requests.filter((r) => r.kind === 'memberDelete').length
    }
  )
  const reportPath = run.outputs['report-path'] ?? ''
  const report = reportPath
    ? (JSON.parse(await readFile(reportPath, 'utf8')) as {
        removals?: { exportPolls: number | null; currentMembers: number | null }
      })
    : undefined
  await rm(run.dirs.root, { recursive: true, force: true })
  const removed = Number(run.outputs['rows-removed'] ?? NaN)
  let failure: string | undefined
  if (
    run.code !== 0 ||
    removed !== expected.removals ||
    report?.removals?.currentMembers !== expected.members
  ) {
    failure = `exit ${run.code ?? run.signal}, ${removed} of ${expected.removals} removed; the log ends:\n${logEnd(run)}`
  }
  return {
    ...(failure ? { failure } : {}),
    members: expected.members,
    removed,
    peakRssBytes,
    sampledHwmBytes,
    wallMs,
    ...counted,
    exportPolls: report?.removals?.exportPolls ?? 0
  }
}
