import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
import { micromark } from 'micromark'
import { gfm, gfmHtml } from 'micromark-extension-gfm'
import {
  annotationText,
  JOB_SUMMARY,
  logLine,
  PR_COMMENT,
  REPORT_MD,
  visibleControls,
  type MarkdownSink
} from '../src/text/untrusted.js'

/** Pieces an attacker would reach for, mixed with ordinary text. */
const hostile = fc
  .array(
    fc.oneof(
      fc.constantFrom(
        ...'`*_~[]()|<>&\\#!@:/.=-+"\' \t\n\r\u2028\u2029\u0000\u001b\u0085\u00a0\ufeff'.split(''),
        '::',
        '##[',
        '::stop-commands::',
        '::warning title=X::',
        '%0A',
        'www.',
        'https://',
        'a@b.co',
        '<script>',
        '&amp;',
        '![x](y)',
        '[x](y)',
        '<!--',
        '```',
        '@octocat',
        '@acme/team'
      ),
      fc.string({ unit: 'grapheme-ascii', maxLength: 4 }),
      fc.string({ unit: 'grapheme', maxLength: 2 })
    ),
    { maxLength: 12 }
  )
  .map((pieces) => pieces.join(''))

describe('logLine: one line the runner shows as it is', () => {
  it('never holds a line break, a control or a workflow command', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const line = logLine(text)
        expect(line).not.toMatch(/(?!\t)[\p{Cc}\u2028\u2029]/u)
        expect(line.trimStart().startsWith('::')).toBe(false)
        expect(line).not.toContain('##[')
      }),
      { numRuns: 2000 }
    )
  })

  it('shows what it escaped', () => {
    expect(logLine('nl\n::warning title=X::x.csv: CSV')).toBe('nl\\n::warning title=X::x.csv: CSV')
    expect(logLine('::stop-commands::abc.csv: CSV')).toBe('\\::stop-commands::abc.csv: CSV')
    expect(logLine('  ::add-mask::x')).toBe('  \\::add-mask::x')
    expect(logLine('a ##[error]b\r\u001b[31m')).toBe('a ##\\[error]b\\r\\x1b[31m')
    expect(logLine('lists/leads.csv: CSV, 1 KB, 3 rows')).toBe('lists/leads.csv: CSV, 1 KB, 3 rows')
  })

  it('keeps the action’s own lines in an annotation, each made safe', () => {
    expect(annotationText('first reason\n::error::second\r\nthird')).toBe(
      'first reason\n\\::error::second\\r\nthird'
    )
  })
})

/** The text a browser shows for rendered HTML without tags, entities decoded. */
function shownText(html: string): string {
  return html
    .replace(/<[^>]*>/g, '')
    .replace(/&#x([0-9a-f]+);/gi, (_, hex: string) => String.fromCodePoint(parseInt(hex, 16)))
    .replace(/&#(\d+);/g, (_, decimal: string) => String.fromCodePoint(Number(decimal)))
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&')
}

const render = (markdown: string): string =>
  micromark(markdown, {
    allowDangerousHtml: true,
    extensions: [gfm()],
    htmlExtensions: [gfmHtml()]
  })

/** Tags in rendered HTML other than those `allowed`. */
function otherTags(html: string, allowed: string[]): string[] {
  return [...html.matchAll(/<\/?([a-z0-9]+)/gi)]
    .map((match) => (match[1] as string).toLowerCase())
    .filter((tag) => !allowed.includes(tag))
}

/** The word joiner the PR comment puts after `@` is invisible: it is not part of the text. */
const withoutJoiners = (text: string): string => text.replace(/\u2060/g, '')

const SINKS: [string, MarkdownSink][] = [
  ['job summary', JOB_SUMMARY],
  ['report.md', REPORT_MD],
  ['PR comment', PR_COMMENT]
]

describe.each(SINKS)('the %s escaping renders as literal text', (_name, md) => {
  it('in a sentence: no element, the text exactly', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const html = render(`before ${md.text(text)} after`)
        expect(otherTags(html, ['p'])).toEqual([])
        expect(withoutJoiners(shownText(html)).trim()).toBe(`before ${visibleControls(text)} after`)
      }),
      { numRuns: 1500 }
    )
  })

  it('in a table cell: the row keeps its cells', () => {
    fc.assert(
      fc.property(hostile, hostile, (text, code) => {
        const html = render(
          `| a | b | c |\n| --- | --- | --- |\n| x ${md.text(text)} y | ${md.code(code)} | z |\n`
        )
        const cells = [...html.matchAll(/<td>([\s\S]*?)<\/td>/g)].map((m) => m[1] as string)
        expect(cells).toHaveLength(3)
        expect(otherTags(html, ['table', 'thead', 'tbody', 'tr', 'th', 'td', 'code'])).toEqual([])
        expect(withoutJoiners(shownText(cells[0] as string))).toBe(`x ${visibleControls(text)} y`)
        expect(withoutJoiners(shownText(cells[1] as string))).toBe(visibleControls(code))
        expect(cells[2]).toBe('z')
      }),
      { numRuns: 1500 }
    )
  })

  it('as code: one code element holding the text exactly', () => {
    fc.assert(
      fc.property(hostile, (text) => {
        const html = render(`see ${md.code(text)} here`)
        expect([...html.matchAll(/<code>/g)]).toHaveLength(1)
        expect(otherTags(html, ['p', 'code'])).toEqual([])
        const code = /<code>([\s\S]*)<\/code>/.exec(html)?.[1] ?? ''
        expect(withoutJoiners(shownText(code))).toBe(visibleControls(text))
      }),
      { numRuns: 1500 }
    )
  })
})

describe('sink by sink', () => {
  it('keeps plain names and reasons as they are', () => {
    for (const [, md] of SINKS) {
      expect(md.text('Invalid email address')).toBe('Invalid email address')
      expect(md.code('lists/leads-2026.csv:3')).toBe('`lists/leads-2026.csv:3`')
    }
  })

  it('cuts autolinks and, in the PR comment, mentions', () => {
    expect(render(JOB_SUMMARY.text('see https://evil.example and www.evil.example'))).not.toContain(
      '<a'
    )
    expect(PR_COMMENT.text('@acme/team')).toBe('@&#8288;acme/team')
    expect(PR_COMMENT.code('@acme/team.csv')).toBe('`@acme/team.csv`')
  })

  it('writes report.md with backslashes, which read better raw', () => {
    expect(REPORT_MD.text('a*b_c|d')).toBe('a\\*b\\_c\\|d')
    expect(JOB_SUMMARY.text('a*b_c|d')).toBe('a&#42;b&#95;c&#124;d')
  })
})
