/**
 * A stand-in for GitHub's Actions results service on 127.0.0.1, enough for the real
 * `@actions/artifact` upload: Twirp `CreateArtifact` / `FinalizeArtifact` (JSON) and an
 * Azure-blob-style upload URL (`PUT ?comp=block`, `PUT ?comp=blocklist`, or one `PUT` with
 * `x-ms-blob-type: BlockBlob`). Tests read back each artifact's zip with `readZip`.
 */
import { createHash, randomUUID } from 'node:crypto'
import { createServer, STATUS_CODES } from 'node:http'
import type { IncomingMessage, ServerResponse } from 'node:http'
import type { AddressInfo } from 'node:net'
import { crc32, inflateRawSync } from 'node:zlib'

const TWIRP_PREFIX = '/twirp/github.actions.results.api.v1.ArtifactService/'
const BLOB_PREFIX = '/devstoreaccount1/artifacts/'

export interface StoredArtifact {
  id: string
  name: string
  /** The blob as committed: the zip the client built, its blocks assembled in order. */
  zip: Buffer
  /** CreateArtifact's `expires_at` (RFC 3339), when the client sent a retention. */
  expiresAt?: string
  /** FinalizeArtifact's `size`, checked against the blob. */
  size: number
  /** FinalizeArtifact's `hash` (`sha256:<hex>`), checked against the blob. */
  hash: string
  workflowRunBackendId: string
  workflowJobRunBackendId: string
  mimeType?: string
}

export interface ServiceRequest {
  method: string
  /** `CreateArtifact`, `FinalizeArtifact`, `block`, `blocklist`, `blob` or the raw path. */
  kind: string
  status: number
}

export interface CreateFailure {
  status: number
  /** Twirp `msg`; the toolkit turns one containing "insufficient usage" into its quota error. */
  msg?: string
  /** How many CreateArtifact calls fail; default every one. */
  times?: number
}

export interface ResultsService {
  /** Base URL without a trailing slash, e.g. `http://127.0.0.1:40123`. */
  url: string
  artifacts: StoredArtifact[]
  requests: ServiceRequest[]
  /** Makes CreateArtifact answer `status` (with a Twirp JSON error body). */
  failCreateArtifact(status: number, options?: Omit<CreateFailure, 'status'>): void
  /** Forgets artifacts, uploads, requests and failures. */
  reset(): void
  /** What the toolkit reads from the runner: the token, this service, github.com. */
  runtimeEnv(runId?: string, jobId?: string): Record<string, string>
  stop(): Promise<void>
}

interface Upload {
  name: string
  runId: string
  jobId: string
  expiresAt?: string
  mimeType?: string
  blobKey: string
  signature: string
  blocks: Map<string, Buffer>
  committed?: Buffer
  finalized: boolean
}

/** An unsigned JWT (`alg: none`): the toolkit decodes it for the backend ids, never verifies it. */
export function runtimeToken(runId: string, jobId: string): string {
  const part = (value: object): string => Buffer.from(JSON.stringify(value)).toString('base64url')
  return `${part({ alg: 'none', typ: 'JWT' })}.${part({ scp: `Actions.Results:${runId}:${jobId}` })}.`
}

