import { spawn } from 'node:child_process'

/** changed-since cannot be honoured: the message says what happened and how to fix it. */
export class ChangeError extends Error {
  constructor(message: string) {
    super(message)
    this.name = 'ChangeError'
  }
}

/** `github.event.before` on the first push of a branch: there is no earlier revision. */
export const NO_COMMIT = /^0{40}$/

interface GitResult {
  code: number | null
  stdout: Buffer
  stderr: string
}

/** Runs git without a shell (the ref is an argument, never interpreted), collecting its output. */
export function git(args: string[], cwd: string): Promise<GitResult> {
  return new Promise((resolve, reject) => {
    const child = spawn('git', args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
    const out: Buffer[] = []
    let stderr = ''
    child.stdout.on('data', (chunk: Buffer) => out.push(chunk))
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
    child.on('error', (error: NodeJS.ErrnoException) =>
      reject(
        error.code === 'ENOENT'
          ? new ChangeError('changed-since needs git, and git is not on the PATH of this runner')
          : error
      )
    )
    child.on('close', (code) => resolve({ code, stdout: Buffer.concat(out), stderr }))
  })
}

/**
 * The commit `ref` names, checked in the repository holding `cwd`. A ref the clone does not have
 * (the usual case: actions/checkout fetches one commit by default) fails with how to fix it.
 */
export async function resolveCommit(ref: string, cwd: string): Promise<string> {
  const inRepo = await git(['rev-parse', '--is-inside-work-tree'], cwd)
  if (inRepo.code !== 0) {
    throw new ChangeError(
      `changed-since: ${cwd} is not in a git repository; check the repository out with ` +
        'actions/checkout (fetch-depth: 0) before this step, or leave changed-since empty'
    )
  }
  const resolved = await git(
    ['rev-parse', '--verify', '--quiet', '--end-of-options', `${ref}^{commit}`],
    cwd
  )
  const commit = resolved.stdout.toString('utf8').trim()
  if (resolved.code === 0 && commit !== '') return commit
  const shallow = await git(['rev-parse', '--is-shallow-repository'], cwd)
  const why =
    shallow.stdout.toString('utf8').trim() === 'true'
      ? 'this clone is shallow (actions/checkout fetches a single commit by default)'
      : 'this clone does not have it'
  throw new ChangeError(
    `changed-since: ${JSON.stringify(ref)} is not a commit in this repository: ${why}. ` +
      'Set fetch-depth: 0 on actions/checkout so the history is there, or give a ref the clone has'
  )
}

/**
 * The blob id of `name` (a file in `dir`) at `commit`, or undefined when no regular file is
 * there (it is new since; a link then is not followed). Paths are relative to `dir`, so the
 * workspace need not be the repository root.
 */
export async function blobAt(
  commit: string,
  dir: string,
  name: string
): Promise<string | undefined> {
  const listed = await git(['--literal-pathspecs', 'ls-tree', '-z', commit, '--', name], dir)
  if (listed.code !== 0) {
    throw new ChangeError(`changed-since: git ls-tree failed in ${dir}: ${listed.stderr.trim()}`)
  }
  const entry = listed.stdout.toString('utf8').split('\0')[0] ?? ''
  const match = /^10(?:0644|0755) blob ([0-9a-f]+)\t/.exec(entry)
  return match?.[1]
}

/** A blob's bytes as committed (`git cat-file blob`, the plumbing under `git show`). */
export async function* readBlob(blob: string, cwd: string): AsyncGenerator<Buffer> {
  const child = spawn('git', ['cat-file', 'blob', blob], { cwd, stdio: ['ignore', 'pipe', 'pipe'] })
  let stderr = ''
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => (stderr += chunk))
  const exited = new Promise<number | null>((resolve, reject) => {
    child.on('error', reject)
    child.on('close', resolve)
  })
  let done = false
  try {
    for await (const chunk of child.stdout) yield chunk as Buffer
    const code = await exited
    done = true
    if (code !== 0) throw new ChangeError(`changed-since: git cat-file failed: ${stderr.trim()}`)
  } finally {
    if (!done) child.kill()
  }
}
