import { describe, expect, it } from '@jest/globals'
import { account } from '../src/report/accounting.js'
import type { RunReport } from '../src/report/model.js'
import { noRowIssues } from '../src/report/row-issue-list.js'
import {
  COMMENT_MAX_CHARS,
  commentMarker,
  renderPrComment,
  type CommentIdentity
} from '../src/report/pr-comment.js'

function report(overrides: Partial<RunReport> = {}): RunReport {
  return {
    mode: 'dry-run',
    programId: '1001',
    programMemberStatus: 'On List',
    files: [],
    fileProblems: [],
    results: [],
    accounting: account([]),
    rowIssues: noRowIssues(),
    apiCalls: 0,
    elapsedMs: 100,
    verdict: [],
    ...overrides
  }
}

const IDENTITY: CommentIdentity = {
  workflow: 'Lists',
  job: 'gate',
  programId: '1001',
  programMemberStatus: 'On List',
  files: ['lists/*.csv']
}

describe('the pull request comment', () => {
  it('has one marker per workflow, job, program, status and files', () => {
    expect(commentMarker(IDENTITY)).toMatch(/^<!-- marketo-program-member-import:[0-9a-f]{16} -->$/)
    expect(commentMarker({ ...IDENTITY })).toBe(commentMarker(IDENTITY))
    for (const change of [
      { programId: '1002' },
      { job: 'other' },
      { programMemberStatus: 'Member' },
      { files: ['other/*.csv'] }
    ]) {
      expect(commentMarker({ ...IDENTITY, ...change })).not.toBe(commentMarker(IDENTITY))
    }
  })

  it('starts with the marker, holds the summary and links the run', () => {
    const marker = commentMarker(IDENTITY)
    const body = renderPrComment(report(), marker, 'https://github.com/acme/lists/actions/runs/9')
    expect(body.startsWith(`${marker}\n### ✅ Marketo import (dry run): would import 0 rows`)).toBe(
      true
    )
    expect(body).toContain('[The workflow run](https://github.com/acme/lists/actions/runs/9)')
  })

  it('is cut at a line to fit GitHub’s limit on comments', () => {
    const fileProblems = Array.from({ length: 3000 }, (_, i) => ({
      displayPath: `lists/file-${i}.csv`,
      rows: 1,
      message: 'a long explanation of what is wrong with this file '.repeat(2)
    }))
    const body = renderPrComment(report({ fileProblems }), commentMarker(IDENTITY))
    expect(body.length).toBeLessThanOrEqual(COMMENT_MAX_CHARS)
    expect(body).toContain('…cut to fit a comment; the job summary of the run has everything.')
    expect(body.endsWith('This comment is updated on each run.</sub>\n')).toBe(true)
  })
})
