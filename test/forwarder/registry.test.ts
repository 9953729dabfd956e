import t from 'tap'
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { silentLogger } from '../../core/logger.ts'
import { Registry } from '../../forwarder/registry.ts'
import { tmpDir } from './helpers.ts'
import { pino } from 'pino'

const entry = (key: string, offset: number) => ({ key, id: 'abcdef0123456789', path: `/var/log/${key}.log`, offset, fingerprint: { length: 10, sha1: 'x'.repeat(40) }, updated: new Date().toISOString() })

t.test('round trip: human-readable JSON keyed by identity, with paths', async (t) => {
  const dir = tmpDir(t)
  const r = new Registry(dir, silentLogger())
  r.load()
  t.equal(r.loadedFrom, 'empty')
  r.set(entry('1:2', 100))
  t.equal(r.dirty, true)
  t.equal(await r.flush(), true)
  t.equal(r.dirty, false)
  t.equal(r.writes, 1)
  t.equal(await r.flush(), true)
  t.equal(r.writes, 1, 'a clean registry is not rewritten')
  const text = readFileSync(join(dir, 'registry.json'), 'utf8')
  t.match(text, /\n "files": \[/, 'indented')
  t.match(JSON.parse(text), { version: 1, files: [{ key: '1:2', offset: 100, path: '/var/log/1:2.log' }] })
  t.notOk(existsSync(join(dir, 'registry.json.new')), 'no temp file left')
  r.update('1:2', 150, '/var/log/renamed.log', { length: 10, sha1: 'x'.repeat(40) })
  await r.flush()
  const again = new Registry(dir, silentLogger())
  again.load()
  t.equal(again.loadedFrom, 'loaded')
  t.match(again.get('1:2'), { offset: 150, path: '/var/log/renamed.log' })
})

t.test('a crash between fsync and rename: the complete .new copy is used', async (t) => {
  const dir = tmpDir(t)
  writeFileSync(join(dir, 'registry.json'), JSON.stringify({ version: 1, written: '', files: [entry('1:2', 10)] }))
  writeFileSync(join(dir, 'registry.json.new'), JSON.stringify({ version: 1, written: '', files: [entry('1:2', 20)] }))
  const r = new Registry(dir, silentLogger())
  r.load()
  t.equal(r.loadedFrom, 'recovered-tmp')
  t.equal(r.get('1:2')?.offset, 20)
  t.notOk(existsSync(join(dir, 'registry.json.new')))
})

t.test('a torn .new copy (crash during the write) is ignored', async (t) => {
  const dir = tmpDir(t)
  writeFileSync(join(dir, 'registry.json'), JSON.stringify({ version: 1, written: '', files: [entry('1:2', 10)] }))
  writeFileSync(join(dir, 'registry.json.new'), '{"version":1,"files":[{"key":"1:2","off')
  const r = new Registry(dir, silentLogger())
  r.load()
  t.equal(r.loadedFrom, 'loaded')
  t.equal(r.get('1:2')?.offset, 10)
})

t.test('corrupt registry: renamed aside, logged with LY_CHECKPOINT, empty start', async (t) => {
  const dir = tmpDir(t)
  writeFileSync(join(dir, 'registry.json'), 'not json at all')
  const lines: any[] = []
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) })
  const r = new Registry(dir, logger)
  r.load()
  t.equal(r.loadedFrom, 'corrupt')
  t.equal(r.size, 0)
  t.ok(readdirSync(dir).some((n) => n.startsWith('registry.json.corrupt-')))
  t.equal(lines[0].code, 'LY_CHECKPOINT')
  // Entries that parse but are nonsense count as corrupt too.
  writeFileSync(join(dir, 'registry.json'), JSON.stringify({ version: 1, files: [{ key: '1:2', offset: -5 }] }))
  const r2 = new Registry(dir, logger)
  r2.load()
  t.equal(r2.loadedFrom, 'corrupt')
})

t.test('an unwritable data_dir: flush returns false, counts, logs, keeps the state dirty', async (t) => {
  const dir = tmpDir(t)
  const lines: any[] = []
  const logger = pino({ level: 'info' }, { write: (s: string) => lines.push(JSON.parse(s)) })
  const r = new Registry(join(dir, 'data'), logger)
  r.load()
  r.set(entry('1:2', 1))
  // Replace the directory by a file: every write now fails with ENOTDIR.
  const { rmSync } = await import('node:fs')
  rmSync(join(dir, 'data'), { recursive: true })
  writeFileSync(join(dir, 'data'), '')
  t.equal(await r.flush(), false)
  t.equal(r.failures, 1)
  t.equal(r.dirty, true)
  t.equal(lines.at(-1).code, 'LY_CHECKPOINT')
  t.equal(await r.flushAsync(), false, 'the periodic (async) write fails the same way')
  t.equal(r.failures, 2)
  t.equal(r.dirty, true, 'still dirty: retried next time')
})

t.test('flushAsync writes in the background, one at a time', async (t) => {
  const dir = tmpDir(t)
  const r = new Registry(dir, silentLogger())
  r.load()
  r.set(entry('1:2', 5))
  const a = r.flushAsync()
  r.update('1:2', 9, '/var/log/x.log', { length: 10, sha1: 'x'.repeat(40) })
  t.equal(r.flushAsync(), a, 'a write in progress is shared')
  t.equal(await a, true)
  t.equal(r.dirty, true, 'the change made during the write is still pending')
  t.equal(await r.flushAsync(), true)
  t.equal(JSON.parse(readFileSync(join(dir, 'registry.json'), 'utf8')).files[0].offset, 9)
  t.equal(r.writes, 2)
})

t.test('flush() during a background write waits for it, then writes the newer state', async (t) => {
  const dir = tmpDir(t)
  const r = new Registry(dir, silentLogger())
  r.load()
  r.set(entry('1:2', 5))
  const background = r.flushAsync()
  r.update('1:2', 9, '/var/log/x.log', { length: 10, sha1: 'x'.repeat(40) })
  const now = r.flush()
  t.equal(await now, true)
  t.equal(await background, true)
  t.equal(r.writes, 2, 'two writes, one after the other')
  t.equal(r.dirty, false)
  t.equal(JSON.parse(readFileSync(join(dir, 'registry.json'), 'utf8')).files[0].offset, 9, 'the state as of the flush() call is on disk')
  t.notOk(existsSync(join(dir, 'registry.json.new')), 'no temp file left')
})
