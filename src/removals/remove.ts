/**
 * Removes the candidates from the program: looks their leads up by email (at most 300 a call,
 * within the 8 KB URL), then deletes the members 300 at a time, reading each record's status.
 * Stops between calls when `signal` aborts or a call fails, and accounts for every candidate.
 */
import { messageOf } from '../format.js'
import type { FoundLead, MemberDeleteResult } from '../marketo/members.js'
import { chunksOf, lookupBatches } from './batches.js'
import type { NotRemoved, RemovalCandidate, RemovalSource, RemovedMember } from './types.js'

export interface RemovalApi {
  lookupLeads(emails: string[]): Promise<FoundLead[]>
  deleteMembers(programId: string, leadIds: number[]): Promise<MemberDeleteResult[]>
}

export interface RemoveOptions {
  programId: string
  /** The lookup's URL without its query, to keep each batch within 8 KB. */
  lookupUrl: string
  signal?: AbortSignal
  /** Told after each call (progress in the log). */
  onCall?: (removedSoFar: number) => void
}

export interface Removal {
  removed: RemovedMember[]
  notRemoved: NotRemoved[]
  held?: string
}

export const UNKNOWN_LEAD = 'unknown to Marketo'
export const NOT_A_MEMBER = 'not a member of the program'
export const NOT_A_MEMBER_AFTER_LOST_ANSWER =
  'no longer a member of the program: the delete was sent again after its answer was lost, ' +
  'so the first attempt most likely removed it'

export async function removeCandidates(
  candidates: readonly RemovalCandidate[],
  api: RemovalApi,
  options: RemoveOptions
): Promise<Removal> {
  const removal: Removal = { removed: [], notRemoved: [] }
  const targets: Array<{ leadId: number; source: RemovalSource }> = []
  const seenLeads = new Set<number>()
  const target = (leadId: number, source: RemovalSource): void => {
    if (seenLeads.has(leadId)) {
      removal.notRemoved.push({ source, why: 'the same lead as an earlier record', leadId })
      return
    }
    seenLeads.add(leadId)
    targets.push({ leadId, source })
  }
  const byEmail = new Map<string, RemovalSource[]>()
  for (const candidate of candidates) {
    if (candidate.leadId !== undefined) target(candidate.leadId, candidate.source)
    else byEmail.set(candidate.email, [...(byEmail.get(candidate.email) ?? []), candidate.source])
  }
  const stopped = (): string | undefined =>
    options.signal?.aborted
      ? `the run was cancelled (${messageOf(options.signal.reason)})`
      : undefined
  const holdRest = (why: string, rest: Array<{ source: RemovalSource; leadId?: number }>): void => {
    removal.held = why
    for (const { source, leadId } of rest) {
      removal.notRemoved.push({
        source,
        why: `not sent: ${why}`,
        ...(leadId === undefined ? {} : { leadId })
      })
    }
  }

  const emails = [...byEmail.keys()]
  const batches = lookupBatches(emails, options.lookupUrl)
  for (const [i, batch] of batches.entries()) {
    const why = stopped()
    const found = why === undefined ? await api.lookupLeads(batch).catch(failure) : why
    if (typeof found === 'string') {
      const rest = batches
        .slice(i)
        .flat()
        .flatMap((email) => sourcesOf(byEmail, email))
      holdRest(found, [...rest.map((source) => ({ source })), ...targets])
      return removal
    }
    options.onCall?.(0)
    const ids = new Map(found.map((lead) => [lead.email, lead.id]))
    for (const email of batch) {
      const leadId = ids.get(email.toLowerCase())
      for (const source of sourcesOf(byEmail, email)) {
        if (leadId === undefined) removal.notRemoved.push({ source, why: UNKNOWN_LEAD })
        else target(leadId, source)
      }
    }
  }

  const chunks = chunksOf(targets)
  for (const [i, chunk] of chunks.entries()) {
    const why = stopped()
    const ids = chunk.map((t) => t.leadId)
    const results =
      why === undefined ? await api.deleteMembers(options.programId, ids).catch(failure) : why
    if (typeof results === 'string') {
      holdRest(results, chunks.slice(i).flat())
      return removal
    }
    results.forEach((result, at) => {
      const { source, leadId } = chunk[at] as (typeof chunk)[number]
      if (result.status === 'deleted') removal.removed.push({ leadId, source })
      else removal.notRemoved.push({ source, leadId, why: skippedWhy(result) })
    })
    options.onCall?.(removal.removed.length)
  }
  return removal
}

function sourcesOf(byEmail: Map<string, RemovalSource[]>, email: string): RemovalSource[] {
  return byEmail.get(email) ?? []
}

/** A failed call, as the reason the rest is held. */
function failure(error: unknown): string {
  return `a Marketo call failed: ${messageOf(error)}`
}

/**
 * Marketo's reason of a skipped record; its `not found in program` is said plainly, and, after a
 * delete sent again because its answer was lost, as what it may mean: removed by that attempt.
 */
function skippedWhy({ reason, afterLostAnswer }: MemberDeleteResult): string {
  if (reason === undefined) return 'skipped by Marketo'
  if (/not (found )?in (the )?program|not a member/i.test(reason)) {
    return afterLostAnswer ? NOT_A_MEMBER_AFTER_LOST_ANSWER : NOT_A_MEMBER
  }
  return `skipped by Marketo: ${reason}`
}
