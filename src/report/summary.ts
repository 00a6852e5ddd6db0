import { formatBytes, formatCount, formatDuration, plural } from '../format.js'
import { JOB_SUMMARY, type MarkdownSink } from '../text/untrusted.js'
import type { RunReport } from './model.js'
import type { RowIssueList } from './row-issue-list.js'
import type { Totals } from './accounting.js'
import { isBatchPart, rowsOf } from '../jobs/parts.js'
import { changesSection } from '../changes/summary.js'
import { removalsSection } from '../removals/summary.js'
import { validationSection } from '../validate/summary.js'
import { instanceSection } from '../instance/summary.js'

/** GitHub refuses a step summary over 1 MiB; stay well below it. */
export const SUMMARY_MAX_BYTES = 1_000_000
/** Parts listed in the table before the rest is summed up in one line. */
const MAX_PART_ROWS = 200
/** Reasons listed per kind; the rest are counted in one line. */
const MAX_REASONS = 10

/** Each column sent under another name than the file's header gives it. */
function renamedSection(report: RunReport, md: MarkdownSink): string[] {
  const lines = report.files.flatMap((file) =>
    (file.renamed ?? []).map(
      ({ from, to, why }) =>
        `- ${md.code(file.displayPath)}: ${md.code(from)} sent as ${md.code(to)} (${why})`
    )
  )
  return lines.length > 0 ? ['#### Columns renamed', '', ...lines, ''] : []
}

/**
 * The job summary: verdict first, then totals, then each part. Never a row's values. Every
 * name, ref and message passes `md`, the escaping of the sink it goes to.
 */
export function renderSummary(report: RunReport, md: MarkdownSink = JOB_SUMMARY): string {
  const lines = [...headline(report, md), '', ...totalsTable(report), '']
  if (report.unexpectedError) {
    lines.push(`**Unexpected error:** ${md.text(report.unexpectedError)}.`, '')
  }
  if (report.stop) lines.push(`**Stopped early:** ${md.text(report.stop.message)}.`, '')
  lines.push(
    ...problems(report, md),
    ...importsTable(report, md),
    ...instanceSection(report.instance, md),
    ...renamedSection(report, md),
    ...changesSection(report.changes, md, report.removals?.mode === 'removed-records'),
    ...removalsSection(report.removals, md),
    ...validationSection(
      report.validation,
      report.mode,
      report.files.length + report.fileProblems.length,
      md
    ),
    ...reasonsTable('Why rows failed', report.rowIssues.failures, md),
    ...reasonsTable('Why rows were imported with a warning', report.rowIssues.warnings, md),
    ...files(report, md),
    ...partsTable(report, md),
    ...batchIds(report)
  )
  const what = report.imports
    ? plural(report.imports.length, 'program and status', 'programs and statuses')
    : `Program ${md.text(report.programId)}, status "${md.text(report.programMemberStatus)}"`
  lines.push(
    `<sub>${what} · ${plural(report.apiCalls, 'API call')} · ${formatDuration(report.elapsedMs)}</sub>`,
    ''
  )
  return fitToLimit(lines.join('\n'))
}

function headline(report: RunReport, md: MarkdownSink): string[] {
  const { totals } = report.accounting
  const title = report.mode === 'dry-run' ? 'Marketo import (dry run)' : 'Marketo import'
  const mark = report.verdict.length === 0 ? '✅' : '❌'
  const since = report.changes ? ` new or changed since ${md.code(report.changes.ref)}` : ''
  const into = report.imports
    ? `into ${plural(report.imports.length, 'program and status', 'programs and statuses')}`
    : `into program ${md.text(report.programId)} as "${md.text(report.programMemberStatus)}"`
  const lines: string[] = []
  if (report.mode === 'dry-run') {
    // What would be sent: the files with errors are not.
    const rows = report.results.reduce((total, result) => total + rowsOf(result), 0)
    const files = new Set(report.results.map((result) => result.part.displayPath)).size
    lines.push(
      `### ${mark} ${title}: would import ${plural(rows, 'row')}${since} from ${plural(files, 'file')} ${into}`
    )
  } else {
    lines.push(
      `### ${mark} ${title}: ${formatCount(totals.rowsImported)} of ${plural(totals.rowsTotal, 'row')}${since} imported ${into}`
    )
  }
  for (const reason of report.verdict) lines.push('', `- ${md.text(reason)}`)
  if (report.verdict.length === 0) {
    for (const kept of report.limitsKept ?? []) lines.push('', `- ${md.text(kept)}`)
  }
  return lines
}

function totalsTable(report: RunReport): string[] {
  const t = report.accounting.totals
  const rows: [string, number][] = [
    ['Rows in files', t.rowsTotal],
    ['Submitted', t.rowsSubmitted],
    ['Imported', t.rowsImported],
    ['Imported with a warning', t.rowsWarned],
    ['Failed', t.rowsFailed],
    ['Not submitted', t.rowsNotSubmitted]
  ]
  if (t.rowsPending > 0) rows.push(['Still importing when the run stopped', t.rowsPending])
  return [
    '| | rows |',
    '| --- | ---: |',
    ...rows.map(([label, value]) => `| ${label} | ${formatCount(value)} |`)
  ]
}

