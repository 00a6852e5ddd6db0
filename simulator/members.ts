/**
 * The instance's leads and program membership: who a lead lookup by email finds, who the member
 * delete removes, and what the bulk program member export lists. Imported rows become members
 * with their job's status; tests may also seed members or a generated block of them.
 */

export interface SimMember {
  leadId: number
  email: string
  status: string
}

/** A block of `count` members made up on demand (for 1,000,000-member benchmarks). */
export interface GeneratedMembers {
  count: number
  status: string
  /** The email of the nth member (0-based); lower case. */
  emailOf: (index: number) => string
}

export interface DeleteResult {
  leadId: number
  seq: number
  status: 'deleted' | 'skipped'
  reasons?: Array<{ code: string; message: string }>
}

/** Lead ids of generated members start here; looked-up or imported leads are numbered below. */
const GENERATED_FIRST_LEAD_ID = 10_000_000
const FIRST_LEAD_ID = 5001

interface Program {
  members: Map<number, string>
  generated?: GeneratedMembers
  /** Generated members removed since (by index). */
  generatedRemoved: Set<number>
}

export class Membership {
  private readonly leadIds = new Map<string, number>()
  private readonly emails = new Map<number, string>()
  private readonly programs = new Map<string, Program>()
  private nextLeadId = FIRST_LEAD_ID

  private program(programId: string): Program {
    let program = this.programs.get(programId)
    if (program === undefined) {
      program = { members: new Map(), generatedRemoved: new Set() }
      this.programs.set(programId, program)
    }
    return program
  }

  /** The lead of `email`, created when Marketo does not know it yet. */
  private leadOf(email: string): number {
    const key = email.toLowerCase()
    const known = this.leadIds.get(key)
    if (known !== undefined) return known
    const leadId = this.nextLeadId++
    this.leadIds.set(key, leadId)
    this.emails.set(leadId, key)
    return leadId
  }

  /** Makes `email` a member of the program with `status` (an import, or a test's seed). */
  add(programId: string, email: string, status: string): number {
    const leadId = this.leadOf(email)
    this.program(programId).members.set(leadId, status)
    return leadId
  }

  /** A lead that exists in the instance but is a member of no program. */
  addLead(email: string): number {
    return this.leadOf(email)
  }

  generate(programId: string, block: GeneratedMembers): void {
    const program = this.program(programId)
    program.generated = block
    program.generatedRemoved.clear()
  }

  /** The lead id of an email, or undefined when Marketo does not know it. */
  find(email: string): number | undefined {
    const key = email.toLowerCase()
    const known = this.leadIds.get(key)
    if (known !== undefined) return known
    for (const program of this.programs.values()) {
      const index = this.generatedIndexOf(program, key)
      if (index !== undefined) return GENERATED_FIRST_LEAD_ID + index
    }
    return undefined
  }

  private generatedIndexOf(program: Program, email: string): number | undefined {
    const block = program.generated
    if (block === undefined) return undefined
    const match = /(\d+)@/.exec(email)
    if (match === null) return undefined
    const index = Number(match[1])
    return index < block.count && block.emailOf(index) === email ? index : undefined
  }

  /** Removes each lead from the program, in order; not a member: `skipped` with Marketo's reason. */
  remove(programId: string, leadIds: number[]): DeleteResult[] {
    const program = this.program(programId)
    return leadIds.map((leadId, i) => {
      const seq = i
      const index = leadId - GENERATED_FIRST_LEAD_ID
      const generated = program.generated
      if (generated && index >= 0 && index < generated.count) {
        if (!program.generatedRemoved.has(index)) {
          program.generatedRemoved.add(index)
          return { leadId, seq, status: 'deleted' }
        }
      } else if (program.members.delete(leadId)) {
        return { leadId, seq, status: 'deleted' }
      }
      const known = this.emails.has(leadId) || (generated && index >= 0 && index < generated.count)
      const reason = known
        ? { code: '1004', message: 'Lead not found in program' }
        : { code: '1004', message: 'Lead not found' }
      return { leadId, seq, status: 'skipped', reasons: [reason] }
    })
  }

  /** The program's members (seeded, imported, generated) with one of `statuses` (all when empty). */
  *members(programId: string, statuses: string[] = []): Generator<SimMember> {
    const program = this.programs.get(programId)
    if (program === undefined) return
    const wanted = (status: string): boolean => statuses.length === 0 || statuses.includes(status)
    for (const [leadId, status] of program.members) {
      if (wanted(status)) yield { leadId, email: this.emails.get(leadId) ?? '', status }
    }
    const block = program.generated
    if (block === undefined || !wanted(block.status)) return
    for (let index = 0; index < block.count; index++) {
      if (program.generatedRemoved.has(index)) continue
      yield {
        leadId: GENERATED_FIRST_LEAD_ID + index,
        email: block.emailOf(index),
        status: block.status
      }
    }
  }

  /** Email -> status of the program's current members (generated ones excluded), for tests. */
  snapshot(programId: string): Map<string, string> {
    const members = new Map<string, string>()
    for (const [leadId, status] of this.programs.get(programId)?.members ?? []) {
      members.set(this.emails.get(leadId) ?? '', status)
    }
    return members
  }

  memberCount(programId: string, statuses: string[] = []): number {
    let count = 0
    for (const _ of this.members(programId, statuses)) count++
    return count
  }
}
