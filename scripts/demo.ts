/**
 * The whole job, locally: starts the Marketo simulator, runs the built action (`dist/index.js`)
 * on the sample files exactly as a runner would, and prints what the workflow run would show:
 * the log, the annotations, the outputs and the job summary.
 */
import { readdir } from 'node:fs/promises'
import { resolve } from 'node:path'
import { startSimulator } from '../simulator/server.js'
import { annotations, runAction } from './run-action.js'

const repository = resolve(import.meta.dirname, '..')
const simulator = await startSimulator({ msPerRow: 20, jobOverheadMs: 400 })
const bold = (text: string): string => (process.stdout.isTTY ? `\x1b[1m${text}\x1b[0m` : text)

try {
  const samples = (await readdir(resolve(repository, 'samples'))).filter((f) => f.endsWith('.csv'))
  console.log(bold(`Marketo simulator on ${simulator.url}`))
  console.log(`Importing ${samples.join(', ')} into program 1001 as "On List"\n`)
  const run = await runAction({
    workspace: repository,
    inputs: {
      'rest-url': simulator.url,
      'client-id': simulator.clientId,
      'client-secret': simulator.clientSecret,
      'program-id': '1001',
      'program-member-status': 'On List',
      files: 'samples/*.csv',
      'max-failed-rows': '1',
      'poll-interval': '0.5',
      'max-poll-interval': '2',
      'upload-artifact': 'false'
    }
  })

  console.log(bold('── Step log ─────────────────────────────────────────────'))
  for (const line of run.stdout.split('\n')) {
    const shown = renderLogLine(line)
    if (shown !== undefined) console.log(shown)
  }
  if (run.stderr.trim()) console.log(run.stderr.trim())

  const found = annotations(run.stdout)
  if (found.length > 0) {
    console.log(bold('\n── Annotations ──────────────────────────────────────────'))
    for (const a of found) {
      const where = a.props['file']
        ? `${a.props['file']}${a.props['line'] ? `:${a.props['line']}` : ''} `
        : ''
      console.log(
        `${a.kind.padEnd(7)} ${where}${a.props['title'] ? `${a.props['title']}: ` : ''}${a.message}`
      )
    }
  }

  console.log(bold('\n── Outputs ──────────────────────────────────────────────'))
  for (const [name, value] of Object.entries(run.outputs)) {
    console.log(
      `${name.padEnd(20)} ${name === 'results' ? JSON.stringify(JSON.parse(value), null, 1).replace(/\n\s*/g, ' ') : value}`
    )
  }

  console.log(bold('\n── Job summary ($GITHUB_STEP_SUMMARY) ───────────────────'))
  console.log(run.summary.trim())

  console.log(bold('\n── Marketo (simulator) received ─────────────────────────'))
  const kinds = new Map<string, number>()
  for (const request of simulator.requests)
    kinds.set(request.kind, (kinds.get(request.kind) ?? 0) + 1)
  console.log([...kinds].map(([kind, count]) => `${count} ${kind}`).join(', '))
  console.log(`\nThe step ${run.code === 0 ? 'passed' : `failed (exit code ${run.code})`}.`)
  process.exitCode = run.code ?? 1
} finally {
  await simulator.stop()
}

/** The runner turns workflow commands into folds and colours; a terminal gets plain text. */
function renderLogLine(line: string): string | undefined {
  if (line.startsWith('::group::')) return bold(`▸ ${line.slice('::group::'.length)}`)
  if (line.startsWith('::endgroup::')) return undefined
  if (line.startsWith('::add-mask::') || line.startsWith('::debug::')) return undefined
  const command = /^::(error|warning|notice)[^:]*::(.*)$/.exec(line)
  if (command)
    return `${command[1]![0]!.toUpperCase()}${command[1]!.slice(1)}: ${command[2]!.replace(/%0A/g, '\n  ')}`
  return line === '' ? undefined : line
}
