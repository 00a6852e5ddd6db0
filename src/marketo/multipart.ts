import { randomBytes } from 'node:crypto'
import type { ImportFormat } from './types.js'

/** Marketo rejects an import body larger than this with HTTP 413. */
export const MARKETO_MAX_BODY_BYTES = 10_485_760

const BOUNDARY_PREFIX = '----MarketoProgramMemberImport'
const BOUNDARY_RANDOM_BYTES = 12

export const CONTENT_TYPES: Record<ImportFormat, string> = {
  CSV: 'text/csv',
  TSV: 'text/tab-separated-values',
  SSV: 'text/plain'
}

/** The bytes around the file content of a one-part multipart/form-data body. */
export interface MultipartEnvelope {
  /** Value of the request's Content-Type header. */
  contentType: string
  head: Buffer
  tail: Buffer
}

export function newBoundary(): string {
  return BOUNDARY_PREFIX + randomBytes(BOUNDARY_RANDOM_BYTES).toString('hex')
}

export function multipartEnvelope(
  filename: string,
  format: ImportFormat,
  boundary = newBoundary()
): MultipartEnvelope {
  const safeName = filename.replace(/["\r\n\\]/g, '_')
  const head = Buffer.from(
    `--${boundary}\r\n` +
      `Content-Disposition: form-data; name="file"; filename="${safeName}"\r\n` +
      `Content-Type: ${CONTENT_TYPES[format]}\r\n\r\n`,
    'utf8'
  )
  const tail = Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')
  return { contentType: `multipart/form-data; boundary=${boundary}`, head, tail }
}

/** Bytes the multipart framing adds to a file's content; the boundary has a fixed length. */
export function multipartOverheadBytes(filename: string, format: ImportFormat): number {
  const envelope = multipartEnvelope(filename, format)
  return envelope.head.length + envelope.tail.length
}
