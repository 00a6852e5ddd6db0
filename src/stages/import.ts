import { core, secrets } from '../github/log.js'
import { mkdir } from 'node:fs/promises'
import type { FilePlan, Part } from '../files/index.js'
import { sourceOfPart } from '../changes/source.js'
import { formatCount, formatDuration, plural } from '../format.js'
import type { Inputs } from '../inputs/index.js'
import type { RunMode } from '../inputs/run-mode.js'
import type { JobLedger } from '../jobs/ledger.js'
import type { PartQueue } from '../jobs/part-queue.js'
import { isBatchPart } from '../jobs/parts.js'
import {
  describePart,
  notSubmitted,
  runImportJobs,
  type ScheduleOutcome
} from '../jobs/scheduler.js'
import type { ImportApi, ImportTarget, JobPart } from '../jobs/types.js'
import { DEFAULT_LIMITS, MarketoClient, type MarketoClientOptions } from '../marketo/index.js'
import { batchIdsOutput } from '../report/outputs.js'
import { collectRowFiles, type RowFileApi } from '../report/row-files.js'
import { scrubFile } from '../report/scrub-files.js'
import type { SecretScrubber } from '../text/secrets.js'
import { ResumeApi } from '../jobs/resume.js'
import { realSleep, systemClock } from '../time.js'
import { countStreamedBytes } from '../memory.js'

export interface Imported {
  outcome: ScheduleOutcome
  apiCalls: number
}

/**
 * Moves the parts through Marketo (or, resuming with batch-ids, polls the jobs an earlier run
 * submitted), downloading each ended job's failure and warning files into output-dir. Each
 * job is recorded in `ledger` as it is submitted, and the batch-ids output written, so a run
 * that dies on the way still names its jobs. A dry run reaches no network: it says what each
 * part would be.
 *
 * `parts` may be a queue the checks fill while the import runs: then `plans` grows with it, each
 * file's plan added before its parts.
 */
