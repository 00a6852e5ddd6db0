import { describe, expect, it } from '@jest/globals'
import {
  delimiterContradiction,
  emailColumn,
  emailKey,
  headerNameWarnings,
  isInvalidEmail
} from '../src/validate/rules.js'

describe('the email column', () => {
  it('is found only under its exact REST API name', () => {
    expect(emailColumn(['firstName', 'email'])).toEqual({ index: 1 })
  })

  it.each([['Email'], ['EMAIL'], [' email'], ['E-mail Address'], ['Email Address'], ['e_mail']])(
    'names the near miss %j and how to fix it',
    (name) => {
      const found = emailColumn(['firstName', name])
      expect(found).toEqual({
        problem: `no email column: Marketo needs a column named exactly email; rename ${JSON.stringify(name)} to email`
      })
    }
  )

  it('says why it is needed when nothing comes close', () => {
    expect(emailColumn(['firstName', 'lastName'])).toEqual({
      problem: 'no email column: every file needs a column named email (Marketo deduplicates on it)'
    })
  })
})

describe('header names', () => {
  it('accepts REST API names, custom fields included', () => {
    expect(headerNameWarnings(['firstName', 'email', 'leadScore', 'Custom_Field__c'])).toEqual([])
  })

  it('flags display names with a guess, empty and repeated names', () => {
    expect(headerNameWarnings(['First Name', 'email', '', 'email', 'Lead-Score'])).toEqual([
      {
        column: 0,
        message:
          'column 1 "First Name" is not a REST API name (a display name?); Marketo maps columns by ' +
          'REST API names, perhaps firstName (Admin > Field Management > Export Field Names lists them)'
      },
      { column: 2, message: 'column 3 has no name; Marketo cannot map it' },
      { column: 3, message: 'column 4 repeats the name "email" of column 2' },
      expect.objectContaining({ column: 4, message: expect.stringContaining('perhaps leadScore') })
    ])
  })

  it('leaves the email near miss to the email check', () => {
    expect(headerNameWarnings(['E-mail Address', 'firstName'])).toEqual([])
  })
})

describe('a delimiter that contradicts the format', () => {
  it('is a .csv header that splits only on tabs, or on semicolons', () => {
    expect(delimiterContradiction('firstName\temail', 'CSV', ',')).toBe(
      'the header splits on tabs, not on commas as the CSV format expects: name it .tsv or set format: tsv'
    )
    expect(delimiterContradiction('firstName;email', 'CSV', ',')).toBe(
      'the header splits on semicolons, not on commas as the CSV format expects: name it .ssv ' +
        'or set format: ssv'
    )
    expect(delimiterContradiction('firstName|email', 'SSV', ';')).toBe(
      'the header splits on pipes, not on semicolons as the SSV format expects: save it with ' +
        'semicolons (Marketo reads comma, tab or semicolon separated files)'
    )
    expect(delimiterContradiction('firstName,email', 'TSV', '\t')).toContain(
      'name it .csv or set format: csv'
    )
  })

  it('is not a one-column file, nor display names with spaces', () => {
    expect(delimiterContradiction('email', 'CSV', ',')).toBeUndefined()
    expect(delimiterContradiction('Email Address', 'CSV', ',')).toBeUndefined()
  })
})

describe('emails Marketo flags as invalid', () => {
  it.each([
    ['Rhaegar.Targaryen.com'],
    ['a@b'],
    ['a@@b.com'],
    ['a b@c.com'],
    ['@b.com'],
    ['a@b..com'],
    ['a@.b.com'],
    ['a.@b.com'],
    ['a@b.c0m'],
    ['a@-b.com']
  ])('%j is invalid', (email) => {
    expect(isInvalidEmail(email)).toBe(true)
  })

  it.each([['Joanna@Lannister.com'], ['first.last+tag@sub.example.co.uk'], ["o'brien@example.ie"]])(
    '%j is valid',
    (email) => {
      expect(isInvalidEmail(email)).toBe(false)
    }
  )

  it('compares emails without case or surrounding spaces', () => {
    expect(emailKey(' Joanna@Lannister.COM ')).toBe(emailKey('joanna@lannister.com'))
  })
})
