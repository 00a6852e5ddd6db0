/**
 * The one table of Marketo errors: code -> how the client handles it -> what the user is told.
 * Marketo codes are strings of digits; HTTP-level failures use 'HTTP <status>', transport
 * failures their error code (ECONNRESET, timeout, ...).
 */

/** renew the token and retry once | back off and retry | wait out the 20 s window | wait for a queue slot | stop */
export type Handling = 'reauth' | 'backoff' | 'rateWindow' | 'queueFull' | 'fatal'

export type Operation =
  | 'identity'
  | 'submit'
  | 'status'
  | 'failures'
  | 'warnings'
  | 'leads'
  | 'memberDelete'
  | 'export'
  | 'program'
  | 'channels'
  | 'describe'
  | 'usage'

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

export interface ErrorRule {
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

export const TRANSIENT_ADVICE = (context: AdviceContext): string =>
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
  '1029': {
    handling: 'backoff',
    advice: () =>
      "Marketo's bulk export queue is full or the instance's daily export size is used up (1029: " +
      'at most 10 exports queued per instance, 500 MB of export files a day by default, shared ' +
      'with other integrations); nobody was removed. Run again later.'
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

/** What to tell the user of a code the table does not know. */
export function genericAdvice(code: string): string {
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
