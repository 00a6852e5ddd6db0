import { describe, expect, it } from '@jest/globals'
import { readdirSync, readFileSync } from 'node:fs'
import { join, resolve } from 'node:path'
import { workflowProblems } from '../scripts/workflows/policy.js'

const ROOT = resolve(import.meta.dirname, '..')
const SHA = '11bd71901bbe5b1630ceea73d27597364c9af683'

const GOOD = `name: Good
on: push
permissions: {}
jobs:
  one:
    runs-on: ubuntu-latest
    permissions:
      contents: read
    steps:
      - uses: actions/checkout@${SHA} # v4.2.2
      - uses: ./
      - run: echo done
  two:
    # A reusable workflow is pinned like an action.
    uses: acme/workflows/.github/workflows/x.yml@${SHA} # v1
    permissions: {}
`

describe('the pin and permission rules of our workflows', () => {
  it('passes a workflow that keeps them', () => {
    expect(workflowProblems(GOOD, 'good.yml')).toEqual([])
  })

  it('names each action not pinned to a sha, or without its version', () => {
    const text = GOOD.replace(`checkout@${SHA} # v4.2.2`, 'checkout@v4').replace(
      '      - run: echo done',
      `      - uses: actions/setup-node@${SHA}\n      - uses: a/b@${SHA.slice(0, 7)} # v1`
    )
    expect(workflowProblems(text, 'w.yml')).toEqual([
      'w.yml:10: actions/checkout@v4 is not pinned to a full commit sha (owner/repo@<40 hex>)',
      `w.yml:12: actions/setup-node@${SHA} needs its version in a comment, as in "# v4.2.2"`,
      `w.yml:13: a/b@${SHA.slice(0, 7)} is not pinned to a full commit sha (owner/repo@<40 hex>)`
    ])
  })

  it('asks for empty permissions at the top and permissions in every job', () => {
    const text = GOOD.replace(
      'permissions: {}\njobs:',
      'permissions:\n  contents: write\njobs:'
    ).replace('    permissions:\n      contents: read\n', '')
    expect(workflowProblems(text, 'w.yml')).toEqual([
      'w.yml: needs "permissions: {}" at the top, so each job is granted only its own',
      'w.yml:6: job one declares no permissions'
    ])
    expect(workflowProblems('name: x\non: push\npermissions: {}\n', 'x.yml')).toEqual([
      'x.yml: has no jobs'
    ])
  })

  it("holds in each of this repository's workflows", () => {
    const folder = join(ROOT, '.github/workflows')
    const files = readdirSync(folder).filter((f) => /\.ya?ml$/.test(f))
    expect(files).toContain('ci.yml')
    for (const file of files)
      expect(workflowProblems(readFileSync(join(folder, file), 'utf8'), file)).toEqual([])
  })
})