export async function startResultsService(): Promise<ResultsService> {
  const uploads = new Map<string, Upload>()
  const byBlob = new Map<string, Upload>()
  const artifacts: StoredArtifact[] = []
  const requests: ServiceRequest[] = []
  let failure: CreateFailure | undefined
  let nextId = 1

  const server = createServer((req, res) => {
    void handle(req, res).catch((error: unknown) => {
      if (!res.headersSent) twirpError(res, 500, String(error))
      else res.destroy()
    })
  })

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const url = new URL(req.url ?? '/', 'http://127.0.0.1')
    const body = await readBody(req)
    const record = (kind: string): void => {
      res.once('finish', () =>
        requests.push({ method: req.method ?? '', kind, status: res.statusCode })
      )
    }

    if (req.method === 'POST' && url.pathname.startsWith(TWIRP_PREFIX)) {
      const method = url.pathname.slice(TWIRP_PREFIX.length)
      record(method)
      if (!/^Bearer \S+$/.test(req.headers.authorization ?? ''))
        return twirpError(res, 401, 'missing bearer token')
      let request: Record<string, unknown>
      try {
        request = JSON.parse(body.toString('utf8')) as Record<string, unknown>
      } catch {
        return twirpError(res, 400, 'body is not JSON')
      }
      if (method === 'CreateArtifact') return createArtifact(request, res)
      if (method === 'FinalizeArtifact') return finalizeArtifact(request, res)
      return twirpError(res, 404, `no method ${method}`)
    }
    if (req.method === 'PUT' && url.pathname.startsWith(BLOB_PREFIX)) {
      const comp = url.searchParams.get('comp')
      record(comp ?? 'blob')
      const upload = byBlob.get(url.pathname.slice(BLOB_PREFIX.length))
      if (!upload) return blobError(res, 404, 'BlobNotFound')
      if (url.searchParams.get('sig') !== upload.signature)
        return blobError(res, 403, 'AuthenticationFailed')
      if (upload.finalized) return blobError(res, 409, 'BlobImmutable')
      if (comp === 'block') {
        const blockId = url.searchParams.get('blockid')
        if (!blockId) return blobError(res, 400, 'InvalidQueryParameterValue')
        upload.blocks.set(blockId, body)
        return blobCreated(res)
      }
      if (comp === 'blocklist') {
        const ids = [
          ...body.toString('utf8').matchAll(/<(Latest|Uncommitted|Committed)>([^<]*)<\/\1>/g)
        ].map((match) => match[2] as string)
        const parts = ids.map((id) => upload.blocks.get(id))
        if (parts.some((part) => part === undefined)) return blobError(res, 400, 'InvalidBlockList')
        upload.committed = Buffer.concat(parts as Buffer[])
        return blobCreated(res)
      }
      if (comp === null && req.headers['x-ms-blob-type'] === 'BlockBlob') {
        upload.committed = body
        return blobCreated(res)
      }
      return blobError(res, 400, 'UnsupportedQueryParameter')
    }
    record(url.pathname)
    twirpError(res, 404, `no route ${req.method} ${url.pathname}`)
  }

  function createArtifact(request: Record<string, unknown>, res: ServerResponse): void {
    if (failure && (failure.times === undefined || failure.times > 0)) {
      if (failure.times !== undefined) failure.times--
      return twirpError(res, failure.status, failure.msg ?? `simulated ${failure.status}`)
    }
    const runId = request['workflow_run_backend_id']
    const jobId = request['workflow_job_run_backend_id']
    const name = request['name']
    if (typeof runId !== 'string' || typeof jobId !== 'string' || typeof name !== 'string' || !name)
      return twirpError(
        res,
        400,
        'workflow_run_backend_id, workflow_job_run_backend_id and name are required'
      )
    const key = `${runId}\n${name}`
    if (uploads.has(key))
      return twirpError(res, 409, `an artifact with this name already exists on the workflow run`)
    const blobKey = `${randomUUID()}.zip`
    const upload: Upload = {
      name,
      runId,
      jobId,
      blobKey,
      signature: randomUUID().replace(/-/g, ''),
      blocks: new Map(),
      finalized: false
    }
    if (typeof request['expires_at'] === 'string') upload.expiresAt = request['expires_at']
    if (typeof request['mime_type'] === 'string') upload.mimeType = request['mime_type']
    uploads.set(key, upload)
    byBlob.set(blobKey, upload)
    const signedUrl = `${service.url}${BLOB_PREFIX}${blobKey}?sv=2023-11-03&sr=b&sp=cw&sig=${upload.signature}`
    json(res, 200, { ok: true, signed_upload_url: signedUrl })
  }

  function finalizeArtifact(request: Record<string, unknown>, res: ServerResponse): void {
    const upload = uploads.get(
      `${String(request['workflow_run_backend_id'])}\n${String(request['name'])}`
    )
    if (!upload || upload.finalized) return twirpError(res, 404, 'no artifact to finalize')
    if (!upload.committed) return twirpError(res, 400, 'the blob was never committed')
    const size = Number(request['size'])
    const hash = String(request['hash'] ?? '')
    const expected = `sha256:${createHash('sha256').update(upload.committed).digest('hex')}`
    if (size !== upload.committed.length)
      return twirpError(res, 400, `size ${size} is not the blob's ${upload.committed.length} bytes`)
    if (hash !== expected) return twirpError(res, 400, `hash ${hash} is not the blob's ${expected}`)
    upload.finalized = true
    const artifact: StoredArtifact = {
      id: String(nextId++),
      name: upload.name,
      zip: upload.committed,
      size,
      hash,
      workflowRunBackendId: upload.runId,
      workflowJobRunBackendId: upload.jobId
    }
    if (upload.expiresAt !== undefined) artifact.expiresAt = upload.expiresAt
    if (upload.mimeType !== undefined) artifact.mimeType = upload.mimeType
    artifacts.push(artifact)
    json(res, 200, { ok: true, artifact_id: artifact.id })
  }

  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const service: ResultsService = {
    url: `http://127.0.0.1:${port}`,
    artifacts,
    requests,
    failCreateArtifact(status, options = {}) {
      failure = { status, ...options }
    },
    reset() {
      uploads.clear()
      byBlob.clear()
      artifacts.length = 0
      requests.length = 0
      failure = undefined
    },
    runtimeEnv(runId = 'run-backend-id', jobId = 'job-backend-id') {
      return {
        ACTIONS_RUNTIME_TOKEN: runtimeToken(runId, jobId),
        ACTIONS_RESULTS_URL: `${service.url}/`,
        GITHUB_SERVER_URL: 'https://github.com'
      }
    },
    stop: () =>
      new Promise<void>((resolve, reject) => {
        server.closeAllConnections()
        server.close((error) => (error ? reject(error) : resolve()))
      })
  }
  return service
}

