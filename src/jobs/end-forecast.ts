/**
 * When an importing job will end, from what this run has seen: the rows per second of the jobs
 * that ended, measured from when each was first seen `Importing` to the middle of the last wait
 * that saw it end (it ended somewhere in that wait). Predictions start from the first poll that
 * saw the job `Importing` too, so the lag of that observation largely cancels.
 */

/** A poll aimed at a predicted end lands this long after it. */
export const FORECAST_MARGIN_MS = 1000

export interface EndedJobTiming {
  rows: number
  /** Clock time of the first poll that saw the job `Importing`. */
  importingSince: number
  /** Clock time of the last poll that saw it `Importing`. */
  lastImportingAt: number
  /** Clock time of the poll that saw it end. */
  endSeenAt: number
}

/**
 * Rows per millisecond over the ended jobs, or undefined before one has ended with a measure.
 * Each job's rate counts by how closely its end was seen: a job whose end fell in a 30 s wait
 * says less than one seen within a second of a forecast.
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
