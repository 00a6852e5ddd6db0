/**
 * One job of one of this repository's workflows, read from its YAML and run here step by step
 * as a runner would: `uses: ./` runs the built action, `run:` runs bash, other actions
 * (checkout, setup-node, upload-artifact) are left out. It reads the layout Prettier gives our
 * workflows (steps at 6 spaces, their keys at 8, `with:`/`env:` entries at 10) and the few
 * expressions those steps use; anything else throws, so a change of the workflow is noticed.
 */
import { spawnSync } from 'node:child_process'
import { dirname } from 'node:path'
import { runAction, type ActionRun } from '../../scripts/run-action.js'

export interface WorkflowStep {
  line: number
  name?: string
  id?: string
  if?: string
  uses?: string
  run?: string
  continueOnError: boolean
  with: Record<string, string>
  env: Record<string, string>
}

function scalar(raw: string): string {
  const value = raw.replace(/\s+#.*$/, '').trim()
  if (value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/''/g, "'")
  if (value.startsWith('"') && value.endsWith('"')) return JSON.parse(value) as string
  return value
}

/** The steps of job `job` in the workflow `text`. */
export function jobSteps(text: string, job: string): WorkflowStep[] {
  const lines = text.split('\n')
  const start = lines.indexOf(`  ${job}:`)
  if (start < 0) throw new Error(`no job ${job}`)
  const stepsAt = lines.findIndex((line, i) => i > start && line === '    steps:')
  const steps: WorkflowStep[] = []
  let step: WorkflowStep | undefined
  let map: 'with' | 'env' | undefined
  // The lines of a `run: |` block, 10 spaces of indentation removed.
  let block: { step: WorkflowStep; lines: string[] } | undefined
  const endBlock = (): void => {
    if (block) block.step.run = block.lines.join('\n').trimEnd()
    block = undefined
  }
  for (let i = stepsAt + 1; i < lines.length; i++) {
    const line = lines[i]!
    if (/^ {0,4}\S/.test(line)) break
    if (block && (line.startsWith('          ') || line.trim() === '')) {
      block.lines.push(line.slice(10))
      continue
    }
    endBlock()
    if (line.trim() === '' || /^\s*#/.test(line)) continue
    const key = /^ {6}(- | {2})([\w-]+):(.*)$/.exec(line)
    const entry = /^ {10}([\w-]+):\s*(.*)$/.exec(line)
    if (key) {
      const [, dash, name, rest = ''] = key
      if (dash === '- ') {
        step = { line: i + 1, continueOnError: false, with: {}, env: {} }
        steps.push(step)
      }
      if (!step) throw new Error(`line ${i + 1}: a key before the first step`)
      map = undefined
      if (name === 'with' || name === 'env') map = name
      else if (name === 'run' && scalar(rest) === '|') block = { step, lines: [] }
      else if (name === 'continue-on-error') step.continueOnError = scalar(rest) === 'true'
      else if (
        name === 'name' ||
        name === 'id' ||
        name === 'if' ||
        name === 'uses' ||
        name === 'run'
      )
        step[name] = scalar(rest)
      else throw new Error(`line ${i + 1}: step key ${name} is not read here`)
    } else if (entry && step && map) {
      step[map][entry[1]!] = scalar(entry[2]!)
    } else throw new Error(`line ${i + 1}: "${line}" is not read here`)
  }
  endBlock()
  return steps
}

export interface JobContext {
  vars: Record<string, string>
  secrets: Record<string, string>
  runnerTemp: string
  workspace: string
  /** The action's inputs as the test gives them, from the step's (e.g. an endpoint swapped in). */
  adaptInputs: (inputs: Record<string, string>) => Record<string, string>
}

export interface StepRun {
  step: WorkflowStep
  outcome: 'success' | 'failure' | 'skipped'
  action?: ActionRun
  log: string
}

interface StepState {
  outcome: string
  outputs: Record<string, string>
}

function evaluate(expression: string, context: JobContext, states: Map<string, StepState>): string {
  const vars = /^(vars|secrets)\.(\w+)$/.exec(expression)
  if (vars) return context[vars[1] as 'vars' | 'secrets'][vars[2]!] ?? ''
  if (expression === 'runner.temp') return context.runnerTemp
  const outcome = /^steps\.([\w-]+)\.outcome$/.exec(expression)
  if (outcome) return states.get(outcome[1]!)?.outcome ?? ''
  const outputs = /^toJSON\(steps\.([\w-]+)\.outputs\)$/.exec(expression)
  if (outputs) return JSON.stringify(states.get(outputs[1]!)?.outputs ?? {})
  throw new Error(`expression "${expression}" is not read here`)
}

function substitute(text: string, context: JobContext, states: Map<string, StepState>): string {
  return text.replace(/\$\{\{\s*(.*?)\s*\}\}/g, (_, expression: string) =>
    evaluate(expression, context, states)
  )
}

/** A step's `if:`, of the forms our workflows use: `!cancelled()` and `vars.NAME == 'value'`. */
function condition(text: string | undefined, context: JobContext): boolean {
  if (text === undefined) return true
  const inner = text.replace(/^\$\{\{\s*/, '').replace(/\s*\}\}$/, '')
  return inner.split('&&').every((term) => {
    const part = term.trim()
    if (part === '!cancelled()' || part === 'always()') return true
    const compare = /^vars\.(\w+) == '([^']*)'$/.exec(part)
    if (compare) return (context.vars[compare[1]!] ?? '') === compare[2]
    throw new Error(`condition "${part}" is not read here`)
  })
}

function mapValues(
  values: Record<string, string>,
  context: JobContext,
  states: Map<string, StepState>
): Record<string, string> {
  return Object.fromEntries(
    Object.entries(values).map(([name, value]) => [name, substitute(value, context, states)])
  )
}

/**
 * Runs `steps` in order in `context.workspace`. A `run:` step that fails stops the job, as on a
 * runner; an action step records its outcome and outputs for the steps after it.
 */
export async function runJob(steps: WorkflowStep[], context: JobContext): Promise<StepRun[]> {
  const states = new Map<string, StepState>()
  const runs: StepRun[] = []
  for (const step of steps) {
    if (!condition(step.if, context)) {
      runs.push({ step, outcome: 'skipped', log: '' })
      continue
    }
    if (step.uses === './') {
      const inputs = context.adaptInputs(mapValues(step.with, context, states))
      const action = await runAction({ workspace: context.workspace, inputs })
      const outcome = action.code === 0 ? 'success' : 'failure'
      if (step.id) states.set(step.id, { outcome, outputs: action.outputs })
      runs.push({ step, outcome, action, log: action.stdout + action.stderr })
      if (outcome === 'failure' && !step.continueOnError) break
    } else if (step.run !== undefined) {
      const shell = spawnSync('bash', ['-e', '-c', step.run], {
        cwd: context.workspace,
        encoding: 'utf8',
        // The node that runs the tests (Node 24) runs the steps' node too, as setup-node does.
        env: {
          ...process.env,
          PATH: `${dirname(process.execPath)}:${process.env['PATH'] ?? ''}`,
          ...mapValues(step.env, context, states)
        }
      })
      const outcome = shell.status === 0 ? 'success' : 'failure'
      runs.push({ step, outcome, log: shell.stdout + shell.stderr })
      if (outcome === 'failure') break
    } else if (step.uses === undefined) {
      throw new Error(`line ${step.line}: a step with neither uses nor run`)
    }
  }
  return runs
}
