/**
 * Between the local checks and the first submit: asks Marketo about the program, its channel's
 * statuses, the fields and today's usage (read-only calls), and stops the run before any row is
 * sent when the files or inputs cannot import. Its client goes on to the import: one token.
 */
import { core, secrets } from '../github/log.js'
import {
  oversizedAfterRename,
  readHeader,
  renameColumns,
  withSentHeader,
  type ColumnMapping,
  type FilePlan
} from '../files/index.js'
import { plural } from '../format.js'
import type { Inputs } from '../inputs/index.js'
import type { RunMode } from '../inputs/run-mode.js'
import { runInstanceChecks } from '../instance/run.js'
import { sentColumns } from '../statuses/group.js'
import { statusesOf, type ProgramStatuses } from '../statuses/order.js'
import type { InstanceFacts } from '../instance/types.js'
import { MarketoApiError, type MarketoClient } from '../marketo/index.js'
import type { InstanceApi } from '../instance/run.js'
import { cancelOnSignals, runClientOf, type RunClient } from './import.js'

export interface InstanceStage {
  /** The plans as they are sent: with the renamed header of each file whose columns are renamed. */
  plans: FilePlan[]
  /** The client the checks used, for the import to go on with the same token. */
  client?: RunClient
  facts?: InstanceFacts
  /** Why the run stops before submitting; the lines are each logged as an error. */
  stop?: string
  /** status-column: its statuses as the channel knows them, to order (and hold) their parts. */
  statuses?: ProgramStatuses
}

/** A dry run may ask Marketo (read-only calls) when it is given the credentials to. */
export function hasCredentials(inputs: Inputs): boolean {
  return inputs.endpoint.restUrl !== '' && inputs.clientId !== '' && inputs.clientSecret !== ''
}

/**
 * `parts` is the run's, for the quota; `shared` is the client of an earlier import's checks, for
 * the run's imports to share one token. `sendsRows`: whether a file has rows to send (a header
 * plan, `planHeader`, has no parts yet).
 */
