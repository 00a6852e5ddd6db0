import { createWriteStream } from 'node:fs'
import { writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import type { Inputs } from '../inputs/index.js'
import { type ArtifactClientLike, uploadReportArtifact } from '../github/artifact.js'
import { formatCount, plural } from '../format.js'
import { describePart, isBatchPart, rowsOf } from '../jobs/parts.js'
import type { PartCounts } from '../report/accounting.js'
import { rowAnnotations, type Annotation } from '../report/annotations.js'
import { outputsOf } from '../report/outputs.js'
import type { RunReport } from '../report/model.js'
import { reportJsonChunks } from '../report/report-json.js'
import { renderReportMarkdown } from '../report/report-md.js'
import { discardRowIssues, eachRowIssue } from '../report/row-issue-list.js'
import { scrubDirectory } from '../report/scrub-files.js'
import { countStreamedBytes } from '../memory.js'
import { renderSummary } from '../report/summary.js'
import type { SecretScrubber } from '../text/secrets.js'
import { capAnnotations } from '../validate/annotations.js'
import { messageOf } from '../format.js'
import type { Log } from '../log.js'

/**
 * Everything a run ends with, however far it got: the log per file, the outputs, report.json
 * and report.md, the artifact, the job summary, then the annotations (the checks' and the
 * rows'). The spill files of the rows are removed once report.json holds them.
 */
export async function publishRun(
  report: RunReport,
  inputs: Inputs,
  checkAnnotations: Annotation[],
  toolkit: Toolkit & ReportLog
): Promise<void> {
  try {
    if (report.mode === 'import') await logPerFile(report, toolkit)
    await publishReport(report, inputs, toolkit)
  } finally {
    await discardRowIssues(report.rowIssues)
  }
  if (!inputs.annotations) return
  const rows = rowAnnotations(report.rowIssues, 'report.md in the artifact')
  annotate(
    capAnnotations([...checkAnnotations, ...rows], 'the job summary and report.json'),
    toolkit
  )
}

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
  const stringify = (value: unknown, space?: number): string =>
    toolkit.secrets?.json(value, space) ?? JSON.stringify(value, null, space)
  try {
    await mkdir(inputs.outputDir, { recursive: true })
    // Streamed: a run with millions of failed rows has a report.json no string can hold.
    await pipeline(
      Readable.from(reportJsonChunks(report, eachRowIssue, stringify)),
      createWriteStream(reportPath)
    )
    await writeFile(join(inputs.outputDir, 'report.md'), scrub(renderReportMarkdown(report)))
    // The last pass before anything leaves: Marketo's files and the fix-and-retry files too.
    if (toolkit.secrets) await scrubDirectory(inputs.outputDir, toolkit.secrets, countStreamedBytes)
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

/** The log calls of the per-file groups and the annotations. */
export type ReportLog = Pick<Log, 'info' | 'warning' | 'error' | 'notice' | 'group'>

/** One folded group per file: its parts, batches and counts, then what happened to its rows. */
export async function logPerFile(report: RunReport, log: ReportLog): Promise<void> {
  const byFile = new Map<string, number[]>()
  report.results.forEach((result, index) => {
    const list = byFile.get(result.part.displayPath) ?? []
    list.push(index)
    byFile.set(result.part.displayPath, list)
  })
  const counted = (index: number): PartCounts => report.accounting.perPart[index] as PartCounts
  for (const [file, indexes] of byFile) {
    const total = (pick: (c: PartCounts) => number): number =>
      indexes.reduce((sum, index) => sum + pick(counted(index)), 0)
    const title =
      `${file}: ${formatCount(total((c) => c.imported))} imported, ${formatCount(total((c) => c.failed))} failed, ` +
      `${formatCount(total((c) => c.notSubmitted))} not submitted`
    await log.group(title, async () => {
      for (const index of indexes) {
        const result = report.results[index] as RunReport['results'][number]
        const c = counted(index)
        const from = isBatchPart(result.part) ? '' : ` from line ${result.part.firstLine}`
        log.info(
          `${describePart(result.part)}: ${result.batchId === undefined ? 'no batch' : `batch ${result.batchId}`}, ` +
            `${result.outcome}, ${plural(rowsOf(result), 'row')}${from}: ` +
            `${formatCount(c.imported)} imported (${formatCount(c.warned)} with a warning), ${formatCount(c.failed)} failed` +
            (result.message ? `. ${result.message}` : '')
        )
      }
      const failures = report.rowIssues.failures.first.filter((f) => f.file === file)
      for (const issue of failures.slice(0, 20)) {
        log.info(`  failed: line ${issue.line ?? '?'} (batch ${issue.batchId}): ${issue.reason}`)
      }
    })
  }
  const { discrepancies } = report.accounting
  if (discrepancies.length > 0) {
    // One annotation, so the rows' own warnings keep their places under GitHub's cap.
    log.warning(
      `Marketo's counts do not add up for ${plural(discrepancies.length, 'part')}: ${discrepancies[0]}`
    )
    for (const discrepancy of discrepancies.slice(1))
      log.info(`Counts do not add up: ${discrepancy}`)
  }
  const unusable = report.rowIssues.problems.map(
    (p) => `the ${p.kind} file of ${p.part} (batch ${p.batchId}): ${p.message}`
  )
  if (unusable.length > 0) {
    const files = plural(unusable.length, "file of Marketo's", "files of Marketo's")
    log.warning(`${files} could not be used, first ${unusable[0]}`)
    for (const problem of unusable.slice(1)) log.info(`Could not be used: ${problem}`)
  }
}

export function annotate(annotations: Annotation[], log: ReportLog): void {
  for (const { kind, message, title, file, line } of annotations) {
    const properties = {
      ...(title ? { title } : {}),
      ...(file ? { file } : {}),
      ...(line ? { startLine: line } : {})
    }
    log[kind](message, properties)
  }
}
