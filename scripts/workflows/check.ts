/** `tsx scripts/workflows/check.ts <workflow.yml>...`: the pin and permission rules of policy.ts. */
import { readFileSync } from 'node:fs'
import { workflowProblems } from './policy.js'

const files = process.argv.slice(2)
const problems = files.flatMap((file) => workflowProblems(readFileSync(file, 'utf8'), file))
for (const problem of problems) console.log(`::error::${problem}`)
console.log(
  problems.length === 0
    ? `${files.length} workflows: every action pinned to a commit sha, permissions per job`
    : `${problems.length} problems in ${files.length} workflows`
)
process.exitCode = problems.length === 0 ? 0 : 1
