import { formatCount, plural } from '../format.js'
import type { RunReport } from './model.js'
import { groupByReason, locationOf } from './reasons.js'
import type { RowIssue } from './row-issues.js'
import { renderSummary } from './summary.js'
import { REPORT_MD } from '../text/untrusted.js'

/** Rows listed one by one in report.md; report.json always has them all. */
const MAX_LISTED_ROWS = 5000

/**
 * report.md: the job summary, then every reason and every failed and warned row with its file
 * and line (up to a readable length), for reading in the artifact.
 */
export function renderReportMarkdown(report: RunReport): string {
  const lines = [renderSummary(report, REPORT_MD).trimEnd(), '']
  lines.push(...rowList('Failed rows', report.rowIssues.failures))
  lines.push(...rowList('Rows imported with a warning', report.rowIssues.warnings))
  return lines.join('\n') + '\n'
}

function rowList(title: string, issues: RowIssue[]): string[] {
  if (issues.length === 0) return []
  const lines = [`## ${title} (${formatCount(issues.length)})`, '']
  for (const group of groupByReason(issues, 0)) {
    lines.push(`- ${REPORT_MD.text(group.reason)}: ${plural(group.rows, 'row')}`)
  }
  lines.push('', '| where | batch | part | reason |', '| --- | ---: | ---: | --- |')
  for (const issue of issues.slice(0, MAX_LISTED_ROWS)) {
    lines.push(
      `| ${REPORT_MD.code(locationOf(issue))} | ${issue.batchId} | ${issue.part} | ${REPORT_MD.text(issue.reason)} |`
    )
  }
  if (issues.length > MAX_LISTED_ROWS) {
    lines.push('', `…and ${plural(issues.length - MAX_LISTED_ROWS, 'more row')}: see report.json.`)
  }
  return [...lines, '']
}