export async function importParts(
  inputs: Inputs,
  mode: RunMode,
  parts: JobPart[] | PartQueue,
  plans: FilePlan[],
  ledger: JobLedger,
  startedAt: number,
  shared?: RunClient
): Promise<Imported> {
  if (Array.isArray(parts) && (mode.kind === 'dry-run' || parts.length === 0)) {
    const would = (part: JobPart): string =>
      part.held ?? `dry run: would be submitted as ${describePart(part)}`
    return {
      outcome: { results: parts.map((part) => notSubmitted(part, would(part))) },
      apiCalls: 0
    }
  }
  await mkdir(inputs.outputDir, { recursive: true })
  const planOf = planLookup(plans)
  const cancel = cancelOnSignals()
  try {
    const { client, cancel: abortClient } = shared ?? runClientOf(inputs)
    cancel.signal.addEventListener('abort', () => abortClient.abort(cancel.signal.reason), {
      once: true
    })
    if (mode.kind === 'resume') {
      core.setOutput('batch-ids', batchIdsOutput(mode.batchIds))
      core.info(
        `Resuming ${plural(mode.batchIds.length, 'import job')} (batch ids ${mode.batchIds.join(',')}): nothing is submitted`
      )
    } else if (!Array.isArray(parts)) {
      core.info(
        `Importing the parts of each file as soon as its checks pass, up to ${inputs.maxConcurrentJobs} jobs at once`
      )
    } else {
      const sent = parts.filter((part) => part.held === undefined)
      const rows = plural(
        sent.reduce((total, part) => total + (isBatchPart(part) ? 0 : part.rows), 0),
        'row'
      )
      const targets = new Set(
        sent.map((part) =>
          part.target ? `${part.target.programId}\u0000${part.target.programMemberStatus}` : ''
        )
      )
      const into =
        targets.size > 1 || sent.some((part) => part.target)
          ? `into ${plural(targets.size, 'program and status', 'programs and statuses')}`
          : `into program ${inputs.programId} as "${inputs.programMemberStatus}"`
      core.info(
        `Importing ${rows} in ${plural(parts.length, 'part')} ${into}, up to ${inputs.maxConcurrentJobs} jobs at once`
      )
    }
    const marketo = scrubbedMarketo(client, secrets)
    const outcome = await runImportJobs(
      parts,
      mode.kind === 'resume' && mode.withFiles ? new ResumeApi(mode.batchIds, marketo) : marketo,
      {
        programId: inputs.programId,
        programMemberStatus: inputs.programMemberStatus,
        // Resuming polls every job given at once: they are all in Marketo already.
        maxConcurrentJobs:
          mode.kind === 'resume' ? Math.max(1, mode.batchIds.length) : inputs.maxConcurrentJobs,
        pollIntervalMs: inputs.pollIntervalMs,
        maxPollIntervalMs: inputs.maxPollIntervalMs,
        deadline: startedAt + inputs.timeoutMs,
        clock: systemClock,
        sleep: realSleep,
        controller: cancel.controller,
        // Resuming uploads nothing: the adapter answers without opening the source.
        sourceOf: (part: JobPart) => {
          const plan = planOf(part)
          return sourceOfPart(part as Part, plan.header, plan.sentHeader?.bytes)
        },
        onSubmitted: (result) => {
          ledger.record(result)
          // The last value written wins: a run killed from outside still leaves its batch ids.
          if (mode.kind !== 'resume') core.setOutput('batch-ids', batchIdsOutput(ledger.batchIds()))
        },
        onJobEnded: (result) => collectRowFiles(result, marketo, inputs.outputDir, core),
        log: {
          info: core.info,
          warning: core.warning,
          progress: (p) =>
            core.info(
              `Progress: ${p.partsEnded}/${p.partsTotal} parts done, ${p.partsOpen} in Marketo's queue, ` +
                `${p.partsWaiting} waiting; ${formatCount(p.rowsImported)} rows imported; ` +
                `${formatDuration(p.elapsedMs)}; ${plural(client.stats.calls, 'API call')}`
            )
        }
      }
    )
    const apiCalls = client.stats.calls
    core.info(
      `Marketo API calls used: ${apiCalls} (plus ${plural(client.stats.identityCalls, 'token request')})`
    )
    return { outcome, apiCalls }
  } finally {
    cancel.dispose()
  }
}

/**
 * The plan each part is sent from: by its import and its file, since one file in two imports is
 * two plans (their headers may be sent renamed differently). The stages after the local checks
 * may copy parts, never their target.
 */
function planLookup(plans: readonly FilePlan[]): (part: JobPart) => FilePlan {
  const byTarget = new Map<ImportTarget | undefined, Map<string, FilePlan>>()
  // The plans that arrive while the import runs are indexed when a part asks.
  let indexed = 0
  return (part) => {
    for (; indexed < plans.length; indexed++) {
      const plan = plans[indexed] as FilePlan
      for (const each of plan.parts as JobPart[]) {
        const byPath = byTarget.get(each.target) ?? new Map<string, FilePlan>()
        byPath.set(plan.path, plan)
        byTarget.set(each.target, byPath)
      }
    }
    const plan = byTarget.get(part.target)?.get((part as Part).path)
    if (plan === undefined) throw new Error(`no plan for ${describePart(part)}`)
    return plan
  }
}

/** The run's one Marketo client (one token for the instance checks and the import), and its abort. */
export interface RunClient {
  client: MarketoClient
  cancel: AbortController
}

export function runClientOf(inputs: Inputs): RunClient {
  const cancel = new AbortController()
  const client = new MarketoClient({
    ...inputs.endpoint,
    clientId: inputs.clientId,
    clientSecret: inputs.clientSecret,
    onSecret: (token) => core.setSecret(token),
    onUploadBytes: countStreamedBytes,
    ...scaledTimes(process.env),
    ...requestTimeouts(process.env),
    signal: cancel.signal,
    log: { debug: core.debug, info: core.info, warning: core.warning }
  })
  return { client, cancel }
}

