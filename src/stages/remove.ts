/**
 * After the imports, before the report: removes from the program the members that left the
 * list (removed-records: remove, or mirror), within the guards. The work is in src/removals/;
 * this stage builds the Marketo client and says what it does in the log.
 */
import { randomBytes } from 'node:crypto'
import { join } from 'node:path'
import { core, secrets } from '../github/log.js'
import type { FilePlan } from '../files/index.js'
import type { Inputs } from '../inputs/index.js'
import type { ScheduleOutcome } from '../jobs/scheduler.js'
import { MarketoClient } from '../marketo/index.js'
import { removalBlocked } from '../removals/guard.js'
import { runRemovals } from '../removals/run.js'
import type { RemovalCandidate, RemovalOutcome } from '../removals/types.js'
import { realSleep, systemClock } from '../time.js'
import { cancelOnSignals, requestTimeouts, scaledTimes } from './import.js'

export interface RemovalFacts {
  /** The files as matched (mirror reads their emails). */
  plans: FilePlan[]
  fileProblems: number
  fileErrors: number
  candidates: RemovalCandidate[]
  outcome: ScheduleOutcome
  startedAt: number
}

/** Undefined when the run removes nobody (removed-records: keep, mirror: false). */
export async function removeMembersStage(
  inputs: Inputs,
  facts: RemovalFacts
): Promise<RemovalOutcome | undefined> {
  const mode = inputs.mirror
    ? 'mirror'
    : inputs.removedRecords === 'remove'
      ? 'removed-records'
      : undefined
  if (mode === undefined) return undefined
  const blocked = removalBlocked({
    results: facts.outcome.results,
    ...(facts.outcome.stop ? { stopped: facts.outcome.stop.message } : {}),
    fileProblems: facts.fileProblems,
    fileErrors: facts.fileErrors,
    dryRun: inputs.dryRun
  })
  const cancel = cancelOnSignals()
  try {
    const hasCredentials = inputs.clientId !== '' && inputs.clientSecret !== ''
    const client = hasCredentials
      ? new MarketoClient({
          ...inputs.endpoint,
          clientId: inputs.clientId,
          clientSecret: inputs.clientSecret,
          onSecret: (token) => core.setSecret(token),
          ...scaledTimes(process.env),
          ...requestTimeouts(process.env),
          signal: cancel.signal,
          log: { debug: core.debug, info: core.info, warning: core.warning }
        })
      : undefined
    const outcome = await core.group(
      mode === 'mirror'
        ? 'Mirroring the program: removing the members in none of the files'
        : 'Removing the members whose records were removed',
      () =>
        runRemovals(
          {
            mode,
            dryRun: inputs.dryRun,
            programId: inputs.programId,
            statuses: [inputs.programMemberStatus],
            maxRemovals: inputs.maxRemovals,
            candidates: facts.candidates,
            plans: facts.plans,
            ...(blocked ? { blocked } : {})
          },
          {
            api: client,
            exportPath: join(
              inputs.scratchDir,
              `marketo-members-${randomBytes(6).toString('hex')}.csv`
            ),
            lookupUrl: `${inputs.endpoint.restUrl.replace(/\/+$/, '').replace(/\/rest$/, '')}/rest/v1/leads.json`,
            pollIntervalMs: inputs.pollIntervalMs,
            maxPollIntervalMs: inputs.maxPollIntervalMs,
            deadline: facts.startedAt + inputs.timeoutMs,
            clock: systemClock,
            sleep: realSleep,
            signal: cancel.signal,
            calls: () => client?.stats.calls ?? 0,
            info: core.info
          }
        )
    )
    if (outcome.held !== undefined) outcome.held = secrets.scrub(outcome.held)
    for (const item of outcome.notRemoved) item.why = secrets.scrub(item.why)
    core.info(
      `Removals: ${outcome.removed.length} removed, ${outcome.notRemoved.length + outcome.notListed} not removed` +
        (outcome.wouldRemove ? `, ${outcome.wouldRemove.length} would be removed (dry run)` : '') +
        (outcome.held ? `; ${outcome.held}` : '')
    )
    return outcome
  } finally {
    cancel.dispose()
  }
}
