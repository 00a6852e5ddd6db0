import { describe, expect, it } from '@jest/globals'
import { annotations, runAction } from '../../scripts/run-action.js'
import { simulatorInputs, useSimulator } from './harness.js'

const GOOD = 'email,firstName\nned@stark.example,Ned\n'

const sim = useSimulator()

function inputs(files: string): Record<string, string> {
  return simulatorInputs(sim(), { files })
}

/** The one line the step printed for a file, as errors and warnings. */
function linesAbout(stdout: string, kind: 'error' | 'warning', file: string): string[] {
  return annotations(stdout)
    .filter((a) => a.kind === kind && a.message.startsWith(`${file}:`))
    .map((a) => a.message)
}

describe('files that cannot be imported', () => {
  it('a glob that matches only a directory matches no file', async () => {
    const run = await runAction({ inputs: inputs('lists*'), files: { 'lists/a.csv': GOOD } })
    expect(run.code).toBe(1)
    expect(run.stdout).toContain('::error::files: no file matches lists* in ')
    expect(sim().requests).toHaveLength(0)
  })

  it('a binary file is refused by name and its neighbours still import', async () => {
    const run = await runAction({
      inputs: inputs('lists/*'),
      files: {
        'lists/a.csv': GOOD,
        'lists/photo.csv': Buffer.from([0x89, 0x50, 0x4e, 0x47, 0, 0, 0, 13])
      }
    })
    expect(run.code).toBe(1)
    expect(linesAbout(run.stdout, 'error', 'lists/photo.csv')).toEqual([
      'lists/photo.csv: is not a text file (it holds NUL bytes); give CSV, TSV or SSV text files'
    ])
    expect(run.outputs['rows-imported']).toBe('1')
    expect(sim().jobs).toHaveLength(1)
  })

  it.each([
    ['an empty file', '', 'lists/b.csv: the file is empty; nothing to import from it'],
    [
      'a header-only file',
      'email,firstName\n',
      'lists/b.csv: the file has a header but no data rows; nothing to import from it'
    ]
  ])('%s is named in one warning and nothing is sent for it', async (_what, content, message) => {
    const run = await runAction({
      inputs: inputs('lists/*.csv'),
      files: { 'lists/a.csv': GOOD, 'lists/b.csv': content }
    })
    expect(run.code).toBe(0)
    expect(linesAbout(run.stdout, 'warning', 'lists/b.csv')).toEqual([message])
    expect(sim().jobs).toHaveLength(1)
    expect(run.outputs['rows-total']).toBe('1')
  })

  it('an unbalanced quote names the file and line, and none of its rows are sent', async () => {
    const run = await runAction({
      inputs: inputs('lists/*.csv'),
      files: {
        'lists/a.csv': GOOD,
        'lists/b.csv': 'email,note\nx@y.example,"open\ny@y.example,ok\n'
      }
    })
    expect(run.code).toBe(1)
    const errors = linesAbout(run.stdout, 'error', 'lists/b.csv')
    expect(errors[0]).toMatch(
      /^lists\/b\.csv: line 2: a quoted field starts here and is never closed/
    )
    expect(sim().jobs).toHaveLength(1)
  })

  it('a record larger than chunk-size names its line, and the step fails before sending it', async () => {
    const big = `email,note\na@b.example,${'x'.repeat(3000)}\n`
    const run = await runAction({
      inputs: { ...inputs('lists/*.csv'), 'chunk-size': '2KB' },
      files: { 'lists/big.csv': big }
    })
    expect(run.code).toBe(1)
    expect(linesAbout(run.stdout, 'error', 'lists/big.csv')[0]).toMatch(
      /^lists\/big\.csv: line 2: one record is 3 KB, larger than chunk-size 2 KB/
    )
    expect(sim().requests).toHaveLength(0)
  })
})
