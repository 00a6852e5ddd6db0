import { basename, extname, join } from 'node:path'
import { safeName } from './artifact-names.js'
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
 * counts say there is something to fetch (every call spends the customer's daily quota).
 */
export async function collectRowFiles(
  result: JobResult,
  api: RowFileApi,
  outputDir: string,
  log: Pick<Log, 'info' | 'warning'>
): Promise<void> {
  if (result.outcome !== 'Complete' || result.batchId === undefined) return
  const batchId = result.batchId
  const name = (kind: string): string => join(outputDir, rowFileName(result, kind))
  try {
    if (result.failed > 0) {
      const path = name('failures')
      if (await api.downloadFailures(batchId, path)) result.failuresFile = path
      else
        log.warning(
          `Batch ${batchId} reported ${result.failed} failed rows, but Marketo has no failures file for it`
        )
    }
    if (result.warned > 0) {
      const path = name('warnings')
      if (await api.downloadWarnings(batchId, path)) result.warningsFile = path
      else
        log.warning(
          `Batch ${batchId} reported ${result.warned} rows with warnings, but Marketo has no warnings file for it`
        )
    }
  } catch (error) {
    log.warning(`Could not download the row files of batch ${batchId}: ${messageOf(error)}`)
  }
}

/**
 * `leads.batch-1046.failures.csv`: the source's name as the user sees it, made safe for the
 * artifact, the batch (unique in the run), the kind, the source's extension. A batch resumed
 * without its file is `batch-1046.failures.csv`.
 */
export function rowFileName(result: JobResult, kind: string): string {
  const file = result.part.path === '' ? '' : basename(result.part.displayPath)
  const extension = extname(file) || '.csv'
  const stem = file.slice(0, file.length - extname(file).length)
  return safeName(`${stem ? `${stem}.` : ''}batch-${result.batchId}.${kind}${extension}`)
}
