import t from 'tap'
import { spawnSync } from 'node:child_process'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { readmeWithReference } from '../../scripts/config-reference.ts'

// The README's configuration reference is generated from the option tables
// (scripts/config-reference.ts). A table changed without regenerating it fails here.

const root = join(import.meta.dirname, '..', '..')

t.test('the README configuration reference matches the option tables', async (t) => {
  const readme = readFileSync(join(root, 'README.md'), 'utf8')
  t.equal(readmeWithReference(readme), readme, 'run `node scripts/config-reference.ts` to regenerate it')
  t.notMatch(readme, new RegExp(root.replace(/[.*+?^${}()|[\]\\]/g, '\\$&') + '/patterns'), 'no machine-specific default (patterns_dir reads <install dir>/patterns)')
})

t.test('scripts/config-reference.ts --check exits 0 on the committed README', async (t) => {
  const r = spawnSync(process.execPath, [join(root, 'scripts', 'config-reference.ts'), '--check'], { cwd: root, encoding: 'utf8' })
  t.equal(r.status, 0, r.stderr)
})
