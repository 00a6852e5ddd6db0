import { describe, expect, it } from '@jest/globals'
import {
  checkTagMatchesPackage,
  isNewest,
  majorTagOf,
  movesMajorTag,
  parseReleaseTag,
  parseVersion,
  releasedVersions,
  releaseVersion,
  type Version
} from '../scripts/release/versions.js'

const v = (text: string): Version => parseVersion(text)

describe('versions and tags', () => {
  it('reads major.minor.patch, and refuses every other shape in one line', () => {
    expect(parseVersion('1.20.3')).toEqual({ major: 1, minor: 20, patch: 3 })
    for (const text of ['v1.2.3', '1.2', '1.2.3-rc.1', '01.2.3', '1.2.3 ', ''])
      expect(() => parseVersion(text)).toThrow(`version: "${text}" is not a version like 1.2.3`)
    expect(parseReleaseTag('v2.0.1')).toEqual({ major: 2, minor: 0, patch: 1 })
    for (const tag of ['1.2.3', 'v1', 'v1.2', 'v1.2.3-rc.1', 'V1.2.3'])
      expect(() => parseReleaseTag(tag)).toThrow(`tag: "${tag}" is not a release tag like v1.2.3`)
  })

  it('names the major tag a release moves', () => {
    expect(majorTagOf(v('1.4.2'))).toBe('v1')
    expect(majorTagOf(v('0.3.0'))).toBe('v0')
  })

  it('keeps only release tags, in version order (not string order)', () => {
    expect(
      releasedVersions(['v1', 'v1.10.0', 'v1.9.0', 'v2.0.0-rc.1', 'x1.0.0', 'v1.2.3', ''])
    ).toEqual([v('1.2.3'), v('1.9.0'), v('1.10.0')])
  })

  it('checks the tag against package.json', () => {
    expect(checkTagMatchesPackage('v1.2.3', '1.2.3')).toEqual(v('1.2.3'))
    expect(() => checkTagMatchesPackage('v1.2.4', '1.2.3')).toThrow(
      `tag: v1.2.4 but package.json's version is "1.2.3"; tag the commit whose package.json says 1.2.4`
    )
    expect(() => checkTagMatchesPackage('v1', '1.0.0')).toThrow('is not a release tag')
  })
})

describe('the version of a release', () => {
  const released = [v('1.0.0'), v('1.1.0'), v('1.1.1')]

  it('bumps the newest release, or package.json before the first', () => {
    expect(releaseVersion('patch', v('1.1.1'), released)).toEqual(v('1.1.2'))
    expect(releaseVersion('minor', v('1.1.1'), released)).toEqual(v('1.2.0'))
    expect(releaseVersion('major', v('1.1.1'), released)).toEqual(v('2.0.0'))
    expect(releaseVersion('major', v('0.1.0'), [])).toEqual(v('1.0.0'))
    expect(releaseVersion('patch', v('0.1.0'), [])).toEqual(v('0.1.1'))
  })

  it('takes a version that package.json already has, when it is not tagged yet', () => {
    expect(releaseVersion('1.2.0', v('1.2.0'), released)).toEqual(v('1.2.0'))
    expect(releaseVersion('1.3.0', v('1.2.0'), released)).toEqual(v('1.3.0'))
  })

  it('refuses a released version, one below package.json, and a bad request', () => {
    expect(() => releaseVersion('1.1.0', v('1.1.1'), released)).toThrow(
      'release: v1.1.0 is already tagged'
    )
    expect(() => releaseVersion('1.1.2', v('1.2.0'), released)).toThrow(
      "release: 1.1.2 is below package.json's version 1.2.0; give 1.2.0 or a later version"
    )
    expect(() => releaseVersion('next', v('1.2.0'), released)).toThrow(
      'release: "next" is not a version like 1.2.3'
    )
  })

  it('moves the major tag and marks the latest release only for the newest', () => {
    const tags = [v('1.2.0'), v('1.3.0'), v('2.0.0')]
    expect(movesMajorTag(v('1.3.1'), tags)).toBe(true)
    expect(isNewest(v('1.3.1'), tags)).toBe(false)
    // A fix of an older minor leaves v1 on 1.3.0.
    expect(movesMajorTag(v('1.2.1'), tags)).toBe(false)
    expect(movesMajorTag(v('2.0.1'), tags)).toBe(true)
    expect(isNewest(v('2.0.1'), tags)).toBe(true)
    // The workflow runs after the tag is pushed: the release is among the tags.
    expect(movesMajorTag(v('2.0.0'), tags)).toBe(true)
    expect(movesMajorTag(v('3.0.0'), [])).toBe(true)
  })
})