export async function checkInstanceStage(
  inputs: Inputs,
  mode: RunMode,
  plans: FilePlan[],
  parts: number,
  sharedClient?: RunClient,
  sendsRows: (plan: FilePlan) => boolean = (plan) => plan.parts.length > 0
): Promise<InstanceStage> {
  const originals = await Promise.all(plans.map(readHeader))
  // The status column is not sent: neither checked as a field nor in the sent header.
  const renamed = originals.map((header, at) =>
    renameColumns(sentColumns(plans[at] as FilePlan, header.columns), inputs.columns)
  )
  const sentPlans = (sent: Array<{ columns: string[]; mappings: ColumnMapping[] }>): FilePlan[] =>
    plans.map((plan, at) => {
      const byColumns = renamed[at] as (typeof renamed)[number]
      const final = sent[at] ?? byColumns
      return withSentHeader(plan, originals[at] as (typeof originals)[number], final.columns, [
        ...byColumns.mappings,
        ...(sent[at]?.mappings ?? [])
      ])
    })
  if (!inputs.checkInstance || mode.kind === 'resume' || parts === 0) {
    const sent = sentPlans([])
    const oversized = sent.map(oversizedAfterRename).find((line) => line !== undefined)
    return oversized ? { plans, stop: oversized } : { plans: sent }
  }
  if (mode.kind === 'dry-run' && !hasCredentials(inputs)) {
    const skipped =
      'the program, status, columns and daily quota: a dry run without client-id, client-secret ' +
      'and munchkin-id (or rest-url) cannot ask Marketo'
    core.info(`Instance checks not run: ${skipped}`)
    return { plans: sentPlans([]), facts: { skipped: [skipped], calls: 0 } }
  }
  const cancel = cancelOnSignals()
  try {
    const shared = sharedClient ?? runClientOf(inputs)
    const { client } = shared
    cancel.signal.addEventListener('abort', () => shared.cancel.abort(cancel.signal.reason), {
      once: true
    })
    const headers = plans.map((plan, at) => ({
      displayPath: plan.displayPath,
      columns: (renamed[at] as (typeof renamed)[number]).columns
    }))
    const checked = await core
      .group('Checking the program, status, columns and quota in Marketo', () =>
        runInstanceChecks(
          onceEach(client),
          {
            programId: inputs.programId,
            programMemberStatus: inputs.programMemberStatus,
            dailyQuota: inputs.dailyQuota,
            parts,
            headers,
            mapDisplayNames: inputs.mapDisplayNames,
            ...(inputs.statusColumn
              ? { statusColumn: { column: inputs.statusColumn, statuses: statusesOf(plans) } }
              : {})
          },
          () => client.stats.calls
        )
      )
      .catch((error: unknown) => {
        // A failure Marketo's answers explain (credentials, the quota, an outage) stops the run.
        if (error instanceof MarketoApiError) return secrets.scrub(error.message)
        throw error
      })
    if (typeof checked === 'string') return { plans, client: shared, stop: checked }
    const sent = sentPlans(checked.sent)
    for (const plan of sent) {
      const oversized = oversizedAfterRename(plan)
      if (oversized) checked.problems.push(oversized)
    }
    sent.forEach((plan, at) => {
      const columns = plan.sentHeader?.columns ?? (renamed[at] as (typeof renamed)[number]).columns
      if (sendsRows(plan) && !columns.includes('email')) {
        checked.problems.push(
          `${plan.displayPath}: no email column: Marketo needs a column named exactly email, and ` +
            'map-display-names could not map one to it (the field descriptions were not read); rename the column to email or add it to columns'
        )
      }
    })
    for (const plan of sent) {
      for (const { from, to, why } of plan.sentHeader?.mappings ?? []) {
        core.info(`${plan.displayPath}: column "${from}" is sent as ${to} (${why})`)
      }
    }
    for (const warning of checked.warnings) core.warning(warning)
    // status-column: the parts of these are held back, each annotated at its line by the import.
    for (const why of checked.statuses?.unknown.values() ?? []) {
      core.info(`${why.replace(/\.$/, '')}; its rows are not submitted`)
    }
    // One problem is the verdict's line; several are each logged, and the verdict counts them.
    if (checked.problems.length > 1) {
      for (const problem of checked.problems) core.error(problem)
    }
    core.info(`Instance checks: ${plural(checked.facts.calls, 'API call')}`)
    if (checked.problems.length === 0) {
      return {
        plans: sent,
        client: shared,
        facts: checked.facts,
        ...(checked.statuses ? { statuses: new Map([[inputs.programId, checked.statuses]]) } : {})
      }
    }
    return {
      plans,
      client: shared,
      facts: checked.facts,
      stop:
        checked.problems.length === 1
          ? secrets.scrub(checked.problems[0] as string)
          : `the instance checks found ${checked.problems.length} problems (listed above); nothing was submitted`
    }
  } finally {
    cancel.dispose()
  }
}

const instanceApis = new WeakMap<MarketoClient, InstanceApi>()

/**
 * The client's instance calls, the channels, field descriptions and daily usage asked once per
 * run however many imports are checked; each program is asked for once per import.
 */
function onceEach(client: MarketoClient): InstanceApi {
  const known = instanceApis.get(client)
  if (known) return known
  const once = <T>(ask: () => Promise<T>): (() => Promise<T>) => {
    let answer: Promise<T> | undefined
    return () => (answer ??= ask())
  }
  const channels = once(() => client.getChannels())
  const fields = {
    lead: once(() => client.describeFields('lead')),
    member: once(() => client.describeFields('member'))
  }
  const usage = once(() => client.getDailyUsage())
  const api: InstanceApi = {
    getProgram: (programId) => client.getProgram(programId),
    getChannels: channels,
    describeFields: (of) => fields[of](),
    getDailyUsage: usage
  }
  instanceApis.set(client, api)
  return api
}
