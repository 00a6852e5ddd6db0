import { describe, expect, it } from '@jest/globals'
import { feedCheckedParts, PartQueue } from '../src/jobs/part-queue.js'
import { runImportJobs, type SchedulerOptions } from '../src/jobs/scheduler.js'
import type { JobPart } from '../src/jobs/types.js'
import type { Part } from '../src/files/types.js'
import { FakeMarketo, fakeSchedulerOptions, listParts } from '../testkit/fake-marketo.js'
import { VirtualTime } from '../testkit/virtual-time.js'

const SECOND = 1000

function setup(overrides: Partial<SchedulerOptions> = {}, durationMs = 100 * SECOND) {
  const time = new VirtualTime()
  const marketo = new FakeMarketo(time.clock, () => durationMs)
  const options: SchedulerOptions = { ...fakeSchedulerOptions(time), ...overrides }
  return { time, marketo, options }
}

/** Files of two parts each, named by letter. */
function filesOf(names: string[]): { name: string; parts: Part[] }[] {
  return names.map((name) => ({
    name,
    parts: listParts(2).map((part, i) => ({
      ...part,
      path: `/data/${name}.csv`,
      displayPath: `${name}.csv`,
      index: i + 1,
      count: 2
    }))
  }))
}

describe('parts that arrive while the run goes on', () => {
  it('submits the parts that arrive late while the earlier ones import', async () => {
    const { time, marketo, options } = setup()
    const queue = new PartQueue()
    const start = time.clock.now()
    const [a, b] = filesOf(['a', 'b'])
    const feeding = (async () => {
      queue.add(a!.parts)
      await time.sleep(60 * SECOND)
      queue.add(b!.parts)
      queue.end()
    })()
    const outcome = await time.run(
      Promise.all([runImportJobs(queue, marketo, options), feeding]).then(([o]) => o)
    )
    expect(outcome.results.map((r) => [r.part.displayPath, r.outcome])).toEqual([
      ['a.csv', 'Complete'],
      ['a.csv', 'Complete'],
      ['b.csv', 'Complete'],
      ['b.csv', 'Complete']
    ])
    const submitted = outcome.results.map((r) => (r.submittedAt ?? NaN) - start)
    expect(submitted.slice(0, 2)).toEqual([0, 0])
    // b's parts go in as they arrive, while a's jobs (100 s) still import.
    expect(submitted.slice(2)).toEqual([60 * SECOND, 60 * SECOND])
    expect(outcome.results[0]!.endedAt! - start).toBeGreaterThan(60 * SECOND)
    expect(marketo.jobs).toHaveLength(4)
  })

  it('never submits the parts of a file held back, and sends the next file as soon as it passes', async () => {
    const { time, marketo, options } = setup()
    const queue = new PartQueue()
    const start = time.clock.now()
    const checkedAt = new Map<string, number>()
    // Each file takes 30 s to check; b has an error.
    const feeding = feedCheckedParts(
      filesOf(['a', 'b', 'c']),
      async (file) => {
        await time.sleep(30 * SECOND)
        checkedAt.set(file.name, time.clock.now() - start)
        return file.name === 'b' ? undefined : file.parts
      },
      queue
    )
    const outcome = await time.run(
      Promise.all([runImportJobs(queue, marketo, options), feeding]).then(([o]) => o)
    )
    expect(marketo.jobs.map((job) => job.request.source.filename)).toEqual([
      'a.csv',
      'a.csv',
      'c.csv',
      'c.csv'
    ])
    expect(outcome.results.every((r) => r.outcome === 'Complete')).toBe(true)
    // a went to Marketo once it passed, while b and c were still being checked.
    expect(outcome.results[0]!.submittedAt! - start).toBe(checkedAt.get('a'))
    expect(checkedAt.get('c')).toBe(90 * SECOND)
    expect(outcome.results[2]!.submittedAt! - start).toBe(90 * SECOND)
  })

  it('accounts for the parts that arrive after a stop as not submitted, with the reason', async () => {
    const { time, marketo, options } = setup({
      deadline: new VirtualTime().clock.now() + 50 * SECOND
    })
    const queue = new PartQueue()
    const [a, b] = filesOf(['a', 'b'])
    const feeding = (async () => {
      queue.add(a!.parts)
      await time.sleep(120 * SECOND)
      queue.add(b!.parts)
      queue.end()
    })()
    const outcome = await time.run(
      Promise.all([runImportJobs(queue, marketo, options), feeding]).then(([o]) => o)
    )
    expect(outcome.stop?.kind).toBe('timeout')
    expect(outcome.results.map((r) => [r.part.displayPath, r.outcome, r.message])).toEqual([
      ['a.csv', 'Importing', ''],
      ['a.csv', 'Importing', ''],
      ['b.csv', 'NotSubmitted', 'not submitted: the timeout was reached'],
      ['b.csv', 'NotSubmitted', 'not submitted: the timeout was reached']
    ])
    expect(marketo.jobs).toHaveLength(2)
  })

  it('ends the queue when a check throws, so the run still ends', async () => {
    const { time, marketo, options } = setup()
    const queue = new PartQueue()
    const feeding = feedCheckedParts(
      filesOf(['a', 'b']),
      async (file): Promise<readonly JobPart[]> => {
        if (file.name === 'b') throw new Error('disk gone')
        return file.parts
      },
      queue
    )
    const [outcome, fed] = await time.run(
      Promise.all([
        runImportJobs(queue, marketo, options),
        feeding.then(
          () => 'fed',
          (error: unknown) => (error as Error).message
        )
      ])
    )
    expect(fed).toBe('disk gone')
    expect(outcome.results.map((r) => [r.part.displayPath, r.outcome])).toEqual([
      ['a.csv', 'Complete'],
      ['a.csv', 'Complete']
    ])
  })
})
