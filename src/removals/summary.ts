/** The removals as the report shows them: the summary section, report.json, the verdict. */
import { formatCount, plural } from '../format.js'
import { JOB_SUMMARY, type MarkdownSink } from '../text/untrusted.js'
import { notRemovedCount, type RemovalOutcome, type RemovalSource } from './types.js'

/** Lines listed per file in a dry run; the rest are counted. */
const LINES_PER_FILE = 20
/** Reasons listed for records not removed; the rest are counted. */
const MAX_REASONS = 10

export function removalsSection(
  outcome: RemovalOutcome | undefined,
  md: MarkdownSink = JOB_SUMMARY
): string[] {
  if (outcome === undefined) return []
  const title = outcome.mode === 'mirror' ? 'mirror' : 'removed-records: remove'
  const lines = [`#### Removing members (${title}${outcome.dryRun ? ', dry run' : ''})`, '']
  const limit = outcome.limit ? ` (limit: ${md.text(outcome.limit.described)})` : ''
  if (outcome.currentMembers !== undefined) {
    lines.push(
      `The program has ${plural(outcome.currentMembers, 'member')} with the step's status.`
    )
  }
  if (outcome.wouldRemove !== undefined) {
    lines.push(`**${plural(outcome.wouldRemove.length, 'member')} would be removed**${limit}.`)
    lines.push(...linesByFile(outcome.wouldRemove, md), '')
  }
  if (!outcome.dryRun) {
    lines.push(
      `**${plural(outcome.removed.length, 'member')} removed**, ` +
        `${formatCount(notRemovedCount(outcome))} not removed${limit}.`,
      ''
    )
    const reasons = notRemovedReasons(outcome)
    if (outcome.removed.length > 0 || reasons.length > 0) {
      lines.push("| Marketo's status | records |", '| --- | ---: |')
      if (outcome.removed.length > 0)
        lines.push(`| deleted | ${formatCount(outcome.removed.length)} |`)
      for (const [why, count] of reasons.slice(0, MAX_REASONS)) {
        lines.push(`| ${md.text(why)} | ${formatCount(count)} |`)
      }
      if (reasons.length > MAX_REASONS) {
        lines.push(`| …${plural(reasons.length - MAX_REASONS, 'more reason')} | |`)
      }
      lines.push('')
    }
  }
  if (outcome.held !== undefined) {
    lines.push(
      `**Nothing ${outcome.removed.length > 0 ? 'more ' : ''}removed:** ${md.text(outcome.held)}.`,
      ''
    )
  }
  return lines
}

function notRemovedReasons(outcome: RemovalOutcome): Array<[string, number]> {
  const counts = new Map<string, number>()
  for (const { why } of outcome.notRemoved) counts.set(why, (counts.get(why) ?? 0) + 1)
  return [...counts].sort((a, b) => b[1] - a[1])
}

/** `- file: lines 3, 9 of the old revision`, per file; a mirror's candidates are counted only. */
function linesByFile(sources: RemovalSource[], md: MarkdownSink): string[] {
  const byFile = new Map<string, number[]>()
  for (const source of sources) {
    if (source === 'not in the files') continue
    byFile.set(source.file, [...(byFile.get(source.file) ?? []), source.line])
  }
  return [...byFile].map(([file, lines]) => {
    const more = lines.length - LINES_PER_FILE
    const shown = lines.slice(0, LINES_PER_FILE).join(', ')
    return `- ${md.code(file)}: ${lines.length === 1 ? 'line' : 'lines'} ${shown}${more > 0 ? ` and ${formatCount(more)} more` : ''} of the old revision`
  })
}

/** report.json's `removals`: each removed lead id with its source, never an email. */
export function removalsJson(outcome: RemovalOutcome | undefined): unknown {
  if (outcome === undefined) return null
  return {
    mode: outcome.mode,
    dryRun: outcome.dryRun,
    candidates: outcome.candidates,
    removed: outcome.removed.map((member) => ({
      leadId: member.leadId,
      source: member.source
    })),
    notRemoved: outcome.notRemoved.map((member) => ({
      leadId: member.leadId ?? null,
      source: member.source,
      why: member.why
    })),
    notRemovedUnlisted: outcome.notListed,
    wouldRemove: outcome.wouldRemove ?? null,
    held: outcome.held ?? null,
    limit: outcome.limit ?? null,
    currentMembers: outcome.currentMembers ?? null,
    exportPolls: outcome.exportPolls ?? null,
    apiCalls: outcome.apiCalls
  }
}

/** The step fails when removal was held (a guard, a failed call, a cancel): one line saying why. */
export function removalVerdict(outcome: RemovalOutcome | undefined): string[] {
  if (outcome?.held === undefined) return []
  const removed = outcome.removed.length
  return [
    `Removing members: ${outcome.held}` +
      (removed > 0 ? ` (${plural(removed, 'member')} removed before it stopped)` : '')
  ]
}
