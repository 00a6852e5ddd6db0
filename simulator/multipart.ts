/** A small multipart/form-data reader for the one-file upload of the import call. */

export interface FormPart {
  name: string
  filename?: string
  contentType?: string
  content: Buffer
}

const CRLF = Buffer.from('\r\n')
const HEADER_END = Buffer.from('\r\n\r\n')

/** The boundary of a `multipart/form-data` Content-Type, or undefined for any other type. */
export function multipartBoundary(contentType: string | undefined): string | undefined {
  if (!contentType || !/^\s*multipart\/form-data\s*(;|$)/i.test(contentType)) return undefined
  const match = /;\s*boundary\s*=\s*(?:"([^"]+)"|([^;\s]+))/i.exec(contentType)
  return match?.[1] ?? match?.[2]
}

function headerParams(value: string): Record<string, string> {
  const params: Record<string, string> = {}
  const pattern = /;\s*([^=;\s]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^;]*))/g
  for (const match of value.matchAll(pattern)) {
    const key = (match[1] as string).toLowerCase()
    params[key] =
      match[2] !== undefined ? match[2].replace(/\\(.)/g, '$1') : (match[3] ?? '').trim()
  }
  return params
}

function parsePartHeaders(raw: string): Omit<FormPart, 'content'> | undefined {
  const headers = new Map<string, string>()
  for (const line of raw.split('\r\n')) {
    const colon = line.indexOf(':')
    if (colon > 0)
      headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim())
  }
  const disposition = headers.get('content-disposition')
  if (!disposition || !/^form-data\b/i.test(disposition)) return undefined
  const params = headerParams(disposition)
  if (params.name === undefined) return undefined
  const part: Omit<FormPart, 'content'> = { name: params.name }
  if (params.filename !== undefined) part.filename = params.filename
  const contentType = headers.get('content-type')
  if (contentType !== undefined) part.contentType = contentType
  return part
}

/** The parts of a body, or undefined when it is not well-formed multipart with that boundary. */
export function parseMultipart(body: Buffer, boundary: string): FormPart[] | undefined {
  const delimiter = Buffer.from(`--${boundary}`)
  const nextDelimiter = Buffer.from(`\r\n--${boundary}`)
  const parts: FormPart[] = []
  let position = body.indexOf(delimiter)
  if (position < 0) return undefined
  for (;;) {
    position += delimiter.length
    if (body.subarray(position, position + 2).toString('latin1') === '--') return parts
    const lineEnd = body.indexOf(CRLF, position)
    if (lineEnd < 0) return undefined
    position = lineEnd + 2
    let contentStart: number
    let rawHeaders: string
    if (body.subarray(position, position + 2).equals(CRLF)) {
      rawHeaders = ''
      contentStart = position + 2
    } else {
      const headerEnd = body.indexOf(HEADER_END, position)
      if (headerEnd < 0) return undefined
      rawHeaders = body.subarray(position, headerEnd).toString('utf8')
      contentStart = headerEnd + HEADER_END.length
    }
    const contentEnd = body.indexOf(nextDelimiter, contentStart)
    if (contentEnd < 0) return undefined
    const headers = parsePartHeaders(rawHeaders)
    if (!headers) return undefined
    parts.push({ ...headers, content: body.subarray(contentStart, contentEnd) })
    position = contentEnd + 2
  }
}
