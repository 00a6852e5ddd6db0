/** Reading Marketo's status answers: counts must be whole rows, messages a sentence. */
import { describe, expect, it } from '@jest/globals'
import { MAX_MESSAGE_CHARS, parseJobStatus } from '../src/marketo/answers.js'

describe('status counts', () => {
  const status = (counts: Record<string, unknown>): ReturnType<typeof parseJobStatus> =>
    parseJobStatus({
      batchId: 1040,
      importId: '1040',
      status: 'Complete',
      message: 'ok',
      ...counts
    })

  it('reads whole non-negative numbers, and a missing count as 0', () => {
    expect(status({ numOfLeadsProcessed: 7, numOfRowsFailed: 1 })).toEqual({
      batchId: 1040,
      importId: '1040',
      status: 'Complete',
      numOfLeadsProcessed: 7,
      numOfRowsFailed: 1,
      numOfRowsWithWarning: 0,
      message: 'ok'
    })
  })

  it.each([
    [{ numOfLeadsProcessed: 2.5 }, 'numOfLeadsProcessed is 2.5'],
    [{ numOfRowsFailed: '0x10' }, 'numOfRowsFailed is "0x10"'],
    [{ numOfRowsFailed: '3' }, 'numOfRowsFailed is "3"'],
    [{ numOfRowsWithWarning: -1 }, 'numOfRowsWithWarning is -1'],
    [{ numOfLeadsProcessed: 2 ** 53 }, `numOfLeadsProcessed is ${2 ** 53}`],
    [{ numOfLeadsProcessed: { n: 1 } }, 'numOfLeadsProcessed is a object'],
    [{ numOfLeadsProcessed: [1] }, 'numOfLeadsProcessed is an array']
  ])('names %j as not a whole number of rows, and reads it as 0', (counts, named) => {
    const parsed = status({ numOfLeadsProcessed: 1, numOfRowsFailed: 0, ...counts })
    expect(parsed?.invalidCounts).toEqual([named])
    const field = Object.keys(counts)[0] as 'numOfLeadsProcessed'
    expect(parsed?.[field]).toBe(0)
  })

  it('cuts a message longer than a sentence', () => {
    const parsed = status({ message: 'm'.repeat(5000) })
    expect(parsed?.message).toHaveLength(MAX_MESSAGE_CHARS + 1)
    expect(parsed?.message.endsWith('…')).toBe(true)
  })
})
