import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { packageDirsOf, renderLicenses } from '../scripts/licenses/bundled.js'
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

describe('the bundle’s licenses (npm run bundle)', () => {
  it('finds the innermost package of each module, scoped or nested, once', () => {
    expect(
      packageDirsOf([
        './node_modules/yaml/dist/index.js',
        './node_modules/yaml/dist/compose.js',
        './node_modules/@actions/core/lib/core.js + 13 modules',
        './node_modules/@actions/github/node_modules/undici/index.js',
        './src/main.ts',
        'external "tty"'
      ])
    ).toEqual([
      'node_modules/@actions/core',
      'node_modules/@actions/github/node_modules/undici',
      'node_modules/yaml'
    ])
  })

  it('writes what the check reads: sorted, one entry per copy, none without its name', () => {
    const text = renderLicenses([
      { name: 'yaml', license: 'ISC', text: 'Copyright Eemeli Aro\n\nPermission to use...\n' },
      { name: '@actions/core', license: 'MIT', text: 'The MIT License (MIT)\n' },
      { name: 'undici', license: 'MIT', text: 'MIT License\n' },
      { name: 'undici', license: 'MIT', text: 'MIT License\n' },
      { name: 'buffers', license: '', text: '' }
    ])
    expect(parseLicenses(text).map(({ name, license }) => [name, license])).toEqual([
      ['@actions/core', 'MIT'],
      ['buffers', ''],
      ['undici', 'MIT'],
      ['yaml', 'ISC']
    ])
    expect(text).toContain('yaml\nISC\nCopyright Eemeli Aro\n\nPermission to use...\n')
  })

  it('lists every package the committed bundle holds code of', () => {
    // ncc marks each module it bundles with its path; its own --license file left out the ES
    // module packages (@actions/core, yaml, ...).
    const listed = new Set(
      parseLicenses(readFileSync(join(ROOT, 'dist/licenses.txt'), 'utf8')).map((p) => p.name)
    )
    const bundled = readdirSync(join(ROOT, 'dist'))
      .filter((name) => name.endsWith('.js'))
      .flatMap((name) =>
        [
          ...readFileSync(join(ROOT, 'dist', name), 'utf8').matchAll(
            /MODULE: \.\/((?:node_modules\/(?:@[^/\s]+\/)?[^/\s]+\/)+)/g
          )
        ].map((match) => (match[1] as string).replace(/\/$/, '').split('node_modules/').pop())
      )
    expect(bundled.length).toBeGreaterThan(100)
    expect(bundled).toContain('yaml')
    expect(bundled.filter((name) => !listed.has(name as string))).toEqual([])
  })
})
