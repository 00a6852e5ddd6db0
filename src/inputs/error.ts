/** Inputs whose values are credentials: never quoted in a message, never kept on an error. */
export const SECRET_INPUTS: ReadonlySet<string> = new Set(['client-secret', 'github-token'])

/** Longest part of a value quoted back to the user; a whole file list or URL would drown the line. */
const QUOTED_VALUE_MAX_CHARS = 60

/**
 * A value quoted for a one-line message: truncated, with line breaks and control characters
 * escaped (JSON rules, plus the Unicode line and paragraph separators JSON leaves alone).
 */
export function quoteValue(value: string): string {
  const chars = Array.from(value)
  const shown =
    chars.length > QUOTED_VALUE_MAX_CHARS
      ? chars.slice(0, QUOTED_VALUE_MAX_CHARS).join('') + '…'
      : value
  return JSON.stringify(shown)
    .replace(/\u2028/g, '\\u2028')
    .replace(/\u2029/g, '\\u2029')
}

/** A bad input value: `message` is one line naming the input, the value and the accepted forms. */
export class InputError extends Error {
  override readonly name = 'InputError'
  /** The input's name as in action.yml, e.g. `max-failed-rows`. */
  readonly input: string
  /** The raw value given; `***` for a secret input. */
  readonly value: string

  constructor(input: string, value: string, message: string) {
    super(message)
    this.input = input
    this.value = SECRET_INPUTS.has(input) && value !== '' ? '***' : value
  }
}

/** `<input>: "<value>" <detail>`; a secret's value is replaced by `(value not shown)`. */
export function invalid(input: string, value: string, detail: string): InputError {
  const shown = SECRET_INPUTS.has(input) ? '(value not shown)' : quoteValue(value)
  return new InputError(input, value, `${input}: ${shown} ${detail}`)
}

/** `<input>: is required<detail>` for an empty input that has no default. */
export function missing(input: string, detail: string): InputError {
  return new InputError(input, '', `${input}: is required${detail}`)
}
