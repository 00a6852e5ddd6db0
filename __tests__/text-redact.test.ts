import { describe, expect, it } from '@jest/globals'
import { redactUrls, type WorkMeter } from '../src/text/redact.js'

describe('redactUrls', () => {
  it('cuts credentials, query strings and URL fragments', () => {
    expect(redactUrls('https://user:hunter2@proxy.example.com/x')).toBe(
      'https://***@proxy.example.com/x'
    )
    expect(redactUrls("at '/identity/oauth/token?client_secret=s3' (why?)")).toBe(
      "at '/identity/oauth/token?…' (why?)"
    )
    expect(redactUrls('https://proxy.example.com/#access_token=abc')).toBe(
      'https://proxy.example.com/#…'
    )
    expect(redactUrls('the id in …/#PG1234A1 means 1234')).toBe('the id in …/#PG1234A1 means 1234')
  })

  it('does linear work on any input, the adversarial ones included', () => {
    const n = 200_000
    const inputs = [
      '/'.repeat(n),
      'https://'.repeat(n / 8),
      'a://b@'.repeat(n / 6),
      '/a'.repeat(n / 2) + '?',
      '?/'.repeat(n / 2),
      'x'.repeat(n),
      ' /'.repeat(n / 2)
    ]
    for (const text of inputs) {
      const meter: WorkMeter = { steps: 0 }
      redactUrls(text, meter)
      // Each character is visited a bounded number of times, whatever the text.
      expect(meter.steps).toBeLessThanOrEqual(4 * text.length + 1)
    }
  })
})
