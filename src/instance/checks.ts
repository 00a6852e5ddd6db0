/**
 * What the instance's descriptions say about a run, before any row is sent: pure functions of
 * Marketo's answers and the run's inputs. Each problem is one line naming the input or column.
 */
import { formatCount } from '../format.js'
import type { ColumnMapping } from '../files/index.js'
import type { ChannelInfo, FieldInfo, ProgressionStatus } from '../marketo/index.js'

/** Calls a part may cost: the submit, a few status polls, the failure and warning files. */
export const CALLS_PER_PART = 8
/** Past this share of the daily quota the run warns. */
export const QUOTA_WARN_SHARE = 0.8
/** Closest names listed for a column that is not a field. */
const MAX_SUGGESTIONS = 3

const squash = (name: string): string => name.toLowerCase().replace(/\s+/g, '')

export type StatusCheck =
  { status: ProgressionStatus; problem?: undefined } | { problem: string; status?: undefined }

/**
 * The program member status among its channel's statuses, or why it is not; `label` names what
 * gave it (the input, or a status column's value).
 */
export function checkStatus(
  wanted: string,
  channel: ChannelInfo,
  label = `program-member-status "${wanted}"`
): StatusCheck {
  const status = channel.statuses.find((candidate) => candidate.name === wanted)
  if (status) return { status }
  const near =
    channel.statuses.find((candidate) => squash(candidate.name) === squash(wanted)) ??
    nearestStatus(wanted, channel.statuses)
  const listed = channel.statuses.map((candidate) => `\`${candidate.name}\``).join(', ')
  return {
    problem:
      `${label} is not a status of the channel "${channel.name}"` +
      (near ? `: did you mean \`${near.name}\`?` : '.') +
      ` Its statuses are ${listed || 'none'}.`
  }
}

/** Edits past which a status is no longer taken for a misspelling of another. */
const MAX_STATUS_EDITS = 2

/** The one status a typo away from `wanted` (`Atended`, `Registerd`), if exactly one is. */
function nearestStatus(
  wanted: string,
  statuses: ProgressionStatus[]
): ProgressionStatus | undefined {
  const limit = Math.min(MAX_STATUS_EDITS, Math.floor(squash(wanted).length / 3))
  const close = statuses.filter((status) => distance(squash(status.name), squash(wanted)) <= limit)
  return close.length === 1 ? close[0] : undefined
}

/** Edit distance of two names, case aside. */
function distance(a: string, b: string): number {
  const x = a.toLowerCase()
  const y = b.toLowerCase()
  let previous = Array.from({ length: y.length + 1 }, (_, j) => j)
  for (let i = 1; i <= x.length; i++) {
    const current = [i]
    for (let j = 1; j <= y.length; j++) {
      const cost = x[i - 1] === y[j - 1] ? 0 : 1
      current.push(
        Math.min(
          (previous[j] as number) + 1,
          (current[j - 1] as number) + 1,
          (previous[j - 1] as number) + cost
        )
      )
    }
    previous = current
  }
  return previous[y.length] as number
}

/** The REST names nearest to `column`, by name or by display name. */
export function closestNames(column: string, fields: FieldInfo[]): string[] {
  const scored = fields.map((field) => ({
    name: field.name,
    score: Math.min(
      distance(column, field.name),
      distance(squash(column), squash(field.displayName))
    )
  }))
  scored.sort((a, b) => a.score - b.score || a.name.localeCompare(b.name))
  return [...new Set(scored.map((entry) => entry.name))].slice(0, MAX_SUGGESTIONS)
}

/**
 * One line per column of `header` that is neither a lead field's nor a program member field's
 * REST name, or that the describe says cannot be written (the local checks require `email`).
 */
export function checkColumns(
  displayPath: string,
  header: string[],
  leadFields: FieldInfo[],
  memberFields: FieldInfo[]
): string[] {
  const fields = [...leadFields, ...memberFields]
  const byName = new Map(fields.map((field) => [field.name, field]))
  const problems: string[] = []
  for (const column of header) {
    const field = byName.get(column)
    if (field === undefined) {
      const near = closestNames(column, fields).map((name) => `\`${name}\``)
      problems.push(
        `${displayPath}: column "${column}" is not a Marketo lead or program member field` +
          (near.length > 0 ? `; closest REST names: ${near.join(', ')}` : '')
      )
    } else if (!field.updateable) {
      problems.push(
        `${displayPath}: column "${column}" is a field Marketo does not let the API write`
      )
    }
  }
  return problems
}

/**
 * map-display-names: each column that is no field's REST name but is exactly one field's display
 * name (as Marketo shows it: `Email Address`) becomes that field's REST name.
 */
export function mapDisplayNames(
  header: string[],
  fields: FieldInfo[]
): { columns: string[]; mappings: ColumnMapping[] } {
  const names = new Set(fields.map((field) => field.name))
  const mappings: ColumnMapping[] = []
  const columns = header.map((column) => {
    if (names.has(column)) return column
    const matches = new Set(
      fields.filter((field) => field.displayName === column.trim()).map((field) => field.name)
    )
    if (matches.size !== 1) return column
    const to = [...matches][0] as string
    mappings.push({ from: column, to, why: 'display name' })
    return to
  })
  return { columns, mappings }
}

export interface QuotaCheck {
  estimatedCalls: number
  usedToday: number
  quota: number
  stop?: string
  warning?: string
}

/** The run's estimated calls against what is left of daily-quota today. */
export function checkQuota(parts: number, usedToday: number, quota: number): QuotaCheck {
  const estimatedCalls = parts * CALLS_PER_PART
  const after = usedToday + estimatedCalls
  const numbers =
    `this run needs about ${formatCount(estimatedCalls)} API calls and Marketo has counted ` +
    `${formatCount(usedToday)} of the daily-quota of ${formatCount(quota)} today`
  if (after > quota) {
    return {
      estimatedCalls,
      usedToday,
      quota,
      stop: `daily-quota: ${numbers}; run again after the quota resets (midnight, Central Time) or split the files`
    }
  }
  if (after > quota * QUOTA_WARN_SHARE) {
    const share = Math.round((after / quota) * 100)
    return {
      estimatedCalls,
      usedToday,
      quota,
      warning: `daily-quota: ${numbers}: ${share} % used after this run`
    }
  }
  return { estimatedCalls, usedToday, quota }
}
