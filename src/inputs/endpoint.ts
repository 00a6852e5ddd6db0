import { redactUrls } from '../text/redact.js'
import { InputError, invalid, missing, quoteValue } from './error.js'

/** Where the action talks to Marketo: bulk paths hang off `restUrl`, `/oauth/token` off `identityUrl`. */
export interface Endpoint {
  restUrl: string
  identityUrl: string
}

const MUNCHKIN_ID = /^\d{3}-[a-z]{3}-\d{3}$/i
const EXAMPLE_REST_URL = 'https://123-ABC-456.mktorest.com'

/** `123-abc-456` -> `123-ABC-456`. */
export function parseMunchkinId(input: string, raw: string): string {
  if (!MUNCHKIN_ID.test(raw)) {
    throw invalid(
      input,
      raw,
      'is not a Munchkin id like 123-ABC-456 (3 digits, 3 letters, 3 digits; see Admin > Munchkin)'
    )
  }
  return raw.toUpperCase()
}

/** 127.0.0.0/8, ::1 and localhost: traffic that never leaves the machine. */
export function isLoopbackHost(hostname: string): boolean {
  const host = hostname.toLowerCase().replace(/^\[(.*)\]$/, '$1')
  return host === 'localhost' || host === '::1' || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(host)
}

function invalidUrl(input: string, raw: string, detail: string): InputError {
  return new InputError(
    input,
    redactUrls(raw),
    `${input}: ${quoteValue(redactUrls(raw))} ${detail}`
  )
}

/**
 * An absolute https URL (http only to a loopback host), without credentials, query or
 * fragment; returned as origin + path with no trailing slash.
 */
export function parseBaseUrl(input: string, raw: string): string {
  let url: URL
  try {
    url = new URL(raw)
  } catch {
    throw invalidUrl(input, raw, `is not a URL; give a base URL like ${EXAMPLE_REST_URL}`)
  }
  if (url.protocol !== 'https:' && url.protocol !== 'http:') {
    throw invalidUrl(
      input,
      raw,
      'must start with https:// (or http:// to a loopback host: 127.0.0.1, ::1 or localhost)'
    )
  }
  if (url.username !== '' || url.password !== '') {
    throw invalidUrl(
      input,
      raw,
      'must not contain a user name or password; the action signs in with client-id and client-secret'
    )
  }
  if (url.search !== '' || url.hash !== '' || /[?#]/.test(raw)) {
    throw invalidUrl(
      input,
      raw,
      `must not contain a query string or #fragment; give the base URL only, e.g. ${EXAMPLE_REST_URL}`
    )
  }
  if (url.protocol === 'http:' && !isLoopbackHost(url.hostname)) {
    throw invalidUrl(
      input,
      raw,
      'uses plain http:// to a host that is not loopback, which would send the client secret and access tokens unencrypted; use https://, or http:// only with 127.0.0.1, ::1 or localhost'
    )
  }
  return url.origin + url.pathname.replace(/\/+$/, '')
}

/**
 * Exactly one of `munchkin-id` and `rest-url`. Admin > Web Services shows the REST endpoint as
 * `https://<id>.mktorest.com/rest`, but bulk calls hang off the host (`/bulk/v1/...`) and the
 * identity endpoint is its sibling, so a final `/rest` segment is dropped.
 */
export function parseEndpoint(
  munchkinRaw: string,
  restRaw: string,
  identityRaw: string,
  dryRun = false
): Endpoint {
  if (munchkinRaw !== '' && restRaw !== '') {
    throw new InputError(
      'munchkin-id',
      munchkinRaw,
      `munchkin-id: ${quoteValue(munchkinRaw)} and rest-url: ${quoteValue(redactUrls(restRaw))} are both set; give only one: munchkin-id for Marketo itself, or rest-url for another endpoint (a proxy or a simulator)`
    )
  }
  // A dry run makes no call: where Marketo is does not matter.
  if (munchkinRaw === '' && restRaw === '' && dryRun) return { restUrl: '', identityUrl: '' }
  if (munchkinRaw === '' && restRaw === '') {
    throw missing(
      'munchkin-id',
      ' unless rest-url is set or dry-run is true; give munchkin-id like 123-ABC-456 (Admin > Munchkin), or rest-url with the REST API URL from Admin > Web Services'
    )
  }
  const restUrl =
    munchkinRaw !== ''
      ? `https://${parseMunchkinId('munchkin-id', munchkinRaw)}.mktorest.com`
      : parseBaseUrl('rest-url', restRaw).replace(/\/rest$/i, '')
  const identityUrl =
    identityRaw !== '' ? parseBaseUrl('identity-url', identityRaw) : `${restUrl}/identity`
  return { restUrl, identityUrl }
}
