import { createHash } from 'node:crypto'
import { realpath } from 'node:fs/promises'
import { basename, dirname } from 'node:path'
import {
  FileFormatError,
  readRecords,
  readHeader,
  recordsOf,
  renameColumns,
  type FilePlan
} from '../files/index.js'
import { emailKey } from '../validate/rules.js'
import { isWithin } from '../files/workspace.js'
import { blobAt, ChangeError, readBlob, resolveCommit, NO_COMMIT } from './git.js'
import { EmailSet } from '../removals/email-set.js'
import type { RemovalCandidate } from '../removals/types.js'
import { planSelection, type SelectedRecord } from './plan.js'
import type { ChangeSummary, FileChanges } from './types.js'

/** Removed lines a report names per file; the count says the rest. */
const REMOVED_LINES_KEPT = 20

export interface ChangeSelection {
  /** The plans again, each with only its new and changed records in its parts. */
  plans: FilePlan[]
  /**
   * Per file (absolute path) that is sent only in part, the lines where its selected records
   * start. A file sent whole (new, or every record changed) has no entry.
   */
  selectedLines: Map<string, Set<number>>
  summary: ChangeSummary
  /**
   * With `collectRemoved`: the records removed since the ref whose email is in none of the
   * files now, with their line in the old revision (one per email, its first line).
   */
  removed: RemovalCandidate[]
}

export interface SelectOptions {
  ref: string
  /** Where the ref is resolved: the workspace. */
  cwd: string
  chunkSizeBytes: number
  /** Told when an earlier revision cannot be read and its file counts as all new. */
  warn?: (message: string) => void
  /** Keep the removed records' emails (removed-records: remove). */
  collectRemoved?: boolean
  /** `columns` (and the display names known before Marketo is asked): the headers as sent. */
  renames?: ReadonlyMap<string, string>
}

/**
 * Keeps, in each file, only the records that are new or changed since `ref`: a record is
 * unchanged when the earlier revision of the file holds one with the same values in the same
 * columns (matched by header name, so reordered columns are not a change; each earlier record
 * matches at most one). The earlier revisions are streamed from git; the current files are read
 * once more, and their parts list the selected byte ranges instead of copies.
 */
export async function selectChanged(
  plans: FilePlan[],
  options: SelectOptions
): Promise<ChangeSelection> {
  const commit = NO_COMMIT.test(options.ref) ? null : await resolveCommit(options.ref, options.cwd)
  // git reads the earlier revisions at the files' own paths: those stay inside the workspace.
  const workspace = await realpath(options.cwd).catch(() => options.cwd)
  for (const plan of plans) {
    if (!isWithin(plan.path, workspace)) {
      throw new ChangeError(
        `changed-since: ${plan.displayPath} is outside the workspace ${workspace}`
      )
    }
  }
  const selection: ChangeSelection = {
    plans: [],
    selectedLines: new Map(),
    summary: { ref: options.ref, commit, files: [] },
    removed: []
  }
  const current = new EmailSet()
  const removed: RemovalCandidate[] = []
  for (const plan of plans) {
    const { changes, selected } = await diffFile(plan, commit, options, {
      current,
      removed: options.collectRemoved ? removed : undefined
    })
    selection.summary.files.push(changes)
    if (selected === 'all' || selected.length === plan.rows) {
      selection.plans.push(plan)
      continue
    }
    selection.selectedLines.set(plan.path, new Set(selected.map((record) => record.line)))
    selection.plans.push(planSelection(plan, selected, options.chunkSizeBytes))
  }
  const taken = new Set<string>()
  for (const candidate of removed) {
    if (current.has(candidate.email) || taken.has(candidate.email)) continue
    taken.add(candidate.email)
    selection.removed.push(candidate)
  }
  return selection
}

/** Across files: every current email, and (when asked) the removed records found so far. */
interface Collected {
  current: EmailSet
  removed: RemovalCandidate[] | undefined
}

interface EarlierRecords {
  /** Per value key, the lines (in the earlier revision) of the records not matched yet. */
  byValues: Map<string, { lines: number[]; email: string; address?: string }>
}

