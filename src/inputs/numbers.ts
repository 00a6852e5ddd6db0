import { MARKETO_MAX_BODY_BYTES } from '../marketo/multipart.js'
import { invalid, missing } from './error.js'

/** Plain decimal notation only: no sign, exponent, hex, spaces, `Infinity` or `NaN`. */
const DECIMAL = /^\d+(?:\.\d+)?$/
const WHOLE = /^\d+$/

/** Every part repeats the file's header and travels in a multipart envelope of a few hundred bytes. */
export const MIN_CHUNK_BYTES = 1024

/** A limit on failed or warned rows: a row count, or a share of the rows submitted. */
export type Threshold = { kind: 'count'; count: number } | { kind: 'percent'; percent: number }

const THRESHOLD_FORMS = 'give a count like 25 or a percentage like 2.5%'

export function parseThreshold(input: string, raw: string): Threshold {
  if (raw === '') throw missing(input, `; ${THRESHOLD_FORMS}`)
  const isPercent = raw.endsWith('%')
  const number = isPercent ? raw.slice(0, -1) : raw
  if (number.startsWith('-') && DECIMAL.test(number.slice(1))) {
    throw invalid(input, raw, `must not be negative; ${THRESHOLD_FORMS}`)
  }
  if (!DECIMAL.test(number)) {
    throw invalid(input, raw, 'is neither a count nor a percentage like 2.5%')
  }
  if (isPercent) {
    const percent = Number(number)
    if (percent > 100) {
      throw invalid(input, raw, 'is above 100%; give a percentage from 0% to 100%, e.g. 2.5%')
    }
    return { kind: 'percent', percent }
  }
  if (!WHOLE.test(number)) {
    throw invalid(input, raw, `is not a whole number of rows; ${THRESHOLD_FORMS}`)
  }
  const count = Number(number)
  if (!Number.isSafeInteger(count)) throw invalid(input, raw, `is too large; ${THRESHOLD_FORMS}`)
  return { kind: 'count', count }
}

/** Percentages are compared in millionths of a percent, exactly, so 0.57% of 10000 is 57, not 56. */
const PERCENT_SCALE = 1_000_000

/** The most rows allowed under `threshold` when `submittedRows` rows were submitted. */
export function thresholdLimit(threshold: Threshold, submittedRows: number): number {
  if (threshold.kind === 'count') return threshold.count
  const submitted = BigInt(Math.max(0, Math.floor(submittedRows)))
  const scaledPercent = BigInt(Math.round(threshold.percent * PERCENT_SCALE))
  return Number((scaledPercent * submitted) / BigInt(100 * PERCENT_SCALE))
}

/** `25 rows`, `2.5% of submitted rows`, or with a row count `2.5% of 1200 submitted rows (30)`. */
export function describeThreshold(threshold: Threshold, submittedRows?: number): string {
  if (threshold.kind === 'count')
    return `${threshold.count} ${threshold.count === 1 ? 'row' : 'rows'}`
  if (submittedRows === undefined) return `${threshold.percent}% of submitted rows`
  const limit = thresholdLimit(threshold, submittedRows)
  return `${threshold.percent}% of ${submittedRows} submitted rows (${limit})`
}

interface AmountRule {
  unit: 'seconds' | 'minutes'
  example: string
  max: number
  /** Why the maximum, in a few words shown after it. */
  maxReason: string
}

function parsePositiveAmount(input: string, raw: string, rule: AmountRule): number {
  const forms = `a number of ${rule.unit} greater than 0, e.g. ${rule.example}`
  if (raw === '') throw missing(input, `; give ${forms}`)
  const amount = DECIMAL.test(raw) ? Number(raw) : NaN
  if (!(amount > 0)) throw invalid(input, raw, `must be ${forms}`)
  if (amount > rule.max) {
    throw invalid(
      input,
      raw,
      `is above ${rule.max} ${rule.unit}${rule.maxReason}; give a number of ${rule.unit} up to ${rule.max}, e.g. ${rule.example}`
    )
  }
  return amount
}

/** Seconds greater than 0, decimals allowed, at most `max` (an hour by default). */
export function parseSeconds(input: string, raw: string, max = 3600): number {
  const maxReason = max === 3600 ? ' (1 hour)' : ''
  return parsePositiveAmount(input, raw, { unit: 'seconds', example: '5 or 2.5', max, maxReason })
}

/** Minutes greater than 0, decimals allowed, at most `max` (a GitHub-hosted job's 6 hours). */
export function parseMinutes(input: string, raw: string, max = 360): number {
  const maxReason =
    max === 360 ? ', the longest a job on a GitHub-hosted runner runs (6 hours)' : ''
  return parsePositiveAmount(input, raw, { unit: 'minutes', example: '60 or 7.5', max, maxReason })
}

