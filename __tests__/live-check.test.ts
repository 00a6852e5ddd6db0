/**
 * The live check's own code: the first job's test of whether a sandbox is configured, which
 * gates the others, and the comparison of a step with what the simulator answers. The steps
 * themselves are rehearsed against the simulator in e2e/live-check-rehearsal.test.ts.
 */
import { describe, expect, it } from '@jest/globals'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const WORKFLOW = readFileSync(join(ROOT, '.github/workflows/live-check.yml'), 'utf8')
const SANDBOX = {
  MARKETO_MUNCHKIN_ID: '123-ABC-456',
  MARKETO_CLIENT_ID: 'id',
  MARKETO_CLIENT_SECRET: 'secret',
  MARKETO_PROGRAM_ID: '1044',
  MARKETO_PROGRAM_STATUS: 'On List'
}

function sandboxCheck(env: Record<string, string>): {
  code: number | null
  log: string
  output: string
} {
  const dir = mkdtempSync(join(tmpdir(), 'sandbox-'))
  try {
    const outputFile = join(dir, 'github-output')
    writeFileSync(outputFile, '')
    const run = spawnSync('bash', [join(ROOT, 'scripts/live-check/sandbox.sh')], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', GITHUB_OUTPUT: outputFile, ...env }
    })
    return {
      code: run.status,
      log: run.stdout + run.stderr,
      output: readFileSync(outputFile, 'utf8')
    }
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

/** The jobs of the workflow by id, each as its lines. */
function jobs(): Map<string, string> {
  const found = new Map<string, string>()
  const body = WORKFLOW.slice(WORKFLOW.indexOf('\njobs:\n'))
  for (const [, id, lines] of body.matchAll(/^ {2}([\w-]+):\n((?: {4}.*\n|\n)*)/gm))
    found.set(id!, lines!)
  return found
}

describe('whether a Marketo sandbox is configured', () => {
  it('skips with one notice, and stays green, when nothing is configured', () => {
    const run = sandboxCheck({})
    expect(run.code).toBe(0)
    expect(run.output).toBe('configured=false\n')
    expect(run.log.split('\n').filter((line) => line.startsWith('::'))).toEqual([
      expect.stringMatching(/^::notice title=Live check skipped::No Marketo sandbox is configured/)
    ])
  })

  it('goes on when every secret and variable is set', () => {
    const run = sandboxCheck(SANDBOX)
    expect(run.code).toBe(0)
    expect(run.output).toBe('configured=true\n')
    expect(run.log).not.toContain('::')
    expect(run.log).not.toContain('secret')
  })

  it('fails, naming what is missing, when the sandbox is half configured', () => {
    const { MARKETO_CLIENT_SECRET: _secret, MARKETO_PROGRAM_STATUS: _status, ...half } = SANDBOX
    const run = sandboxCheck(half)
    expect(run.code).toBe(1)
    expect(run.output).toBe('')
    expect(run.log).toContain(
      '::error title=Live check::The Marketo sandbox is half configured: ' +
        'MARKETO_CLIENT_SECRET MARKETO_PROGRAM_STATUS not set'
    )
  })

  it('is what the workflow asks first, with each secret and variable, and gates every other job', () => {
    const all = jobs()
    const sandbox = all.get('sandbox')!
    expect(sandbox).toContain('run: bash scripts/live-check/sandbox.sh')
    for (const name of Object.keys(SANDBOX))
      expect(sandbox).toMatch(new RegExp(`${name}: \\$\\{\\{ (secrets|vars)\\.${name} \\}\\}`))
    expect(sandbox).toContain('configured: ${{ steps.sandbox.outputs.configured }}')
    const others = [...all.keys()].filter((id) => id !== 'sandbox')
    expect(others.length).toBeGreaterThan(0)
    for (const id of others) {
      expect(all.get(id)).toContain('    needs: sandbox\n')
      expect(all.get(id)).toContain("    if: needs.sandbox.outputs.configured == 'true'\n")
    }
  })
})

describe('a live step compared with the simulator', () => {
  const compare = (step: string, outcome: string, outputs: unknown) =>
    spawnSync(process.execPath, [join(ROOT, 'scripts/live-check/expect.ts'), step], {
      encoding: 'utf8',
      env: { PATH: process.env['PATH'] ?? '', OUTCOME: outcome, OUTPUTS: JSON.stringify(outputs) }
    })
  const expected = JSON.parse(readFileSync(join(ROOT, '.github/live-check/expected.json'), 'utf8'))

  it('passes on what the simulator answers', () => {
    const run = compare('dry-run', 'success', expected['dry-run'].outputs)
    expect(run.stdout).toBe('dry-run: 4 outputs as the simulator answers\n')
    expect(run.status).toBe(0)
  })

  it('names each difference, the outcome included, and fails', () => {
    const outputs = { ...expected['dry-run'].outputs, 'rows-total': '7' }
    const run = compare('dry-run', 'failure', outputs)
    expect(run.stdout.split('\n').filter((line) => line.startsWith('::error'))).toEqual([
      '::error title=Live check (dry-run)::the step\'s outcome: Marketo\'s run gives "failure", the simulator\'s "success"',
      '::error title=Live check (dry-run)::rows-total: Marketo\'s run gives "7", the simulator\'s "6"'
    ])
    expect(run.status).toBe(1)
  })

  it('refuses a step it does not know and outputs that are not JSON', () => {
    expect(compare('nope', 'success', {}).stdout).toContain('"nope" is not a step of')
    const notJson = spawnSync(
      process.execPath,
      [join(ROOT, 'scripts/live-check/expect.ts'), 'list'],
      {
        encoding: 'utf8',
        env: { OUTCOME: 'success', OUTPUTS: '' }
      }
    )
    expect(notJson.stdout).toContain("OUTPUTS is not the step's outputs as JSON")
    expect(notJson.status).toBe(1)
  })
})
