/**
 * A deliberately plain client for the simulator, for its own tests and for scripts that want to
 * poke it by hand. It is not the action's client: no retries, no back-off, bodies built here.
 */
import { randomBytes } from 'node:crypto'
import type { Simulator } from './server.js'

export interface SubmitOptions {
  content: string | Buffer
  programId?: string
  /** Sent as given (any case); omitted from the query when null. Default `CSV`. */
  format?: string | null
  /** Omitted from the query when null. Default `On List`. */
  programMemberStatus?: string | null
  filename?: string
  fileContentType?: string
  /** Name of the file part; default `file`. */
  fieldName?: string
  token?: string
}

/** A one-part multipart/form-data body around `content`. */
export function multipartBody(
  content: string | Buffer,
  filename = 'members.csv',
  contentType = 'text/csv',
  fieldName = 'file'
): { body: Buffer; contentType: string } {
  const boundary = `----SimulatorClient${randomBytes(8).toString('hex')}`
  const head =
    `--${boundary}\r\nContent-Disposition: form-data; name="${fieldName}"; filename="${filename}"\r\n` +
    `Content-Type: ${contentType}\r\n\r\n`
  const body = Buffer.concat([
    Buffer.from(head, 'utf8'),
    typeof content === 'string' ? Buffer.from(content, 'utf8') : content,
    Buffer.from(`\r\n--${boundary}--\r\n`, 'utf8')
  ])
  return { body, contentType: `multipart/form-data; boundary=${boundary}` }
}

export class SimClient {
  private readonly simulator: Simulator
  private cachedToken: string | undefined

  constructor(simulator: Simulator) {
    this.simulator = simulator
  }

  identityUrl(
    clientId = this.simulator.clientId,
    clientSecret = this.simulator.clientSecret
  ): string {
    const query = new URLSearchParams({
      grant_type: 'client_credentials',
      client_id: clientId,
      client_secret: clientSecret
    })
    return `${this.simulator.identityUrl}/oauth/token?${query}`
  }

  async token(fresh = false): Promise<string> {
    if (this.cachedToken !== undefined && !fresh) return this.cachedToken
    const response = await fetch(this.identityUrl())
    const answer = (await response.json()) as { access_token: string }
    this.cachedToken = answer.access_token
    return answer.access_token
  }

  async get(path: string, token?: string): Promise<Response> {
    const bearer = token ?? (await this.token())
    return fetch(`${this.simulator.url}${path}`, { headers: { Authorization: `Bearer ${bearer}` } })
  }

  async submit(options: SubmitOptions): Promise<Response> {
    const query = new URLSearchParams()
    if (options.format !== null) query.set('format', options.format ?? 'CSV')
    if (options.programMemberStatus !== null) {
      query.set('programMemberStatus', options.programMemberStatus ?? 'On List')
    }
    const { body, contentType } = multipartBody(
      options.content,
      options.filename,
      options.fileContentType,
      options.fieldName
    )
    const bearer = options.token ?? (await this.token())
    const path = `/bulk/v1/program/${options.programId ?? '1001'}/members/import.json?${query}`
    return fetch(`${this.simulator.url}${path}`, {
      method: 'POST',
      headers: { Authorization: `Bearer ${bearer}`, 'Content-Type': contentType },
      body
    })
  }

  /** Submits and returns the batch id; throws on anything but success. */
  async submitOk(options: SubmitOptions): Promise<number> {
    const answer = (await (await this.submit(options)).json()) as {
      success: boolean
      result?: Array<{ batchId: number }>
      errors?: unknown
    }
    const batchId = answer.result?.[0]?.batchId
    if (!answer.success || batchId === undefined) {
      throw new Error(`submit failed: ${JSON.stringify(answer.errors)}`)
    }
    return batchId
  }

  async status(batchId: number | string): Promise<Record<string, unknown>> {
    const response = await this.get(`/bulk/v1/program/members/import/${batchId}/status.json`)
    return (await response.json()) as Record<string, unknown>
  }

  /** `failures` or `warnings` of a batch, as the raw response. */
  async issueFile(batchId: number | string, which: 'failures' | 'warnings'): Promise<Response> {
    return this.get(`/bulk/v1/program/members/import/${batchId}/${which}.json`)
  }
}
