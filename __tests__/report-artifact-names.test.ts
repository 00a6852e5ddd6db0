import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { validateFilePath } from '../node_modules/@actions/artifact/lib/internal/upload/path-and-artifact-name-validation.js'
import { ArtifactNames, safeName, safePath } from '../src/report/artifact-names.js'

describe('artifact file names', () => {
  it('replace what @actions/artifact refuses, and hidden or Windows-dropped ends', () => {
    expect(safeName('leads-2026-01-01T10:00.csv')).toBe('leads-2026-01-01T10_00.csv')
    expect(safeName('a"b<c>d|e*f?g\r\nh\\i.csv')).toBe('a_b_c_d_e_f_g__h_i.csv')
    expect(safeName('.hidden.csv')).toBe('_hidden.csv')
    expect(safeName('..')).toBe('__')
    expect(safeName('trailing. ')).toBe('trailing__')
    expect(safePath('fix-and-retry/.github/nl\n::x.csv')).toBe('fix-and-retry/_github/nl___x.csv')
  })

  it('always pass the toolkit’s own path check', () => {
    fc.assert(
      fc.property(
        fc.array(fc.string({ unit: 'binary', maxLength: 12 }), { minLength: 1, maxLength: 4 }),
        (segments) => {
          const path = safePath(segments.join('/'))
          expect(() => validateFilePath(`/${path}`)).not.toThrow()
          for (const segment of path.split('/')) expect(segment.startsWith('.')).toBe(false)
        }
      )
    )
  })

  it('are unique in one output-dir, case aside', () => {
    const names = new ArtifactNames()
    expect(names.claim('fix-and-retry/lists/a/leads.csv')).toBe('fix-and-retry/lists/a/leads.csv')
    expect(names.claim('fix-and-retry/lists/b/leads.csv')).toBe('fix-and-retry/lists/b/leads.csv')
    expect(names.claim('fix-and-retry/lists/x:y.csv')).toBe('fix-and-retry/lists/x_y.csv')
    expect(names.claim('fix-and-retry/lists/x_y.csv')).toBe('fix-and-retry/lists/x_y-2.csv')
    expect(names.claim('fix-and-retry/lists/X_Y.csv')).toBe('fix-and-retry/lists/X_Y-3.csv')
  })
})
