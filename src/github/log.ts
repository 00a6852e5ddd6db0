/**
 * The toolkit as every stage gets it: each message passes the one edge (secrets scrubbed, then
 * made one safe line) before it reaches the log, and every secret the run registers is learnt by
 * the scrubber that cleans outputs, summary and files. The action's own workflow commands
 * (add-mask, group, annotations, outputs) still go out through the toolkit, which escapes their
 * data and properties itself.
 */
import * as actions from '@actions/core'
import type { AnnotationProperties } from '@actions/core'
import { annotationText, logLine } from '../text/untrusted.js'
import { SecretScrubber } from '../text/secrets.js'

/** The run's one scrubber, fed by setSecret. */
export const secrets = new SecretScrubber()

const line = (message: string): string => logLine(secrets.scrub(message))
const annotation = (message: string | Error): string =>
  annotationText(secrets.scrub(message instanceof Error ? message.message : message))
/** File and title stay for the toolkit to escape; only secrets are taken out of them here. */
const scrubbed = (properties?: AnnotationProperties): AnnotationProperties | undefined =>
  properties && {
    ...properties,
    ...(properties.title !== undefined ? { title: secrets.scrub(properties.title) } : {}),
    ...(properties.file !== undefined ? { file: secrets.scrub(properties.file) } : {})
  }

export const core = {
  secrets,
  getInput: actions.getInput,
  setSecret(secret: string): void {
    secrets.add(secret)
    actions.setSecret(secret)
  },
  info: (message: string): void => actions.info(line(message)),
  debug: (message: string): void => actions.debug(line(message)),
  notice: (message: string | Error, properties?: AnnotationProperties): void =>
    actions.notice(annotation(message), scrubbed(properties)),
  warning: (message: string | Error, properties?: AnnotationProperties): void =>
    actions.warning(annotation(message), scrubbed(properties)),
  error: (message: string | Error, properties?: AnnotationProperties): void =>
    actions.error(annotation(message), scrubbed(properties)),
  setFailed: (message: string | Error): void => actions.setFailed(annotation(message)),
  group: <T>(name: string, fn: () => Promise<T>): Promise<T> => actions.group(line(name), fn),
  setOutput: (name: string, value: string): void => actions.setOutput(name, secrets.scrub(value)),
  summary: {
    addRaw: (text: string, addEOL?: boolean): { write(): Promise<unknown> } =>
      actions.summary.addRaw(secrets.scrub(text), addEOL)
  }
}
