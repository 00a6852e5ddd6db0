import { formatCount, plural } from '../format.js'
import { JOB_SUMMARY, type MarkdownSink } from '../text/untrusted.js'
import type { Annotation } from '../report/annotations.js'
import type { ChangeSummary, FileChanges } from './types.js'

const STAY =
  'they stay in Marketo: this action adds members and sets their status, it never removes them'
const REMOVE = 'with removed-records: remove, their members are removed once every import has ended'

function fate(removing: boolean): string {
  return removing ? REMOVE : STAY
}

/** The changed-since section of the job summary: what was selected, and what was removed. */
export function changesSection(
  changes: ChangeSummary | undefined,
  md: MarkdownSink = JOB_SUMMARY,
  removing = false
): string[] {
  if (changes === undefined) return []
  const at = changes.commit ? ` (\`${changes.commit.slice(0, 7)}\`)` : ''
  const lines = [`#### Changes since ${md.code(changes.ref)}${at}`, '']
  if (changes.commit === null) {
    lines.push('No earlier revision (the first push of a branch): every record counts as new.', '')
  }
  lines.push(
    '| file | new | changed | unchanged (not sent) | removed |',
    '| --- | ---: | ---: | ---: | ---: |'
  )
  for (const file of changes.files) {
    lines.push(
      `| ${md.code(file.displayPath)}${file.newFile ? ' (new file)' : ''} | ${formatCount(file.added)} | ` +
        `${formatCount(file.changed)} | ${formatCount(file.unchanged)} | ${formatCount(file.removed)} |`
    )
  }
  lines.push('')
  const removed = changes.files.filter((file) => file.removed > 0)
  if (removed.length > 0) {
    const total = removed.reduce((sum, file) => sum + file.removed, 0)
    lines.push(
      `**${plural(total, 'record')} removed since ${md.code(changes.ref)}**: ${fate(removing)}.`
    )
    for (const file of removed) lines.push(`- ${removedText(file, changes.ref, md)}`)
    lines.push('')
  }
  return lines
}

/** A notice per file with removed records, at the file: removed lines have no line here. */
export function removedAnnotations(
  changes: ChangeSummary | undefined,
  removing = false
): Annotation[] {
  return (changes?.files ?? [])
    .filter((file) => file.removed > 0)
    .map((file) => ({
      kind: 'notice',
      title: removing ? 'Records removed leave the program' : 'Records removed stay in Marketo',
      message: `${removedText(file, changes?.ref ?? '')}; ${fate(removing)}`,
      file: file.displayPath
    }))
}

/**
 * Removed records counted, with their lines in the earlier revision (never their values): as
 * markdown for `md`, else as plain text for an annotation.
 */
export function removedText(file: FileChanges, ref: string, md?: MarkdownSink): string {
  const name = md ? md.code(file.displayPath) : file.displayPath
  const more = file.removed - file.removedLines.length
  const lines = file.removedLines.join(', ') + (more > 0 ? ` and ${formatCount(more)} more` : '')
  return `${name}: ${plural(file.removed, 'record')} removed since ${md ? md.code(ref) : ref} (${file.removedLines.length === 1 && more === 0 ? 'line' : 'lines'} ${lines} of that version)`
}
