/**
 * What the end-to-end tests share: a simulator started and stopped around the tests, the inputs
 * that point the built action at it, the reference samples and small readers of a run's log,
 * report and calls.
 */
import { afterAll, afterEach, beforeAll, beforeEach, expect } from '@jest/globals'
import { readdir, readFile } from 'node:fs/promises'
import { join, relative, resolve } from 'node:path'
import {
  assertNoLeaks,
  runAction,
  type ActionRun,
  type RunOptions
} from '../../scripts/run-action.js'
import { readZip, startResultsService, type ResultsService } from '../../testkit/results-service.js'
import {
  startSimulator,
  type RecordedRequest,
  type SimJob,
  type Simulator,
  type SimulatorOptions
} from '../../simulator/server.js'

/** Jobs that take milliseconds: 1 ms a row, 20 ms to start, 5 ms queued. */
export const SIMULATOR_DEFAULTS: SimulatorOptions = { msPerRow: 1, jobOverheadMs: 20, queuedMs: 5 }

/** The simulator of the running test; `restart` swaps it for one with other options. */
export interface SimulatorHandle {
  (): Simulator
  /** Stops the current simulator and starts one with `options` over the file's options. */
  restart(options?: SimulatorOptions): Promise<Simulator>
}

/**
 * Starts a simulator with `options` over SIMULATOR_DEFAULTS before each test (`scope: 'all'`:
 * once before the file's tests) and stops it after. Its hooks run in their turn among the file's
 * own: call it before the hooks that use the simulator.
 */
export function useSimulator(
  options: SimulatorOptions = {},
  { scope = 'each' }: { scope?: 'each' | 'all' } = {}
): SimulatorHandle {
  let current: Simulator | undefined
  const start = async (more: SimulatorOptions = {}): Promise<Simulator> => {
    current = await startSimulator({ ...SIMULATOR_DEFAULTS, ...options, ...more })
    return current
  }
  const stop = async (): Promise<void> => {
    const running = current
    current = undefined
    await running?.stop()
  }
  const [before, after] = scope === 'all' ? [beforeAll, afterAll] : [beforeEach, afterEach]
  before(async () => {
    await start()
  })
  after(stop)
  const get = (): Simulator => {
    if (!current) throw new Error('useSimulator: the simulator runs only within the tests')
    return current
  }
  return Object.assign(get, {
    restart: async (more?: SimulatorOptions) => {
      await stop()
      return start(more)
    }
  })
}

/** Where to import: program 1001 as "On List" through `sim`, without credentials (a fork's). */
export function programInputs(sim: Simulator): Record<string, string> {
  return { 'rest-url': sim.url, 'program-id': '1001', 'program-member-status': 'On List' }
}

/**
 * The inputs of an import into program 1001 as "On List" through `sim`, polling fast, with no
 * artifact upload; then `overrides`, where undefined leaves an input out (its default applies).
 */
export function simulatorInputs(
  sim: Simulator,
  overrides: Record<string, string | undefined> = {}
): Record<string, string> {
  const inputs: Record<string, string | undefined> = {
    ...programInputs(sim),
    'client-id': sim.clientId,
    'client-secret': sim.clientSecret,
    'poll-interval': '0.05',
    'max-poll-interval': '0.2',
    'upload-artifact': 'false',
    ...overrides
  }
  return Object.fromEntries(
    Object.entries(inputs).filter((entry): entry is [string, string] => entry[1] !== undefined)
  )
}

/** The action's waits shrunk 100 times: back-off from 10 ms, a 606 window of 200 ms. */
export const TIME_SCALE = 0.01
/** The environment that applies TIME_SCALE to the action's retry waits. */
export const FAST_RETRIES = { MARKETO_IMPORT_TIME_SCALE: String(TIME_SCALE) }

const SAMPLES = resolve(import.meta.dirname, '../../samples')

/** A file of samples/, such as the reference page's Lead-House-Lannister.csv, as text. */
export function readSample(name: string): Promise<string> {
  return readFile(resolve(SAMPLES, name), 'utf8')
}

/** `::add-mask::` lines are how a secret is registered with the runner, which then hides it. */
export function withoutMasks(log: string): string {
  return log
    .split('\n')
    .filter((line) => !line.startsWith('::add-mask::'))
    .join('\n')
}

/** The run's report.json: of the type the caller names, else as loosely typed as JSON.parse's. */
export async function readReport<T = ReturnType<typeof JSON.parse>>(run: ActionRun): Promise<T> {
  return JSON.parse(await readFile(run.outputs['report-path']!, 'utf8')) as T
}

