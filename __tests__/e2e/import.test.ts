import { describe, expect, it } from '@jest/globals'
import { runAction } from '../../scripts/run-action.js'
import {
  callsOf,
  emailsOf,
  expectImportedOnce,
  FAST_RETRIES,
  readSample,
  simulatorInputs,
  useSimulator,
  withoutMasks
} from './harness.js'

const LANNISTER = await readSample('Lead-House-Lannister.csv')
const LANNISTER_EMAILS = emailsOf(LANNISTER)

const sim = useSimulator()

function inputs(overrides: Record<string, string> = {}): Record<string, string> {
  return simulatorInputs(sim(), { files: '*.csv', ...overrides })
}

function expectEveryLannisterOnce(): void {
  expectImportedOnce(sim(), LANNISTER_EMAILS)
}

describe('the built action against the simulator', () => {
  it('imports the reference Lannister file: 8 members, contract outputs, one token', async () => {
    const run = await runAction({
      inputs: inputs(),
      files: { 'Lead-House-Lannister.csv': LANNISTER }
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const batchIds = JSON.parse(run.outputs['batch-ids']!) as number[]
    expect(batchIds).toHaveLength(1)
    expect(run.outputs).toMatchObject({
      'rows-total': '8',
      'rows-submitted': '8',
      'rows-imported': '8',
      'rows-failed': '0',
      'rows-warned': '0',
      'rows-not-submitted': '0',
      'artifact-id': '',
      'artifact-url': ''
    })
    expect(JSON.parse(run.outputs['results']!)).toEqual([
      {
        file: 'Lead-House-Lannister.csv',
        part: 1,
        rows: 8,
        bytes: Buffer.byteLength(LANNISTER),
        batchId: batchIds[0],
        status: 'Complete',
        imported: 8,
        failed: 0,
        warned: 0,
        message: 'Import succeeded, 8 records imported (8 members)'
      }
    ])
    expect(run.outputs['report-path']).toMatch(/marketo-import\/report\.json$/)
    expect(callsOf(sim(), 'identity').length).toBe(1)
    expect(callsOf(sim(), 'submit').length).toBe(1)
    expect(callsOf(sim(), 'failures').length + callsOf(sim(), 'warnings').length).toBe(0)
    expectEveryLannisterOnce()

    const submit = sim().requests.find((r) => r.kind === 'submit')!
    expect(submit.query).toEqual({ format: 'CSV', programMemberStatus: 'On List' })
    expect(submit.upload?.content.toString('utf8')).toBe(LANNISTER)
    for (const request of sim().requests.filter((r) => r.kind !== 'identity')) {
      expect(request.headers['authorization']).toMatch(/^Bearer \S+$/)
      expect(request.query['access_token']).toBeUndefined()
    }
    expect(run.summary).toContain('8 of 8 rows imported into program 1001 as "On List"')
    expect(run.summary).toContain(`| ${batchIds[0]} | Complete | 8 | 0 | 0 |`)
  })

  it('keeps one token and every row once through token expiry, 606, 502, a reset and 1016', async () => {
    const files = {
      'a.csv': LANNISTER.split('\n').slice(0, 5).join('\n') + '\n',
      'b.csv': [LANNISTER.split('\n')[0], ...LANNISTER.split('\n').slice(5)].join('\n')
    }
    sim().addFault({ on: 'submit', nth: 1, fault: { kind: 'http', status: 502, html: true } })
    sim().addFault({ on: 'submit', nth: 2, fault: { kind: 'reset' } })
    sim().addFault({ on: 'submit', nth: 3, times: 2, fault: { kind: 'code', code: '1016' } })
    sim().addFault({ on: 'status', nth: 1, fault: { kind: 'code', code: '602' } })
    sim().addFault({ on: 'status', nth: 3, fault: { kind: 'code', code: '606' } })
    const run = await runAction({ inputs: inputs(), files, env: FAST_RETRIES })
    expect(run.code).toBe(0)
    expect(run.outputs['rows-imported']).toBe('8')
    expect(run.outputs['rows-total']).toBe('8')
    expectEveryLannisterOnce()
    expect(sim().jobs).toHaveLength(2)
    const faults = sim().requests.flatMap((r) => (r.fault ? [r.fault] : []))
    expect(faults.length).toBeGreaterThanOrEqual(5)
    // The 602 made the action ask for a new token once; everything else reused it.
    expect(callsOf(sim(), 'identity').length).toBe(2)
    expect(withoutMasks(run.stdout)).not.toContain(sim().clientSecret)
  })

  it('resubmits, and says so, when the connection broke after Marketo took the upload', async () => {
    sim().addFault({ on: 'submit', nth: 1, fault: { kind: 'resetAfterAccept' } })
    const run = await runAction({
      inputs: inputs(),
      files: { 'Lead-House-Lannister.csv': LANNISTER },
      env: FAST_RETRIES
    })
    expect(run.code).toBe(0)
    // Marketo did create the first job: the action could not know, so the part went twice.
    expect(sim().jobs).toHaveLength(2)
    expect(run.stdout).toContain(
      'resubmitted after an uncertain failure; a duplicate job may exist'
    )
    expect(run.summary).toContain('resubmitted after an uncertain failure')
    expect(run.outputs['rows-imported']).toBe('8')
  })

  it('fails with a clear message and no row lost when the program does not exist', async () => {
    const run = await runAction({
      inputs: inputs({ 'program-id': '9999' }),
      files: { 'Lead-House-Lannister.csv': LANNISTER }
    })
    expect(run.code).toBe(1)
    expect(run.outputs).toMatchObject({
      'rows-total': '8',
      'rows-not-submitted': '8',
      'batch-ids': '[]'
    })
    expect(run.stdout).toMatch(/::error::.*program-id/)
  })

  it('refuses bad credentials in one line, naming what to check', async () => {
    const run = await runAction({
      inputs: inputs({ 'client-secret': 'wrong-secret' }),
      files: { 'Lead-House-Lannister.csv': LANNISTER }
    })
    expect(run.code).toBe(1)
    expect(run.stdout).toMatch(/::error::.*client-id/)
    expect(withoutMasks(run.stdout)).not.toContain('wrong-secret')
    expect(callsOf(sim(), 'submit').length).toBe(0)
  })

  it.each([
    ['program-id', { 'program-id': 'abc' }, /^program-id: "abc" /],
    [
      'max-failed-rows',
      { 'max-failed-rows': 'ten' },
      /^max-failed-rows: "ten" is neither a count nor a percentage like 2\.5%/
    ],
    ['poll-interval', { 'poll-interval': '-1' }, /^poll-interval: "-1" /],
    ['chunk-size', { 'chunk-size': '20MB' }, /^chunk-size: "20MB" /],
    ['format', { format: 'xls' }, /^format: "xls" /],
    ['rest-url', { 'rest-url': 'http://marketo.example.com' }, /^rest-url: .*loopback/],
    ['munchkin-id and rest-url', { 'munchkin-id': '123-ABC-456' }, /munchkin-id/],
    ['client-secret', { 'client-secret': '' }, /^client-secret: is required/],
    ['max-concurrent-jobs', { 'max-concurrent-jobs': '11' }, /^max-concurrent-jobs: "11" /],
    ['if-no-files-found', { 'if-no-files-found': 'maybe' }, /^if-no-files-found: "maybe" /]
  ])('stops on a bad %s before any network call', async (_name, overrides, message) => {
    const run = await runAction({
      inputs: inputs(overrides),
      files: { 'Lead-House-Lannister.csv': LANNISTER }
    })
    expect(run.code).toBe(1)
    const errors = run.stdout.split('\n').filter((line) => line.startsWith('::error::'))
    expect(errors).toHaveLength(1)
    expect(errors[0]!.slice('::error::'.length)).toMatch(message)
    expect(sim().requests).toHaveLength(0)
  })

  it('fails when no file matches, and only warns with if-no-files-found: warn', async () => {
    const failed = await runAction({ inputs: inputs({ files: 'nothing/*.csv' }) })
    expect(failed.code).toBe(1)
    expect(failed.stdout).toMatch(/::error::files: no file matches nothing\/\*\.csv/)
    const warned = await runAction({
      inputs: inputs({ files: 'nothing/*.csv', 'if-no-files-found': 'warn' })
    })
    expect(warned.code).toBe(0)
    expect(warned.stdout).toMatch(/::warning::files: no file matches/)
    expect(warned.outputs['rows-total']).toBe('0')
    expect(sim().requests).toHaveLength(0)
  })
})
