/**
 * `npm run release` end to end on a throwaway repository: a bare "origin" and a clone of it with
 * a package.json, a CHANGELOG.md, sources and their dist/ (built by a small bundle script), and
 * this repository's scripts/check-dist.sh. No network: origin is a folder.
 */
import { afterEach, beforeEach, describe, expect, it } from '@jest/globals'
import { execFileSync, spawnSync } from 'node:child_process'
import { copyFileSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join, resolve } from 'node:path'

const ROOT = resolve(import.meta.dirname, '..')
const TSX = join(ROOT, 'node_modules/.bin/tsx')
const RELEASE = join(ROOT, 'scripts/release/index.ts')

const CHANGELOG = `# Changelog

## [Unreleased]

## [9.9.9] - 2026-12-01

### Added

- A throwaway release.

## [0.1.0] - 2026-11-01

### Added

- The start.
`

let root: string
let work: string

function git(cwd: string, ...args: string[]): string {
  return execFileSync('git', args, {
    cwd,
    encoding: 'utf8',
    stdio: ['ignore', 'pipe', 'pipe']
  }).trim()
}

function release(
  cwd: string,
  ...args: string[]
): { code: number | null; stdout: string; stderr: string } {
  const run = spawnSync(TSX, [RELEASE, ...args], { cwd, encoding: 'utf8', env: process.env })
  return { code: run.status, stdout: run.stdout, stderr: run.stderr }
}

function write(path: string, text: string): void {
  mkdirSync(join(path, '..'), { recursive: true })
  writeFileSync(path, text)
}

/** origin's branches and tags, to show that nothing reached it. */
function originRefs(): string {
  return git(join(root, 'origin.git'), 'for-each-ref', '--format=%(refname) %(objectname)')
}

function clone(name: string): string {
  const dir = join(root, name)
  git(root, 'clone', '--quiet', join(root, 'origin.git'), dir)
  for (const [key, value] of [
    ['user.name', 'Release Tester'],
    ['user.email', 'release@example.com'],
    ['commit.gpgsign', 'false'],
    ['tag.gpgsign', 'false']
  ])
    git(dir, 'config', key!, value!)
  return dir
}

beforeEach(() => {
  root = mkdtempSync(join(tmpdir(), 'release-'))
  const seed = join(root, 'seed')
  mkdirSync(seed)
  write(
    join(seed, 'package.json'),
    `${JSON.stringify({ name: 'throwaway', version: '0.1.0', private: true, scripts: { bundle: 'node build.mjs' } }, null, 2)}\n`
  )
  write(
    join(seed, 'package-lock.json'),
    `${JSON.stringify({ name: 'throwaway', version: '0.1.0', lockfileVersion: 3, requires: true, packages: { '': { name: 'throwaway', version: '0.1.0' } } }, null, 2)}\n`
  )
  write(
    join(seed, 'build.mjs'),
    "import { mkdirSync, readFileSync, writeFileSync } from 'node:fs'\n" +
      "mkdirSync('dist', { recursive: true })\n" +
      "writeFileSync('dist/index.js', '// built\\n' + readFileSync('src/index.js', 'utf8'))\n"
  )
  write(join(seed, 'src/index.js'), "console.log('one')\n")
  write(join(seed, 'dist/index.js'), "// built\nconsole.log('one')\n")
  write(join(seed, 'CHANGELOG.md'), CHANGELOG)
  mkdirSync(join(seed, 'scripts'))
  copyFileSync(join(ROOT, 'scripts/check-dist.sh'), join(seed, 'scripts/check-dist.sh'))
  git(seed, 'init', '--quiet', '--initial-branch=main')
  git(seed, 'add', '.')
  git(
    seed,
    '-c',
    'user.name=Seed',
    '-c',
    'user.email=seed@example.com',
    'commit',
    '--quiet',
    '-m',
    'Seed'
  )
  git(root, 'init', '--quiet', '--bare', '--initial-branch=main', 'origin.git')
  git(seed, 'push', '--quiet', join(root, 'origin.git'), 'main')
  work = clone('work')
})

afterEach(() => {
  rmSync(root, { recursive: true, force: true })
})

const commandsOf = (stdout: string, prefix: string): string[] =>
  stdout
    .split('\n')
    .filter((line) => line.startsWith(prefix))
    .map((line) => line.slice(prefix.length))

const PUSHED = [
  'git add package.json package-lock.json',
  "git commit --quiet -m 'Releases v9.9.9'",
  'git tag --annotate v9.9.9 -m v9.9.9',
  'git push --atomic origin HEAD:refs/heads/main refs/tags/v9.9.9'
]

