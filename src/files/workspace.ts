import { isAbsolute, relative, sep } from 'node:path'

/** True when `path` is `root` itself or below it (both absolute, already resolved). */
export function isWithin(path: string, root: string): boolean {
  const shown = relative(root, path)
  return shown === '' || (!isAbsolute(shown) && shown !== '..' && !shown.startsWith(`..${sep}`))
}
