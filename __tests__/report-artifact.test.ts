import {
  afterAll,
  afterEach,
  beforeAll,
  beforeEach,
  describe,
  expect,
  it,
  jest
} from '@jest/globals'
import { GHESNotSupportedError } from '@actions/artifact'
import { createHash, randomBytes } from 'node:crypto'
import { mkdir, mkdtemp, readFile, rm, writeFile } from 'node:fs/promises'
import { createServer } from 'node:http'
import type { AddressInfo } from 'node:net'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { uploadReportArtifact } from '../src/github/artifact.js'
import { readZip, startResultsService, type ResultsService } from '../testkit/results-service.js'

const TARGARYEN_FAILURES =
  'firstName,lastName,email,title,company,leadScore,Import Failure Reason\n' +
  'Aerys,Targaryen,Aerys@Targaryen.com,Targaryen,House Targaryen,TEXT_VALUE_IN_INTEGER_FIELD,Invalid data type in field Lead Score\n'

/** Runner variables the toolkit and the link read; every test starts from these. */
const TOUCHED = [
  'ACTIONS_RUNTIME_TOKEN',
  'ACTIONS_RESULTS_URL',
  'GITHUB_SERVER_URL',
  'GITHUB_REPOSITORY',
  'GITHUB_RUN_ID',
  'GITHUB_RETENTION_DAYS',
  'ACTIONS_ARTIFACT_UPLOAD_CONCURRENCY'
]

let service: ResultsService
let saved: Record<string, string | undefined>
let dir: string
let stdout: string[]
let log: {
  info: jest.Mock<(message: string) => void>
  warning: jest.Mock<(message: string) => void>
}

beforeAll(async () => {
  service = await startResultsService()
})
afterAll(async () => {
  await service.stop()
})

beforeEach(async () => {
  saved = Object.fromEntries(TOUCHED.map((name) => [name, process.env[name]]))
  for (const name of TOUCHED) delete process.env[name]
  Object.assign(process.env, service.runtimeEnv('run-7', 'job-3'), {
    GITHUB_REPOSITORY: 'acme/marketing-lists',
    GITHUB_RUN_ID: '4242'
  })
  service.reset()
  dir = await mkdtemp(join(tmpdir(), 'mpmi-artifact-'))
  log = { info: jest.fn(), warning: jest.fn() }
  // The toolkit logs through @actions/core (stdout): keep it, to check it adds no warning.
  stdout = []
  jest.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    stdout.push(String(chunk))
    return true
  })
})
afterEach(async () => {
  jest.restoreAllMocks()
  for (const [name, value] of Object.entries(saved)) {
    if (value === undefined) delete process.env[name]
    else process.env[name] = value
  }
  await rm(dir, { recursive: true, force: true })
})

async function writeFiles(files: Record<string, string | Buffer>): Promise<void> {
  for (const [path, content] of Object.entries(files)) {
    await mkdir(dirname(join(dir, path)), { recursive: true })
    await writeFile(join(dir, path), content)
  }
}

function upload(name: string, retentionDays?: number) {
  return uploadReportArtifact({ name, directory: dir, retentionDays, log })
}

function onlyWarning(): string {
  expect(log.warning).toHaveBeenCalledTimes(1)
  const message = log.warning.mock.calls[0]![0]
  expect(message).not.toContain('\n')
  expect(message).toContain(`The files stay in ${dir}`)
  return message
}

function toolkitWarnings(): string[] {
  return stdout
    .join('')
    .split('\n')
    .filter((line) => line.startsWith('::warning'))
}

