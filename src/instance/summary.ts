import { formatCount, plural } from '../format.js'
import { JOB_SUMMARY, type MarkdownSink } from '../text/untrusted.js'
import type { InstanceFacts } from './types.js'

/** The instance section of the job summary: what Marketo said about the program and the run. */
export function instanceSection(
  facts: InstanceFacts | undefined,
  md: MarkdownSink = JOB_SUMMARY
): string[] {
  if (facts === undefined) return []
  const lines = ['#### Instance', '']
  const { quota } = facts
  for (const known of facts.imports ?? [facts]) lines.push(...programLines(known, md))
  if (facts.columnsChecked !== undefined) {
    lines.push(
      `- Columns: ${plural(facts.columnsChecked, 'column')} checked against the field descriptions`
    )
  }
  if (quota) {
    lines.push(
      `- Daily quota: ${formatCount(quota.usedToday)} of ${formatCount(quota.quota)} calls ` +
        `counted today, the checks' included; this run needs about ${formatCount(quota.estimatedCalls)} more`
    )
  }
  for (const skipped of facts.skipped) lines.push(`- Not checked: ${md.text(skipped)}`)
  lines.push(`- The checks made ${plural(facts.calls, 'API call')}`, '')
  return lines
}

function programLines(
  { program, status, columnStatuses }: Pick<InstanceFacts, 'program' | 'status' | 'columnStatuses'>,
  md: MarkdownSink
): string[] {
  const lines: string[] = []
  if (program) {
    lines.push(
      `- Program: ${md.text(program.name)} (${program.id}), channel ${md.text(program.channel)}, ` +
        `workspace ${md.text(program.workspace)}`
    )
  }
  if (status) {
    lines.push(
      `- Status: ${md.text(status.name)}, step ${status.step}` +
        (status.success ? ', a success step of the channel' : ', not a success step')
    )
  }
  if (columnStatuses) {
    const known = columnStatuses.known.map(({ name, step }) => `${md.text(name)} (step ${step})`)
    const unknown = columnStatuses.unknown.map((shown) => md.text(shown))
    lines.push(
      `- Statuses of column ${md.text(`"${columnStatuses.column}"`)}: ` +
        (known.length > 0
          ? `${known.join(', ')}, submitted in this order`
          : 'none the channel knows') +
        (unknown.length > 0
          ? `; not in the channel (rows not submitted): ${unknown.join(', ')}`
          : '')
    )
  }
  return lines
}
