import { describe, expect, it } from '@jest/globals'
import {
  MARKETO_ERRORS,
  handlingFor,
  nextQuotaReset,
  type Operation
} from '../src/marketo/error-codes.js'
import { MarketoApiError, redactUrls, toApiError } from '../src/marketo/errors.js'
import {
  DEFAULT_RETRY_POLICY,
  backoffDelay,
  queueDelay,
  rateWindowDelay,
  resolveRetryPolicy
} from '../src/marketo/retry.js'

const NOW = Date.UTC(2025, 0, 15, 12, 0, 0)

function adviceFor(code: string, operation: Operation = 'submit'): MarketoApiError {
  return toApiError({ code, message: `Marketo says ${code}` }, { operation, now: NOW })
}

describe('the error table', () => {
  it.each([
    ['601', 'reauth'],
    ['602', 'reauth'],
    ['604', 'backoff'],
    ['608', 'backoff'],
    ['611', 'backoff'],
    ['614', 'backoff'],
    ['615', 'backoff'],
    ['713', 'backoff'],
    ['719', 'backoff'],
    ['606', 'rateWindow'],
    ['1016', 'queueFull'],
    ['603', 'fatal'],
    ['607', 'fatal'],
    ['1003', 'fatal'],
    ['1013', 'fatal'],
    ['1025', 'fatal'],
    ['HTTP 502', 'backoff'],
    ['HTTP 503', 'backoff'],
    ['HTTP 504', 'backoff'],
    ['ECONNRESET', 'backoff'],
    ['UND_ERR_SOCKET', 'backoff'],
    ['timeout', 'backoff'],
    ['HTTP 413', 'fatal'],
    ['9999', 'fatal']
  ])('handles %s on submit as %s', (code, handling) => {
    expect(handlingFor(code, 'submit')).toBe(handling)
  })

  it('waits for the import queue only when submitting', () => {
    expect(handlingFor('1016', 'status')).toBe('fatal')
    expect(handlingFor('1016', 'failures')).toBe('fatal')
  })

  it.each([
    ['603', 'submit', true, /Read-Write Lead.*Read-Write Assets.*IP/s],
    [
      '607',
      'status',
      true,
      /midnight US Central \(America\/Chicago\), next at 2025-01-16T06:00:00\.000Z/
    ],
    ['1013', 'submit', true, /program-id is the id in the program's URL.*can see/s],
    ['1013', 'status', false, /seven days/],
    ['1025', 'submit', true, /channel.*'Member'.*'On List'.*case/s],
    ['616', 'submit', true, /subscription/],
    ['1003', 'submit', false, /empty or not a valid import file/],
    [
      'HTTP 401',
      'identity',
      true,
      /client-id and client-secret.*Admin > LaunchPoint > .*View Details/s
    ],
    ['HTTP 413', 'submit', false, /10 MB/],
    ['605', 'status', false, /bug in the action.*report/s],
    ['609', 'submit', false, /bug in the action/],
    ['610', 'submit', false, /bug in the action/],
    ['612', 'submit', false, /bug in the action/],
    ['613', 'submit', false, /bug in the action/],
    ['9999', 'status', false, /does not expect \(9999\)/]
  ] as const)('explains %s during %s (stopsRun %s)', (code, operation, stopsRun, advice) => {
    const error = adviceFor(code, operation)
    expect(error).toBeInstanceOf(MarketoApiError)
    expect(error.code).toBe(code)
    expect(error.operation).toBe(operation)
    expect(error.stopsRun).toBe(stopsRun)
    expect(error.advice).toMatch(advice)
    expect(error.marketoMessage).toBe(`Marketo says ${code}`)
    expect(error.message).toContain(error.advice)
  })

  it('tells the user to come back later when retries run out', () => {
    const error = toApiError(
      { code: 'HTTP 502', message: 'HTTP 502', httpStatus: 502 },
      { operation: 'status', now: NOW, attempts: 6, retriesExhausted: true }
    )
    expect(error.retriesExhausted).toBe(true)
    expect(error.httpStatus).toBe(502)
    expect(error.stopsRun).toBe(false)
    expect(error.advice).toBe(
      'Marketo did not answer after 6 attempts; run again later or resume with batch-ids.'
    )
  })

  it('has advice for every entry', () => {
    for (const [code, rule] of Object.entries(MARKETO_ERRORS)) {
      expect(rule.advice({ operation: 'submit', now: NOW, attempts: 3 }).length).toBeGreaterThan(20)
      expect(code).toMatch(/^(\d+|HTTP \d{3}|[A-Z_]+)$/)
    }
  })
})

describe('the daily quota reset', () => {
  it.each([
    [Date.UTC(2025, 0, 15, 12), '2025-01-16T06:00:00.000Z'], // CST
    [Date.UTC(2025, 6, 15, 12), '2025-07-16T05:00:00.000Z'], // CDT
    [Date.UTC(2025, 0, 16, 5, 59), '2025-01-16T06:00:00.000Z'], // 23:59 in Chicago
    [Date.UTC(2025, 0, 16, 6, 0), '2025-01-17T06:00:00.000Z'], // midnight exactly
    [Date.UTC(2025, 2, 8, 12), '2025-03-09T06:00:00.000Z'], // the night DST starts
    [Date.UTC(2025, 2, 9, 12), '2025-03-10T05:00:00.000Z'], // the first CDT day
    [Date.UTC(2025, 10, 2, 12), '2025-11-03T06:00:00.000Z'] // the day DST ends
  ])('from %d is %s', (now, reset) => {
    expect(nextQuotaReset(now)).toBe(reset)
  })
})

describe('redaction', () => {
  it('removes query strings from URLs and paths', () => {
    const text =
      "Mock dispatch not matched for path '/identity/oauth/token?client_id=a&client_secret=s3cret' " +
      'at https://host.example/identity/oauth/token?client_secret=s3cret&x=1 (why?)'
    const redacted = redactUrls(text)
    expect(redacted).not.toContain('s3cret')
    expect(redacted).toContain("'/identity/oauth/token?…'")
    expect(redacted).toContain('https://host.example/identity/oauth/token?…')
    expect(redacted).toContain('(why?)')
  })

  it('applies to every MarketoApiError message', () => {
    const error = toApiError(
      { code: 'UND_MOCK', message: 'GET http://127.0.0.1/identity/oauth/token?client_secret=x1' },
      { operation: 'identity', now: NOW }
    )
    expect(error.message).not.toContain('client_secret')
    expect(error.marketoMessage).not.toContain('client_secret')
  })
})

describe('the retry policy', () => {
  it('defaults to 6 attempts, 1 s doubling to 30 s, a 20 s rate window, 5 s to 60 s queue waits', () => {
    expect(DEFAULT_RETRY_POLICY).toEqual({
      maxAttempts: 6,
      baseDelayMs: 1000,
      maxDelayMs: 30000,
      rateWindowMs: 20000,
      queueWaitMs: 5000,
      maxQueueWaitMs: 60000
    })
    expect(resolveRetryPolicy({ maxAttempts: 3, baseDelayMs: -1 })).toMatchObject({
      maxAttempts: 3,
      baseDelayMs: 1000
    })
  })

  it('backs off exponentially under a ceiling, with full jitter', () => {
    const policy = DEFAULT_RETRY_POLICY
    const ceilings = [1, 2, 3, 4, 5, 6, 7].map((n) => backoffDelay(n, policy, () => 1))
    expect(ceilings).toEqual([1000, 2000, 4000, 8000, 16000, 30000, 30000])
    expect(backoffDelay(3, policy, () => 0)).toBe(0)
    expect(backoffDelay(3, policy, () => 0.25)).toBe(1000)
  })

  it('waits out the rate window plus at most one base delay', () => {
    expect(rateWindowDelay(DEFAULT_RETRY_POLICY, () => 0)).toBe(20000)
    expect(rateWindowDelay(DEFAULT_RETRY_POLICY, () => 1)).toBe(21000)
  })

  it('waits for the import queue at least half the ceiling, doubling to 60 s', () => {
    const policy = DEFAULT_RETRY_POLICY
    expect([1, 2, 3, 4, 5, 6].map((n) => queueDelay(n, policy, () => 1))).toEqual([
      5000, 10000, 20000, 40000, 60000, 60000
    ])
    expect(queueDelay(1, policy, () => 0)).toBe(2500)
  })
})
