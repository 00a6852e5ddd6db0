import { extname } from 'node:path'

/**
 * What @actions/artifact refuses in an uploaded path (`" : < > | * ?` CR LF, see its
 * path-and-artifact-name-validation), the other control characters, and `\`, a separator once
 * downloaded on Windows.
 */
const UNSAFE = /[":<>|*?\\\p{Cc}]/gu

/**
 * One file or folder name that survives the upload and the download: unsafe characters become
 * `_`, and so do leading dots (hidden files, which upload tools skip) and the trailing dots and
 * spaces Windows drops.
 */
export function safeName(name: string): string {
  const safe = name
    .replace(UNSAFE, '_')
    .replace(/^\.+/, (dots) => '_'.repeat(dots.length))
    .replace(/[. ]+$/, (tail) => '_'.repeat(tail.length))
  return safe === '' ? '_' : safe
}

/** A relative path (`/`-separated) made safe segment by segment. */
export function safePath(relativePath: string): string {
  return relativePath.split('/').filter(Boolean).map(safeName).join('/')
}

/**
 * The names given out in one output-dir: each safe, and unique even where two sources make the
 * same safe name (`a:b.csv` and `a_b.csv`) or differ only in case (one file once downloaded on
 * macOS or Windows): the later ones get `-2`, `-3` before the extension.
 */
export class ArtifactNames {
  private readonly taken = new Set<string>()

  claim(relativePath: string): string {
    const safe = safePath(relativePath)
    const extension = extname(safe)
    const stem = safe.slice(0, safe.length - extension.length)
    let name = safe
    for (let n = 2; this.taken.has(name.toLowerCase()); n++) name = `${stem}-${n}${extension}`
    this.taken.add(name.toLowerCase())
    return name
  }
}