/** The run's output-dir, the default one under the runner temp folder. */
export function outputDir(run: ActionRun): string {
  return join(run.dirs.runnerTemp, 'marketo-import')
}

/** The calls of one kind (submit, status, identity, ...) the simulator received. */
export function callsOf(sim: Simulator, kind: string): RecordedRequest[] {
  return sim.requests.filter((r) => r.kind === kind)
}

/** The emails (lower case) in the third column of a CSV's rows; values without an @ are left out. */
export function emailsOf(csv: string): string[] {
  return csv
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => line.split(',')[2]!.toLowerCase())
    .filter((email) => email.includes('@'))
}

/** Jobs of the simulator as the intervals they were open: from their submit to their end. */
export function openIntervals(jobs: SimJob[]): { start: number; end: number }[] {
  return jobs.map((job) => ({ start: job.createdAt, end: job.endedAt ?? Number.POSITIVE_INFINITY }))
}

/** Most intervals [start, end) open at one instant; an end and a start at the same ms do not overlap. */
export function maxOverlap(intervals: { start: number; end: number }[]): number {
  const events = intervals.flatMap(({ start, end }) => [
    { at: start, delta: 1 },
    { at: end, delta: -1 }
  ])
  events.sort((a, b) => a.at - b.at || a.delta - b.delta)
  let open = 0
  let most = 0
  for (const { delta } of events) {
    open += delta
    most = Math.max(most, open)
  }
  return most
}

/** Each of `emails` imported into program 1001 exactly once, and nothing else. */
export function expectImportedOnce(sim: Simulator, emails: string[]): void {
  const imported = sim.importedEmails('1001')
  expect([...imported.keys()].sort()).toEqual([...emails].sort())
  expect([...imported.values()].every((times) => times === 1)).toBe(true)
}

/**
 * A local artifact results service for the file's tests, reset before each: the getter gives it
 * to them. Point a run at it with `service().runtimeEnv(...)`.
 */
export function useResultsService(): () => ResultsService {
  let service: ResultsService | undefined
  beforeAll(async () => {
    service = await startResultsService()
  })
  afterAll(async () => {
    await service?.stop()
  })
  beforeEach(() => {
    service?.reset()
  })
  return () => {
    if (!service) throw new Error('useResultsService: the service runs only within the tests')
    return service
  }
}

/**
 * runAction for a run that uploads its artifact, with the leak check minus one line: the
 * toolkit's own `::debug::Body:` dump of CreateArtifact's answer, whose signed upload URL carries
 * the `sig` it registered with `::add-mask::` just before (a runner shows it as ***).
 */
export async function runUploading(options: RunOptions): Promise<ActionRun> {
  const action = await runAction({ ...options, allowLeaks: true })
  const toolkitDump = (line: string): boolean =>
    line.startsWith('::debug::Body:') && line.includes('"signed_upload_url"')
  const checked = action.stdout
    .split('\n')
    .filter((line) => !toolkitDump(line))
    .join('\n')
  if (!options.allowLeaks) assertNoLeaks({ ...action, stdout: checked }, options)
  return action
}

/** Every file under the run's output-dir, by its path relative to it. */
export async function outputDirFiles(run: ActionRun): Promise<Map<string, Buffer>> {
  const dir = outputDir(run)
  const files = new Map<string, Buffer>()
  for (const entry of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (!entry.isFile()) continue
    const path = join(entry.parentPath, entry.name)
    files.set(relative(dir, path), await readFile(path))
  }
  return files
}

/**
 * Everything of a run that someone can read besides the log: the outputs file as written, the
 * summary, every file in output-dir (report.json and report.md among them) and every file of
 * every artifact `service` received.
 */
export async function everythingWritten(
  run: ActionRun,
  service?: ResultsService
): Promise<Map<string, string>> {
  const written = new Map<string, string>([
    ['GITHUB_OUTPUT', await readFile(join(run.dirs.root, 'github-output'), 'utf8')],
    ['GITHUB_STEP_SUMMARY', run.summary]
  ])
  for (const [path, content] of await outputDirFiles(run)) {
    written.set(`output-dir/${path}`, content.toString('utf8'))
  }
  for (const artifact of service?.artifacts ?? []) {
    for (const [path, content] of readZip(artifact.zip)) {
      written.set(`artifact ${artifact.name}/${path}`, content.toString('utf8'))
    }
  }
  return written
}

/** Where (of everythingWritten) `text` appears; empty when nowhere. */
export async function whereWritten(
  text: string,
  run: ActionRun,
  service?: ResultsService
): Promise<string[]> {
  const written = await everythingWritten(run, service)
  return [...written].filter(([, content]) => content.includes(text)).map(([where]) => where)
}
