/**
 * Mirror: the program's members (from Marketo's export file, read from disk as a stream)
 * compared by email with the matched files; the members in none of them are the candidates.
 * Memory stays flat with the program's size: only the files' fingerprints (8 bytes an email) and the candidates held.
 */
import type { FilePlan } from '../files/index.js'
import { readRecords } from '../files/index.js'
import { CHECK_READ_BYTES } from '../validate/parse.js'
import { emailKey } from '../validate/rules.js'
import { EmailSet } from './email-set.js'
import type { RemovalCandidate } from './types.js'

/** Every email of the matched files (their header's `email` column), as digests. */
export async function emailsOfFiles(plans: readonly FilePlan[]): Promise<EmailSet> {
  const emails = new EmailSet(plans.reduce((total, plan) => total + plan.rows, 0))
  for (const plan of plans) {
    let at = -1
    for await (const record of readRecords(plan.path, plan.format, {
      displayPath: plan.displayPath,
      readBytes: CHECK_READ_BYTES
    })) {
      if (record.index === 0) {
        const sent = plan.sentHeader?.columns ?? record.fields
        at = sent.findIndex((name) => emailKey(name) === 'email')
        continue
      }
      const email = at < 0 ? '' : emailKey(record.fields[at] ?? '')
      if (email !== '') emails.add(email)
    }
  }
  return emails
}

export interface MirrorComparison {
  /** The program's members with the step's statuses (the export's rows). */
  members: number
  /** Members in none of the files. */
  toRemove: number
  /** The first `keep` of them (all of them when there are no more). */
  candidates: RemovalCandidate[]
}

/**
 * Reads the export file (`leadId,email` header, CSV) and keeps the members whose email is not
 * in `files`; at most `keep` are held (past the guard nobody is removed, so only the count counts).
 */
export async function compareMembers(
  exportPath: string,
  files: EmailSet,
  keep: number
): Promise<MirrorComparison> {
  const comparison: MirrorComparison = { members: 0, toRemove: 0, candidates: [] }
  let idAt = -1
  let emailAt = -1
  for await (const record of readRecords(exportPath, 'CSV', {
    readBytes: CHECK_READ_BYTES,
    displayPath: "Marketo's member export"
  })) {
    if (record.index === 0) {
      idAt = record.fields.indexOf('leadId')
      emailAt = record.fields.indexOf('email')
      if (idAt < 0 || emailAt < 0) {
        throw new Error("Marketo's member export has no leadId and email columns")
      }
      continue
    }
    const leadId = Number(record.fields[idAt])
    if (!Number.isSafeInteger(leadId) || leadId <= 0) {
      throw new Error(`Marketo's member export has a row without a lead id (line ${record.line})`)
    }
    comparison.members++
    const email = emailKey(record.fields[emailAt] ?? '')
    if (email !== '' && files.has(email)) continue
    comparison.toRemove++
    if (comparison.candidates.length < keep) {
      comparison.candidates.push({ email: '', leadId, source: 'not in the files' })
    }
  }
  return comparison
}