/** With imports: a row per program and status with its totals, and the run's total. */
function importsTable(report: RunReport, md: MarkdownSink): string[] {
  if (!report.imports) return []
  const row = (label: string, t: Totals): string =>
    `| ${label} | ${[t.rowsTotal, t.rowsSubmitted, t.rowsImported, t.rowsWarned, t.rowsFailed, t.rowsNotSubmitted].map(formatCount).join(' | ')} |`
  return [
    '#### Imports',
    '',
    '| program | status | entries | rows | submitted | imported | with a warning | failed | not submitted |',
    '| --- | --- | --- | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...report.imports.map((section) =>
      row(
        `${md.text(section.programId)} | ${md.text(section.programMemberStatus)} | ${section.entries.join(', ')}`,
        section.totals
      )
    ),
    row('**Run total** | |', report.accounting.totals),
    ''
  ]
}

function problems(report: RunReport, md: MarkdownSink): string[] {
  const lines: string[] = []
  for (const problem of report.fileProblems) {
    lines.push(`- ⚠️ ${md.code(problem.displayPath)}: ${md.text(problem.message)}`)
  }
  for (const discrepancy of report.accounting.discrepancies) {
    lines.push(`- ⚠️ ${md.text(discrepancy)}`)
  }
  for (const problem of report.rowIssues.problems.slice(0, MAX_PART_ROWS)) {
    lines.push(
      `- ⚠️ The ${problem.kind} file of ${md.code(problem.part)} (batch ${problem.batchId}): ` +
        md.text(problem.message)
    )
  }
  return lines.length > 0 ? [...lines, ''] : []
}

function reasonsTable(title: string, list: RowIssueList, md: MarkdownSink): string[] {
  if (list.rows === 0) return []
  const lines = [`#### ${title}`, '', '| reason | rows | first rows |', '| --- | ---: | --- |']
  for (const group of list.reasons.slice(0, MAX_REASONS)) {
    const where = group.examples.map((e) => md.code(e)).join(', ')
    lines.push(`| ${md.text(group.reason)} | ${formatCount(group.rows)} | ${where} |`)
  }
  const rest = list.reasons.slice(MAX_REASONS)
  const restRows = rest.reduce((total, group) => total + group.rows, 0) + list.otherReasonRows
  if (restRows > 0) {
    const others = list.otherReasonRows > 0 ? 'other reasons' : plural(rest.length, 'other reason')
    lines.push('', `…and ${others} for ${plural(restRows, 'row')}: see report.md.`)
  }
  return [...lines, '']
}

function files(report: RunReport, md: MarkdownSink): string[] {
  const lines: string[] = []
  if (report.artifact) {
    const { name, url } = report.artifact
    const link = url ? `[artifact ${md.text(name)}](${url})` : `artifact ${md.text(name)}`
    lines.push(`Failure and warning files, fix-and-retry files and the full report: ${link}`)
  }
  for (const fix of report.rowIssues.fixFiles) {
    lines.push(
      `- ${md.code(fix.relativePath)}: the ${plural(fix.rows, 'failed row')} of ` +
        `${md.code(fix.source)} with its header, to correct and import again`
    )
  }
  return lines.length > 0 ? [...lines, ''] : []
}

function partsTable(report: RunReport, md: MarkdownSink): string[] {
  if (report.results.length === 0) return []
  const lines = [
    '| file | part | rows | size | batch id | status | imported | failed | warned | message |',
    '| --- | ---: | ---: | ---: | ---: | --- | ---: | ---: | ---: | --- |'
  ]
  report.results.slice(0, MAX_PART_ROWS).forEach((result, index) => {
    const counts = report.accounting.perPart[index]
    const { part } = result
    lines.push(
      [
        '',
        md.code(part.displayPath),
        `${part.index}/${part.count}`,
        formatCount(rowsOf(result)),
        isBatchPart(part) ? '' : formatBytes(part.bytes),
        result.batchId ?? '',
        statusLabel(result.outcome, result.uncertainResubmits),
        formatCount(counts?.imported ?? 0),
        formatCount(counts?.failed ?? 0),
        formatCount(counts?.warned ?? 0),
        md.text(result.message),
        ''
      ]
        .join(' | ')
        .trim()
    )
  })
  const hidden = report.results.length - MAX_PART_ROWS
  if (hidden > 0)
    lines.push('', `…and ${plural(hidden, 'more part')}: see report.json in the artifact.`)
  return [...lines, '']
}

function statusLabel(outcome: string, uncertainResubmits: number): string {
  const label = outcome === 'NotSubmitted' ? 'not submitted' : outcome
  return uncertainResubmits > 0 ? `${label} (resubmitted after an uncertain failure)` : label
}

function batchIds(report: RunReport): string[] {
  const ids = report.results.flatMap((r) => (r.batchId === undefined ? [] : [r.batchId]))
  if (ids.length === 0) return []
  return [`Batch ids: \`${ids.join(',')}\``, '']
}

/** Cuts the summary at a line boundary if it would pass GitHub's limit. */
function fitToLimit(markdown: string): string {
  if (Buffer.byteLength(markdown) <= SUMMARY_MAX_BYTES) return markdown
  const note =
    '\n\n…the summary was cut to stay under GitHub’s 1 MiB limit; report.json has everything.\n'
  let cut = Buffer.from(markdown)
    .subarray(0, SUMMARY_MAX_BYTES - 1000)
    .toString('utf8')
  cut = cut.slice(0, cut.lastIndexOf('\n'))
  return cut + note
}
