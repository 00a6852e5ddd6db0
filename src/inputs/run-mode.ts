import { invalid } from './error.js'
import type { ImportSpec, Inputs } from './index.js'

/**
 * What the run does, decided once from the inputs: import the files, only check them (dry
 * run), or finish the jobs an earlier run submitted (batch-ids), with or without its files.
 */
export type RunMode =
  | { kind: 'import' }
  | { kind: 'dry-run' }
  | { kind: 'resume'; batchIds: number[]; withFiles: boolean }

/** Throws an InputError when the inputs ask for two modes at once. */
export function runModeOf(
  inputs: Pick<Inputs, 'dryRun' | 'batchIds'> & {
    imports: ReadonlyArray<Pick<ImportSpec, 'files'>>
  }
): RunMode {
  const { batchIds } = inputs
  if (inputs.dryRun && batchIds.length > 0) {
    throw invalid(
      'batch-ids',
      batchIds.join(','),
      'resumes jobs in Marketo, which a dry run does not reach; leave batch-ids empty with dry-run: true'
    )
  }
  if (inputs.dryRun) return { kind: 'dry-run' }
  if (batchIds.length > 0) {
    const withFiles = inputs.imports.some((spec) => spec.files.length > 0)
    return { kind: 'resume', batchIds, withFiles }
  }
  return { kind: 'import' }
}
