/**
 * Between the local checks and the first submit: asks Marketo about the program, its channel's
 * statuses, the fields and today's usage (read-only calls), and stops the run before any row is
 * sent when the files or inputs cannot import. Its client goes on to the import: one token.
 */
import { open } from 'node:fs/promises'
import { core, secrets } from '../github/log.js'
import { parseFields, type FilePlan } from '../files/index.js'
import { plural } from '../format.js'
import type { Inputs } from '../inputs/index.js'
import type { RunMode } from '../inputs/run-mode.js'
import { runInstanceChecks } from '../instance/run.js'
import type { InstanceFacts } from '../instance/types.js'
import { MarketoApiError } from '../marketo/index.js'
import { cancelOnSignals, runClientOf, type RunClient } from './import.js'

export interface InstanceStage {
  /** The client the checks used, for the import to go on with the same token. */
  client?: RunClient
  facts?: InstanceFacts
  /** Why the run stops before submitting; the lines are each logged as an error. */
  stop?: string
}

async function headerOf(plan: FilePlan): Promise<string[]> {
  const { start, end } = plan.header
  if (end <= start) return []
  const file = await open(plan.path, 'r')
  try {
    const bytes = Buffer.alloc(end - start)
    await file.read(bytes, 0, bytes.length, start)
    return parseFields(bytes, plan.format)
  } finally {
    await file.close()
  }
}

export async function checkInstanceStage(
  inputs: Inputs,
  mode: RunMode,
  plans: FilePlan[],
  parts: number
): Promise<InstanceStage> {
  if (!inputs.checkInstance || mode.kind !== 'import' || parts === 0) return {}
  const cancel = cancelOnSignals()
  try {
    const shared = runClientOf(inputs)
    const { client } = shared
    cancel.signal.addEventListener('abort', () => shared.cancel.abort(cancel.signal.reason), {
      once: true
    })
    const headers = await Promise.all(
      plans.map(async (plan) => ({ displayPath: plan.displayPath, columns: await headerOf(plan) }))
    )
    const checked = await core
      .group('Checking the program, status, columns and quota in Marketo', () =>
        runInstanceChecks(
          client,
          {
            programId: inputs.programId,
            programMemberStatus: inputs.programMemberStatus,
            dailyQuota: inputs.dailyQuota,
            parts,
            headers
          },
          () => client.stats.calls
        )
      )
      .catch((error: unknown) => {
        // A failure Marketo's answers explain (credentials, the quota, an outage) stops the run.
        if (error instanceof MarketoApiError) return secrets.scrub(error.message)
        throw error
      })
    if (typeof checked === 'string') return { client: shared, stop: checked }
    for (const warning of checked.warnings) core.warning(secrets.scrub(warning))
    // One problem is the verdict's line; several are each logged, and the verdict counts them.
    if (checked.problems.length > 1) {
      for (const problem of checked.problems) core.error(secrets.scrub(problem))
    }
    core.info(`Instance checks: ${plural(checked.facts.calls, 'API call')}`)
    if (checked.problems.length === 0) return { client: shared, facts: checked.facts }
    return {
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
