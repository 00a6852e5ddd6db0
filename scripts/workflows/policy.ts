/**
 * What a security review asks of this repository's own workflows, checked on their text (the
 * layout Prettier gives them: top-level keys at column 0, job ids at 2 spaces, job keys at 4):
 * every action pinned to a full commit sha with its version in a comment, and permissions
 * granted per job, none at the top.
 */

const USES = /^\s*(?:- )?uses:\s*(\S+)(?:\s+#\s*(.*?))?\s*$/
const PINNED = /^[\w.-]+\/[\w.-]+(?:\/[\w./-]+)?@[0-9a-f]{40}$/
const VERSION_COMMENT = /^v\d+(?:\.\d+){0,2}$/
const JOB = /^ {2}([A-Za-z_][\w-]*):\s*$/

/** One line per rule `text` (the workflow `file`) breaks; empty when it keeps them all. */
export function workflowProblems(text: string, file: string): string[] {
  const problems: string[] = []
  const lines = text.split(/\r?\n/)
  const at = (index: number): string => `${file}:${index + 1}`

  lines.forEach((line, index) => {
    const uses = USES.exec(line)
    if (!uses) return
    const [, target = '', comment] = uses
    if (target.startsWith('./')) return
    if (!PINNED.test(target))
      problems.push(
        `${at(index)}: ${target} is not pinned to a full commit sha (owner/repo@<40 hex>)`
      )
    else if (!comment || !VERSION_COMMENT.test(comment))
      problems.push(`${at(index)}: ${target} needs its version in a comment, as in "# v4.2.2"`)
  })

  const topPermissions = lines.findIndex((line) => /^permissions:/.test(line))
  if (topPermissions < 0 || !/^permissions:\s*\{\s*\}\s*$/.test(lines[topPermissions]!))
    problems.push(
      `${file}: needs "permissions: {}" at the top, so each job is granted only its own`
    )

  const jobsAt = lines.findIndex((line) => /^jobs:\s*$/.test(line))
  let job: { name: string; index: number; permissions: boolean } | undefined
  const closeJob = (): void => {
    if (job && !job.permissions)
      problems.push(`${at(job.index)}: job ${job.name} declares no permissions`)
  }
  for (let index = jobsAt + 1; jobsAt >= 0 && index < lines.length; index++) {
    const line = lines[index]!
    if (/^[^\s#]/.test(line)) break
    const name = JOB.exec(line)?.[1]
    if (name) {
      closeJob()
      job = { name, index, permissions: false }
    } else if (job && /^ {4}permissions:/.test(line)) job.permissions = true
  }
  closeJob()
  if (jobsAt < 0 || job === undefined) problems.push(`${file}: has no jobs`)
  return problems
}