/**
 * Where Marketo's text enters the run: its messages (job status, errors) and its failure and
 * warning files have every secret replaced by `***` before the run keeps or writes them, so a
 * server that echoes the client secret or a token leaks it nowhere.
 */
function scrubbedMarketo(client: MarketoClient, scrubber: SecretScrubber): ImportApi & RowFileApi {
  const clean = (error: unknown): never => {
    if (error instanceof Error) {
      const marketoMessage = (error as { marketoMessage?: unknown }).marketoMessage
      Object.assign(error, {
        message: scrubber.scrub(error.message),
        ...(typeof marketoMessage === 'string'
          ? { marketoMessage: scrubber.scrub(marketoMessage) }
          : {})
      })
    }
    throw error
  }
  const download =
    (kind: 'downloadFailures' | 'downloadWarnings') =>
    async (batchId: number, path: string): Promise<boolean> => {
      const saved = await client[kind](batchId, path).catch(clean)
      if (saved) await scrubFile(path, scrubber, countStreamedBytes)
      return saved
    }
  return {
    submitImport: (request) => client.submitImport(request).catch(clean),
    getImportStatus: async (batchId) => {
      const status = await client.getImportStatus(batchId).catch(clean)
      return { ...status, message: scrubber.scrub(status.message) }
    },
    downloadFailures: download('downloadFailures'),
    downloadWarnings: download('downloadWarnings')
  }
}

/**
 * The runner cancels a step with SIGINT, then SIGTERM about 7.5 s later: stop submitting, report
 * what was submitted, and let the step fail.
 */
export function cancelOnSignals(): {
  controller: AbortController
  signal: AbortSignal
  dispose(): void
} {
  const controller = new AbortController()
  const onSignal = (name: string) => (): void => {
    if (!controller.signal.aborted)
      core.warning(`Received ${name}: stopping and writing the report`)
    controller.abort(new Error(`cancelled by ${name}`))
  }
  const onInt = onSignal('SIGINT')
  const onTerm = onSignal('SIGTERM')
  process.on('SIGINT', onInt)
  process.on('SIGTERM', onTerm)
  return {
    controller,
    signal: controller.signal,
    dispose: () => {
      process.off('SIGINT', onInt)
      process.off('SIGTERM', onTerm)
    }
  }
}

/**
 * Contributors' knob: MARKETO_IMPORT_TIME_SCALE (e.g. 0.01) shortens the retry waits (back-off,
 * Marketo's 20 s rate window, queue-full waits) and the 20 s window of the action's own call
 * limiter when the action runs against the simulator.
 */
export function scaledTimes(
  env: NodeJS.ProcessEnv
): Pick<MarketoClientOptions, 'retry' | 'limits'> {
  const scale = Number(env['MARKETO_IMPORT_TIME_SCALE'])
  if (!env['MARKETO_IMPORT_TIME_SCALE'] || !(scale > 0 && scale <= 1)) return {}
  return {
    retry: {
      baseDelayMs: 1000 * scale,
      maxDelayMs: 30_000 * scale,
      rateWindowMs: 20_000 * scale,
      queueWaitMs: 5000 * scale,
      maxQueueWaitMs: 60_000 * scale
    },
    limits: { windowMs: DEFAULT_LIMITS.windowMs * scale }
  }
}

/**
 * Contributors' knob: MARKETO_IMPORT_REQUEST_TIMEOUT_MS (e.g. 300) is how long the action waits
 * for any answer, uploads included, so tests can have the simulator answer too late.
 */
export function requestTimeouts(
  env: NodeJS.ProcessEnv
): Pick<MarketoClientOptions, 'requestTimeoutMs' | 'submitTimeoutMs'> {
  const ms = Number(env['MARKETO_IMPORT_REQUEST_TIMEOUT_MS'])
  if (!env['MARKETO_IMPORT_REQUEST_TIMEOUT_MS'] || !(Number.isFinite(ms) && ms >= 50)) return {}
  return { requestTimeoutMs: ms, submitTimeoutMs: ms }
}
