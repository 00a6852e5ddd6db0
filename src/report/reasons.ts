import type { RowIssue } from './row-issues.js'

export interface ReasonGroup {
  reason: string
  rows: number
  /** Where the first rows with this reason are: `file:line`, or `file (batch n, line unknown)`. */
  examples: string[]
}

/** Rows by reason, the most frequent first; the order of first appearance breaks ties. */
export function groupByReason(issues: RowIssue[], examplesPerReason = 3): ReasonGroup[] {
  const groups = new Map<string, ReasonGroup>()
  for (const issue of issues) {
    let group = groups.get(issue.reason)
    if (!group) {
      group = { reason: issue.reason, rows: 0, examples: [] }
      groups.set(issue.reason, group)
    }
    group.rows++
    if (group.examples.length < examplesPerReason) group.examples.push(locationOf(issue))
  }
  return [...groups.values()].sort((a, b) => b.rows - a.rows)
}

export function locationOf(issue: RowIssue): string {
  return issue.line === null
    ? `${issue.file} (batch ${issue.batchId}, line unknown)`
    : `${issue.file}:${issue.line}`
}