describe('npm run release', () => {
  it('in a dry run, builds and checks, prints each git command and changes nothing', () => {
    const before = originRefs()
    const run = release(work, '9.9.9', '--dry-run')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    expect(run.stdout).toContain(
      'Release v9.9.9 from main (package.json 0.1.0 -> 9.9.9), dry run: nothing is committed, tagged or pushed'
    )
    expect(run.stdout).toContain('### Added\n\n- A throwaway release.')
    expect(run.stdout).toContain('+ bash scripts/check-dist.sh')
    expect(run.stdout).toContain('dist/ matches src/')
    expect(commandsOf(run.stdout, 'would write: ')).toEqual(['package.json', 'package-lock.json'])
    expect(commandsOf(run.stdout, 'would run: ')).toEqual(PUSHED)
    expect(commandsOf(run.stdout, '+ git')).toEqual([])

    expect(originRefs()).toBe(before)
    expect(git(work, 'tag', '--list')).toBe('')
    expect(git(work, 'status', '--porcelain')).toBe('')
    expect(JSON.parse(readFileSync(join(work, 'package.json'), 'utf8')).version).toBe('0.1.0')
  })

  it('without --dry-run, runs those same commands: origin gets the commit and the tag', () => {
    const dry = commandsOf(release(work, '9.9.9', '--dry-run').stdout, 'would run: ')
    const run = release(work, '9.9.9')
    expect(run.code).toBe(0)
    expect(commandsOf(run.stdout, '+ ').filter((c) => c.startsWith('git '))).toEqual(dry)

    const origin = join(root, 'origin.git')
    const tagged = git(origin, 'rev-parse', 'v9.9.9^{commit}')
    expect(git(origin, 'rev-parse', 'main')).toBe(tagged)
    expect(git(origin, 'cat-file', '-t', 'v9.9.9')).toBe('tag')
    expect(JSON.parse(git(origin, 'show', `${tagged}:package.json`)).version).toBe('9.9.9')
    const lock = JSON.parse(git(origin, 'show', `${tagged}:package-lock.json`))
    expect([lock.version, lock.packages[''].version]).toEqual(['9.9.9', '9.9.9'])
    expect(git(origin, 'log', '-1', '--format=%s', tagged)).toBe('Releases v9.9.9')
  })

  it("publishes from the tag's checkout: moves v9 and creates the release with its notes (dry run)", () => {
    expect(release(work, '9.9.9').code).toBe(0)
    const checkout = clone('checkout')
    git(checkout, 'checkout', '--quiet', 'v9.9.9')
    const commit = git(checkout, 'rev-parse', 'HEAD')
    const before = originRefs()

    const run = release(checkout, 'publish', 'v9.9.9', '--dry-run')
    expect(run.stderr).toBe('')
    expect(run.code).toBe(0)
    const commands = commandsOf(run.stdout, 'would run: ')
    expect(commands.slice(0, 2)).toEqual([
      `git tag --force v9 ${commit}`,
      'git push --force origin refs/tags/v9'
    ])
    const notesFile = /--notes-file (\S+)/.exec(commands[2] ?? '')?.[1] ?? ''
    expect(commands[2]).toBe(
      `gh release create v9.9.9 --verify-tag --title v9.9.9 --notes-file ${notesFile} --latest=true`
    )
    expect(readFileSync(notesFile, 'utf8')).toBe('### Added\n\n- A throwaway release.\n')
    rmSync(join(notesFile, '..'), { recursive: true, force: true })
    expect(originRefs()).toBe(before)

    // The workflow's own check of the tag passes there, and fails where the tag is not the version.
    expect(release(checkout, 'verify', 'v9.9.9').stdout).toContain(
      'v9.9.9: package.json says 9.9.9; CHANGELOG.md has its notes (3 lines)'
    )
    expect(release(checkout, 'verify', 'v9.9.8').stderr).toBe(
      'tag: v9.9.8 but package.json\'s version is "9.9.9"; tag the commit whose package.json says 9.9.8\n'
    )
    git(work, 'commit', '--quiet', '--allow-empty', '-m', 'After the release')
    expect(release(work, 'publish', 'v9.9.9', '--dry-run').stderr).toContain(
      "publish: HEAD is not v9.9.9's commit"
    )
  })

  it('refuses, before any change, a dirty tree, a dist/ that src/ does not build and a missing section', () => {
    const before = originRefs()
    writeFileSync(join(work, 'notes.txt'), 'draft\n')
    expect(release(work, '9.9.9', '--dry-run').stderr).toBe(
      'release: the working tree has uncommitted changes; commit or stash them\n'
    )
    rmSync(join(work, 'notes.txt'))

    expect(release(work, '9.9.8', '--dry-run').stderr).toBe(
      'CHANGELOG.md has no section "## [9.9.8] - YYYY-MM-DD": move the Unreleased entries under one before releasing\n'
    )
    expect(release(work, '0.0.9').stderr).toBe(
      "release: 0.0.9 is below package.json's version 0.1.0; give 0.1.0 or a later version\n"
    )

    writeFileSync(join(work, 'src/index.js'), "console.log('two')\n")
    git(work, 'commit', '--quiet', '-am', 'Changes src/ without building dist/')
    const stale = release(work, '9.9.9')
    expect(stale.code).toBe(1)
    expect(stale.stdout).toContain(
      "::error::dist/ differs from what src/ builds; run 'npm run bundle' and commit dist/"
    )
    expect(stale.stderr).toContain('release: Command failed: bash scripts/check-dist.sh')
    expect(commandsOf(stale.stdout, '+ git')).toEqual([])
    expect(JSON.parse(readFileSync(join(work, 'package.json'), 'utf8')).version).toBe('0.1.0')

    git(work, 'checkout', '--quiet', '-b', 'topic')
    expect(release(work, '9.9.9', '--dry-run').stderr).toBe(
      'release: HEAD is on topic; releases are made from main (--branch NAME for another)\n'
    )
    expect(originRefs()).toBe(before)
  })
})
