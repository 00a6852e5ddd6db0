import { describe, expect, it } from '@jest/globals'
import { delimiterOf, detectFormat, partFileName } from '../src/files/index.js'
import { formatBytes } from '../src/format.js'

describe('detectFormat', () => {
  it.each([
    ['leads.csv', 'CSV'],
    ['leads.CSV', 'CSV'],
    ['dir.tsv/leads.tsv', 'TSV'],
    ['leads.Tab', 'TSV'],
    ['leads.ssv', 'SSV'],
    ['leads.txt', 'CSV'],
    ['leads', 'CSV']
  ])('auto: %s is %s', (path, format) => {
    expect(detectFormat(path, 'auto')).toEqual({ format })
  })

  it('an explicit format wins over the extension', () => {
    expect(detectFormat('leads.csv', 'tsv')).toEqual({ format: 'TSV' })
    expect(detectFormat('leads.tsv', 'ssv')).toEqual({ format: 'SSV' })
    expect(detectFormat('leads.txt', 'csv')).toEqual({ format: 'CSV' })
  })

  it('auto: a header that splits only on semicolons or only on tabs decides, with a notice', () => {
    const head = (text: string): Buffer => Buffer.from(text)
    expect(
      detectFormat('leads.csv', 'auto', head('\uFEFFemail;firstName\r\na@x.com;Ann\n'))
    ).toEqual({
      format: 'SSV',
      notice:
        'the header splits only on semicolons, so the file is read and imported as SSV, not as ' +
        'CSV (format: auto); set format to read it otherwise'
    })
    expect(detectFormat('leads.txt', 'auto', head('email\tfirstName\n')).format).toBe('TSV')
    expect(detectFormat('leads.ssv', 'auto', head('email;firstName\n'))).toEqual({ format: 'SSV' })
    // Commas, or two candidate delimiters, or one column, or no whole line: the extension decides.
    for (const text of ['email,a;b\n', 'email;a\tb\n', 'email\n', 'email;first', '"a;b"\n']) {
      expect(detectFormat('leads.csv', 'auto', head(text))).toEqual({ format: 'CSV' })
    }
    expect(detectFormat('leads.tsv', 'auto', head('email;firstName\n')).format).toBe('SSV')
  })

  it('an explicit format is never second-guessed by the header', () => {
    expect(detectFormat('leads.csv', 'csv', Buffer.from('email;firstName\n'))).toEqual({
      format: 'CSV'
    })
  })
})

describe('delimiterOf', () => {
  it('maps each format to its separator', () => {
    expect(delimiterOf('CSV')).toBe(',')
    expect(delimiterOf('TSV')).toBe('\t')
    expect(delimiterOf('SSV')).toBe(';')
  })
})

describe('partFileName', () => {
  it('keeps the name of a file sent whole', () => {
    expect(partFileName('Lead-House-Lannister.csv', 1, 1)).toBe('Lead-House-Lannister.csv')
  })

  it('numbers split parts before the extension', () => {
    expect(partFileName('leads.csv', 2, 5)).toBe('leads.part-2-of-5.csv')
    expect(partFileName('a.b.tsv', 10, 12)).toBe('a.b.part-10-of-12.tsv')
    expect(partFileName('leads', 1, 3)).toBe('leads.part-1-of-3')
  })
})

describe('formatBytes', () => {
  it('uses the units chunk-size is written in (1000-based) with one decimal', () => {
    expect(formatBytes(1)).toBe('1 byte')
    expect(formatBytes(250)).toBe('250 bytes')
    expect(formatBytes(1536)).toBe('1.5 KB')
    expect(formatBytes(10_000_000)).toBe('10 MB')
    expect(formatBytes(10_485_760)).toBe('10.5 MB')
    expect(formatBytes(569)).toBe('569 bytes')
  })
})
