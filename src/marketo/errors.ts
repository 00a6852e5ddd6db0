/**
 * The one table of Marketo errors: code -> how the client handles it -> what the user is told.
 * Marketo codes are strings of digits; HTTP-level failures use 'HTTP <status>', transport
 * failures their error code (ECONNRESET, timeout, ...).
 */

/** renew the token and retry once | back off and retry | wait out the 20 s window | wait for a queue slot | stop */
export type Handling = 'reauth' | 'backoff' | 'rateWindow' | 'queueFull' | 'fatal'

export type Operation = 'identity' | 'submit' | 'status' | 'failures' | 'warnings'

export interface AdviceContext {
  operation: Operation
  /** Milliseconds since the epoch, from the injected clock. */
  now: number
  attempts?: number
  /** Attempts in a row that failed in a way worth retrying (a 1016 answer ends a streak). */
  failuresInARow?: number
  /** Failed attempts that came after the whole upload was sent (the job may exist). */
  uncertainAttempts?: number
}

interface ErrorRule {
  handling: Handling
  /** Account-level problem: submitting more files cannot help. */
  stopsRun?: boolean | ((operation: Operation) => boolean)
  advice: (context: AdviceContext) => string
  /** The advice already says that Marketo may have created the job, and what to do about it. */
  explainsUncertainty?: boolean
}

const BUG_ADVICE =
  'This is a bug in the action, not in your data or settings; please report it as an issue of ' +
  'this action with the run log (debug logging shows each call).'

const TRANSIENT_ADVICE = (context: AdviceContext): string =>
  `Marketo did not answer after ${context.failuresInARow || context.attempts || 'several'} ` +
  'attempts; run again later or resume with batch-ids.'

const transient: ErrorRule = { handling: 'backoff', advice: TRANSIENT_ADVICE }
const bug: ErrorRule = { handling: 'fatal', advice: () => BUG_ADVICE }

const TOKEN_REJECTED: ErrorRule = {
  handling: 'reauth',
  stopsRun: true,
  advice: () =>
    'Marketo rejected an access token it had just issued. Check that the API user is active and ' +
    'that client-id belongs to the same Marketo instance as rest-url.'
}

export const MARKETO_ERRORS: Readonly<Record<string, ErrorRule>> = {
  '601': TOKEN_REJECTED,
  '602': TOKEN_REJECTED,
  '603': {
    handling: 'fatal',
    stopsRun: true,
    advice: () =>
      "Marketo denied access (603). Check that the API user's role has the Read-Write Lead " +
      'permission (and Read-Write Assets, to add members to programs), and that the Web Services ' +
      'IP allow-list (Admin > Web Services > IP Restrictions), if enabled, admits this runner.'
  },
  '604': transient,
  '605': bug,
  '606': { handling: 'rateWindow', advice: TRANSIENT_ADVICE },
  '607': {
    handling: 'fatal',
    stopsRun: true,
    advice: (context) =>
      "The instance's daily API quota is used up (607). It resets at midnight US Central " +
      `(America/Chicago), next at ${nextQuotaReset(context.now)}. Run again after that (jobs ` +
      'already submitted can be resumed with batch-ids); Admin > Web Services shows which ' +
      'integrations use the quota.'
  },
  '608': transient,
  '609': bug,
  '610': bug,
  '611': transient,
  '612': bug,
  '613': bug,
  '614': transient,
  '615': transient,
  '616': {
    handling: 'fatal',
    stopsRun: true,
    advice: () =>
      'Marketo says this subscription type does not allow this API call (616); ask your Marketo ' +
      'account team or support to enable the REST API for this instance.'
  },
  '713': transient,
  '719': transient,
  '1003': {
    handling: 'fatal',
    advice: () =>
      'Marketo rejected the file as invalid (1003): it is empty or not a valid import file. ' +
      'Check it has a header row with an email column and rows in the declared format, and that ' +
      'program-member-status is a status of the program.'
  },
  '1013': {
    handling: 'fatal',
    stopsRun: (operation) => operation === 'submit',
    advice: ({ operation }) =>
      operation === 'submit'
        ? 'Marketo found no such program (1013). Check that program-id is the id in the ' +
          "program's URL (…/#PG1234A1 means 1234) and that the API user can see the program's " +
          'workspace.'
        : 'Marketo does not know this batch id (1013); a batch id stays valid for seven days ' +
          'after the job was submitted.'
  },
  '1016': {
    handling: 'queueFull',
    advice: () =>
      "Marketo's import queue stayed full (1016: at most 10 import jobs per instance, shared with " +
      'other integrations); run again later or raise the timeout.'
  },
  '1025': {
    handling: 'fatal',
    stopsRun: true,
    advice: () =>
      'Marketo did not accept the member status (1025). program-member-status must be a status of ' +
      "this program's channel (for example 'Member' or 'On List'), spelled exactly, case included."
  },
  'HTTP 401': {
    handling: 'fatal',
    stopsRun: true,
    advice: () =>
      "Marketo's identity service rejected the credentials (HTTP 401). Check client-id and " +
      'client-secret: copy them from Admin > LaunchPoint > (your API service) > View Details.'
  },
  'HTTP 413': {
    handling: 'fatal',
    advice: () =>
      "The part sent was larger than Marketo's 10 MB limit for one import file (HTTP 413). The " +
      'action splits files below that limit, so please report this as a bug of the action.'
  },
  'HTTP 414': bug,
  'HTTP 429': { handling: 'rateWindow', advice: TRANSIENT_ADVICE },
  'HTTP 500': transient,
  'HTTP 502': transient,
  'HTTP 503': transient,
  'HTTP 504': transient,
  // Not Marketo codes: answers that are not what Marketo documents.
  ANSWER_TOO_LARGE: {
    handling: 'fatal',
    stopsRun: true,
    advice: () =>
      "No answer of Marketo's import API is that large. Check that rest-url points at Marketo " +
      '(a proxy or gateway in between may be answering instead); the jobs already submitted can ' +
      'be resumed with batch-ids.'
  },
  NO_JOB_IN_ANSWER: {
    handling: 'fatal',
    stopsRun: true,
    explainsUncertainty: true,
    advice: () =>
      'Marketo accepted the upload but its answer names no import job (no batchId), which its API ' +
      'never does: it may have created a job for this part anyway. Check the import jobs of the ' +
      'program in Marketo before running again, so that the part is not imported twice.'
  },
  FILE_TOO_LARGE: {
    handling: 'fatal',
    advice: () =>
      'A failures or warnings file of a job of at most 10 MB is never that large: the report ' +
      "counts the job's rows from Marketo's status only."
  },
  ENOTFOUND: {
    handling: 'fatal',
    stopsRun: true,
    advice: () =>
      'The Marketo host name does not resolve. Check rest-url and identity-url: they look like ' +
      'https://123-ABC-456.mktorest.com and …/identity, with your Munchkin id.'
  }
}

