import { describe, expect, it } from '@jest/globals'
import { withVersion } from '../scripts/release/manifests.js'

describe('the version in package.json and package-lock.json', () => {
  it('sets the top-level and root package versions, leaving the rest as it was', () => {
    const lock = `${JSON.stringify(
      {
        name: 'x',
        version: '0.1.0',
        lockfileVersion: 3,
        packages: { '': { name: 'x', version: '0.1.0' }, 'node_modules/y': { version: '0.1.0' } }
      },
      null,
      2
    )}\n`
    const updated = JSON.parse(withVersion(lock, '1.0.0', 'package-lock.json'))
    expect(updated.version).toBe('1.0.0')
    expect(updated.packages[''].version).toBe('1.0.0')
    expect(updated.packages['node_modules/y'].version).toBe('0.1.0')
    expect(withVersion(lock, '0.1.0', 'package-lock.json')).toBe(lock)
  })

  it('refuses a file that is not a manifest', () => {
    expect(() => withVersion('{', '1.0.0', 'package.json')).toThrow('package.json: not JSON')
    expect(() => withVersion('{}', '1.0.0', 'package.json')).toThrow(
      'package.json: has no "version" to set'
    )
  })
})
