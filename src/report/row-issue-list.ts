import { createReadStream, createWriteStream, type WriteStream } from 'node:fs'
import { once } from 'node:events'
import { rm } from 'node:fs/promises'
import { createInterface } from 'node:readline'
import type { FixFile } from './fix-file.js'

/** A failed or warned row, traced back to where it is in the user's own file. */
export interface RowIssue {
  file: string
  /** Line where the record starts; null when Marketo's row matched no source record. */
  line: number | null
  batchId: number
  part: number
  reason: string
}

export interface ReasonGroup {
  reason: string
  rows: number
  /** Where the first rows with this reason are: `file:line`, or `file (batch n, line unknown)`. */
  examples: string[]
}

/**
 * The failed (or warned) rows of a run, in memory that does not grow with them: their number,
 * the first ones in the order traced, and their reasons; every row is in `spillPath`.
 */
export interface RowIssueList {
  rows: number
  /** The first rows traced, at most LISTED_ROWS: the annotations, the log and report.md. */
  first: RowIssue[]
  /** Rows by reason, the most frequent first (ties: first seen first), at most MAX_REASONS. */
  reasons: ReasonGroup[]
  /** Rows whose reason came after MAX_REASONS others. */
  otherReasonRows: number
  /** JSON lines of every row, for report.json; absent when `first` holds them all. */
  spillPath?: string
}

/** A failures or warnings file of Marketo's that could not be read, or that its counts contradict. */
export interface RowFileProblem {
  batchId: number
  /** The part it belongs to, as `describePart` says it. */
  part: string
  kind: 'failures' | 'warnings'
  message: string
}

export interface RowIssues {
  failures: RowIssueList
  warnings: RowIssueList
  /** Per input file with failures: its header and its failing records, ready to fix and re-run. */
  fixFiles: FixFile[]
  /** Marketo's files that could not be used, so their rows have no line or reason here. */
  problems: RowFileProblem[]
  /** Scratch folder of the spill files, removed by `discardRowIssues`. */
  scratchDir?: string
}

/** Rows kept in memory per kind: report.md lists them one by one. */
export const LISTED_ROWS = 5000
/** Distinct reasons counted one by one; Marketo has a few dozen, a hostile file any number. */
export const MAX_REASONS = 500
/** Examples kept per reason. */
const EXAMPLES_PER_REASON = 3
/** JSON lines gathered before a write. */
const WRITE_BYTES = 64 * 1024

/** Rows counted by reason, for MAX_REASONS reasons; the rows of any further reason are summed. */
class ReasonTally {
  private readonly groups = new Map<string, ReasonGroup>()
  private otherRows = 0

  add(issue: RowIssue): void {
    let group = this.groups.get(issue.reason)
    if (!group && this.groups.size < MAX_REASONS) {
      group = { reason: issue.reason, rows: 0, examples: [] }
      this.groups.set(issue.reason, group)
    }
    if (!group) {
      this.otherRows++
      return
    }
    group.rows++
    if (group.examples.length < EXAMPLES_PER_REASON) group.examples.push(locationOf(issue))
  }

  /** The most frequent first; the sort is stable, so the reason seen first wins a tie. */
  result(): Pick<RowIssueList, 'reasons' | 'otherReasonRows'> {
    const reasons = [...this.groups.values()].sort((a, b) => b.rows - a.rows)
    return { reasons, otherReasonRows: this.otherRows }
  }
}

/** Collects one kind of row issue: counts and the first rows in memory, every row on disk. */
export class RowIssueLog {
  private rows = 0
  private readonly first: RowIssue[] = []
  private readonly tally = new ReasonTally()
  private out: WriteStream | undefined
  private pending = ''

  constructor(private readonly spillPath: string) {}

  async add(issue: RowIssue): Promise<void> {
    this.rows++
    if (this.first.length < LISTED_ROWS) this.first.push(issue)
    this.tally.add(issue)
    this.pending += JSON.stringify(issue) + '\n'
    if (this.pending.length >= WRITE_BYTES) await this.flush()
  }

  async close(): Promise<RowIssueList> {
    await this.flush()
    if (this.out) {
      this.out.end()
      await once(this.out, 'close')
    }
    return {
      rows: this.rows,
      first: this.first,
      ...this.tally.result(),
      ...(this.out ? { spillPath: this.spillPath } : {})
    }
  }

  private async flush(): Promise<void> {
    // While every row fits in `first`, nothing goes to disk; past it, the spill has them all.
    if (this.pending === '' || (this.rows <= LISTED_ROWS && !this.out)) return
    this.out ??= createWriteStream(this.spillPath)
    const chunk = this.pending
    this.pending = ''
    if (!this.out.write(chunk)) await once(this.out, 'drain')
  }
}

/** A list of rows held in memory (a run with few of them, and the tests). */
export function rowIssueListOf(issues: RowIssue[]): RowIssueList {
  const tally = new ReasonTally()
  for (const issue of issues) tally.add(issue)
  return { rows: issues.length, first: issues.slice(0, LISTED_ROWS), ...tally.result() }
}

export function noRowIssues(): RowIssues {
  return {
    failures: rowIssueListOf([]),
    warnings: rowIssueListOf([]),
    fixFiles: [],
    problems: []
  }
}

/** Every row of the list, in the order traced, read back from its spill file when it has one. */
export async function* eachRowIssue(list: RowIssueList): AsyncGenerator<RowIssue> {
  if (list.spillPath === undefined) {
    yield* list.first
    return
  }
  const lines = createInterface({ input: createReadStream(list.spillPath), crlfDelay: Infinity })
  for await (const line of lines) if (line !== '') yield JSON.parse(line) as RowIssue
}

/** Removes the spill files once report.json has them. */
export async function discardRowIssues(issues: RowIssues): Promise<void> {
  if (issues.scratchDir) await rm(issues.scratchDir, { recursive: true, force: true })
}

export function locationOf(issue: RowIssue): string {
  return issue.line === null
    ? `${issue.file} (batch ${issue.batchId}, line unknown)`
    : `${issue.file}:${issue.line}`
}
