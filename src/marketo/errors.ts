import { redactUrls } from '../text/redact.js'
import type { FailureTraits } from './types.js'
import {
  genericAdvice,
  handlingFor,
  isTransientTransportCode,
  MARKETO_ERRORS,
  TRANSIENT_ADVICE,
  type AdviceContext,
  type Operation
} from './error-codes.js'

export { redactUrls }

/** The client's error classes; the codes they carry and what to say of each are in error-codes.ts. */

export interface MarketoApiErrorDetails {
  code: string
  marketoMessage: string
  advice: string
  httpStatus?: number
  operation: Operation
  stopsRun: boolean
  attempts?: number
  /** True when the failure was worth retrying but the attempts ran out. */
  retriesExhausted?: boolean
  /** Failed attempts that came after the whole upload was sent: Marketo may have created the job. */
  uncertainAttempts?: number
  /** False when the advice already explains a job that may exist. */
  noteUncertainty?: boolean
}

const OPERATION_LABELS: Record<Operation, string> = {
  identity: 'Getting a Marketo access token',
  submit: 'Submitting the import job',
  status: 'Reading the import job status',
  failures: 'Downloading the failed rows',
  warnings: 'Downloading the rows with warnings',
  leads: 'Looking up leads by email',
  memberDelete: 'Removing members from the program',
  export: "Exporting the program's members",
  program: 'Reading the program',
  channels: "Reading the channels' member statuses",
  describe: 'Reading the field descriptions',
  usage: "Reading today's API usage"
}

/** A failure the client will not retry (any more), with what the user should do about it. */
export class MarketoApiError extends Error implements FailureTraits {
  readonly code: string
  readonly marketoMessage: string
  readonly advice: string
  readonly httpStatus?: number
  readonly operation: Operation
  readonly stopsRun: boolean
  readonly attempts?: number
  readonly retriesExhausted: boolean
  readonly uncertainAttempts: number

  constructor(details: MarketoApiErrorDetails) {
    const said = details.marketoMessage ? `: ${details.marketoMessage}` : ''
    const uncertainAttempts = details.uncertainAttempts ?? 0
    super(
      redactUrls(
        `${OPERATION_LABELS[details.operation]} failed (${details.code}${said}). ${details.advice}` +
          (uncertainAttempts > 0 && details.noteUncertainty !== false
            ? ` ${uncertainJobNote(uncertainAttempts)}`
            : '')
      )
    )
    this.name = 'MarketoApiError'
    this.code = details.code
    this.marketoMessage = redactUrls(details.marketoMessage)
    this.advice = details.advice
    if (details.httpStatus !== undefined) this.httpStatus = details.httpStatus
    this.operation = details.operation
    this.stopsRun = details.stopsRun
    if (details.attempts !== undefined) this.attempts = details.attempts
    this.retriesExhausted = details.retriesExhausted ?? false
    this.uncertainAttempts = uncertainAttempts
  }
}

/** What to tell the user when a submit failed after its whole file was sent at least once. */
export function uncertainJobNote(uncertainAttempts: number): string {
  const failed = uncertainAttempts === 1 ? 'an attempt' : `${uncertainAttempts} attempts`
  return (
    `Marketo may have created a job for this part: ${failed} failed only after the whole file ` +
    'was sent. Importing it again is safe, since Marketo matches members by email.'
  )
}

/**
 * A submit cut short by the run's stop (timeout, cancel, an error elsewhere). `uncertain` when
 * Marketo may have created the job anyway: the whole file was sent and no answer came back.
 */
export class SubmitInterrupted extends Error implements FailureTraits {
  readonly uncertain: boolean
  readonly uncertainAttempts: number

  constructor(reason: unknown, uncertain: boolean, uncertainAttempts: number) {
    super(reason instanceof Error ? reason.message : String(reason), { cause: reason })
    this.name = 'SubmitInterrupted'
    this.uncertain = uncertain
    this.uncertainAttempts = uncertainAttempts
  }
}

export interface FailureDescription {
  code: string
  message: string
  httpStatus?: number
}

/** The error to throw for a failure the policy will not retry (again). */
export function toApiError(
  failure: FailureDescription,
  context: AdviceContext & { retriesExhausted?: boolean }
): MarketoApiError {
  const rule = MARKETO_ERRORS[failure.code]
  const exhausted =
    context.retriesExhausted === true && handlingFor(failure.code, context.operation) !== 'fatal'
  let advice: string
  if (exhausted && failure.code !== '1016') advice = TRANSIENT_ADVICE(context)
  else if (rule) advice = rule.advice(context)
  else if (isTransientTransportCode(failure.code)) advice = TRANSIENT_ADVICE(context)
  else advice = genericAdvice(failure.code)
  const stops = rule?.stopsRun
  const stopsRun =
    context.operation === 'identity' ||
    (typeof stops === 'function' ? stops(context.operation) : stops === true)
  return new MarketoApiError({
    code: failure.code,
    marketoMessage: failure.message,
    advice,
    ...(failure.httpStatus !== undefined ? { httpStatus: failure.httpStatus } : {}),
    operation: context.operation,
    stopsRun,
    ...(context.attempts !== undefined ? { attempts: context.attempts } : {}),
    ...(context.uncertainAttempts ? { uncertainAttempts: context.uncertainAttempts } : {}),
    ...(rule?.explainsUncertainty ? { noteUncertainty: false } : {}),
    retriesExhausted: exhausted
  })
}
