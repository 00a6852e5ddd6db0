import { formatCount, plural } from '../format.js'
import type { RunReport } from './model.js'
import { locationOf, type RowIssueList } from './row-issue-list.js'
import { renderSummary } from './summary.js'
import { REPORT_MD } from '../text/untrusted.js'

/**
 * report.md: the job summary, then every reason and the failed and warned rows with their file
 * and line (the first LISTED_ROWS of each; report.json has them all), for reading in the artifact.
 */
export function renderReportMarkdown(report: RunReport): string {
  const lines = [renderSummary(report, REPORT_MD).trimEnd(), '']
  lines.push(...rowList('Failed rows', report.rowIssues.failures))
  lines.push(...rowList('Rows imported with a warning', report.rowIssues.warnings))
  return lines.join('\n') + '\n'
}

function rowList(title: string, list: RowIssueList): string[] {
  if (list.rows === 0) return []
  const lines = [`## ${title} (${formatCount(list.rows)})`, '']
  for (const group of list.reasons) {
    lines.push(`- ${REPORT_MD.text(group.reason)}: ${plural(group.rows, 'row')}`)
  }
  if (list.otherReasonRows > 0) {
    lines.push(`- other reasons: ${plural(list.otherReasonRows, 'row')}`)
  }
  lines.push('', '| where | batch | part | reason |', '| --- | ---: | ---: | --- |')
  for (const issue of list.first) {
    lines.push(
      `| ${REPORT_MD.code(locationOf(issue))} | ${issue.batchId} | ${issue.part} | ${REPORT_MD.text(issue.reason)} |`
    )
  }
  if (list.rows > list.first.length) {
    lines.push('', `…and ${plural(list.rows - list.first.length, 'more row')}: see report.json.`)
  }
  return [...lines, '']
}
