import { plural } from '../format.js'
import { ROW_ANNOTATIONS_PER_KIND, type Annotation } from '../report/annotations.js'
import { KINDS, type Finding } from './types.js'

/** A finding as an annotation at its file and line, titled with its kind. */
export function findingAnnotation(finding: Finding): Annotation {
  return {
    kind: finding.severity,
    title: KINDS[finding.kind].label,
    message: finding.message,
    file: finding.file,
    ...(finding.line !== null ? { line: finding.line } : {})
  }
}

/**
 * Keeps GitHub's caps over everything a step annotates (10 errors, 10 warnings, 10 notices per
 * step): the first `ROW_ANNOTATIONS_PER_KIND` of each kind, in order, leaving room for the step's
 * own messages; past it, one notice says how many more there are and where they are listed.
 */
export function capAnnotations(annotations: Annotation[], listedIn: string): Annotation[] {
  const kept: Annotation[] = []
  const left = { error: 0, warning: 0, notice: 0 }
  const used = { error: 0, warning: 0, notice: 0 }
  for (const annotation of annotations) {
    if (used[annotation.kind] < ROW_ANNOTATIONS_PER_KIND) {
      used[annotation.kind]++
      kept.push(annotation)
    } else {
      left[annotation.kind]++
    }
  }
  const more = [
    left.error > 0 ? plural(left.error, 'more error') : '',
    left.warning > 0 ? plural(left.warning, 'more warning') : '',
    left.notice > 0 ? plural(left.notice, 'more notice') : ''
  ].filter(Boolean)
  if (more.length > 0) {
    kept.push({
      kind: 'notice',
      title: 'More in the report',
      message: `${more.join(', ')} are listed with their files and lines in ${listedIn}`
    })
  }
  return kept
}
