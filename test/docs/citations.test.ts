import t from 'tap'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { join, relative } from 'node:path'

// Comments cite what the code relies on as `docs/<file>.md §N`. Every such
// citation must name a file of the repository and a numbered section of it
// (`## N.`), and no comment may cite the design notes outside the repository.

const root = join(import.meta.dirname, '..', '..')
const SOURCE_DIRS = ['core', 'forwarder', 'aggregator', 'bench', 'faults', 'demo', 'scripts', 'bin']
const CITE = /docs\/([\w/.-]+?\.md)(?: §(\d+))?/g

function sources(dir: string): string[] {
  const out: string[] = []
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = join(dir, e.name)
    if (e.isDirectory()) out.push(...sources(p))
    else if (/\.(ts|js)$/.test(e.name)) out.push(p)
  }
  return out
}

const files = SOURCE_DIRS.filter((d) => existsSync(join(root, d))).flatMap((d) => sources(join(root, d)))

t.test('every docs/ citation names a file and a section that exist', async (t) => {
  let cited = 0
  const sections = new Map<string, Set<string>>()
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    for (const m of text.matchAll(CITE)) {
      cited++
      const doc = join(root, 'docs', m[1]!)
      const where = `${relative(root, file)} cites docs/${m[1]}${m[2] ? ` §${m[2]}` : ''}`
      if (!existsSync(doc)) {
        t.fail(`${where}: no such file`)
        continue
      }
      if (m[2] === undefined) continue
      let have = sections.get(doc)
      if (!have) {
        have = new Set([...readFileSync(doc, 'utf8').matchAll(/^## (\d+)\./gm)].map((h) => h[1]!))
        sections.set(doc, have)
      }
      t.ok(have.has(m[2]), `${where}: section exists`)
    }
  }
  t.ok(cited >= 10, `the sources cite docs/ (${cited} citations)`)
})

t.test('no comment cites notes outside the repository', async (t) => {
  for (const file of files) {
    const text = readFileSync(file, 'utf8')
    t.notMatch(text, /\.\.\/shared\/|\b(?:protocols|style|design)\.md §/, relative(root, file))
  }
})
