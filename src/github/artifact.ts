import type { UploadArtifactOptions, UploadArtifactResponse } from '@actions/artifact'
import { readdir } from 'node:fs/promises'
import { join, relative } from 'node:path'
import { messageOf, plural } from '../format.js'

/** The one call of `@actions/artifact` this stage makes; tests may pass their own. */
export interface ArtifactClientLike {
  uploadArtifact(
    name: string,
    files: string[],
    rootDirectory: string,
    options?: UploadArtifactOptions
  ): Promise<UploadArtifactResponse>
}

export interface UploadedArtifact {
  id: string
  /** The artifact's link on the run page; empty when the run is unknown (GITHUB_RUN_ID unset). */
  url: string
}

export interface UploadReportArtifactOptions {
  name: string
  /** Uploaded whole, recursively; paths in the zip are relative to it. */
  directory: string
  /** Undefined: the repository's default retention. */
  retentionDays?: number | undefined
  log: { info(message: string): void; warning(message: string): void }
  client?: ArtifactClientLike
}

/**
 * Uploads every file under `directory` (report.json, Marketo's failure and warning files, the
 * fix-and-retry files) as one artifact. Never throws: when the upload is impossible (not on a
 * runner, GHES, a name already used in this run, the storage quota, the network), it logs one
 * warning that says why and where the files stay, and returns undefined. The toolkit reads its
 * runner variables from process.env, and so does this function.
 */
export async function uploadReportArtifact(
  options: UploadReportArtifactOptions
): Promise<UploadedArtifact | undefined> {
  const { name, directory, log } = options
  const env = process.env
  const notUploaded = (reason: string): undefined => {
    log.warning(`Artifact "${name}" not uploaded: ${reason}. The files stay in ${directory}`)
    return undefined
  }

  let files: string[]
  try {
    files = await listFiles(directory)
  } catch (error) {
    if (codeOf(error) === 'ENOENT') {
      log.info(`No artifact uploaded: ${directory} does not exist, so there is nothing to upload`)
      return undefined
    }
    return notUploaded(`cannot list the files of ${directory} (${firstLine(error)})`)
  }
  if (files.length === 0) {
    log.info(`No artifact uploaded: ${directory} holds no files`)
    return undefined
  }

  // Checked here rather than left to the toolkit, which would explain them less clearly (and
  // for GHES adds a multi-line "try again" warning of its own).
  if (isGhes(env['GITHUB_SERVER_URL'])) {
    return notUploaded(
      `GitHub Enterprise Server (${env['GITHUB_SERVER_URL']}) does not support this artifact ` +
        `service; set upload-artifact: false and upload output-dir with actions/upload-artifact@v3`
    )
  }
  for (const variable of ['ACTIONS_RUNTIME_TOKEN', 'ACTIONS_RESULTS_URL']) {
    if (!env[variable]) {
      return notUploaded(
        `${variable} is not set, so the step is not running on an Actions runner ` +
          `(set upload-artifact: false to skip the upload)`
      )
    }
  }

  const uploadOptions: UploadArtifactOptions = {}
  if (options.retentionDays !== undefined) uploadOptions.retentionDays = options.retentionDays
  let response: UploadArtifactResponse
  try {
    // Loaded only when uploading: the toolkit is a large share of the action's memory.
    const client = options.client ?? new (await import('@actions/artifact')).DefaultArtifactClient()
    response = await client.uploadArtifact(name, files, directory, uploadOptions)
  } catch (error) {
    return notUploaded(explainFailure(error))
  }
  if (response.id === undefined) return notUploaded('the artifact service returned no artifact id')

  const id = String(response.id)
  const url = artifactUrl(env, id)
  const size = response.size === undefined ? '' : `, ${plural(response.size, 'byte')}`
  log.info(
    `Uploaded artifact "${name}" (id ${id}, ${plural(files.length, 'file')}${size})${url ? `: ${url}` : ''}`
  )
  return { id, url }
}

/** `https://github.com/OWNER/REPO/actions/runs/RUN/artifacts/ID`, the run page's own link. */
export function artifactUrl(env: NodeJS.ProcessEnv, id: string): string {
  const server = (env['GITHUB_SERVER_URL'] || 'https://github.com').replace(/\/+$/, '')
  const repository = env['GITHUB_REPOSITORY']
  const runId = env['GITHUB_RUN_ID']
  if (!repository || !runId) return ''
  return `${server}/${repository}/actions/runs/${runId}/artifacts/${id}`
}

/** The toolkit's own rule: github.com, *.ghe.com (GHE.com) and *.localhost are not GHES. */
export function isGhes(serverUrl: string | undefined): boolean {
  let hostname: string
  try {
    hostname = new URL(serverUrl || 'https://github.com').hostname.trimEnd().toUpperCase()
  } catch {
    return false
  }
  return (
    hostname !== 'GITHUB.COM' && !hostname.endsWith('.GHE.COM') && !hostname.endsWith('.LOCALHOST')
  )
}

/**
 * One line for what went wrong. The toolkit wraps its Twirp errors in plain `Error`s
 * ("Failed to CreateArtifact: Received non-retryable error: Failed request: (409) Conflict: ..."),
 * so the kind is read from the message as well as the name.
 */
function explainFailure(error: unknown): string {
  const errorName = error instanceof Error ? error.name : ''
  const message = messageOf(error)
  if (errorName === 'GHESNotSupportedError' || /not currently supported on GHES/i.test(message))
    return 'GitHub Enterprise Server does not support this artifact service; set upload-artifact: false and upload output-dir with actions/upload-artifact@v3'
  if (/\(409\)/.test(message))
    return 'another artifact of this workflow run already has that name; set a different artifact-name'
  if (errorName === 'UsageError' || /storage quota|insufficient usage/i.test(message))
    return "the account's artifact storage quota is used up (GitHub billing: Actions storage)"
  const network = /Unable to make request: (\w+)/.exec(message)
  if (errorName === 'NetworkError' || network)
    return `the artifact service could not be reached (${network?.[1] ?? codeOf(error) ?? 'network error'})`
  if (errorName === 'FilesNotFoundError') return 'the files to upload disappeared before the upload'
  return `the upload failed: ${firstLine(error)}`
}

/**
 * Regular files under `directory`, sorted, as absolute paths. Links are skipped: the toolkit
 * would zip what they point at, which may be anywhere on the runner.
 */
async function listFiles(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true })
  const files = entries
    .filter((entry) => entry.isFile())
    .map((entry) => join(entry.parentPath, entry.name))
  return files.sort((a, b) => relative(directory, a).localeCompare(relative(directory, b)))
}

function firstLine(error: unknown): string {
  const message = messageOf(error)
  return (message.split('\n')[0] ?? '').trim() || 'unknown error'
}

function codeOf(error: unknown): string | undefined {
  const code = (error as { code?: unknown } | null)?.code
  return typeof code === 'string' ? code : undefined
}
