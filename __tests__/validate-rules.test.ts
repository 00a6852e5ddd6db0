import { describe, expect, it } from '@jest/globals'
import fc from 'fast-check'
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

  it('leaves names that are no REST name to the instance checks when they run', () => {
    const header = ['First Name', 'email', '', 'email']
    expect(headerNameWarnings(header, { restNames: false })).toEqual([
      { column: 2, message: 'column 3 has no name; Marketo cannot map it' },
      { column: 3, message: 'column 4 repeats the name "email" of column 2' }
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
  it('reads as the rules spelled out one by one, on any text', () => {
    // The rules one by one, as the expression replaced them.
    const spelledOut = (email: string): boolean => {
      const at = email.indexOf('@')
      if (at <= 0 || at !== email.lastIndexOf('@') || /\s/.test(email)) return true
      const local = email.slice(0, at)
      const domain = email.slice(at + 1)
      if (local.startsWith('.') || local.endsWith('.') || local.includes('..')) return true
      const labels = domain.split('.')
      if (labels.length < 2 || labels.some((label) => label === '' || /^-|-$/.test(label))) {
        return true
      }
      return !/^[A-Za-z]{2,}$/.test(labels[labels.length - 1] as string)
    }
    const text = fc
      .array(
        fc.constantFrom('a', 'Z', '1', '.', '.', '@', '-', ' ', '\n', '_', 'é', 'co', 'x@y.com'),
        {
          maxLength: 14
        }
      )
      .map((units) => units.join(''))
    fc.assert(
      fc.property(text, (email) => expect(isInvalidEmail(email)).toBe(spelledOut(email))),
      { numRuns: 20000 }
    )
  })

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