async function diffFile(
  plan: FilePlan,
  commit: string | null,
  options: SelectOptions,
  collected: Collected
): Promise<{ changes: FileChanges; selected: SelectedRecord[] | 'all' }> {
  const changes: FileChanges = {
    displayPath: plan.displayPath,
    newFile: false,
    unchanged: 0,
    changed: 0,
    added: 0,
    removed: 0,
    removedLines: []
  }
  const header = renameColumns(
    (await readHeader(plan)).columns,
    options.renames ?? new Map()
  ).columns
  const earlier = await earlierRecords(plan, commit, header, options)
  if (earlier === undefined && collected.removed !== undefined) {
    await addCurrentEmails(plan, header, collected.current)
  }
  if (earlier === undefined) {
    // Not there at the ref: every record is new, and the file goes as it was planned.
    return { changes: { ...changes, newFile: true, added: plan.rows }, selected: 'all' }
  }
  const earlierEmails = new Set<string>()
  for (const { email } of earlier.byValues.values()) earlierEmails.add(email)

  const emailAt = header.indexOf('email')
  const currentEmails = new Set<string>()
  const selected: SelectedRecord[] = []
  for await (const record of readRecords(plan.path, plan.format, {
    displayPath: plan.displayPath
  })) {
    if (record.index === 0) continue
    const address = emailKey(emailAt >= 0 ? (record.fields[emailAt] ?? '') : '')
    const email = hashOf(address)
    currentEmails.add(email)
    if (collected.removed !== undefined && address !== '') collected.current.add(address)
    const key = hashOf(record.fields.join('\u0000'))
    const match = earlier.byValues.get(key)
    if (match !== undefined && match.lines.length > 0) {
      match.lines.shift()
      changes.unchanged++
      continue
    }
    selected.push({ line: record.line, start: record.start, end: record.end })
    if (earlierEmails.has(email)) changes.changed++
    else changes.added++
  }
  // Earlier records left unmatched were changed (their email is still here) or removed.
  const removedLines: number[] = []
  const removedHere: RemovalCandidate[] = []
  for (const { lines, email, address } of earlier.byValues.values()) {
    if (currentEmails.has(email)) continue
    for (const line of lines) {
      removedLines.push(line)
      if (address) removedHere.push({ email: address, source: { file: plan.displayPath, line } })
    }
  }
  removedHere.sort((a, b) => lineOf(a) - lineOf(b))
  for (const candidate of removedHere) collected.removed?.push(candidate)
  removedLines.sort((a, b) => a - b)
  changes.removed = removedLines.length
  changes.removedLines = removedLines.slice(0, REMOVED_LINES_KEPT)
  return { changes, selected }
}

function lineOf(candidate: RemovalCandidate): number {
  return typeof candidate.source === 'string' ? 0 : candidate.source.line
}

/** The emails of a file with no earlier revision: they keep their members too. */
async function addCurrentEmails(plan: FilePlan, header: string[], into: EmailSet): Promise<void> {
  const emailAt = header.indexOf('email')
  if (emailAt < 0) return
  for await (const record of readRecords(plan.path, plan.format, {
    displayPath: plan.displayPath
  })) {
    const address = record.index === 0 ? '' : emailKey(record.fields[emailAt] ?? '')
    if (address !== '') into.add(address)
  }
}

/**
 * The earlier revision's records, keyed by their values in the current header's column order;
 * undefined when the file did not exist then.
 */
async function earlierRecords(
  plan: FilePlan,
  commit: string | null,
  header: string[],
  options: SelectOptions
): Promise<EarlierRecords | undefined> {
  if (commit === null) return undefined
  const blob = await blobAt(commit, dirname(plan.path), basename(plan.path))
  if (blob === undefined) return undefined
  const byValues: EarlierRecords['byValues'] = new Map()
  let columns: number[] = []
  try {
    for await (const record of recordsOf(
      readBlob(blob, dirname(plan.path)),
      plan.format,
      `${plan.displayPath} at ${options.ref}`
    )) {
      if (record.index === 0) {
        // Where each current column was then (-1: it did not exist, its values were empty).
        const then = renameColumns(record.fields, options.renames ?? new Map()).columns
        columns = header.map((name) => then.indexOf(name))
        continue
      }
      const values = columns.map((at) => (at < 0 ? '' : (record.fields[at] ?? '')))
      const key = hashOf(values.join('\u0000'))
      const emailAt = header.indexOf('email')
      const address = emailKey(emailAt >= 0 ? (values[emailAt] ?? '') : '')
      const email = hashOf(address)
      const entry = byValues.get(key)
      if (entry) entry.lines.push(record.line)
      else
        byValues.set(key, {
          lines: [record.line],
          email,
          ...(options.collectRemoved ? { address } : {})
        })
    }
  } catch (error) {
    if (!(error instanceof FileFormatError)) throw error
    options.warn?.(
      `${plan.displayPath}: its version at ${options.ref} cannot be read (${error.message}); ` +
        'every record counts as new'
    )
    return undefined
  }
  return { byValues }
}

/** Values are compared by digest: the earlier revision's rows are not kept in memory. */
function hashOf(text: string): string {
  return createHash('sha1').update(text).digest('base64')
}
