import { boundRuntimeMemory } from './memory.js'
import { core } from './github/log.js'
import { run } from './main.js'

boundRuntimeMemory()

try {
  await run()
} catch (error) {
  // run() reports every expected failure itself; this is a bug, so say where to look.
  const message = error instanceof Error ? (error.stack ?? error.message) : String(error)
  core.setFailed(`Unexpected error in marketo-program-member-import; please report it: ${message}`)
}
