import type { BatchPart, JobPart, JobResult } from './types.js'

export function isBatchPart(part: JobPart): part is BatchPart {
  return 'kind' in part && part.kind === 'batch'
}

/**
 * Rows the job carries: a file part's own count; for a batch resumed without its file, what
 * Marketo says it processed (nothing is known before the job ends).
 */
export function rowsOf(result: JobResult): number {
  if (!isBatchPart(result.part)) return result.part.rows
  return result.outcome === 'Complete' || result.outcome === 'Failed'
    ? result.imported + result.failed
    : 0
}

/** `lists/a.csv`, `lists/a.csv (part 2 of 3)`, `batch 1040`. */
export function describePart(part: JobPart): string {
  return part.count > 1
    ? `${part.displayPath} (part ${part.index} of ${part.count})`
    : part.displayPath
}

/**
 * The program and status of a part that carries its own (imports, a status column), under the
 * names given; nothing for a part of the step's one program and status.
 */
export function targetFields(
  part: JobPart,
  programKey = 'programId',
  statusKey = 'programMemberStatus'
): Record<string, string> {
  if (part.target === undefined) return {}
  return { [programKey]: part.target.programId, [statusKey]: part.target.programMemberStatus }
}
