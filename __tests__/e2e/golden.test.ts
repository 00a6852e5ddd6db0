import { describe, expect, it } from '@jest/globals'
import { readFile, writeFile } from 'node:fs/promises'
import { join } from 'node:path'
import { runAction } from '../../scripts/run-action.js'
import { outputDir, readSample, simulatorInputs, useSimulator } from './harness.js'

/**
 * The job summary and report.md of one fixed run, compared byte for byte with the files in
 * `__fixtures__/golden/`. Any change to what a user reads shows up here as a diff to review.
 * After a change that is meant, rewrite them with `UPDATE_GOLDEN=1 npm test -- golden` and
 * read the diff before committing.
 */
const GOLDEN = new URL('../../__fixtures__/golden/', import.meta.url)
const UPDATE = process.env['UPDATE_GOLDEN'] === '1'

const LANNISTER = await readSample('Lead-House-Lannister.csv')
const HEADER = 'firstName,lastName,email,title,company,leadScore\r\n'
/** One row Marketo fails (text in an integer field), one it warns on, one record over two lines. */
const TARGARYEN =
  HEADER +
  'Daenerys,Targaryen,Daenerys@Targaryen.com,Targaryen,House Targaryen,10\r\n' +
  'Rhaenyra,Targaryen,Rhaenyra@Targaryen.com,"Queen,\r\nof the Seven Kingdoms",House Targaryen,7\r\n' +
  'Aerys,Targaryen,Aerys@Targaryen.com,Targaryen,House Targaryen,TEXT_VALUE_IN_INTEGER_FIELD\r\n' +
  'Rhaegar,Targaryen,Rhaegar.Targaryen.com,Targaryen,House Targaryen,5\r\n'
/** A file the checks refuse: its rows are reported as not submitted. */
const NO_EMAIL = 'firstName,lastName\nJon,Snow\n'

const sim = useSimulator()

/** The only parts of the text that differ from run to run: the elapsed time. */
function normalised(text: string): string {
  const elapsed = /· \d+(\.\d+)?\s?(ms|s|min)\b[^<]*<\/sub>/g
  expect(text.match(elapsed)).toHaveLength(1)
  return text.replace(elapsed, '· ELAPSED</sub>')
}

async function expectGolden(name: string, actual: string): Promise<void> {
  const file = new URL(name, GOLDEN)
  if (UPDATE) await writeFile(file, actual)
  expect(actual).toBe(await readFile(file, 'utf8'))
}

describe('what a user reads after a fixed run', () => {
  it('renders the job summary and report.md exactly as the golden files', async () => {
    const run = await runAction({
      inputs: simulatorInputs(sim(), {
        files: 'lists/*.csv',
        'max-failed-rows': '1',
        // One job at a time, so the batch ids follow the files' order.
        'max-concurrent-jobs': '1'
      }),
      files: {
        'lists/lannister.csv': LANNISTER,
        'lists/targaryen.csv': TARGARYEN,
        'lists/no-email.csv': NO_EMAIL
      }
    })
    expect(run.code).toBe(1)
    await expectGolden('summary.md', normalised(run.summary))
    await expectGolden(
      'report.md',
      normalised(await readFile(join(outputDir(run), 'report.md'), 'utf8'))
    )
  })
})
