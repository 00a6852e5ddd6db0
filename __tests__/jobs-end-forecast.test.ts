import { describe, expect, it } from '@jest/globals'
import {
  FORECAST_MARGIN_MS,
  FORECAST_MARGIN_SHARE,
  importRate,
  predictEnd
} from '../src/jobs/end-forecast.js'
import { aimAtForecast, firstPoll, nextPoll } from '../src/jobs/poll-plan.js'

const SECOND = 1000
const timing = { pollIntervalMs: 5 * SECOND, maxPollIntervalMs: 30 * SECOND }

describe('end forecasts', () => {
  it('has no rate before a job ended with a measure', () => {
    expect(importRate([])).toBeUndefined()
    expect(predictEnd(100, 0, undefined)).toBeUndefined()
  })

  it('measures a job from its first Importing poll to the middle of the wait that saw it end', () => {
    // 1000 rows, importing seen at 0, still importing at 90 s, ended by 110 s: 100 s, 10 rows/s.
    const rate = importRate([
      { rows: 1000, importingSince: 0, lastImportingAt: 90 * SECOND, endSeenAt: 110 * SECOND }
    ])
    expect(rate).toBeCloseTo(1000 / (100 * SECOND))
    expect(predictEnd(500, 200 * SECOND, rate)).toBeCloseTo(250 * SECOND)
  })

  it('counts a closely seen end more than a loosely seen one', () => {
    const close = {
      rows: 1000,
      importingSince: 0,
      lastImportingAt: 99 * SECOND,
      endSeenAt: 101 * SECOND
    }
    const loose = {
      rows: 1000,
      importingSince: 0,
      lastImportingAt: 40 * SECOND,
      endSeenAt: 70 * SECOND
    }
    const rate = importRate([close, loose]) as number
    expect(Math.abs(rate - 10 / SECOND)).toBeLessThan(Math.abs(rate - 1000 / (55 * SECOND)))
  })
})

describe('polls aimed at a forecast', () => {
  it('polls just after the predicted end, however far off', () => {
    const job = firstPoll(0, true, timing)
    const aimed = aimAtForecast(job, 5 * SECOND, 300 * SECOND, timing)
    expect(aimed.nextPollAt).toBe(
      300 * SECOND + FORECAST_MARGIN_MS + FORECAST_MARGIN_SHARE * 295 * SECOND
    )
  })

  it('backs off from poll-interval after a miss and never waits past max-poll-interval', () => {
    let poll = aimAtForecast(firstPoll(0, true, timing), 5 * SECOND, 100 * SECOND, timing)
    let now = poll.nextPollAt
    const waits: number[] = []
    for (let i = 0; i < 8; i++) {
      poll = nextPoll(poll, now, true, timing)
      waits.push(poll.nextPollAt - now)
      now = poll.nextPollAt
    }
    expect(waits.slice(0, 3)).toEqual([5 * SECOND, 7.5 * SECOND, 11.25 * SECOND])
    expect(Math.max(...waits)).toBe(30 * SECOND)
  })

  it('leaves an overdue job on its back-off', () => {
    const job = nextPoll(firstPoll(0, true, timing), 5 * SECOND, true, timing)
    expect(aimAtForecast(job, 60 * SECOND, 50 * SECOND, timing).nextPollAt).toBe(job.nextPollAt)
  })
})