/**
 * The entries of a zip (central directory, then each local entry; stored or deflated), by
 * name, with their CRC-32 and sizes checked. Directory entries are left out. No ZIP64.
 */
export function readZip(zip: Buffer): Map<string, Buffer> {
  let end = -1
  for (let at = zip.length - 22; at >= Math.max(0, zip.length - 22 - 0xffff); at--) {
    if (zip.readUInt32LE(at) === 0x06054b50) {
      end = at
      break
    }
  }
  if (end < 0) throw new Error('not a zip: no end of central directory record')
  const count = zip.readUInt16LE(end + 10)
  let at = zip.readUInt32LE(end + 16)
  const entries = new Map<string, Buffer>()
  for (let n = 0; n < count; n++) {
    if (zip.readUInt32LE(at) !== 0x02014b50) throw new Error(`no central directory entry at ${at}`)
    const method = zip.readUInt16LE(at + 10)
    const crc = zip.readUInt32LE(at + 16)
    const compressedSize = zip.readUInt32LE(at + 20)
    const size = zip.readUInt32LE(at + 24)
    const nameLength = zip.readUInt16LE(at + 28)
    const local = zip.readUInt32LE(at + 42)
    const name = zip.toString('utf8', at + 46, at + 46 + nameLength)
    at += 46 + nameLength + zip.readUInt16LE(at + 30) + zip.readUInt16LE(at + 32)
    if ([compressedSize, size, local].includes(0xffffffff)) throw new Error(`${name}: ZIP64`)
    if (zip.readUInt32LE(local) !== 0x04034b50) throw new Error(`${name}: no local header`)
    const start = local + 30 + zip.readUInt16LE(local + 26) + zip.readUInt16LE(local + 28)
    const raw = zip.subarray(start, start + compressedSize)
    if (method !== 0 && method !== 8) throw new Error(`${name}: compression method ${method}`)
    const data = method === 8 ? inflateRawSync(raw) : Buffer.from(raw)
    if (data.length !== size || crc32(data) !== crc)
      throw new Error(`${name}: size or CRC mismatch`)
    if (!name.endsWith('/')) entries.set(name, data)
  }
  return entries
}

function readBody(req: IncomingMessage): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = []
    req.on('data', (chunk: Buffer) => chunks.push(chunk))
    req.on('end', () => resolve(Buffer.concat(chunks)))
    req.on('error', reject)
  })
}

function json(res: ServerResponse, status: number, body: unknown): void {
  res.writeHead(status, { 'Content-Type': 'application/json' }).end(JSON.stringify(body))
}

/** Twirp's error shape; the toolkit retries 429/5xx and reads `msg`. */
function twirpError(res: ServerResponse, status: number, msg: string): void {
  const codes: Record<number, string> = {
    400: 'invalid_argument',
    401: 'unauthenticated',
    403: 'permission_denied',
    404: 'not_found',
    409: 'already_exists',
    429: 'resource_exhausted',
    503: 'unavailable'
  }
  json(res, status, { code: codes[status] ?? 'internal', msg })
}

function blobCreated(res: ServerResponse): void {
  res
    .writeHead(201, {
      ETag: `"0x${Date.now().toString(16).toUpperCase()}"`,
      'Last-Modified': new Date().toUTCString(),
      'x-ms-request-id': randomUUID(),
      'x-ms-version': '2025-11-05',
      'x-ms-request-server-encrypted': 'true',
      'Content-Length': '0'
    })
    .end()
}

function blobError(res: ServerResponse, status: number, code: string): void {
  const message = STATUS_CODES[status] ?? 'Error'
  res
    .writeHead(status, { 'Content-Type': 'application/xml', 'x-ms-error-code': code })
    .end(
      `<?xml version="1.0" encoding="utf-8"?><Error><Code>${code}</Code><Message>${message}</Message></Error>`
    )
}
