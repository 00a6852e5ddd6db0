/**
 * `npm run bench` still runs, on small files (BENCH_QUICK=1). Slow (it bundles the action and
 * imports 150 MB), so it runs only with BENCH_SMOKE=1:
 *   BENCH_SMOKE=1 npm test -- __tests__/bench-smoke.test.ts
 */
import { describe, expect, it } from '@jest/globals'
import { spawn } from 'node:child_process'
import { resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const run = process.env['BENCH_SMOKE'] === '1' ? describe : describe.skip

run('npm run bench (BENCH_QUICK=1)', () => {
  it('measures every figure and prints the table', async () => {
    const { PATH, HOME, TMPDIR } = process.env
    const child = spawn('npm', ['run', 'bench'], {
      cwd: ROOT,
      env: { PATH, HOME, ...(TMPDIR ? { TMPDIR } : {}), BENCH_QUICK: '1' },
      stdio: ['ignore', 'pipe', 'pipe']
    })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (out += chunk))
    const code = await new Promise<number | null>((done) => child.on('exit', done))
    expect({ code, out }).toMatchObject({ code: 0 })

    const table = out.slice(out.indexOf('\nResults ('))
    expect(table).toMatch(/^benchmark +\| measured +\| target +\| result$/m)
    for (const figure of [
      /^split scan, 50 MB CSV .*planFile \d+ MB\/s vs split -C \d+ MB\/s = [\d.]+x .*\| PASS$/m,
      /^dry-run checks, 50 MB CSV, vs a bare csv-parse pass .*\d+ MB\/s = [\d.]+x .*\| PASS$/m,
      /^dry-run checks, 50 MB CSV, vs a bare papaparse pass .*\d+ MB\/s = [\d.]+x .*\| PASS$/m,
      /^action peak RSS, 50 MB file .*\d+\.\d MiB.*\| PASS$/m,
      /^action peak RSS, 100 MB file .*\d+\.\d MiB.*\| PASS$/m,
      /^action peak RSS, 50 MB -> 100 MB .*\| PASS$/m,
      /^action peak RSS, tracing a 50 MB failures file .*\d+\.\d MiB.*\| PASS$/m,
      /^action peak RSS, mirror of 100,000 members .*\d+\.\d MiB.*300 removed.*\| PASS$/m,
      /^mirror of 100,000 members, removal calls .*1 deletes for 300 removals.*\| PASS$/m,
      /^20 parts .*wall time .* vs ideal .*\| PASS$/m,
      /^20 parts, API calls per job .*fixed 5 s poll.*\| PASS$/m,
      /^1 job of 10 s, API calls .*\| PASS$/m,
      /^1 job of 1 min, API calls .*\| PASS$/m,
      /^1 job of 10 min, API calls .*\| PASS$/m
    ]) {
      expect(table).toMatch(figure)
    }
    expect(out).toMatch(/on .+, \d+ cores, \d+ GiB, node v\d+/)
  }, 300_000)
})
