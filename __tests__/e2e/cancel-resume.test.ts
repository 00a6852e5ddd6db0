import { describe, expect, it } from '@jest/globals'
import { runAction } from '../../scripts/run-action.js'
import { callsOf, readReport, readSample, simulatorInputs, useSimulator } from './harness.js'

const FILES = {
  'lists/lannister.csv': await readSample('Lead-House-Lannister.csv'),
  'lists/targaryen.csv': await readSample('Lead-House-Targaryen.csv'),
  'lists/stark.csv': 'email,firstName\nned@stark.example,Ned\narya@stark.example,Arya\n'
}

const sim = useSimulator()

function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return simulatorInputs(sim(), { files: 'lists/*.csv', 'max-failed-rows': '1', ...overrides })
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
    sim().pauseProcessing()
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
    const report = await readReport<Record<string, unknown>>(run)
    const parts = report['parts'] as { status: string; batchId: number | null; message: string }[]
    expect(parts.map((p) => p.status)).toEqual(['Queued', 'NotSubmitted', 'NotSubmitted'])
    expect(parts[1]!.message).toBe('not submitted: the run was cancelled')
    expect(sim().jobs).toHaveLength(1)
  })
})

describe('resume with batch-ids', () => {
  it('continues a timed-out run to the same final report as an uninterrupted run', async () => {
    const uninterrupted = await runAction({ inputs: inputs(), files: FILES })
    expect(uninterrupted.code).toBe(0)

    sim().pauseProcessing()
    const timedOut = await runAction({ inputs: inputs({ timeout: '0.01' }), files: FILES })
    expect(timedOut.code).toBe(1)
    const batchIds = timedOut.outputs['batch-ids']!
    expect(JSON.parse(batchIds)).toHaveLength(3)
    expect(timedOut.stdout).toMatch(
      /::error::timeout of 0\.6s reached with 3 jobs still open \(batch ids \d+,\d+,\d+\): resume them with batch-ids/
    )
    expect(timedOut.outputs['rows-pending']).toBe('13')

    sim().resumeProcessing()
    const submitsBefore = callsOf(sim(), 'submit').length
    const resumed = await runAction({
      inputs: inputs({ 'batch-ids': batchIds }),
      workspace: timedOut.dirs.workspace
    })
    expect(callsOf(sim(), 'submit').length).toBe(submitsBefore)
    expect(resumed.code).toBe(0)
    expect(resumed.outputs['batch-ids']).toBe(batchIds)
    expect(comparable(await readReport(resumed))).toEqual(
      comparable(await readReport(uninterrupted))
    )
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
