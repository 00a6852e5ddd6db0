/**
 * The removals of one run, after its imports: the guards, the program's members when they are
 * needed (mirror, or a share as max-removals), then the removal itself. Marketo is reached only
 * through `api`; a dry run removes nobody and says who would be removed.
 */
import { rm } from 'node:fs/promises'
import type { FilePlan } from '../files/index.js'
import { messageOf, plural } from '../format.js'
import type { Threshold } from '../inputs/index.js'
import { EmailSet } from './email-set.js'
import { exportMembers, type ExportApi, type ExportOptions } from './export.js'
import { pastLimit, removalLimit, type RemovalLimit } from './guard.js'
import { compareMembers, emailsOfFiles } from './mirror.js'
import { removeCandidates, type RemovalApi } from './remove.js'
import type { RemovalCandidate, RemovalMode, RemovalOutcome } from './types.js'

export interface RemovalRequest {
  mode: RemovalMode
  dryRun: boolean
  programId: string
  statuses: string[]
  maxRemovals: Threshold
  /** removed-records: the records removed since the ref. */
  candidates: RemovalCandidate[]
  /** mirror: the matched files, whose emails keep their members. */
  plans: FilePlan[]
  /** Why removal must not start (a failed import, a file error, a stopped run). */
  blocked?: string
}

/** The export's polling, deadline and time come from the run, as the imports' do. */
export interface RemovalDeps extends Pick<
  ExportOptions,
  'pollIntervalMs' | 'maxPollIntervalMs' | 'deadline' | 'clock' | 'sleep' | 'signal'
> {
  /** Undefined: no credentials (a dry run without them). */
  api: (RemovalApi & ExportApi) | undefined
  /** Where the member export is saved (and deleted after). */
  exportPath: string
  lookupUrl: string
  /** Marketo calls made so far by `api`. */
  calls: () => number
  info: (message: string) => void
}

export async function runRemovals(
  request: RemovalRequest,
  deps: RemovalDeps
): Promise<RemovalOutcome> {
  const callsBefore = deps.calls()
  const outcome: RemovalOutcome = {
    mode: request.mode,
    dryRun: request.dryRun,
    candidates: request.candidates.length,
    removed: [],
    notRemoved: [],
    notListed: 0,
    apiCalls: 0
  }
  const hold = (why: string, toRemove: number): RemovalOutcome => {
    outcome.held = why
    outcome.candidates = toRemove
    outcome.notListed = toRemove
    return outcome
  }
  try {
    if (request.blocked !== undefined) {
      return hold(`removal did not start: ${request.blocked}`, request.candidates.length)
    }
    const needMembers = request.mode === 'mirror' || request.maxRemovals.kind === 'percent'
    if (needMembers && deps.api === undefined) {
      if (request.mode === 'mirror') {
        return hold('a dry run of mirror needs client-id and client-secret to read the members', 0)
      }
      outcome.wouldRemove = request.candidates.map((candidate) => candidate.source)
      return outcome
    }
    let candidates = request.candidates
    let limit: RemovalLimit
    if (needMembers && deps.api !== undefined) {
      deps.info(
        `Exporting the members of program ${request.programId} with status ` +
          request.statuses.map((status) => `"${status}"`).join(' or ')
      )
      const exported = await exportMembers(deps.api, {
        programId: request.programId,
        statusNames: request.statuses,
        destinationPath: deps.exportPath,
        pollIntervalMs: deps.pollIntervalMs,
        maxPollIntervalMs: deps.maxPollIntervalMs,
        deadline: deps.deadline,
        clock: deps.clock,
        sleep: deps.sleep,
        ...(deps.signal ? { signal: deps.signal } : {})
      })
      outcome.exportPolls = exported.polls
      const files = request.mode === 'mirror' ? await emailsOfFiles(request.plans) : new EmailSet()
      const counted = exported.saved
        ? await compareMembers(deps.exportPath, files, 0)
        : { members: 0, toRemove: 0, candidates: [] }
      outcome.currentMembers = counted.members
      deps.info(`The program has ${plural(counted.members, 'member')} with that status`)
      limit = removalLimit(request.maxRemovals, counted.members, request.statuses)
      if (request.mode === 'mirror') {
        const past = pastLimit(counted.toRemove, limit)
        if (past !== undefined) return { ...hold(past, counted.toRemove), limit }
        candidates = counted.toRemove
          ? (await compareMembers(deps.exportPath, files, counted.toRemove)).candidates
          : []
      }
    } else {
      limit = removalLimit(request.maxRemovals, undefined, request.statuses)
    }
    outcome.limit = limit
    outcome.candidates = candidates.length
    const past = pastLimit(candidates.length, limit)
    if (past !== undefined) return hold(past, candidates.length)
    if (request.dryRun) {
      outcome.wouldRemove = candidates.map((candidate) => candidate.source)
      return outcome
    }
    if (deps.api === undefined) return hold('no Marketo credentials', candidates.length)
    deps.info(`Removing ${plural(candidates.length, 'member')} from program ${request.programId}`)
    const removal = await removeCandidates(candidates, deps.api, {
      programId: request.programId,
      lookupUrl: deps.lookupUrl,
      ...(deps.signal ? { signal: deps.signal } : {})
    })
    outcome.removed = removal.removed
    outcome.notRemoved = removal.notRemoved
    if (removal.held !== undefined) outcome.held = removal.held
    return outcome
  } catch (error) {
    const why = deps.signal?.aborted ? 'the run was cancelled' : 'a Marketo call failed'
    return hold(`${why}: ${messageOf(error)}`, outcome.candidates)
  } finally {
    outcome.apiCalls = deps.calls() - callsBefore
    await rm(deps.exportPath, { force: true })
  }
}
