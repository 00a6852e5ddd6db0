import { describe, expect, it } from '@jest/globals'
import { runAction } from '../../scripts/run-action.js'
import {
  callsOf,
  emailsOf,
  expectImportedOnce,
  readSample,
  simulatorInputs,
  useSimulator
} from './harness.js'

const LANNISTER = await readSample('Lead-House-Lannister.csv')
/** The same members, saved by a spreadsheet in a semicolon locale (a company holds a `;`). */
const SEMICOLONS = LANNISTER.split('\n')
  .map((line, i) =>
    line.replaceAll(',', ';').replace(i === 1 ? ';House Lannister;' : '\0', ';"House; Lannister";')
  )
  .join('\n')

const sim = useSimulator()

describe('semicolon-separated files (SSV, as Marketo reads it)', () => {
  it('imports a semicolon .ssv file as SSV', async () => {
    const run = await runAction({
      inputs: simulatorInputs(sim(), { files: '*.ssv' }),
      files: { 'lannister.ssv': SEMICOLONS }
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ 'rows-imported': '8', 'rows-not-submitted': '0' })
    const submit = sim().requests.find((r) => r.kind === 'submit')!
    expect(submit.query).toMatchObject({ format: 'SSV' })
    expect(submit.upload?.content.toString('utf8')).toBe(SEMICOLONS)
    expect(run.stdout).not.toContain('::notice')
    expectImportedOnce(sim(), emailsOf(LANNISTER))
  })

  it('imports a semicolon .csv file as SSV with format: auto, saying so in a notice', async () => {
    const run = await runAction({
      inputs: simulatorInputs(sim(), { files: '*.csv', format: 'auto' }),
      files: { 'lannister.csv': SEMICOLONS }
    })
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.outputs).toMatchObject({ 'rows-imported': '8', 'rows-not-submitted': '0' })
    expect(callsOf(sim(), 'submit')).toHaveLength(1)
    expect(sim().requests.find((r) => r.kind === 'submit')!.query).toMatchObject({ format: 'SSV' })
    expect(run.stdout).toContain(
      '::notice file=lannister.csv,line=1::lannister.csv: the header splits only on semicolons, ' +
        'so the file is read and imported as SSV, not as CSV (format: auto)'
    )
    expectImportedOnce(sim(), emailsOf(LANNISTER))
  })

  it('refuses a semicolon .csv with format: csv, naming the format that fits', async () => {
    const run = await runAction({
      inputs: simulatorInputs(sim(), { files: '*.csv', format: 'csv' }),
      files: { 'lannister.csv': SEMICOLONS }
    })
    expect(run.code).toBe(1)
    expect(callsOf(sim(), 'submit')).toHaveLength(0)
    expect(run.stdout).toContain(
      'the header splits on semicolons, not on commas as the CSV format expects: name it .ssv or ' +
        'set format: ssv'
    )
  })
})
