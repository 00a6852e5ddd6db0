import * as glob from '@actions/glob'
import { stat } from 'node:fs/promises'

/**
 * The files the `files` patterns match, in a stable order. Directories are dropped: a pattern
 * like `data/**` matches them too, and only files can be imported.
 */
export async function findFiles(patterns: string[], workspace: string): Promise<string[]> {
  const previous = process.cwd()
  // @actions/glob resolves relative patterns against the working directory.
  process.chdir(workspace)
  try {
    const globber = await glob.create(patterns.join('\n'), {
      followSymbolicLinks: true,
      implicitDescendants: false,
      matchDirectories: false
    })
    const matched = await globber.glob()
    const files: string[] = []
    for (const path of [...new Set(matched)].sort()) {
      const info = await stat(path).catch(() => undefined)
      if (info?.isFile()) files.push(path)
    }
    return files
  } finally {
    process.chdir(previous)
  }
}
