import t from 'tap'
import { openSync, closeSync, writeFileSync, appendFileSync } from 'node:fs'
import { join } from 'node:path'
import { FINGERPRINT_BYTES, fileId, fingerprintOf, readHead, sameStart } from '../../../forwarder/tail/fingerprint.ts'
import { tmpDir } from '../helpers.ts'

t.test('a short file is fingerprinted over what it has and still matches as it grows', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'a.log')
  writeFileSync(f, 'hello\n')
  let fd = openSync(f, 'r')
  const fp = fingerprintOf(await readHead(fd))
  closeSync(fd)
  t.equal(fp.length, 6)
  appendFileSync(f, 'x'.repeat(5000))
  fd = openSync(f, 'r')
  const head = await readHead(fd)
  closeSync(fd)
  t.equal(head.length, FINGERPRINT_BYTES)
  t.ok(sameStart(fp, head), 'prefix still matches')
  t.notOk(sameStart(fp, Buffer.from('jello\nxxxx')), 'different first bytes')
  t.notOk(sameStart(fingerprintOf(head), Buffer.from('hello\n')), 'shorter than the fingerprint: not the same file')
})

t.test('file ids are stable for the same identity and differ for a reused inode', async (t) => {
  const a = fileId('1:2', 1000, Buffer.from('first file'))
  t.equal(a, fileId('1:2', 1000, Buffer.from('first file')))
  t.match(a, /^[0-9a-f]{16}$/)
  t.not(a, fileId('1:2', 2000, Buffer.from('second file')))
})
