import t, { type Test } from 'tap'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { writeFileAtomic } from '../../../core/fs/atomic-write.ts'

function dir(t: Test): string {
  const d = mkdtempSync(join(tmpdir(), 'logyard-atomic-'))
  t.teardown(() => rmSync(d, { recursive: true, force: true }))
  return d
}

t.test('writes a new file (mode 0640 by default) and replaces an existing one whole; no temporary file is left', async (t) => {
  const d = dir(t)
  const file = join(d, 'state.json')
  await writeFileAtomic(file, '{"a":1}\n')
  t.equal(readFileSync(file, 'utf8'), '{"a":1}\n')
  t.equal(statSync(file).mode & 0o777, 0o640 & ~process.umask())
  await writeFileAtomic(file, Buffer.from('{"a":2}\n'))
  t.equal(readFileSync(file, 'utf8'), '{"a":2}\n')
  t.same(readdirSync(d), ['state.json'])
})

t.test('the temporary file and the mode can be chosen', async (t) => {
  const d = dir(t)
  const file = join(d, 'agent.json')
  await writeFileAtomic(file, 'x', { tmp: join(d, '.agent.tmp'), mode: 0o600 })
  t.equal(readFileSync(file, 'utf8'), 'x')
  t.equal(statSync(file).mode & 0o777, 0o600 & ~process.umask())
  t.notOk(existsSync(join(d, '.agent.tmp')))
})

t.test('a failed rename throws the fs error, keeps what was there and removes the temporary file', async (t) => {
  const d = dir(t)
  const target = join(d, 'busy')
  mkdirSync(target) // a non-empty directory: rename(2) over it fails
  writeFileSync(join(target, 'keep'), 'old')
  await t.rejects(writeFileAtomic(target, 'new'), { code: /^(EISDIR|ENOTEMPTY|EEXIST)$/ })
  t.equal(readFileSync(join(target, 'keep'), 'utf8'), 'old', 'the old content is untouched')
  t.notOk(existsSync(`${target}.new`), 'the temporary file is removed')
})

t.test('a missing directory throws ENOENT and writes nothing', async (t) => {
  const d = dir(t)
  await t.rejects(writeFileAtomic(join(d, 'nope', 'state.json'), 'x'), { code: 'ENOENT' })
  t.same(readdirSync(d), [])
})
