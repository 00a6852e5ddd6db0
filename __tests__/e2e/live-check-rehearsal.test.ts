/**
 * The live check's job, rehearsed against the simulator: the steps of .github/workflows/live-check.yml
 * run here as on a runner, with the simulator's endpoint in place of the sandbox's Munchkin id.
 * Every check step must pass, so .github/live-check/expected.json holds what the simulator
 * answers, and a live run that differs from it shows Marketo answering otherwise: a simulator bug.
 */
import { describe, expect, it } from '@jest/globals'
import { execFileSync } from 'node:child_process'
import { cpSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { assertNoLeaks } from '../../scripts/run-action.js'
import { useSimulator } from './harness.js'
import { jobSteps, runJob } from './workflow-job.js'

const ROOT = resolve(import.meta.dirname, '../..')
const WORKFLOW = readFileSync(join(ROOT, '.github/workflows/live-check.yml'), 'utf8')
// The removal steps wait for removals, as the live run waits for MARKETO_LIVE_REMOVALS: until
// removed-records and mirror are built, the action refuses them. Whoever builds them turns both on.
const REMOVALS_EXIST = false

const sim = useSimulator()

/** A checkout of what the live job reads: the fixtures and the check script, committed. */
function checkout(): string {
  const workspace = mkdtempSync(join(tmpdir(), 'live-check-'))
  for (const folder of ['.github/live-check', 'scripts/live-check']) {
    mkdirSync(join(workspace, folder), { recursive: true })
    cpSync(join(ROOT, folder), join(workspace, folder), { recursive: true })
  }
  const git = (...args: string[]): string =>
    execFileSync('git', args, { cwd: workspace, encoding: 'utf8' })
  git('init', '--quiet', '--initial-branch=main')
  git('add', '.')
  git(
    '-c',
    'user.name=test',
    '-c',
    'user.email=test@example.com',
    'commit',
    '--quiet',
    '-m',
    'fixtures'
  )
  return workspace
}

function fixtureFiles(): Record<string, string> {
  const folder = join(ROOT, '.github/live-check')
  const files: Record<string, string> = {}
  const walk = (relative: string): void => {
    for (const entry of readdirSync(join(folder, relative), { withFileTypes: true })) {
      const path = join(relative, entry.name)
      if (entry.isDirectory()) walk(path)
      else if (entry.name.endsWith('.csv')) files[path] = readFileSync(join(folder, path), 'utf8')
    }
  }
  walk('')
  return files
}

describe('the live check, rehearsed against the simulator', () => {
  it('passes every check step with the simulator in place of the sandbox', async () => {
    const workspace = checkout()
    const runnerTemp = mkdtempSync(join(tmpdir(), 'live-check-temp-'))
    try {
      const runs = await runJob(jobSteps(WORKFLOW, 'live'), {
        workspace,
        runnerTemp,
        vars: {
          MARKETO_MUNCHKIN_ID: '123-ABC-456',
          MARKETO_PROGRAM_ID: '1001',
          MARKETO_PROGRAM_STATUS: 'On List',
          MARKETO_LIVE_REMOVALS: REMOVALS_EXIST ? 'true' : ''
        },
        secrets: { MARKETO_CLIENT_ID: sim().clientId, MARKETO_CLIENT_SECRET: sim().clientSecret },
        adaptInputs: ({ 'munchkin-id': _sandbox, ...inputs }) => ({
          ...inputs,
          'rest-url': sim().url,
          // Only the waits are shortened: the simulator's jobs take milliseconds.
          'poll-interval': '0.05',
          'max-poll-interval': '0.2'
        })
      })
      const ran = runs.filter((r) => r.outcome !== 'skipped')
      const checks = ran.filter((r) => r.step.run?.startsWith('node scripts/live-check/expect.ts'))
      for (const check of checks)
        expect({ step: check.step.name, outcome: check.outcome, log: check.log }).toEqual({
          step: check.step.name,
          outcome: 'success',
          log: expect.stringContaining('as the simulator answers')
        })
      // The list, the rows and the dry run; the removal's two and its three other steps once
      // removals exist.
      expect(checks.map((r) => r.step.run)).toEqual(
        ['list', 'rows', 'dry-run', ...(REMOVALS_EXIST ? ['removal-before', 'removal'] : [])].map(
          (step) => `node scripts/live-check/expect.ts ${step}`
        )
      )
      expect(runs.length - ran.length).toBe(REMOVALS_EXIST ? 0 : 6)

      const files = fixtureFiles()
      for (const run of runs.filter((r) => r.action)) {
        expect(run.outcome).toBe('success')
        assertNoLeaks(run.action!, { inputs: { 'client-secret': sim().clientSecret }, files })
      }
      // The dry run sent nothing: every import is the list's and the rows' (and the removal's).
      expect(sim().jobs).toHaveLength(REMOVALS_EXIST ? 3 : 2)
    } finally {
      rmSync(workspace, { recursive: true, force: true })
      rmSync(runnerTemp, { recursive: true, force: true })
    }
  })
})
