import { test } from 'tap'
import { mkdtempSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createHash } from 'node:crypto'
import { AuthFile, parseAuthFile } from '../../../../aggregator/inputs/collectd/auth-file.ts'

test("collectd's AuthFile rules (not Logstash's)", async (t) => {
  const m = parseAuthFile('alice:secret\nbob: hunter2\n  # comment\ncarol:\ndave\n  erin :\tx y\n\n')
  t.same([...m.keys()].sort(), ['alice', 'bob', 'erin '], 'no-space form accepted, user keeps trailing space, empty password and no colon ignored')
  t.equal(m.get('alice')?.password.toString(), 'secret')
  t.equal(m.get('bob')?.password.toString(), 'hunter2')
  t.equal(m.get('erin ')?.password.toString(), 'x y')
  t.same(m.get('alice')?.aesKey, createHash('sha256').update('secret').digest())
})

test('AuthFile re-reads the file when its mtime changes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'authfile-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const file = join(dir, 'passwd')
  writeFileSync(file, 'alice: one\n')
  const auth = new AuthFile(file, 0)
  t.equal(auth.lookup('alice')?.password.toString(), 'one')
  writeFileSync(file, 'alice: two\nbob: three\n')
  const later = new Date(Date.now() + 5000)
  utimesSync(file, later, later)
  t.equal(auth.lookup('alice')?.password.toString(), 'two')
  t.equal(auth.lookup('bob')?.password.toString(), 'three')
  t.throws(() => new AuthFile(join(dir, 'nope')), { code: 'LY_CONFIG' })
})
