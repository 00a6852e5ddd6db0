import { formatCount, plural } from '../format.js'
import { JOB_SUMMARY, type MarkdownSink } from '../text/untrusted.js'
import type { Finding, Severity, ValidationSummary } from './types.js'

/** Findings listed one by one in the summary; the table by kind counts them all. */
const LISTED_FINDINGS = 50

const MARKS: Record<Severity, string> = { error: '❌', warning: '⚠️', notice: 'ℹ️' }

/**
 * The checks' section of the job summary: counts by kind with the first places of each, then the
 * first findings one by one (folded). In an import, shown only when something was found.
 */
export function validationSection(
  summary: ValidationSummary | undefined,
  mode: 'import' | 'dry-run',
  files: number,
  md: MarkdownSink = JOB_SUMMARY
): string[] {
  if (summary === undefined) return []
  const found = summary.errors + summary.warnings + summary.notices
  if (found === 0 && mode === 'import') return []
  const lines = ['#### Checks of the files', '']
  const scope = summary.changedSince
    ? ` (rows new or changed since ${md.code(summary.changedSince)})`
    : ''
  if (found === 0) {
    return [...lines, `No problem found in ${plural(files, 'file')}${scope}.`, '']
  }
  lines.push(
    `${plural(summary.errors, 'error')}, ${plural(summary.warnings, 'warning')} ` +
      `(${plural(summary.warnedRows, 'row')}), ${plural(summary.notices, 'notice')}${scope}.`,
    ''
  )
  if (summary.rejectedFiles.length > 0) {
    lines.push(
      `Files with errors ${mode === 'dry-run' ? 'would not be' : 'were not'} submitted: ` +
        summary.rejectedFiles.map((file) => md.code(file)).join(', ') +
        '.',
      ''
    )
  }
  lines.push('| | problem | count | first at |', '| --- | --- | ---: | --- |')
  for (const kind of summary.kinds) {
    const where = kind.examples.map((e) => md.code(e)).join(', ')
    lines.push(
      `| ${MARKS[kind.severity]} ${kind.severity} | ${md.text(kind.label)} | ${formatCount(kind.count)} | ${where} |`
    )
  }
  lines.push('')
  const listed = summary.findings.slice(0, LISTED_FINDINGS)
  lines.push(
    '<details><summary>' +
      (found > listed.length ? `The first ${listed.length} problems` : 'Each problem') +
      '</summary>',
    '',
    ...listed.map((finding) => describe(finding, md)),
    '',
    '</details>',
    ''
  )
  return lines
}

function describe(finding: Finding, md: MarkdownSink): string {
  const where = finding.line === null ? finding.file : `${finding.file}:${finding.line}`
  return `- ${MARKS[finding.severity]} ${md.code(where)} ${md.text(finding.message)}`
}
