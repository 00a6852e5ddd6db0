import { basename, extname, join } from 'node:path'
import { safeName } from './artifact-names.js'
import { isBatchPart } from '../jobs/parts.js'
import type { JobResult } from '../jobs/types.js'
import { messageOf } from '../format.js'
import type { Log } from '../log.js'

/** The part of the Marketo client this stage uses. */
export interface RowFileApi {
  downloadFailures(batchId: number, destinationPath: string): Promise<boolean>
  downloadWarnings(batchId: number, destinationPath: string): Promise<boolean>
}

/**
 * Downloads Marketo's failure and warning files of an ended job into `outputDir`, only when its
 * counts say there is something to fetch (every call spends the customer's daily quota). A file
 * that should be there and is not is noted on the result, for the report.
 */
export async function collectRowFiles(
  result: JobResult,
  api: RowFileApi,
  outputDir: string,
  log: Pick<Log, 'info'>
): Promise<void> {
  // Counts that are not whole numbers say nothing about what there is to fetch.
  if (result.outcome !== 'Complete' || result.batchId === undefined || result.invalidCounts) return
  const batchId = result.batchId
  const wanted = [
    { kind: 'failures', rows: result.failed, download: api.downloadFailures },
    { kind: 'warnings', rows: result.warned, download: api.downloadWarnings }
  ] as const
  for (const { kind, rows, download } of wanted) {
    if (rows === 0) continue
    const path = join(outputDir, rowFileName(result, kind))
    let problem: string | undefined
    try {
      if (await download.call(api, batchId, path)) {
        if (kind === 'failures') result.failuresFile = path
        else result.warningsFile = path
      } else problem = `its status counts ${rows} rows, but Marketo has no ${kind} file for it`
    } catch (error) {
      problem = `could not be downloaded: ${messageOf(error)}`
    }
    if (problem === undefined) continue
    ;(result.rowFileProblems ??= []).push({ kind, message: problem })
    // The report's end warns once for every such file; here the log says when it happened.
    log.info(`Batch ${batchId} ${kind} file: ${problem}`)
  }
}

/**
 * `leads.batch-1046.failures.csv`: the source's name as the user sees it, made safe for the
 * artifact, the batch (unique in the run), the kind, the source's extension. A batch resumed
 * without its file is `batch-1046.failures.csv`.
 */
export function rowFileName(result: JobResult, kind: string): string {
  const file = isBatchPart(result.part) ? '' : basename(result.part.displayPath)
  const extension = extname(file) || '.csv'
  const stem = file.slice(0, file.length - extname(file).length)
  return safeName(`${stem ? `${stem}.` : ''}batch-${result.batchId}.${kind}${extension}`)
}
