/**
 * The one URL redaction: in every URL or path of a text, the user name and password, the query
 * string (where the identity URL carries the client secret) and a URL's fragment are cut.
 * One pass over words, a few over each: linear in the text, whatever it holds.
 */

/** Counts the characters visited, so a test can check the work is linear. */
export interface WorkMeter {
  steps: number
}

const DELIMITERS = new Set([`'`, '"', '<', '>'])

function isDelimiter(char: string): boolean {
  return DELIMITERS.has(char) || /\s/.test(char)
}

/**
 * `https://u:p@host/p?x#y` -> `https://***@host/p?…`, `https://host/#y` -> `https://host/#…`,
 * `/p?x` -> `/p?…`; `(why?)` and `…/#PG1234` (no scheme: not a URL's fragment) stay.
 */
export function redactUrls(text: string, meter: WorkMeter = { steps: 0 }): string {
  let out = ''
  let start = 0
  for (let at = 0; at <= text.length; at++) {
    meter.steps++
    if (at < text.length && !isDelimiter(text.charAt(at))) continue
    if (at > start) out += redactWord(text.slice(start, at), meter)
    if (at < text.length) out += text.charAt(at)
    start = at + 1
  }
  return out
}

function redactWord(word: string, meter: WorkMeter): string {
  let redacted = word
  const scheme = word.indexOf('://')
  meter.steps += scheme < 0 ? word.length : scheme
  if (scheme >= 0) {
    const hostStart = scheme + 3
    let hostEnd = hostStart
    let lastAt = -1
    for (; hostEnd < word.length && !'/?#'.includes(word.charAt(hostEnd)); hostEnd++) {
      meter.steps++
      if (word.charAt(hostEnd) === '@') lastAt = hostEnd
    }
    if (lastAt >= 0) redacted = `${word.slice(0, hostStart)}***${word.slice(lastAt)}`
  }
  let slash = false
  for (let at = 0; at < redacted.length; at++) {
    meter.steps++
    const char = redacted.charAt(at)
    if (char === '/') slash = true
    else if (slash && (char === '?' || (char === '#' && scheme >= 0)))
      return `${redacted.slice(0, at + 1)}…`
  }
  return redacted
}
