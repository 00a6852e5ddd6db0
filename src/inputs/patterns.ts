import path from 'node:path'
import { isWithin } from '../files/workspace.js'
import { invalid } from './error.js'

const INSIDE_FORMS =
  'give patterns relative to the workspace (GITHUB_WORKSPACE) without .. segments, or ' +
  'absolute paths inside it, e.g. data/*.csv'

const GLOB_CHARS = /[*?[]/

/**
 * The workspace is the boundary: a pattern that leads out of it (`..`, `~`, an absolute path
 * elsewhere) is an input error, before any file is looked at. `.` is accepted as the first
 * segment only, as @actions/glob accepts it.
 */
export function checkPatternsInside(input: string, patterns: string[], workspace: string): void {
  for (const pattern of patterns) {
    const glob = pattern.replace(/^!+/, '')
    // `[.]` matches a dot only: @actions/glob reads it as the literal, and so does this check.
    const segments = glob.split('/').map((segment) => segment.replace(/\[(.)\]/g, '$1'))
    if (segments[0] === '~') {
      throw invalid(input, pattern, `leaves the workspace (~ is the home folder); ${INSIDE_FORMS}`)
    }
    if (segments.includes('..')) {
      throw invalid(input, pattern, `leaves the workspace; ${INSIDE_FORMS}`)
    }
    if (segments.slice(1).includes('.')) {
      throw invalid(input, pattern, `has a . segment after the start; ${INSIDE_FORMS}`)
    }
    if (path.isAbsolute(glob)) {
      const firstGlob = segments.findIndex((segment) => GLOB_CHARS.test(segment))
      const root = path.resolve(
        segments.slice(0, firstGlob < 0 ? undefined : firstGlob).join('/') || '/'
      )
      if (!isWithin(root, workspace)) {
        throw invalid(input, pattern, `is outside the workspace ${workspace}; ${INSIDE_FORMS}`)
      }
    }
  }
}
