import { existsSync, readFileSync } from 'node:fs'
import path from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from '@jest/globals'
import { INPUT_DEFAULTS, INPUT_NAMES, type InputName } from '../src/inputs/index.js'

const repoRoot = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..')
// shared/ sits beside the clone (/work/shared for a session, <ci-folder>/shared in CI); a fresh
// clone without it checks against the copy committed beside the tests, which must then match.
const sharedContractPath = path.resolve(repoRoot, '..', 'shared', 'contract', 'action-interface.md')
const committedContractPath = path.resolve(
  repoRoot,
  '__fixtures__',
  'contract',
  'action-interface.md'
)

interface Entry {
  description: string
  default: string | undefined
}

/**
 * A reader for the shape of action.yml only: `inputs:`/`outputs:` at the top, names indented
 * two spaces, `description:`/`default:` four, and block scalars (`>-`, `|`) below them.
 */
function readActionYml(text: string): Record<'inputs' | 'outputs', Map<string, Entry>> {
  const sections = { inputs: new Map<string, Entry>(), outputs: new Map<string, Entry>() }
  let section: Map<string, Entry> | undefined
  let entry: Entry | undefined
  let block: { key: 'description' | 'default'; lines: string[] } | undefined
  const endBlock = (): void => {
    if (block && entry) entry[block.key] = block.lines.join(' ').trim()
    block = undefined
  }
  for (const line of text.split(/\r?\n/)) {
    if (block && (line.startsWith('      ') || line.trim() === '')) {
      block.lines.push(line.trim())
      continue
    }
    endBlock()
    const top = /^([A-Za-z][\w-]*):/.exec(line)
    if (top) {
      section = top[1] === 'inputs' || top[1] === 'outputs' ? sections[top[1]] : undefined
      entry = undefined
      continue
    }
    const name = /^ {2}([\w-]+):\s*$/.exec(line)
    if (name?.[1] && section) {
      entry = { description: '', default: undefined }
      section.set(name[1], entry)
      continue
    }
    const property = /^ {4}(description|default):\s*(.*)$/.exec(line)
    if (property && entry) {
      const key = property[1] as 'description' | 'default'
      const value = property[2] ?? ''
      if (/^[>|][+-]?$/.test(value)) block = { key, lines: [] }
      else entry[key] = unquote(value)
    }
  }
  endBlock()
  return sections
}

function unquote(value: string): string {
  if (value.startsWith("'") && value.endsWith("'")) return value.slice(1, -1).replace(/''/g, "'")
  if (value.startsWith('"') && value.endsWith('"')) return JSON.parse(value) as string
  return value
}

/** Rows of the contract table under `## <heading>`: name and cells. */
function contractTable(markdown: string, heading: string): Map<string, string[]> {
  const rows = new Map<string, string[]>()
  const start = markdown.indexOf(`## ${heading}\n`)
  const end = markdown.indexOf('\n## ', start + 1)
  const section = markdown.slice(start, end === -1 ? undefined : end)
  for (const line of section.split('\n')) {
    const cells = line.split('|').map((cell) => cell.trim())
    const name = /^`([\w-]+)`$/.exec(cells[1] ?? '')?.[1]
    if (name) rows.set(name, cells.slice(2, -1))
  }
  return rows
}

const actionYml = readActionYml(readFileSync(path.join(repoRoot, 'action.yml'), 'utf8'))

/** Inputs whose default is worked out at run time; action.yml says so instead of giving one. */
const COMPUTED_DEFAULTS = ['artifact-name', 'output-dir']

describe('action.yml', () => {
  it('declares exactly the inputs readInputs reads', () => {
    expect([...actionYml.inputs.keys()].sort()).toEqual([...INPUT_NAMES].sort())
  })

  it('describes every input and output', () => {
    for (const [name, entry] of [...actionYml.inputs, ...actionYml.outputs]) {
      expect({ name, described: entry.description.length > 20 }).toEqual({ name, described: true })
    }
  })

  it('gives the same literal defaults that readInputs applies', () => {
    for (const name of INPUT_NAMES) {
      const declared = actionYml.inputs.get(name)?.default || undefined
      const expected = name === 'github-token' ? '${{ github.token }}' : INPUT_DEFAULTS[name]
      expect({ name, default: declared }).toEqual({ name, default: expected })
    }
  })

  it('leaves computed defaults unset and says so', () => {
    for (const name of COMPUTED_DEFAULTS) {
      const entry = actionYml.inputs.get(name)
      expect({ name, default: entry?.default }).toEqual({ name, default: undefined })
      expect(entry?.description).toContain('Default (computed at run time)')
    }
  })

  it('runs on node24 from the bundle', () => {
    const text = readFileSync(path.join(repoRoot, 'action.yml'), 'utf8')
    expect(text).toMatch(/^runs:\n {2}using: node24\n {2}main: dist\/index\.js$/m)
  })
})

function checkAgainstContract(markdown: string): void {
  const contractInputs = contractTable(markdown, 'Inputs')
  const contractOutputs = contractTable(markdown, 'Outputs')

  it('finds the contract tables', () => {
    expect(contractInputs.size).toBeGreaterThan(20)
    expect(contractOutputs.size).toBeGreaterThan(5)
  })

  it.each([...contractInputs.keys()])('declares and describes the input %s', (name) => {
    expect(actionYml.inputs.get(name)?.description).toEqual(expect.stringMatching(/\S/))
    expect(INPUT_NAMES).toContain(name as InputName)
  })

  it.each([...contractOutputs.keys()])('declares and describes the output %s', (name) => {
    expect(actionYml.outputs.get(name)?.description).toEqual(expect.stringMatching(/\S/))
  })

  it("gives each input the contract's literal default", () => {
    for (const [name, cells] of contractInputs) {
      const literal = /^`([^`]*)`$/.exec(cells[1] ?? '')?.[1]
      if (literal === undefined || COMPUTED_DEFAULTS.includes(name)) continue
      expect({ name, default: actionYml.inputs.get(name)?.default }).toEqual({
        name,
        default: literal
      })
    }
  })
}

describe('action.yml against the contract', () => {
  checkAgainstContract(readFileSync(committedContractPath, 'utf8'))
})

describe('the committed copy of the contract', () => {
  const shared = existsSync(sharedContractPath)
  // Where shared/ is beside the clone the copy must be the contract itself, word for word.
  ;(shared ? it : it.skip)(`is ${sharedContractPath}, word for word`, () => {
    expect(readFileSync(committedContractPath, 'utf8')).toBe(
      readFileSync(sharedContractPath, 'utf8')
    )
  })
})
