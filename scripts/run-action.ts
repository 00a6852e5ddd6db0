import { spawn } from 'node:child_process'
import { rmSync } from 'node:fs'
import { mkdtemp, readFile, symlink, writeFile } from 'node:fs/promises'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'
import { assertBundleFresh } from '../testkit/bundle-freshness.js'

export const ACTION_ENTRY = resolve(import.meta.dirname, '../dist/index.js')
let bundleChecked: true | undefined

export interface ActionRun {
  code: number | null
  signal: NodeJS.Signals | null
  stdout: string
  stderr: string
  outputs: Record<string, string>
  summary: string
  /** The temporary workspace, runner temp and output files of this run. */
  dirs: { root: string; workspace: string; runnerTemp: string }
}

export interface RunOptions {
  /** Input values by their action.yml names, e.g. `{ 'program-id': '1001' }`. */
  inputs: Record<string, string>
  /** Files to create in the workspace, by relative path. */
  files?: Record<string, string | Buffer>
  /** Symbolic links to create in the workspace: relative path -> what the link points at. */
  links?: Record<string, string>
  /** Extra environment (e.g. ACTIONS_RUNTIME_TOKEN). */
  env?: Record<string, string>
  /** Reuse a workspace from an earlier run. */
  workspace?: string
  /** Skips the check that no secret, token or input email appears in the run's output. */
  allowLeaks?: boolean
  /** Skips the check that stdout holds no workflow command the action did not mean to send. */
  allowCommands?: boolean
  /** Called with the child once it started (to send signals). */
  onSpawn?: (child: ReturnType<typeof spawn>) => void
  timeoutMs?: number
}

/**
 * Runs the built action exactly as the runner does: `node dist/index.js` with `INPUT_*`
 * variables (hyphens kept), GITHUB_OUTPUT and GITHUB_STEP_SUMMARY files, a workspace and a
 * runner temp folder.
 */
export async function runAction(options: RunOptions): Promise<ActionRun> {
  bundleChecked ??= (assertBundleFresh(ACTION_ENTRY, resolve(import.meta.dirname, '../src')), true)
  const root = await mkdtemp(join(tmpdir(), 'mpmi-e2e-'))
  removeAtExit(root)
  const workspace = options.workspace ?? join(root, 'workspace')
  const runnerTemp = join(root, 'runner-temp')
  const outputFile = join(root, 'github-output')
  const summaryFile = join(root, 'step-summary')
  const { mkdir } = await import('node:fs/promises')
  await mkdir(workspace, { recursive: true })
  await mkdir(runnerTemp, { recursive: true })
  await writeFile(outputFile, '')
  await writeFile(summaryFile, '')
  for (const [relativePath, content] of Object.entries(options.files ?? {})) {
    const target = join(workspace, relativePath)
    await mkdir(join(target, '..'), { recursive: true })
    await writeFile(target, content)
  }
  for (const [relativePath, pointsAt] of Object.entries(options.links ?? {})) {
    const link = join(workspace, relativePath)
    await mkdir(join(link, '..'), { recursive: true })
    await symlink(pointsAt, link)
  }
  const env: Record<string, string> = {
    PATH: process.env['PATH'] ?? '',
    HOME: process.env['HOME'] ?? root,
    GITHUB_WORKSPACE: workspace,
    RUNNER_TEMP: runnerTemp,
    GITHUB_OUTPUT: outputFile,
    GITHUB_STEP_SUMMARY: summaryFile,
    GITHUB_REPOSITORY: 'acme/marketing-lists',
    GITHUB_RUN_ID: '4242',
    GITHUB_RUN_ATTEMPT: '1',
    GITHUB_JOB: 'import',
    GITHUB_ACTION: '__run',
    GITHUB_SERVER_URL: 'https://github.com',
    GITHUB_API_URL: 'https://api.github.com',
    GITHUB_EVENT_NAME: 'workflow_dispatch',
    RUNNER_NAME: 'e2e-runner',
    ...options.env
  }
  for (const [name, value] of Object.entries(options.inputs)) {
    env[`INPUT_${name.toUpperCase()}`] = value
  }
  const child = spawn(process.execPath, [ACTION_ENTRY], { cwd: workspace, env, stdio: 'pipe' })
  options.onSpawn?.(child)
  let stdout = ''
  let stderr = ''
  child.stdout.setEncoding('utf8').on('data', (chunk: string) => (stdout += chunk))
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const timeoutMs = options.timeoutMs ?? 60_000
  const [code, signal] = await new Promise<[number | null, NodeJS.Signals | null]>(
    (resolveExit) => {
      const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs)
      child.on('exit', (exitCode, exitSignal) => {
        clearTimeout(timer)
        resolveExit([exitCode, exitSignal])
      })
    }
  )
  await new Promise((r) => setImmediate(r))
  const run: ActionRun = {
    code,
    signal,
    stdout,
    stderr,
    outputs: parseOutputs(await readFile(outputFile, 'utf8')),
    summary: await readFile(summaryFile, 'utf8'),
    dirs: { root, workspace, runnerTemp }
  }
  if (!options.allowLeaks) assertNoLeaks(run, options)
  if (!options.allowCommands) assertOnlyIntendedCommands(run.stdout)
  return run
}

