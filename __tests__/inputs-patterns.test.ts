import { describe, expect, it } from '@jest/globals'
import { InputError, readInputs } from '../src/inputs/index.js'

const REQUIRED: Record<string, string> = {
  'munchkin-id': '123-ABC-456',
  'client-id': 'client-id-1',
  'client-secret': 'Sup3r-S3cret-Value',
  'program-id': '1044',
  'program-member-status': 'On List'
}
const FORMS =
  'give patterns relative to the workspace (GITHUB_WORKSPACE) without .. segments, or absolute paths inside it, e.g. data/*.csv'

function filesError(files: string): string {
  const values: Record<string, string> = { ...REQUIRED, files }
  try {
    readInputs((name) => (values[name] ?? '').trim(), { GITHUB_WORKSPACE: '/ws' }, '/cwd')
  } catch (error) {
    if (error instanceof InputError) return error.message
    throw error
  }
  return ''
}

describe('files: the workspace is the boundary', () => {
  it.each([
    ['../outside/*.csv', `files: "../outside/*.csv" leaves the workspace; ${FORMS}`],
    ['data/../../x.csv', `files: "data/../../x.csv" leaves the workspace; ${FORMS}`],
    ['!../x.csv', `files: "!../x.csv" leaves the workspace; ${FORMS}`],
    ['data/[.][.]/x.csv', `files: "data/[.][.]/x.csv" leaves the workspace; ${FORMS}`],
    [
      '~/lists/*.csv',
      `files: "~/lists/*.csv" leaves the workspace (~ is the home folder); ${FORMS}`
    ],
    ['/etc/*.csv', `files: "/etc/*.csv" is outside the workspace /ws; ${FORMS}`],
    ['/wsx/*.csv', `files: "/wsx/*.csv" is outside the workspace /ws; ${FORMS}`],
    ['data/./x.csv', `files: "data/./x.csv" has a . segment after the start; ${FORMS}`]
  ])('%s is an input error naming files, the pattern and the accepted forms', (files, message) => {
    expect(filesError(`data/*.csv\n${files}`)).toBe(message)
  })

  it.each(['data/*.csv', './data/**/*.csv', '/ws/data/*.csv', '/ws/**', '..data/x.csv'])(
    '%s is accepted',
    (files) => {
      expect(filesError(files)).toBe('')
    }
  )
})
