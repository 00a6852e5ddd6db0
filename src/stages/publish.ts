import { writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Inputs } from '../inputs/index.js'
import { type ArtifactClientLike, uploadReportArtifact } from '../github/artifact.js'
import { outputsOf } from '../report/outputs.js'
import type { RunReport } from '../report/model.js'
import { toReportJson } from '../report/report-json.js'
import { renderReportMarkdown } from '../report/report-md.js'
import { scrubDirectory } from '../report/scrub-files.js'
import { renderSummary } from '../report/summary.js'
import type { SecretScrubber } from '../text/secrets.js'
import { messageOf } from '../format.js'
import type { Log } from '../log.js'

/** The toolkit calls this stage makes; the action passes the escaping one of src/github/log.ts. */
export interface Toolkit extends Pick<Log, 'info' | 'warning'> {
  /** The run's secrets: scrubbed from the outputs, the summary and every file in output-dir. */
  secrets?: SecretScrubber
  setOutput(name: string, value: string): void
  summary: { addRaw(text: string, addEOL?: boolean): { write(): Promise<unknown> } }
  /** Folds the artifact toolkit's own log lines; absent: they are printed as they come. */
  group?<T>(name: string, fn: () => Promise<T>): Promise<T>
}

/**
 * Writes everything the user sees: outputs, report.json and report.md in output-dir, the
 * artifact, the job summary. Never throws on I/O.
 */
export async function publishReport(
  report: RunReport,
  inputs: Inputs,
  toolkit: Toolkit,
  options: { artifactClient?: ArtifactClientLike } = {}
): Promise<void> {
  const scrub = (text: string): string => toolkit.secrets?.scrub(text) ?? text
  for (const [name, value] of Object.entries(outputsOf(report)))
    toolkit.setOutput(name, scrub(value))
  const reportPath = join(inputs.outputDir, 'report.json')
  try {
    await mkdir(inputs.outputDir, { recursive: true })
    const json = toReportJson(report)
    await writeFile(
      reportPath,
      (toolkit.secrets?.json(json, 2) ?? JSON.stringify(json, null, 2)) + '\n'
    )
    await writeFile(join(inputs.outputDir, 'report.md'), scrub(renderReportMarkdown(report)))
    // The last pass before anything leaves: Marketo's files and the fix-and-retry files too.
    if (toolkit.secrets) await scrubDirectory(inputs.outputDir, toolkit.secrets)
    toolkit.setOutput('report-path', reportPath)
  } catch (error) {
    toolkit.warning(`Could not write ${reportPath}: ${messageOf(error)}`)
    toolkit.setOutput('report-path', '')
  }
  const artifact = await uploadArtifactOf(report, inputs, toolkit, options.artifactClient)
  toolkit.setOutput('artifact-id', artifact?.id ?? '')
  toolkit.setOutput('artifact-url', artifact?.url ?? '')
  const published: RunReport = artifact ? { ...report, artifact } : report
  try {
    await toolkit.summary.addRaw(scrub(renderSummary(published)), true).write()
  } catch (error) {
    toolkit.warning(`Could not write the job summary: ${messageOf(error)}`)
  }
}

/**
 * Uploads output-dir (report.json is already in it) unless `upload-artifact: false` or a dry run
 * (which makes no network call). Never throws: a failed upload is a warning, and the files stay.
 */
async function uploadArtifactOf(
  report: RunReport,
  inputs: Inputs,
  toolkit: Toolkit,
  client: ArtifactClientLike | undefined
): Promise<RunReport['artifact']> {
  if (!inputs.uploadArtifact) {
    toolkit.info(
      `upload-artifact: false: no artifact uploaded; the files are in ${inputs.outputDir}`
    )
    return undefined
  }
  if (report.mode === 'dry-run') {
    toolkit.info(`Dry run: no artifact uploaded; report.json is in ${inputs.outputDir}`)
    return undefined
  }
  const upload = () =>
    uploadReportArtifact({
      name: inputs.artifactName,
      directory: inputs.outputDir,
      retentionDays: inputs.retentionDays,
      log: {
        info: (message) => toolkit.info(message),
        warning: (message) => toolkit.warning(message)
      },
      ...(client ? { client } : {})
    })
  const uploaded = toolkit.group
    ? await toolkit.group(`Uploading artifact ${inputs.artifactName}`, upload)
    : await upload()
  return uploaded ? { ...uploaded, name: inputs.artifactName } : undefined
}