describe('uploadReportArtifact through the real @actions/artifact', () => {
  it('uploads every file with its relative path and exact bytes, and links it on the run page', async () => {
    const binary = randomBytes(300_000)
    const files = {
      'report.json': '{\n  "rows": 11\n}\n',
      'Lead-House-Targaryen.batch-1002.failures.csv': TARGARYEN_FAILURES,
      'fix-and-retry/Lead-House-Targaryen.csv': 'firstName,lastName\r\nAerys,"Tar\ngaryen"\r\n',
      'nested/deeper/random.bin': binary,
      'empty.txt': ''
    }
    await writeFiles(files)

    const uploaded = await upload('marketo-import-import-1001-0123abcd-attempt-1')

    expect(log.warning).not.toHaveBeenCalled()
    expect(toolkitWarnings()).toEqual([])
    expect(service.artifacts).toHaveLength(1)
    const artifact = service.artifacts[0]!
    expect(uploaded).toEqual({
      id: artifact.id,
      url: `https://github.com/acme/marketing-lists/actions/runs/4242/artifacts/${artifact.id}`
    })
    expect(artifact).toMatchObject({
      name: 'marketo-import-import-1001-0123abcd-attempt-1',
      workflowRunBackendId: 'run-7',
      workflowJobRunBackendId: 'job-3',
      mimeType: 'application/zip',
      size: artifact.zip.length,
      hash: `sha256:${createHash('sha256').update(artifact.zip).digest('hex')}`
    })
    expect(artifact.expiresAt).toBeUndefined()
    const entries = readZip(artifact.zip)
    expect([...entries.keys()].sort()).toEqual(Object.keys(files).sort())
    for (const [path, content] of Object.entries(files)) {
      expect(entries.get(path)!.equals(Buffer.from(content))).toBe(true)
    }
    expect(service.requests.map((r) => r.kind)).toEqual(
      expect.arrayContaining(['CreateArtifact', 'block', 'blocklist', 'FinalizeArtifact'])
    )
    expect(log.info).toHaveBeenCalledWith(
      expect.stringMatching(
        /^Uploaded artifact "marketo-import-import-1001-0123abcd-attempt-1" \(id \d+, 5 files, /
      )
    )
  })

  it('passes retention-days to CreateArtifact as expires_at', async () => {
    await writeFiles({ 'report.json': '{}\n' })
    const before = new Date()
    await upload('with-retention', 3)
    const expected = new Date(before)
    expected.setDate(expected.getDate() + 3)
    const expiresAt = service.artifacts[0]?.expiresAt
    expect(expiresAt).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z$/)
    expect(Math.abs(Date.parse(expiresAt!) - expected.getTime())).toBeLessThan(60_000)
  })

  it('warns once and returns undefined when the name is already used in the run (409)', async () => {
    await writeFiles({ 'report.json': '{}\n' })
    expect(await upload('same-name')).toBeDefined()
    expect(await upload('same-name')).toBeUndefined()
    expect(onlyWarning()).toMatch(
      /^Artifact "same-name" not uploaded: another artifact of this workflow run already has that name; set a different artifact-name\./
    )
    expect(service.artifacts).toHaveLength(1)
    expect(await readFile(join(dir, 'report.json'), 'utf8')).toBe('{}\n')
  })

  it('explains a used-up storage quota', async () => {
    await writeFiles({ 'report.json': '{}\n' })
    service.failCreateArtifact(403, { msg: 'insufficient usage to create artifact' })
    expect(await upload('over-quota')).toBeUndefined()
    expect(onlyWarning()).toContain('artifact storage quota is used up')
    expect(service.requests.filter((r) => r.kind === 'CreateArtifact')).toHaveLength(1)
  })

  it('warns when there is no runtime token (not on a runner), without calling the service', async () => {
    await writeFiles({ 'report.json': '{}\n' })
    delete process.env['ACTIONS_RUNTIME_TOKEN']
    expect(await upload('no-token')).toBeUndefined()
    expect(onlyWarning()).toContain('ACTIONS_RUNTIME_TOKEN is not set')
    expect(service.requests).toEqual([])
  })

  it('warns when there is no results URL', async () => {
    await writeFiles({ 'report.json': '{}\n' })
    delete process.env['ACTIONS_RESULTS_URL']
    expect(await upload('no-results-url')).toBeUndefined()
    expect(onlyWarning()).toContain('ACTIONS_RESULTS_URL is not set')
  })

  it("warns on GitHub Enterprise Server, in one line and without the toolkit's own warning", async () => {
    await writeFiles({ 'report.json': '{}\n' })
    process.env['GITHUB_SERVER_URL'] = 'https://github.acme-corp.example'
    expect(await upload('on-ghes')).toBeUndefined()
    expect(onlyWarning()).toMatch(
      /GitHub Enterprise Server \(https:\/\/github\.acme-corp\.example\) does not support .*upload-artifact: false/
    )
    expect(toolkitWarnings()).toEqual([])
    expect(service.requests).toEqual([])
  })

  it('treats GHE.com like github.com', async () => {
    await writeFiles({ 'report.json': '{}\n' })
    process.env['GITHUB_SERVER_URL'] = 'https://acme.ghe.com'
    const uploaded = await upload('on-ghe-com')
    expect(uploaded?.url).toBe(
      `https://acme.ghe.com/acme/marketing-lists/actions/runs/4242/artifacts/${uploaded?.id}`
    )
  })

  it("maps the toolkit's GHESNotSupportedError too", async () => {
    await writeFiles({ 'report.json': '{}\n' })
    const client = {
      uploadArtifact: () => Promise.reject(new GHESNotSupportedError())
    }
    expect(await uploadReportArtifact({ name: 'x', directory: dir, log, client })).toBeUndefined()
    expect(onlyWarning()).toContain('GitHub Enterprise Server does not support')
  })

  it('warns when the results service cannot be reached', async () => {
    await writeFiles({ 'report.json': '{}\n' })
    const closed = createServer()
    await new Promise<void>((resolve) => closed.listen(0, '127.0.0.1', resolve))
    const { port } = closed.address() as AddressInfo
    await new Promise((resolve) => closed.close(resolve))
    process.env['ACTIONS_RESULTS_URL'] = `http://127.0.0.1:${port}/`
    expect(await upload('unreachable')).toBeUndefined()
    expect(onlyWarning()).toMatch(/the artifact service could not be reached \(ECONNREFUSED\)/)
  })

  it('skips an empty or missing directory with an info line', async () => {
    expect(await upload('empty')).toBeUndefined()
    expect(log.info).toHaveBeenCalledWith(`No artifact uploaded: ${dir} holds no files`)
    const missing = join(dir, 'missing')
    expect(await uploadReportArtifact({ name: 'missing', directory: missing, log })).toBeUndefined()
    expect(log.info).toHaveBeenCalledWith(
      `No artifact uploaded: ${missing} does not exist, so there is nothing to upload`
    )
    expect(log.warning).not.toHaveBeenCalled()
    expect(service.requests).toEqual([])
  })

  it("retries a transient 500 (the toolkit's own back-off) and then uploads", async () => {
    await writeFiles({ 'report.json': '{}\n' })
    service.failCreateArtifact(500, { times: 1 })
    const uploaded = await upload('after-500')
    expect(uploaded?.id).toBe(service.artifacts[0]?.id)
    expect(log.warning).not.toHaveBeenCalled()
    expect(
      service.requests.filter((r) => r.kind === 'CreateArtifact').map((r) => r.status)
    ).toEqual([500, 200])
  })
})
