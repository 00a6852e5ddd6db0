import { plural } from '../format.js'
import type { RowIssue, RowIssues } from './row-issue-list.js'

/**
 * GitHub shows at most 10 error and 10 warning annotations per step. Rows get 8 of each; the
 * rest stay for the step's own messages (the verdict, a file that cannot be read).
 */
export const ROW_ANNOTATIONS_PER_KIND = 8

export interface Annotation {
  kind: 'error' | 'warning' | 'notice'
  message: string
  title?: string
  file?: string
  line?: number
}

/**
 * One annotation per failed row (error) and warned row (warning) at its file and line, titled
 * with Marketo's reason: never the row's values. Past the cap, one notice says how many more
 * are in the report.
 */
export function rowAnnotations(issues: RowIssues, reportName: string): Annotation[] {
  const located = (list: RowIssue[]): RowIssue[] => list.filter((issue) => issue.line !== null)
  const failures = located(issues.failures.first)
  const warnings = located(issues.warnings.first)
  const annotations: Annotation[] = [
    ...failures.slice(0, ROW_ANNOTATIONS_PER_KIND).map((issue): Annotation => ({
      kind: 'error',
      title: issue.reason,
      message: `Marketo did not import the row that starts on this line (batch ${issue.batchId})`,
      file: issue.file,
      line: issue.line as number
    })),
    ...warnings.slice(0, ROW_ANNOTATIONS_PER_KIND).map((issue): Annotation => ({
      kind: 'warning',
      title: issue.reason,
      message: `Marketo imported the row that starts on this line with a warning (batch ${issue.batchId})`,
      file: issue.file,
      line: issue.line as number
    }))
  ]
  const moreFailures = issues.failures.rows - Math.min(failures.length, ROW_ANNOTATIONS_PER_KIND)
  const moreWarnings = issues.warnings.rows - Math.min(warnings.length, ROW_ANNOTATIONS_PER_KIND)
  if (moreFailures > 0 || moreWarnings > 0) {
    const more = [
      moreFailures > 0 ? plural(moreFailures, 'more failed row') : '',
      moreWarnings > 0
        ? plural(moreWarnings, 'more row with a warning', 'more rows with a warning')
        : ''
    ].filter(Boolean)
    annotations.push({
      kind: 'notice',
      title: 'More rows in the report',
      message: `${more.join(' and ')} are listed with their lines and reasons in ${reportName}`
    })
  }
  return annotations
}
