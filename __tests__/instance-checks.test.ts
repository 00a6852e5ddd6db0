import { describe, expect, it } from '@jest/globals'
import {
  checkColumns,
  checkQuota,
  checkStatus,
  closestNames,
  mapDisplayNames
} from '../src/instance/checks.js'
import {
  encodeHeader,
  oversizedAfterRename,
  renameColumns,
  type FilePlan
} from '../src/files/index.js'
import { MARKETO_MAX_BODY_BYTES } from '../src/marketo/multipart.js'
import type { ChannelInfo, FieldInfo } from '../src/marketo/index.js'

const channel: ChannelInfo = {
  name: 'Webinar',
  statuses: [
    { name: 'Not in Program', step: 0, success: false, hidden: false },
    { name: 'On List', step: 2, success: false, hidden: false },
    { name: 'Attended', step: 5, success: true, hidden: false }
  ]
}

const field = (name: string, displayName: string, updateable = true): FieldInfo => ({
  name,
  displayName,
  dataType: 'string',
  updateable
})
const lead = [
  field('email', 'Email Address'),
  field('firstName', 'First Name'),
  field('id', 'Id', false)
]
const member = [field('registrationCode', 'Registration Code')]

describe('checkStatus', () => {
  it('finds the status with its step and success', () => {
    expect(checkStatus('Attended', channel).status).toMatchObject({ step: 5, success: true })
  })

  it('names the status that matches but for case or spaces, and lists them all', () => {
    const { problem } = checkStatus('onlist', channel)
    expect(problem).toContain('did you mean `On List`?')
    expect(problem).toContain('`Not in Program`, `On List`, `Attended`')
  })

  it('lists the statuses without a guess when none is near', () => {
    const { problem } = checkStatus('Registered', channel)
    expect(problem).not.toContain('did you mean')
    expect(problem).toContain('program-member-status "Registered"')
    expect(problem).toContain('the channel "Webinar". Its statuses are')
  })

  it('names the status a typo away, and guesses nothing when two are as near', () => {
    expect(checkStatus('Atended', channel).problem).toContain('did you mean `Attended`?')
    expect(checkStatus('On Lst', channel).problem).toContain('did you mean `On List`?')
    const status = (name: string, step: number) => ({ name, step, success: false, hidden: false })
    const twins = { ...channel, statuses: [status('Invited', 1), status('Invites', 2)] }
    expect(checkStatus('Invite', twins).problem).not.toContain('did you mean')
    // A short value is not taken for a misspelling of another short status.
    expect(checkStatus('No', channel).problem).not.toContain('did you mean')
  })
})

describe('checkColumns', () => {
  it('accepts lead and program member REST names', () => {
    expect(checkColumns('a.csv', ['email', 'firstName', 'registrationCode'], lead, member)).toEqual(
      []
    )
  })

  it('names a column that is no field with the closest REST names', () => {
    const [problem] = checkColumns('a.csv', ['email', 'First Name'], lead, member)
    expect(problem).toMatch(/^a\.csv: column "First Name" is not/)
    expect(closestNames('First Name', [...lead, ...member])[0]).toBe('firstName')
  })

  it('refuses a field the describe says is not updateable', () => {
    expect(checkColumns('a.csv', ['email', 'id'], lead, member)).toEqual([
      'a.csv: column "id" is a field Marketo does not let the API write'
    ])
  })
})

describe('checkQuota', () => {
  it('passes well within the quota', () => {
    expect(checkQuota(10, 1000, 50_000)).toEqual({
      estimatedCalls: 80,
      usedToday: 1000,
      quota: 50_000
    })
  })

  it('warns past 80 % and stops past the quota, with both numbers', () => {
    expect(checkQuota(10, 40_000, 50_000).warning).toMatch(/80 % used/)
    const stop = checkQuota(10, 49_950, 50_000).stop
    expect(stop).toContain('about 80 API calls')
    expect(stop).toContain('49,950 of the daily-quota of 50,000')
  })
})

describe('mapDisplayNames', () => {
  it('sends a column named as exactly one field shows it under its REST name', () => {
    expect(
      mapDisplayNames(['First Name', 'email', 'Registration Code'], [...lead, ...member])
    ).toEqual({
      columns: ['firstName', 'email', 'registrationCode'],
      mappings: [
        { from: 'First Name', to: 'firstName', why: 'display name' },
        { from: 'Registration Code', to: 'registrationCode', why: 'display name' }
      ]
    })
  })

  it('leaves a REST name, a near miss and a display name two fields share as they are', () => {
    const shared = [...lead, field('firstName_c', 'First Name')]
    expect(mapDisplayNames(['First Name', 'first name', 'email'], shared)).toEqual({
      columns: ['First Name', 'first name', 'email'],
      mappings: []
    })
  })
})

describe('renameColumns and encodeHeader', () => {
  it('renames the columns given, trimmed, and says which', () => {
    const renames = new Map([['E-mail', 'email']])
    expect(renameColumns([' E-mail', 'firstName'], renames)).toEqual({
      columns: ['email', 'firstName'],
      mappings: [{ from: ' E-mail', to: 'email', why: 'columns' }]
    })
  })

  it('writes the header in the file format, quoting a name that needs it', () => {
    expect(encodeHeader(['email', 'a,b', 'say "hi"'], 'CSV', '\r\n').toString()).toBe(
      'email,"a,b","say ""hi"""\r\n'
    )
    expect(encodeHeader(['email', 'a,b'], 'TSV', '\n').toString()).toBe('email\ta,b\n')
  })
})

describe('oversizedAfterRename', () => {
  const plan = (bytes: number, renamed: boolean): FilePlan => ({
    path: '/ws/a.csv',
    displayPath: 'a.csv',
    format: 'CSV',
    sizeBytes: bytes,
    rows: 1,
    header: { start: 0, end: 6 },
    ...(renamed
      ? {
          sentHeader: {
            columns: ['email'],
            bytes: Buffer.from('email\n'),
            mappings: [{ from: 'e', to: 'email', why: 'columns' as const }]
          }
        }
      : {}),
    parts: [
      {
        path: '/ws/a.csv',
        displayPath: 'a.csv',
        format: 'CSV',
        index: 1,
        count: 1,
        byteStart: 6,
        byteEnd: bytes,
        bytes,
        rows: 1,
        firstLine: 2
      }
    ]
  })

  it('names the part a renamed header pushes past the upload limit', () => {
    expect(oversizedAfterRename(plan(MARKETO_MAX_BODY_BYTES, true))).toMatch(
      /^a\.csv: with its renamed header part 1 is \d+ bytes, over Marketo's limit/
    )
    expect(oversizedAfterRename(plan(1000, true))).toBeUndefined()
    expect(oversizedAfterRename(plan(MARKETO_MAX_BODY_BYTES, false))).toBeUndefined()
  })
})