/** The workflow commands the action sends: masks, folded groups, debug lines and annotations. */
export const INTENDED_COMMANDS: ReadonlySet<string> = new Set([
  'add-mask',
  'group',
  'endgroup',
  'debug',
  'error',
  'warning',
  'notice'
])

const ANNOTATION_PROPERTIES = new Set(['title', 'file', 'line', 'endLine', 'col', 'endColumn'])

/**
 * Every run is checked: the runner acts on `::name::` at the start of a line (after spaces) and
 * on the legacy `##[name]` anywhere in one, so no stdout line may hold a command other than the
 * action's own, and an annotation's properties are only the ones the action sets.
 */
export function assertOnlyIntendedCommands(stdout: string): void {
  for (const line of stdout.split('\n')) {
    if (line.includes('##[')) throw new Error(`unintended legacy workflow command: ${line}`)
    const command = /^::([^ :]*)( [^:]*)?::/.exec(line.trimStart())
    if (!line.trimStart().startsWith('::')) continue
    const name = command?.[1] ?? ''
    if (!command || !INTENDED_COMMANDS.has(name)) {
      throw new Error(`unintended workflow command: ${line}`)
    }
    for (const pair of (command[2] ?? '').trim().split(',').filter(Boolean)) {
      const key = pair.slice(0, pair.indexOf('='))
      if (!ANNOTATION_PROPERTIES.has(key) || name === 'add-mask' || name === 'debug') {
        throw new Error(`unintended property ${key} of a workflow command: ${line}`)
      }
    }
  }
}

/**
 * Every run is checked: the client secret, every token the action masked and every email in the
 * input files must not appear in its log, summary or outputs, except where a secret is
 * registered with `::add-mask::` (the runner then hides it).
 */
export function assertNoLeaks(run: ActionRun, options: RunOptions): void {
  const masked = run.stdout
    .split('\n')
    .filter((line) => line.startsWith('::add-mask::'))
    .map((line) => line.slice('::add-mask::'.length).trim())
  const secrets = [...masked, options.inputs['client-secret'] ?? ''].filter((s) => s.length >= 4)
  const emails = Object.values(options.files ?? {}).flatMap((content) =>
    [...content.toString('utf8').matchAll(EMAIL)].map((match) => match[0])
  )
  const shown = [
    [
      'stdout',
      run.stdout
        .split('\n')
        .filter((line) => !line.startsWith('::add-mask::'))
        .join('\n')
    ],
    ['stderr', run.stderr],
    ['summary', run.summary],
    ['outputs', JSON.stringify(run.outputs)]
  ] as const
  for (const [where, text] of shown) {
    const lower = text.toLowerCase()
    for (const secret of secrets) {
      if (text.includes(secret)) throw new Error(`leak: a secret or token appears in ${where}`)
    }
    for (const email of emails) {
      if (lower.includes(email.toLowerCase()))
        throw new Error(`leak: input email ${email} appears in ${where}`)
    }
  }
}

/** Anything shaped like an address in a row, valid for Marketo or not. */
const EMAIL = /[^\s,;\t"'<>@]+@[^\s,;\t"'<>@]+/g

const roots: string[] = []

function removeAtExit(root: string): void {
  roots.push(root)
}

/**
 * Removes the folders of every run so far (jest calls it after each test file; set
 * KEEP_E2E_DIRS=1 to look at them).
 */
export function removeRunFolders(): void {
  if (process.env['KEEP_E2E_DIRS']) return
  for (const dir of roots.splice(0)) rmSync(dir, { recursive: true, force: true })
}

/** Reads `$GITHUB_OUTPUT`: `name<<DELIMITER`, value lines, `DELIMITER`. */
export function parseOutputs(text: string): Record<string, string> {
  const outputs: Record<string, string> = {}
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const match = /^([^<=]+)<<(.+)$/.exec(lines[i] as string)
    if (!match) {
      const simple = /^([^=]+)=(.*)$/.exec(lines[i] as string)
      if (simple) outputs[simple[1] as string] = simple[2] as string
      continue
    }
    const [, name, delimiter] = match
    const value: string[] = []
    for (i++; i < lines.length && lines[i] !== delimiter; i++) value.push(lines[i] as string)
    outputs[name as string] = value.join('\n')
  }
  return outputs
}

/** Annotation commands printed on stdout: `::error file=F,line=N,title=T::message`. */
export function annotations(
  stdout: string
): { kind: string; props: Record<string, string>; message: string }[] {
  const found: { kind: string; props: Record<string, string>; message: string }[] = []
  for (const line of stdout.split('\n')) {
    const match = /^::(error|warning|notice)(?: ([^:]*))?::(.*)$/.exec(line.trimEnd())
    if (!match) continue
    const props: Record<string, string> = {}
    for (const pair of (match[2] ?? '').split(',').filter(Boolean)) {
      const at = pair.indexOf('=')
      props[pair.slice(0, at)] = decodeURIComponent(pair.slice(at + 1).replace(/%2C/g, ','))
    }
    found.push({ kind: match[1] as string, props, message: match[3] as string })
  }
  return found
}