export interface WholeNumberRule {
  min: number
  max: number
  /** e.g. `a whole number of days`. */
  what: string
  example: string
  /** Why the range, in parentheses after it; optional. */
  why?: string
}

export function parseWholeNumber(input: string, raw: string, rule: WholeNumberRule): number {
  const why = rule.why === undefined ? '' : ` (${rule.why})`
  const forms = `${rule.what} from ${rule.min} to ${rule.max}${why}, e.g. ${rule.example}`
  if (raw === '') throw missing(input, `; give ${forms}`)
  const value = WHOLE.test(raw) ? Number(raw) : NaN
  if (!(value >= rule.min && value <= rule.max)) throw invalid(input, raw, `must be ${forms}`)
  return value
}

/** Multipliers of the accepted units, keyed in lower case: SI (1000) and IEC (1024) prefixes. */
const BYTE_UNITS: Record<string, bigint> = {
  b: 1n,
  kb: 1000n,
  mb: 1_000_000n,
  kib: 1024n,
  mib: 1_048_576n
}
const BYTE_SIZE = /^(\d+)(?:\.(\d+))?(?: ?([a-z]+))?$/i
const BYTE_SIZE_FORMS =
  'a size in bytes like 5000000, or with a unit KB, MB (1000-based), KiB, MiB (1024-based), e.g. 10MB'

/** `5000000`, `10MB`, `2.5 MB`, `512KiB`: whole bytes, rounded down; units are case-insensitive. */
export function parseByteSize(input: string, raw: string): number {
  if (raw === '') throw missing(input, `; give ${BYTE_SIZE_FORMS}`)
  const match = BYTE_SIZE.exec(raw)
  const multiplier = match ? BYTE_UNITS[(match[3] ?? 'b').toLowerCase()] : undefined
  if (!match || multiplier === undefined) throw invalid(input, raw, `must be ${BYTE_SIZE_FORMS}`)
  const [, whole = '0', fraction = ''] = match
  if (fraction !== '' && multiplier === 1n) {
    throw invalid(
      input,
      raw,
      'has a fraction of a byte; give whole bytes like 5000000, or a unit, e.g. 2.5MB'
    )
  }
  // Exact decimal arithmetic: 2.3MB is 2300000 bytes, not 2299999.
  const fractionBytes =
    fraction === '' ? 0n : (BigInt(fraction) * multiplier) / 10n ** BigInt(fraction.length)
  return Number(BigInt(whole) * multiplier + fractionBytes)
}

/** A part size Marketo accepts and that leaves room for rows after the repeated header. */
export function parseChunkSize(input: string, raw: string): number {
  const bytes = parseByteSize(input, raw)
  if (bytes > MARKETO_MAX_BODY_BYTES) {
    throw invalid(
      input,
      raw,
      `is above Marketo's limit of ${MARKETO_MAX_BODY_BYTES} bytes (10 MiB); use a size up to 10MiB, e.g. 10MB`
    )
  }
  if (bytes < MIN_CHUNK_BYTES) {
    throw invalid(
      input,
      raw,
      `is below the minimum of ${MIN_CHUNK_BYTES} bytes (1 KiB): every part repeats the file's header and travels in multipart framing of a few hundred bytes, so a smaller part holds few or no rows; use e.g. 10MB`
    )
  }
  return bytes
}

/** Comma- or newline-separated positive ids, or a JSON array as the `batch-ids` output gives. */
export function parseBatchIds(input: string, raw: string): number[] {
  const list = /^\[.*\]$/s.test(raw) ? raw.slice(1, -1) : raw
  const items = list
    .split(/[,\r\n]/)
    .map((item) => item.trim())
    .filter((item) => item !== '')
  const forms = 'give whole numbers above 0 separated by commas or new lines, e.g. 1042, 1043'
  if (items.length === 0 && raw !== '') throw invalid(input, raw, `holds no batch id; ${forms}`)
  const ids: number[] = []
  for (const item of items) {
    const id = WHOLE.test(item) ? Number(item) : NaN
    if (!(id > 0 && Number.isSafeInteger(id))) {
      throw invalid(input, item, `is not a batch id; ${forms}`)
    }
    if (!ids.includes(id)) ids.push(id)
  }
  return ids
}

/** A Marketo program id, canonical (no leading zeros). */
export function parseProgramId(input: string, raw: string): string {
  const forms =
    "the numeric id of a Marketo program, e.g. 1044 (from #PG1044A1 in the program's URL)"
  if (raw === '') throw missing(input, `; give ${forms}`)
  const id = WHOLE.test(raw) ? Number(raw) : NaN
  if (!(id > 0 && Number.isSafeInteger(id))) throw invalid(input, raw, `must be ${forms}`)
  return String(id)
}
