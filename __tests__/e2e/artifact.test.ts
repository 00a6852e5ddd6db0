import { describe, expect, it } from '@jest/globals'
import type { ActionRun } from '../../scripts/run-action.js'
import { readZip } from '../../testkit/results-service.js'
import {
  outputDir,
  outputDirFiles,
  readSample,
  runUploading,
  useResultsService,
  simulatorInputs,
  useSimulator
} from './harness.js'

const FILES = {
  'Lead-House-Lannister.csv': await readSample('Lead-House-Lannister.csv'),
  'Lead-House-Targaryen.csv': await readSample('Lead-House-Targaryen.csv')
}
const RUN_PAGE = 'https://github.com/acme/marketing-lists/actions/runs/4242'

const service = useResultsService()
const sim = useSimulator()

/** An import of the two samples that uploads its artifact to the local results service. */
async function run(
  overrides: Record<string, string> = {},
  env = service().runtimeEnv('run-9', 'job-1')
): Promise<ActionRun> {
  return runUploading({
    // upload-artifact left to its default: uploading is what this file tests.
    inputs: simulatorInputs(sim(), {
      files: '*.csv',
      'max-failed-rows': '1',
      'upload-artifact': undefined,
      ...overrides
    }),
    files: FILES,
    env
  })
}

function artifactWarnings(action: ActionRun): string[] {
  return action.stdout.split('\n').filter((line) => line.startsWith('::warning::Artifact'))
}

function expectImportCounts(action: ActionRun): void {
  expect(action.outputs).toMatchObject({
    'rows-total': '11',
    'rows-imported': '10',
    'rows-failed': '1',
    'rows-warned': '1',
    'rows-not-submitted': '0'
  })
}

describe('the built action uploads output-dir as an artifact', () => {
  it('uploads report.json and Marketo failure file, and sets artifact-id and artifact-url', async () => {
    const action = await run()
    expect(action.stderr).toBe('')
    expect(action.code).toBe(0)
    expectImportCounts(action)

    expect(service().artifacts).toHaveLength(1)
    const artifact = service().artifacts[0]!
    expect(artifact.name).toMatch(/^marketo-import-import-1001-[0-9a-f]{8}-attempt-1$/)
    expect(artifact.workflowRunBackendId).toBe('run-9')
    expect(action.outputs['artifact-id']).toBe(artifact.id)
    expect(action.outputs['artifact-url']).toBe(`${RUN_PAGE}/artifacts/${artifact.id}`)
    expect(artifactWarnings(action)).toEqual([])

    // The zip holds output-dir exactly, byte for byte.
    const entries = readZip(artifact.zip)
    const onDisk = await outputDirFiles(action)
    expect([...entries.keys()].sort()).toEqual([...onDisk.keys()].sort())
    for (const [path, content] of onDisk) expect(entries.get(path)!.equals(content)).toBe(true)

    // The uploaded report.json is the run's report: the same batches and totals as the outputs.
    const report = JSON.parse(entries.get('report.json')!.toString('utf8')) as {
      batchIds: number[]
      totals: { rowsImported: number; rowsFailed: number }
    }
    expect(report.batchIds).toEqual(JSON.parse(action.outputs['batch-ids']!))
    expect(report.totals.rowsImported).toBe(Number(action.outputs['rows-imported']))
    expect(report.totals.rowsFailed).toBe(Number(action.outputs['rows-failed']))
    const failures = [...entries.keys()].filter((path) =>
      /^Lead-House-Targaryen\.batch-\d+\.failures\.csv$/.test(path)
    )
    expect(failures).toHaveLength(1)
    expect(entries.get(failures[0]!)!.toString('utf8')).toContain(
      'Invalid data type in field Lead Score'
    )

    expect(action.summary).toContain(
      `[artifact ${artifact.name}](${RUN_PAGE}/artifacts/${artifact.id})`
    )
  })

  it('passes retention-days and artifact-name through', async () => {
    const action = await run({ 'artifact-name': 'lists-import', 'retention-days': '2' })
    expect(action.code).toBe(0)
    const artifact = service().artifacts[0]!
    expect(artifact.name).toBe('lists-import')
    const expected = Date.now() + 2 * 86_400_000
    expect(Math.abs(Date.parse(artifact.expiresAt!) - expected)).toBeLessThan(2 * 3_600_000)
  })

  it('lets the threshold alone decide when the upload fails (409), and keeps the files', async () => {
    service().failCreateArtifact(409, { msg: 'an artifact with this name already exists' })
    const action = await run()
    expect(action.code).toBe(0)
    expectImportCounts(action)
    expect(action.outputs['artifact-id']).toBe('')
    expect(action.outputs['artifact-url']).toBe('')
    const warnings = artifactWarnings(action)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toMatch(
      /^::warning::Artifact "marketo-import-import-1001-[0-9a-f]{8}-attempt-1" not uploaded: another artifact of this workflow run already has that name; set a different artifact-name\. The files stay in /
    )
    expect(warnings[0]!.endsWith(outputDir(action))).toBe(true)
    expect(service().artifacts).toEqual([])
    expect(action.summary).not.toContain('[artifact ')

    const onDisk = await outputDirFiles(action)
    expect(onDisk.has('report.json')).toBe(true)
    const failures = [...onDisk.keys()].find((path) => path.endsWith('.failures.csv'))
    expect(onDisk.get(failures!)!.toString('utf8')).toContain(
      'Invalid data type in field Lead Score'
    )
  })

  it('still fails on the threshold when the upload failed too', async () => {
    service().failCreateArtifact(409)
    const action = await run({ 'max-failed-rows': '0' })
    expect(action.code).toBe(1)
    expect(artifactWarnings(action)).toHaveLength(1)
    expect(action.stdout).toMatch(/^::error::.*1 row failed, limit 0/m)
  })

  it('warns and passes without a runtime token (not on a runner)', async () => {
    const action = await run({}, {})
    expect(action.code).toBe(0)
    expect(action.outputs['artifact-id']).toBe('')
    const warnings = artifactWarnings(action)
    expect(warnings).toHaveLength(1)
    expect(warnings[0]).toContain('ACTIONS_RUNTIME_TOKEN is not set')
    expect(service().requests).toEqual([])
  })

  it('skips the upload with upload-artifact: false', async () => {
    const action = await run({ 'upload-artifact': 'false' })
    expect(action.code).toBe(0)
    expect(action.outputs['artifact-id']).toBe('')
    expect(action.outputs['artifact-url']).toBe('')
    expect(action.stdout).toContain('upload-artifact: false: no artifact uploaded')
    expect(artifactWarnings(action)).toEqual([])
    expect(service().requests).toEqual([])
  })
})
