import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { readFile } from 'node:fs/promises'
import { resolve } from 'node:path'
import { runAction, type ActionRun } from '../../scripts/run-action.js'
import { startSimulator, type Simulator } from '../../simulator/server.js'

const SAMPLES = resolve(import.meta.dirname, '../../samples')
const FILES = {
  'lists/lannister.csv': await readFile(resolve(SAMPLES, 'Lead-House-Lannister.csv'), 'utf8'),
  'lists/targaryen.csv': await readFile(resolve(SAMPLES, 'Lead-House-Targaryen.csv'), 'utf8'),
  'lists/stark.csv': 'email,firstName\nned@stark.example,Ned\narya@stark.example,Arya\n'
}

let sim: Simulator

beforeEach(async () => {
  sim = await startSimulator({ msPerRow: 1, jobOverheadMs: 20, queuedMs: 5 })
})
afterEach(async () => {
  await sim.stop()
})

function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return {
    'rest-url': sim.url,
    'client-id': sim.clientId,
    'client-secret': sim.clientSecret,
    'program-id': '1001',
    'program-member-status': 'On List',
    files: 'lists/*.csv',
    'max-failed-rows': '1',
    'poll-interval': '0.05',
    'max-poll-interval': '0.2',
    'upload-artifact': 'false',
    ...overrides
  }
}

async function reportOf(run: ActionRun): Promise<Record<string, unknown>> {
  return JSON.parse(await readFile(run.outputs['report-path']!, 'utf8'))
}

/** What must be the same however the run got there: everything but ids, times and call counts. */
function comparable(report: Record<string, unknown>): unknown {
  const parts = (report['parts'] as Record<string, unknown>[]).map((part) => ({
    ...part,
    batchId: typeof part['batchId'],
    failuresFile: typeof part['failuresFile'],
    warningsFile: typeof part['warningsFile']
  }))
  const strip = (issues: Record<string, unknown>[]): unknown[] =>
    issues.map(({ batchId: _batchId, ...issue }) => issue)
  return {
    totals: report['totals'],
    verdict: report['verdict'],
    passed: report['passed'],
    parts,
    failures: strip(report['failures'] as Record<string, unknown>[]),
    warnings: strip(report['warnings'] as Record<string, unknown>[]),
    fixAndRetryFiles: report['fixAndRetryFiles']
  }
}

describe('cancellation', () => {
  it('on SIGINT stops submitting, writes outputs, summary and report within 5 s, exits non-zero', async () => {
    sim.pauseProcessing()
    let signalledAt = 0
    const run = await runAction({
      inputs: inputs({ 'max-concurrent-jobs': '1' }),
      files: FILES,
      onSpawn: (child) => {
        let seen = ''
        child.stdout?.on('data', (chunk: Buffer) => {
          seen += chunk.toString('utf8')
          if (!signalledAt && seen.includes('Submitted ')) {
            signalledAt = Date.now()
            child.kill('SIGINT')
          }
        })
      }
    })
    const tookMs = Date.now() - signalledAt
    expect(signalledAt).toBeGreaterThan(0)
    expect(tookMs).toBeLessThan(5000)
    expect(run.code).toBe(1)
    const batchIds = JSON.parse(run.outputs['batch-ids']!) as number[]
    expect(batchIds).toHaveLength(1)
    expect(run.outputs).toMatchObject({
      'rows-total': '13',
      'rows-imported': '0',
      'rows-pending': '8',
      'rows-not-submitted': '5'
    })
    expect(run.stdout).toContain(
      `::error::the run was cancelled with 1 job still open (batch ids ${batchIds[0]}): resume them with batch-ids`
    )
    expect(run.summary).toContain('Stopped early')
    const report = await reportOf(run)
    const parts = report['parts'] as { status: string; batchId: number | null; message: string }[]
    expect(parts.map((p) => p.status)).toEqual(['Queued', 'NotSubmitted', 'NotSubmitted'])
    expect(parts[1]!.message).toBe('not submitted: the run was cancelled')
    expect(sim.jobs).toHaveLength(1)
  })
})

describe('resume with batch-ids', () => {
  it('continues a timed-out run to the same final report as an uninterrupted run', async () => {
    const uninterrupted = await runAction({ inputs: inputs(), files: FILES })
    expect(uninterrupted.code).toBe(0)

    sim.pauseProcessing()
    const timedOut = await runAction({ inputs: inputs({ timeout: '0.01' }), files: FILES })
    expect(timedOut.code).toBe(1)
    const batchIds = timedOut.outputs['batch-ids']!
    expect(JSON.parse(batchIds)).toHaveLength(3)
    expect(timedOut.stdout).toMatch(
      /::error::timeout of 0\.6s reached with 3 jobs still open \(batch ids \d+,\d+,\d+\): resume them with batch-ids/
    )
    expect(timedOut.outputs['rows-pending']).toBe('13')

    sim.resumeProcessing()
    const submitsBefore = sim.requests.filter((r) => r.kind === 'submit').length
    const resumed = await runAction({
      inputs: inputs({ 'batch-ids': batchIds }),
      workspace: timedOut.dirs.workspace
    })
    expect(sim.requests.filter((r) => r.kind === 'submit').length).toBe(submitsBefore)
    expect(resumed.code).toBe(0)
    expect(resumed.outputs['batch-ids']).toBe(batchIds)
    expect(comparable(await reportOf(resumed))).toEqual(comparable(await reportOf(uninterrupted)))
    for (const name of [
      'rows-total',
      'rows-imported',
      'rows-failed',
      'rows-warned',
      'rows-not-submitted'
    ]) {
      expect(resumed.outputs[name]).toBe(uninterrupted.outputs[name])
    }
  })

  it('without files, reports each batch with the rows Marketo counted', async () => {
    const first = await runAction({ inputs: inputs(), files: FILES })
    const resumed = await runAction({
      inputs: inputs({ files: '', 'batch-ids': first.outputs['batch-ids']! })
    })
    expect(resumed.code).toBe(0)
    expect(resumed.outputs).toMatchObject({
      'rows-total': '13',
      'rows-imported': '12',
      'rows-failed': '1',
      'rows-warned': '1'
    })
    const files = (JSON.parse(resumed.outputs['results']!) as { file: string }[]).map((r) => r.file)
    expect(files).toEqual(
      JSON.parse(first.outputs['batch-ids']!).map((id: number) => `batch ${id}`)
    )
  })
})
