/**
 * Releases, in the repository the command runs in:
 *
 *   npm run release -- <1.2.3 | major | minor | patch> [--dry-run]
 *       A maintainer prepares a release on main: checks the version, the CHANGELOG.md section and
 *       that dist/ is what src/ builds, sets the version in package.json, commits, tags v1.2.3
 *       and pushes the commit and the tag at once. --dry-run runs the checks and the build and
 *       prints each git command it would run instead of running it.
 *   npm run release -- verify v1.2.3
 *       The release workflow's check of the pushed tag: package.json and CHANGELOG.md agree.
 *   npm run release -- notes v1.2.3
 *       The release notes, from CHANGELOG.md.
 *   npm run release -- publish v1.2.3 [--dry-run]
 *       The release workflow's last job: moves the major tag (v1) to the release when it is the
 *       newest of its major and creates the GitHub release with its notes (gh, GH_TOKEN).
 *
 * Options: --remote NAME (default origin), --branch NAME (default main).
 */
import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { releaseNotes } from './changelog.js'
import { MANIFESTS, withVersion } from './manifests.js'
import {
  checkTagMatchesPackage,
  formatVersion,
  isNewest,
  majorTagOf,
  movesMajorTag,
  parseReleaseTag,
  parseVersion,
  releaseTagOf,
  releasedVersions,
  releaseVersion,
  ReleaseError,
  type Version
} from './versions.js'

interface Options {
  dryRun: boolean
  remote: string
  branch: string
}

/** Runs the commands that only look, and runs or (in a dry run) prints the ones that change. */
class Commands {
  constructor(private readonly dryRun: boolean) {}