/** Transport failures worth another attempt: resets, refusals, timeouts, a garbled answer. */
const TRANSIENT_TRANSPORT_CODES = new Set([
  'ECONNRESET',
  'ECONNREFUSED',
  'ECONNABORTED',
  'EPIPE',
  'ETIMEDOUT',
  'EAI_AGAIN',
  'ENETUNREACH',
  'EHOSTUNREACH',
  'UND_ERR_SOCKET',
  'UND_ERR_CLOSED',
  'UND_ERR_CONNECT_TIMEOUT',
  'UND_ERR_HEADERS_TIMEOUT',
  'UND_ERR_BODY_TIMEOUT',
  'UND_ERR_RES_CONTENT_LENGTH_MISMATCH',
  'timeout',
  'invalid answer'
])

export function isTransientTransportCode(code: string): boolean {
  return TRANSIENT_TRANSPORT_CODES.has(code) || code.startsWith('HPE_')
}

/** How the client reacts to a failure code during `operation`. */
export function handlingFor(code: string, operation: Operation): Handling {
  if (isTransientTransportCode(code)) return 'backoff'
  const handling = MARKETO_ERRORS[code]?.handling ?? 'fatal'
  // A full import queue only concerns creating a job; elsewhere 1016 is unexpected.
  if (handling === 'queueFull' && operation !== 'submit') return 'fatal'
  // Without a token nothing else can work, so the identity call never re-authenticates.
  if (handling === 'reauth' && operation === 'identity') return 'fatal'
  return handling
}

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
  warnings: 'Downloading the rows with warnings'
}

/** A failure the client will not retry (any more), with what the user should do about it. */
export class MarketoApiError extends Error {
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
export class SubmitInterrupted extends Error {
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

function genericAdvice(code: string): string {
  if (!/^\d+$/.test(code)) {
    return (
      `The request to Marketo failed in a way this action does not expect (${code}); run again, ` +
      'and report it as an issue of this action if it persists.'
    )
  }
  return (
    `Marketo answered an error this action does not expect (${code}); see Adobe's list of REST ` +
    'API error codes (https://experienceleague.adobe.com/en/docs/marketo-developer/marketo/rest/' +
    'error-codes), and run again if it looks temporary.'
  )
}

/** Removes the query string of every URL or path in `text`: the identity URL holds the secret. */
export function redactUrls(text: string): string {
  return text.replace(/((?:[a-z][a-z0-9+.-]*:\/\/|\/)[^\s'"<>?#]*)\?[^\s'"<>#]*/gi, '$1?…')
}

const CHICAGO = new Intl.DateTimeFormat('en-US', {
  timeZone: 'America/Chicago',
  hourCycle: 'h23',
  year: 'numeric',
  month: 'numeric',
  day: 'numeric',
  hour: 'numeric',
  minute: 'numeric',
  second: 'numeric'
})

/** Wall-clock fields of `epochMs` in Chicago, read back as if they were UTC. */
function chicagoWallAsUtc(epochMs: number): number {
  const parts: Record<string, number> = {}
  for (const part of CHICAGO.formatToParts(new Date(epochMs))) {
    if (part.type !== 'literal') parts[part.type] = Number(part.value)
  }
  const { year = 0, month = 1, day = 1, hour = 0, minute = 0, second = 0 } = parts
  return Date.UTC(year, month - 1, day, hour, minute, second)
}

/** The next midnight in America/Chicago after `epochMs`, as an ISO UTC timestamp. */
export function nextQuotaReset(epochMs: number): string {
  const wall = new Date(chicagoWallAsUtc(epochMs))
  const nextMidnightWall = Date.UTC(
    wall.getUTCFullYear(),
    wall.getUTCMonth(),
    wall.getUTCDate() + 1
  )
  // Offset of Chicago from UTC; DST switches at 02:00 local, so the offset at the guess holds.
  let guess = nextMidnightWall + 6 * 3_600_000
  guess -= chicagoWallAsUtc(guess) - nextMidnightWall
  return new Date(guess).toISOString()
}
