import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { checkLicenses, isAllowed, parseLicenses } from '../scripts/licenses/licenses.js'
import { LICENSE_POLICY } from '../scripts/licenses/policy.js'

const ROOT = resolve(import.meta.dirname, '..')

/** licenses.txt as ncc writes it: name, license, text, a blank line; sorted by name. */
const LICENSES = `@scope/first
MIT
MIT License

Copyright (c) 2020 Someone

lodash
THE SOFTWARE IS PROVIDED "AS IS"

no-license

plain
ISC

spdx-pair
(Apache-2.0 AND BSD-3-Clause)
                                 Apache License

   1. Definitions.
`

describe('dist/licenses.txt', () => {
  it('reads each package and its declared license, blank when none', () => {
    expect(parseLicenses(LICENSES)).toEqual([
      { name: '@scope/first', license: 'MIT', line: 1 },
      { name: 'lodash', license: 'THE SOFTWARE IS PROVIDED "AS IS"', line: 7 },
      { name: 'no-license', license: '', line: 10 },
      { name: 'plain', license: 'ISC', line: 12 },
      { name: 'spdx-pair', license: '(Apache-2.0 AND BSD-3-Clause)', line: 15 }
    ])
  })

  it('evaluates SPDX expressions: AND needs both, OR one, WITH names an exception', () => {
    const allowed = ['MIT', 'Apache-2.0']
    expect(isAllowed('MIT', allowed)).toBe(true)
    expect(isAllowed('(MIT OR GPL-3.0-only)', allowed)).toBe(true)
    expect(isAllowed('(MIT AND GPL-3.0-only)', allowed)).toBe(false)
    expect(isAllowed('MIT AND (Apache-2.0 OR GPL-2.0)', allowed)).toBe(true)
    expect(isAllowed('GPL-2.0 OR MIT AND Apache-2.0', allowed)).toBe(true)
    expect(isAllowed('GPL-2.0 WITH Classpath-exception-2.0', allowed)).toBe(false)
    expect(
      isAllowed('GPL-2.0 WITH Classpath-exception-2.0', ['GPL-2.0 WITH Classpath-exception-2.0'])
    ).toBe(true)
    for (const broken of ['', '(MIT', 'MIT)', 'MIT AND', 'MIT/X11', 'SEE LICENSE IN LICENSE'])
      expect(isAllowed(broken, allowed)).toBe(false)
  })

  it('refuses a license off the allow-list and a package with none, unless reviewed', () => {
    const policy = {
      allowed: ['MIT', 'ISC', 'Apache-2.0', 'BSD-3-Clause'],
      reviewed: { 'no-license': 'checked' }
    }
    expect(checkLicenses(parseLicenses(LICENSES), policy)).toEqual({
      refused: [
        'lodash (licenses.txt line 7): "THE SOFTWARE IS PROVIDED "AS IS"" is not on the allow-list'
      ],
      stale: []
    })
    const gpl = parseLicenses(LICENSES.replace('plain\nISC', 'plain\nGPL-3.0-only'))
    expect(checkLicenses(gpl, { ...policy, reviewed: {} }).refused).toEqual([
      'lodash (licenses.txt line 7): "THE SOFTWARE IS PROVIDED "AS IS"" is not on the allow-list',
      'no-license (licenses.txt line 10): declares no license',
      'plain (licenses.txt line 12): "GPL-3.0-only" is not on the allow-list'
    ])
  })

  it('names reviewed packages that no longer need it', () => {
    const policy = {
      allowed: ['MIT'],
      reviewed: { '@scope/first': 'was unlicensed', gone: 'removed' }
    }
    expect(checkLicenses(parseLicenses('@scope/first\nMIT\n'), policy).stale).toEqual([
      '@scope/first',
      'gone'
    ])
  })
})

describe('npm run check-licenses', () => {
  const check = (text: string) => {
    const dir = mkdtempSync(join(tmpdir(), 'licenses-'))
    try {
      writeFileSync(join(dir, 'licenses.txt'), text)
      return spawnSync(
        join(ROOT, 'node_modules/.bin/tsx'),
        [join(ROOT, 'scripts/licenses/check.ts'), join(dir, 'licenses.txt')],
        {
          encoding: 'utf8'
        }
      )
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  }

  it("passes this repository's bundle", () => {
    const text = readFileSync(join(ROOT, 'dist/licenses.txt'), 'utf8')
    const run = check(text)
    expect(run.status).toBe(0)
    expect(run.stdout).toMatch(
      /^\d+ bundled packages: \d+ under allowed licenses, 2 reviewed by hand/m
    )
    expect(run.stdout).not.toContain('::warning::')
  })

  it('fails on a bundled package under a license off the allow-list', () => {
    const text = readFileSync(join(ROOT, 'dist/licenses.txt'), 'utf8')
    const run = check(
      `${text.trimEnd()}\n\nzz-copyleft\nGPL-3.0-only\n                    GNU GENERAL PUBLIC LICENSE\n`
    )
    expect(run.status).toBe(1)
    expect(run.stdout).toMatch(
      /^::error::zz-copyleft \(licenses.txt line \d+\): "GPL-3.0-only" is not on the allow-list$/m
    )
    expect(run.stderr).toMatch(
      /^1 of \d+ bundled packages have a license outside scripts\/licenses\/policy.ts/
    )
  })

  it('fails on a file that is not a licenses.txt', () => {
    expect(check('Nothing here.\n').stderr).toContain('no package found')
  })

  it('keeps a reason for every reviewed package', () => {
    for (const reason of Object.values(LICENSE_POLICY.reviewed))
      expect(reason.length).toBeGreaterThan(20)
  })
})
