import { writeFile, mkdir } from 'node:fs/promises'
import { join } from 'node:path'
import type { Inputs } from '../inputs.js'
import { outputsOf } from './outputs.js'
import type { RunReport } from './model.js'
import { toReportJson } from './report-json.js'
import { renderSummary } from './summary.js'

/** The toolkit calls this stage makes; the action passes @actions/core. */
export interface Toolkit {
  setOutput(name: string, value: string): void
  info(message: string): void
  warning(message: string): void
  summary: { addRaw(text: string, addEOL?: boolean): { write(): Promise<unknown> } }
}

/** Writes everything the user sees: outputs, report.json, the job summary. Never throws on I/O. */
export async function publishReport(
  report: RunReport,
  inputs: Inputs,
  toolkit: Toolkit
): Promise<void> {
  for (const [name, value] of Object.entries(outputsOf(report))) toolkit.setOutput(name, value)
  const reportPath = join(inputs.outputDir, 'report.json')
  try {
    await mkdir(inputs.outputDir, { recursive: true })
    await writeFile(reportPath, JSON.stringify(toReportJson(report), null, 2) + '\n')
    toolkit.setOutput('report-path', reportPath)
  } catch (error) {
    toolkit.warning(`Could not write ${reportPath}: ${messageOf(error)}`)
    toolkit.setOutput('report-path', '')
  }
  toolkit.setOutput('artifact-id', '')
  toolkit.setOutput('artifact-url', '')
  try {
    await toolkit.summary.addRaw(renderSummary(report), true).write()
  } catch (error) {
    toolkit.warning(`Could not write the job summary: ${messageOf(error)}`)
  }
}

function messageOf(error: unknown): string {
  return error instanceof Error ? error.message : String(error)
}
