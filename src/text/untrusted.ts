/**
 * The one edge for untrusted text (file names, headers, git refs, Marketo's messages): one
 * function for the log, one escaping per markdown sink. Pure: no I/O, no toolkit.
 */

/** Line breaks and other controls the runner or a terminal would act on; a tab is kept. */
const CONTROLS = /(?!\t)[\p{Cc}\u2028\u2029]/gu

const NAMED: Record<string, string> = { '\n': '\\n', '\r': '\\r' }

/** Controls shown as `\n`, `\r`, `\x1b`, `\u2028`: visible, and never a line of their own. */
export function visibleControls(text: string): string {
  return text.replace(CONTROLS, (char) => {
    const named = NAMED[char]
    if (named) return named
    const code = char.charCodeAt(0)
    return code < 0x100
      ? `\\x${code.toString(16).padStart(2, '0')}`
      : `\\u${code.toString(16).padStart(4, '0')}`
  })
}

/**
 * One log line the runner shows as it is: no line break, no workflow command. The runner reads
 * `::name::` at the start of a line (after leading spaces) and the legacy `##[name]` anywhere in
 * it, so the first gets a `\` before it and every `##[` becomes `##\[`.
 */
export function logLine(text: string): string {
  const line = visibleControls(text).replace(/##\[/g, '##\\[')
  const indent = line.length - line.trimStart().length
  return line.startsWith('::', indent) ? `${line.slice(0, indent)}\\${line.slice(indent)}` : line
}

/**
 * An annotation's message: the toolkit sends its line breaks as `%0A`, and the runner shows
 * them, so the action's own lines (one reason per line) stay lines, each made safe by logLine.
 */
export function annotationText(text: string): string {
  return text.split('\n').map(logLine).join('\n')
}

/** Where markdown goes; each escapes untrusted text so it renders as exactly that text, inline. */
export interface MarkdownSink {
  /** Untrusted text as prose: in a sentence, a list item or a table cell. */
  text(value: string): string
  /** Untrusted text as code: a path, a location, a ref. */
  code(value: string): string
}

const ENTITY = (char: string): string => `&#${char.codePointAt(0)};`
// `(` and `)` stay: without an unescaped `]` before them they never make a link.
/** Autolink literals (`https://`, `www.`, `a@b.c`) are cut by an entity, which no link spans. */
const AUTOLINKS = /:(?=\/\/)|(?<=www)\.|@/gi

function entityText(value: string): string {
  return visibleControls(value)
    .replace(/[&<>\\`*_~[\]|]/g, ENTITY)
    .replace(AUTOLINKS, ENTITY)
}

/** Backslash escapes read better in a raw .md file; `< > &` stay entities for HTML-less viewers. */
function backslashText(value: string): string {
  return visibleControls(value)
    .replace(/[\\`*_~[\]|]/g, (char) => `\\${char}`)
    .replace(/[&<>]/g, ENTITY)
    .replace(AUTOLINKS, ENTITY)
}

/**
 * A code span long enough for the backticks inside, padded when the content would lose a space
 * or touch the fence. A `|` splits a table row even inside a code span, and `\|` shows its
 * backslash outside a table, so text with a `|` goes in `<code>` with its markdown escaped.
 */
function codeOf(text: (value: string) => string): (value: string) => string {
  return (value) => {
    const shown = visibleControls(value)
    if (shown === '' || shown.includes('|')) return `<code>${text(value)}</code>`
    const longest = Math.max(0, ...[...shown.matchAll(/`+/g)].map((run) => run[0].length))
    const fence = '`'.repeat(longest + 1)
    const pad =
      shown.startsWith('`') ||
      shown.endsWith('`') ||
      (shown.startsWith(' ') && shown.endsWith(' ') && shown.trim() !== '')
    return pad ? `${fence} ${shown} ${fence}` : `${fence}${shown}${fence}`
  }
}

/** The job summary: GitHub-flavoured markdown with HTML, rendered by GitHub. */
export const JOB_SUMMARY: MarkdownSink = { text: entityText, code: codeOf(entityText) }

/** report.md in the artifact: read raw as often as rendered, by any markdown viewer. */
export const REPORT_MD: MarkdownSink = { text: backslashText, code: codeOf(backslashText) }

/**
 * The pull request comment: as the job summary, and an `@` is followed by a word joiner so a
 * name cannot mention (notify) a user or a team. Code is never scanned for mentions.
 */
const commentText = (value: string): string => entityText(value).replace(/&#64;/g, '@&#8288;')
export const PR_COMMENT: MarkdownSink = { text: commentText, code: codeOf(commentText) }
