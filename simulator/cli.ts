/**
 * `npm run simulator`: a Marketo simulator on 127.0.0.1 until Ctrl-C.
 * PORT (default 8787); SIM_MS_PER_ROW, SIM_JOB_OVERHEAD_MS, SIM_QUEUED_MS tune processing time.
 *
 * Runs under tsx and under `node --experimental-strip-types`; the latter does not map the
 * `.js` import suffixes to `.ts` files, so a resolve hook does it before the server is loaded.
 */
import { registerHooks } from 'node:module'

registerHooks({
  resolve(specifier, context, nextResolve) {
    try {
      return nextResolve(specifier, context)
    } catch (error) {
      const relative = specifier.startsWith('./') || specifier.startsWith('../')
      if (!relative || !specifier.endsWith('.js')) throw error
      return nextResolve(specifier.replace(/\.js$/, '.ts'), context)
    }
  }
})

const { startSimulator } = await import('./server.js')

function numberFromEnv(name: string): number | undefined {
  const raw = process.env[name]
  if (raw === undefined || raw.trim() === '') return undefined
  const value = Number(raw)
  if (!Number.isFinite(value) || value < 0)
    throw new Error(`${name}: "${raw}" is not a number >= 0`)
  return value
}

const simulator = await startSimulator({
  port: numberFromEnv('PORT') ?? 8787,
  msPerRow: numberFromEnv('SIM_MS_PER_ROW'),
  jobOverheadMs: numberFromEnv('SIM_JOB_OVERHEAD_MS'),
  queuedMs: numberFromEnv('SIM_QUEUED_MS')
})

console.log(`Marketo simulator listening
  REST URL:      ${simulator.url}
  Identity URL:  ${simulator.identityUrl}
  Client id:     ${simulator.clientId}
  Client secret: ${simulator.clientSecret}
  Programs:      1001, 1002 (statuses: Not in Program, Member, On List, Invited, Registered, Attended)

Run the action against it (hyphenated names need env, not a shell export):
  env 'INPUT_REST-URL=${simulator.url}' \\
      'INPUT_CLIENT-ID=${simulator.clientId}' \\
      'INPUT_CLIENT-SECRET=${simulator.clientSecret}' \\
      'INPUT_PROGRAM-ID=1001' \\
      'INPUT_PROGRAM-MEMBER-STATUS=On List' \\
      'INPUT_FILES=samples/*.csv' \\
      'INPUT_POLL-INTERVAL=0.5' \\
      node dist/index.js

Ctrl-C to stop.`)

process.once('SIGINT', () => {
  simulator.stop().then(
    () => process.exit(0),
    () => process.exit(1)
  )
})
process.once('SIGTERM', () => process.kill(process.pid, 'SIGINT'))
