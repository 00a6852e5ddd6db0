/**
 * The report of a run with several imports: each program and status with its totals, and the
 * imports that set limits of their own judged by them on their rows alone.
 */
import type { ImportSpec, Threshold } from '../inputs/index.js'
import type { ImportTarget, JobPart, JobResult } from '../jobs/types.js'
import { account, type FileProblem, type Totals } from './accounting.js'
import { judgeFailed, judgeWarned } from './verdict.js'

/** One import of the run as the report sees it: its entry, its parts' target, its files. */
export interface RunImport {
  spec: Pick<
    ImportSpec,
    | 'entry'
    | 'programId'
    | 'programMemberStatus'
    | 'statusColumn'
    | 'maxFailedRows'
    | 'maxWarningRows'
  >
  /** What the import's parts carry (parts of a status column carry their status's own). */
  target?: ImportTarget
  /** Absolute paths of its files. */
  paths: ReadonlySet<string>
  /** Its files that cannot be imported. */
  problems: FileProblem[]
}

/** A program and status of the run, with the totals of its rows. */
export interface ImportSection {
  programId: string
  programMemberStatus: string
  /** The imports entries whose rows went here (none for the step's own import). */
  entries: number[]
  totals: Totals
}

/** What the report adds for several imports: its sections, and the limits that judge its rows. */
export interface ImportReport {
  sections: ImportSection[]
  /** The totals the run's own limits judge: every row but those of imports with their own. */
  judged: { failed: Totals; warned: Totals }
  /** Imports over limits of their own, one line each. */
  over: string[]
  /** Imports within limits of their own that had failed or warned rows. */
  within: string[]
}

/** `imports entry 2 (program 1045)`. */
export function importLabel(spec: RunImport['spec']): string {
  return `imports entry ${spec.entry} (program ${spec.programId})`
}

/**
 * Whether the report has a section per program and status: when the run lists imports, or its
 * parts carry targets of their own (a status column); a plain run's report is as it always was.
 */
export function hasSections(imports: readonly RunImport[], results: readonly JobResult[]): boolean {
  return (
    imports.some((item) => item.spec.entry !== undefined) ||
    results.some((result) => result.part.target !== undefined)
  )
}

/** The import a job belongs to: by the target its part carries, else by its file and program. */
function importOf(part: JobPart, imports: readonly RunImport[]): RunImport | undefined {
  const byTarget = imports.find((item) => item.target !== undefined && item.target === part.target)
  if (byTarget) return byTarget
  const path = 'path' in part ? part.path : undefined
  return imports.find(
    (item) =>
      path !== undefined &&
      item.paths.has(path) &&
      (part.target === undefined || part.target.programId === item.spec.programId)
  )
}

export function importReport(
  imports: readonly RunImport[],
  results: readonly JobResult[],
  fallback: ImportTarget
): ImportReport {
  const sections = new Map<
    string,
    { section: ImportSection; results: JobResult[]; problems: FileProblem[] }
  >()
  const sectionOf = (target: ImportTarget, entry: number | undefined) => {
    const key = JSON.stringify([target.programId, target.programMemberStatus])
    const known = sections.get(key) ?? {
      section: { ...target, entries: [], totals: account([]).totals },
      results: [],
      problems: []
    }
    sections.set(key, known)
    if (entry !== undefined && !known.section.entries.includes(entry))
      known.section.entries.push(entry)
    return known
  }
  const byImport = new Map<RunImport, JobResult[]>()
  for (const item of imports) {
    byImport.set(item, [])
    // An import's files that cannot be imported count where its rows would have gone.
    const target = item.target ?? {
      programId: item.spec.programId,
      programMemberStatus: item.spec.programMemberStatus
    }
    if (item.problems.length > 0) sectionOf(target, item.spec.entry).problems.push(...item.problems)
  }
  for (const result of results) {
    const item = importOf(result.part, imports)
    if (item) byImport.get(item)?.push(result)
    const target = result.part.target ?? item?.target ?? fallback
    sectionOf(target, item?.spec.entry).results.push(result)
  }
  for (const known of sections.values()) {
    known.section.totals = account(known.results, known.problems).totals
  }

  const over: string[] = []
  const within: string[] = []
  const ownFailed: JobResult[] = []
  const ownWarned: JobResult[] = []
  const ownFailedProblems: FileProblem[] = []
  const ownWarnedProblems: FileProblem[] = []
  for (const [item, own] of byImport) {
    const { maxFailedRows, maxWarningRows } = item.spec
    if (maxFailedRows === undefined && maxWarningRows === undefined) continue
    const totals = account(own, item.problems).totals
    const judge = (judgement: { over: string[]; within: string[] }): void => {
      over.push(...judgement.over.map((line) => `${importLabel(item.spec)}: ${line}`))
      within.push(...judgement.within.map((line) => `${importLabel(item.spec)}: ${line}`))
    }
    if (maxFailedRows !== undefined) {
      judge(judgeFailed(totals, maxFailedRows))
      ownFailed.push(...own)
      ownFailedProblems.push(...item.problems)
    }
    if (maxWarningRows !== undefined) {
      judge(judgeWarned(totals, maxWarningRows as Threshold))
      ownWarned.push(...own)
      ownWarnedProblems.push(...item.problems)
    }
  }
  const rest = (own: JobResult[], ownProblems: FileProblem[]): Totals =>
    account(
      results.filter((result) => !own.includes(result)),
      imports.flatMap((item) => item.problems).filter((problem) => !ownProblems.includes(problem))
    ).totals
  return {
    sections: [...sections.values()].map((known) => known.section),
    judged: {
      failed: rest(ownFailed, ownFailedProblems),
      warned: rest(ownWarned, ownWarnedProblems)
    },
    over,
    within
  }
}
