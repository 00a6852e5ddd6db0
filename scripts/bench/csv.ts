/**
 * Deterministic member lists for the benchmark and the scale tests: quoted separators, quoted
 * line breaks, doubled quotes, non-ASCII names, LF or CRLF, an optional UTF-8 BOM. The same seed
 * gives the same bytes.
 */
import { open } from 'node:fs/promises'

export const CSV_HEADER_FIELDS = ['firstName', 'lastName', 'email', 'title', 'company', 'leadScore']

const FIRST_NAMES = [
  'Arya',
  'Zoë',
  'José',
  'Łukasz',
  'Søren',
  'Đorđe',
  'Émilie',
  'Nguyễn',
  'さくら',
  '李雷',
  'Ólafur',
  'Jon',
  'Brienne',
  'Renée',
  'Çağla',
  'Samwell'
]
const LAST_NAMES = ['Stark', 'Müller', 'Øvergård', 'Ñúñez', '山田', 'Kowalski', 'Tarly', 'Dvořák']

export interface CsvOptions {
  /** Stop once the file reaches this many bytes (a whole record is always finished). */
  targetBytes?: number
  /** Or write exactly this many data rows. */
  rows?: number
  /** Record separator and the line break inside quoted fields: CRLF or LF. Default LF. */
  crlf?: boolean
  bom?: boolean
  /** 0-based data rows whose leadScore is text, which the simulator fails. */
  badLeadScore?: (row: number) => boolean
  /** Prefix of the email addresses, so several files do not share members. */
  emailPrefix?: string
  seed?: number
}

export interface CsvFile {
  bytes: number
  rows: number
  header: string
  /** Lines where the rows with a text leadScore start, and their emails (lower case). */
  badRows: { line: number; email: string }[]
}

/** A small, fast, seeded generator (mulberry32). */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0
  return () => {
    state = (state + 0x6d2b79f5) >>> 0
    let t = state
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
}

/** Writes a member list to `path`, in blocks of about 4 MB. */
export async function writeCsv(path: string, options: CsvOptions): Promise<CsvFile> {
  const eol = options.crlf ? '\r\n' : '\n'
  const random = seededRandom(options.seed ?? 42)
  const pick = <T>(items: readonly T[]): T => items[Math.floor(random() * items.length)] as T
  const header = CSV_HEADER_FIELDS.join(',') + eol
  const maxRows = options.rows ?? Number.POSITIVE_INFINITY
  const targetBytes = options.targetBytes ?? Number.POSITIVE_INFINITY
  const prefix = options.emailPrefix ?? 'member'
  const badRows: CsvFile['badRows'] = []
  const file = await open(path, 'w')
  let bytes = 0
  let rows = 0
  let line = 2
  let block = (options.bom ? '\uFEFF' : '') + header
  let blockBytes = Buffer.byteLength(block)
  try {
    while (rows < maxRows && bytes + blockBytes < targetBytes) {
      const email = `${prefix}.${rows}@example.com`
      const kind = random()
      let title: string
      let breaks = 0
      if (kind < 0.15) {
        // A quoted line break, in the file's own style or the other one.
        title = `"Head of${random() < 0.5 ? eol : '\n'}Marketing, ${pick(LAST_NAMES)}"`
        breaks = 1
      } else if (kind < 0.25) {
        title = `"The ""${pick(FIRST_NAMES)}"" of sales"`
      } else if (kind < 0.4) {
        title = `"Director, ${pick(LAST_NAMES)}"`
      } else {
        title = 'Manager'
      }
      const company = random() < 0.3 ? `"Acme ${rows % 997}, Inc."` : `Company ${rows % 1009}`
      const bad = options.badLeadScore?.(rows) ?? false
      const score = bad ? 'TEXT_VALUE_IN_INTEGER_FIELD' : String(Math.floor(random() * 100))
      const record = `${pick(FIRST_NAMES)},${pick(LAST_NAMES)},${email},${title},${company},${score}${eol}`
      block += record
      blockBytes += Buffer.byteLength(record)
      if (bad) badRows.push({ line, email })
      line += 1 + breaks
      rows++
      if (block.length >= 4_000_000) {
        const chunk = Buffer.from(block, 'utf8')
        await file.write(chunk)
        bytes += chunk.length
        block = ''
        blockBytes = 0
      }
    }
    const chunk = Buffer.from(block, 'utf8')
    await file.write(chunk)
    bytes += chunk.length
  } finally {
    await file.close()
  }
  return { bytes, rows, header, badRows }
}
