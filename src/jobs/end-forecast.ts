/**
 * When an importing job will end, from what this run has seen: the rows per second of the jobs
 * that ended, measured from when each began importing (the middle of the wait in which it was
 * first seen `Importing`, or the end of the job ahead of it) to the middle of the wait in which
 * it was seen to end.
 */

/** A poll aimed at a predicted end lands this long after it. */
export const FORECAST_MARGIN_MS = 1000
/** ...and this share of the wait until it. */
export const FORECAST_MARGIN_SHARE = 0.01

export interface EndedJobTiming {
  rows: number
  /** When the job began importing, as far as the run knows (see the scheduler's open jobs). */
  importingSince: number
  /**
   * Clock time of the last poll that saw it `Importing`. A job first seen ended by the poll
   * aimed at its forecast has none and is not counted (it ended at some time before that poll).
   */
  lastImportingAt: number
  /** Clock time of the poll that saw it end. */
  endSeenAt: number
}

/**
 * Rows per millisecond over the ended jobs, or undefined before one has ended with a measure.
 * Each job's rate counts by how closely its end was seen: a job whose end fell in a 30 s wait
 * says less than one seen ended 5 s after it was last seen importing.
 */
export function importRate(ended: EndedJobTiming[]): number | undefined {
  let weighted = 0
  let weights = 0
  for (const job of ended) {
    const window = job.endSeenAt - job.lastImportingAt
    const took = job.lastImportingAt + window / 2 - job.importingSince
    if (took <= 0 || job.rows <= 0) continue
    const weight = 1 / (window + FORECAST_MARGIN_MS)
    weighted += (weight * job.rows) / took
    weights += weight
  }
  return weights > 0 ? weighted / weights : undefined
}

/** Predicted clock time a job of `rows` rows, first seen importing at `importingSince`, ends. */
export function predictEnd(
  rows: number,
  importingSince: number,
  rate: number | undefined
): number | undefined {
  if (rate === undefined || rate <= 0 || rows <= 0) return undefined
  return importingSince + rows / rate
}