  read(command: string, args: string[]): string {
    return execFileSync(command, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  }

  /** A check that runs in a dry run too (the build), its output shown as it comes. */
  check(command: string, args: string[]): void {
    console.log(`+ ${shellLine(command, args)}`)
    execFileSync(command, args, { stdio: 'inherit' })
  }

  change(command: string, args: string[]): void {
    if (this.dryRun) {
      console.log(`would run: ${shellLine(command, args)}`)
      return
    }
    console.log(`+ ${shellLine(command, args)}`)
    execFileSync(command, args, { stdio: 'inherit' })
  }

  write(file: string, text: string): void {
    if (this.dryRun) console.log(`would write: ${file}`)
    else writeFileSync(file, text)
  }
}

/** The command as one line a maintainer can paste into a shell. */
function shellLine(command: string, args: string[]): string {
  const quote = (word: string): string =>
    /^[\w@%+=:,./^{}-]+$/.test(word) ? word : `'${word.replace(/'/g, `'\\''`)}'`
  return [command, ...args].map(quote).join(' ')
}

function readText(file: string): string {
  try {
    return readFileSync(file, 'utf8')
  } catch {
    throw new ReleaseError(`${file}: cannot be read in ${process.cwd()}`)
  }
}

function packageVersion(): string {
  const version = (JSON.parse(readText('package.json')) as { version?: unknown }).version
  if (typeof version !== 'string') throw new ReleaseError('package.json: has no "version"')
  return version
}

function releasedTags(commands: Commands): Version[] {
  return releasedVersions(commands.read('git', ['tag', '--list', 'v*']).split('\n'))
}

function prepare(request: string, options: Options, commands: Commands): void {
  const current = parseVersion(packageVersion(), "package.json's version")
  const branch = commands.read('git', ['branch', '--show-current']).trim()
  if (branch !== options.branch)
    throw new ReleaseError(
      `release: HEAD is ${branch ? `on ${branch}` : 'detached'}; releases are made from ` +
        `${options.branch} (--branch NAME for another)`
    )
  if (commands.read('git', ['status', '--porcelain']).trim() !== '')
    throw new ReleaseError(
      'release: the working tree has uncommitted changes; commit or stash them'
    )
  const target = releaseVersion(request, current, releasedTags(commands))
  const tag = releaseTagOf(target)
  const notes = releaseNotes(readText('CHANGELOG.md'), target)
  const bumped = formatVersion(target) !== formatVersion(current)
  console.log(
    `Release ${tag} from ${branch}` +
      (bumped ? ` (package.json ${formatVersion(current)} -> ${formatVersion(target)})` : '') +
      `${options.dryRun ? ', dry run: nothing is committed, tagged or pushed' : ''}\n\n` +
      `${notes}\n`
  )

  // The bundle first: a release tags what CI checked, so dist/ must already be committed.
  commands.check('bash', ['scripts/check-dist.sh'])

  if (bumped) {
    for (const file of MANIFESTS)
      commands.write(file, withVersion(readText(file), formatVersion(target), file))
    commands.change('git', ['add', ...MANIFESTS])
    commands.change('git', ['commit', '--quiet', '-m', `Releases ${tag}`])
  }
  commands.change('git', ['tag', '--annotate', tag, '-m', tag])
  // One atomic push: the tag never reaches the remote without its commit, nor the other way.
  commands.change('git', [
    'push',
    '--atomic',
    options.remote,
    `HEAD:refs/heads/${options.branch}`,
    `refs/tags/${tag}`
  ])
  console.log(
    `\nThe release workflow then checks ${tag}, moves ${majorTagOf(target)} to it if it is ` +
      `the newest ${majorTagOf(target)} release, and creates the GitHub release with these notes.`
  )
}

function verify(tag: string): { version: Version; notes: string } {
  const version = checkTagMatchesPackage(tag, packageVersion())
  const notes = releaseNotes(readText('CHANGELOG.md'), version)
  console.log(
    `${tag}: package.json says ${formatVersion(version)}; CHANGELOG.md has its notes ` +
      `(${notes.split('\n').length} lines)`
  )
  return { version, notes }
}

function publish(tag: string, options: Options, commands: Commands): void {
  const { version, notes } = verify(tag)
  const commit = commands.read('git', ['rev-parse', '--verify', `refs/tags/${tag}^{commit}`]).trim()
  // package.json and CHANGELOG.md were read from the working tree: it must be the tag's.
  if (commands.read('git', ['rev-parse', 'HEAD']).trim() !== commit)
    throw new ReleaseError(`publish: HEAD is not ${tag}'s commit ${commit}; check out the tag`)
  const released = releasedTags(commands)
  const notesFile = join(mkdtempSync(join(tmpdir(), 'release-notes-')), `${tag}.md`)
  writeFileSync(notesFile, `${notes}\n`)

  const major = majorTagOf(version)
  if (movesMajorTag(version, released)) {
    commands.change('git', ['tag', '--force', major, commit])
    commands.change('git', ['push', '--force', options.remote, `refs/tags/${major}`])
  } else {
    const newest = released.filter((other) => other.major === version.major).at(-1)!
    console.log(`${major} stays on ${releaseTagOf(newest)}, newer than ${tag}`)
  }
  const latest = isNewest(version, released)
  commands.change('gh', [
    'release',
    'create',
    tag,
    '--verify-tag',
    '--title',
    tag,
    '--notes-file',
    notesFile,
    `--latest=${latest}`
  ])
}

function parseArguments(argv: string[]): { positional: string[]; options: Options } {
  const options: Options = { dryRun: false, remote: 'origin', branch: 'main' }
  const positional: string[] = []
  for (let i = 0; i < argv.length; i++) {
    const argument = argv[i]!
    if (argument === '--dry-run') options.dryRun = true
    else if (argument === '--remote' || argument === '--branch') {
      const value = argv[++i]
      if (!value) throw new ReleaseError(`${argument}: needs a name`)
      options[argument === '--remote' ? 'remote' : 'branch'] = value
    } else if (argument.startsWith('--'))
      throw new ReleaseError(`${argument}: unknown option; --dry-run, --remote NAME, --branch NAME`)
    else positional.push(argument)
  }
  return { positional, options }
}

const USAGE =
  'usage: npm run release -- <1.2.3|major|minor|patch> [--dry-run] | verify <tag> | ' +
  'notes <tag> | publish <tag> [--dry-run]'

function main(argv: string[]): void {
  const { positional, options } = parseArguments(argv)
  const commands = new Commands(options.dryRun)
  const [first, second, ...rest] = positional
  if (first === undefined || rest.length > 0) throw new ReleaseError(USAGE)
  if (first === 'verify' || first === 'notes' || first === 'publish') {
    if (second === undefined) throw new ReleaseError(`${first}: needs a tag like v1.2.3`)
    if (first === 'verify') verify(second)
    else if (first === 'notes')
      console.log(releaseNotes(readText('CHANGELOG.md'), parseReleaseTag(second)))
    else publish(second, options, commands)
    return
  }
  if (second !== undefined) throw new ReleaseError(USAGE)
  prepare(first, options, commands)
}

try {
  main(process.argv.slice(2))
} catch (error) {
  // A refused step is one line; a failed command has already printed its own output.
  const message =
    error instanceof ReleaseError ? error.message : `release: ${(error as Error).message}`
  console.error(message)
  process.exitCode = 1
}
