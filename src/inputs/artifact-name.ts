import { createHash } from 'node:crypto'

/** What separates one use of the action from another within a workflow run. */
export interface ArtifactNameSeed {
  restUrl: string
  programId: string
  programMemberStatus: string
  files: readonly string[]
  batchIds: readonly number[]
}

/**
 * `marketo-import-<job>-<program>-<hash8>-attempt-<n>`.
 *
 * An artifact name must be unique within a workflow run: upload-artifact refuses a second upload
 * under the same name. The job id and the run attempt (a re-run is a new attempt of the same run)
 * come from GITHUB_JOB and GITHUB_RUN_ATTEMPT. The entries of a matrix share the job id, and a
 * JavaScript action cannot read the `matrix` context, so the hash covers what a matrix entry
 * changes for this step: its inputs (endpoint, program, status, file patterns, batch ids) and,
 * for entries running at the same time, the runner (RUNNER_NAME). GITHUB_ACTION (the step's id,
 * `__run_2` and so on) separates two steps of one job that run this action. A workflow that
 * needs a name it can predict sets `artifact-name`.
 */
export function defaultArtifactName(env: NodeJS.ProcessEnv, seed: ArtifactNameSeed): string {
  const job = slug(env.GITHUB_JOB ?? '') || 'local'
  const attempt = /^\d+$/.test(env.GITHUB_RUN_ATTEMPT ?? '') ? env.GITHUB_RUN_ATTEMPT : '1'
  const hash = createHash('sha256')
    .update(
      JSON.stringify([
        env.GITHUB_JOB ?? '',
        env.GITHUB_ACTION ?? '',
        env.RUNNER_NAME ?? '',
        seed.restUrl,
        seed.programId,
        seed.programMemberStatus,
        seed.files,
        seed.batchIds
      ])
    )
    .digest('hex')
    .slice(0, 8)
  return `marketo-import-${job}-${seed.programId}-${hash}-attempt-${attempt}`
}

/** Job ids are already `[A-Za-z0-9_-]`; anything else becomes `-` so the name stays valid. */
function slug(text: string): string {
  return text.replace(/[^A-Za-z0-9._-]+/g, '-').replace(/^-+|-+$/g, '')
}
