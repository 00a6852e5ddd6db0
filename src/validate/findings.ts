import { KINDS, type Finding, type FindingKind, type KindCount } from './types.js'

/** Findings kept per kind with their lines; past it they are only counted. */
export const KEPT_PER_KIND = 200
/** Locations a summary shows per kind. */
export const EXAMPLES_PER_KIND = 5

/** Collects findings: every one counted, the first of each kind kept. */
export class Findings {
  private readonly counts = new Map<FindingKind, number>()
  private readonly kept: Finding[] = []
  /** Order of the files, so findings sort by file, then line. */
  private readonly fileOrder = new Map<string, number>()

  /** Puts a file in the order findings are listed (else it goes where its first finding is). */
  addFile(file: string): void {
    if (!this.fileOrder.has(file)) this.fileOrder.set(file, this.fileOrder.size)
  }

  add(
    kind: FindingKind,
    file: string,
    line: number | null,
    message: string,
    related?: Finding['related']
  ): void {
    this.addFile(file)
    const count = (this.counts.get(kind) ?? 0) + 1
    this.counts.set(kind, count)
    if (count > KEPT_PER_KIND) return
    const finding: Finding = { kind, severity: KINDS[kind].severity, file, line, message }
    if (related) finding.related = related
    this.kept.push(finding)
  }

  count(kind: FindingKind): number {
    return this.counts.get(kind) ?? 0
  }

  /** The kept findings by file (in the order first seen), then line (file-wide ones first). */
  list(): Finding[] {
    const order = (f: Finding): number => this.fileOrder.get(f.file) ?? 0
    return [...this.kept].sort((a, b) => order(a) - order(b) || (a.line ?? 0) - (b.line ?? 0))
  }

  /** Counts by kind, in the order of `KINDS`, with the first locations of each. */
  byKind(): KindCount[] {
    const list = this.list()
    return (Object.keys(KINDS) as FindingKind[])
      .filter((kind) => this.count(kind) > 0)
      .map((kind) => ({
        kind,
        severity: KINDS[kind].severity,
        label: KINDS[kind].label,
        count: this.count(kind),
        examples: list
          .filter((f) => f.kind === kind)
          .slice(0, EXAMPLES_PER_KIND)
          .map((f) => (f.line === null ? f.file : `${f.file}:${f.line}`))
      }))
  }
}
