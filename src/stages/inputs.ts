import { InputError, readInputs, type Inputs } from '../inputs/index.js'
import { runModeOf, type RunMode } from '../inputs/run-mode.js'

/** The toolkit calls this stage makes; the action passes @actions/core. */
export interface InputsToolkit {
  getInput(name: string): string
  setSecret(secret: string): void
  setFailed(message: string): void
}

/**
 * Reads every input and decides the run's mode, before anything else happens. A bad input fails
 * the step in one line naming it (undefined is returned); the client secret is masked at once.
 */
export function readInputsStage(
  toolkit: InputsToolkit,
  env: NodeJS.ProcessEnv = process.env
): { inputs: Inputs; mode: RunMode } | undefined {
  try {
    const inputs = readInputs((name) => toolkit.getInput(name), env)
    if (inputs.clientSecret) toolkit.setSecret(inputs.clientSecret)
    return { inputs, mode: runModeOf(inputs) }
  } catch (error) {
    if (!(error instanceof InputError)) throw error
    toolkit.setFailed(error.message)
    return undefined
  }
}
