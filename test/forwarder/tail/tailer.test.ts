import t from 'tap'
import { appendFileSync, readdirSync, readFileSync, renameSync, statSync, truncateSync, unlinkSync, writeFileSync, openSync, writeSync, closeSync } from 'node:fs'
import { join } from 'node:path'
import { scanned, startApp, tmpDir, until } from '../helpers.ts'

// Real files, real rotation, the real tailer and registry; the output is an
// in-memory publisher that acknowledges everything.

const lines = (prefix: string, from: number, to: number): string => {
  let s = ''
  for (let i = from; i < to; i++) s += `${prefix} line ${i}\n`
  return s
}

t.test('events are Filebeat-shaped with exact offsets and deterministic ids', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, Buffer.concat([Buffer.from('first\r\nsecond é\n'), Buffer.from([0xff]), Buffer.from(' partial')]))
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), name: 'web-1', inputs: [{ paths: [join(dir, '*.log')], read_from: 'beginning', fields: { service: 'web' }, tags: ['nginx'] }] })
  await until(() => publisher.events.length === 2, 5000, 'two events')
  const a = publisher.events[0]!
  const b = publisher.events[1]!
  t.match(a, {
    message: 'first',
    log: { offset: 0, file: { path: f } },
    host: { name: 'web-1' },
    agent: { type: 'logyard-forwarder', name: 'web-1' },
    input: { type: 'log' },
    ecs: { version: '8.0.0' },
    fields: { service: 'web' },
    tags: ['nginx'],
    '@metadata': { beat: 'logyard', type: '_doc' },
  })
  t.match(a['@timestamp'], /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/)
  t.equal(b.message, 'second é')
  t.equal(b.log.offset, 7)
  t.match(a['@metadata']._id, /^[0-9a-f]{16}-0$/)
  t.equal(b['@metadata']._id, a['@metadata']._id.replace(/-0$/, '-7'))
  t.match(a.agent.id, /^[0-9a-f-]{36}$/)
  appendFileSync(f, '\n')
  await until(() => publisher.events.length === 3, 5000, 'partial line completed')
  t.equal(publisher.events[2]!.message, '\ufffd partial', 'invalid UTF-8 replaced')
  t.equal(publisher.events[2]!.log.offset, 7 + Buffer.byteLength('second é\n'))
  await app.stop()
  const reg = JSON.parse(readFileSync(join(dir, 'data', 'registry.json'), 'utf8'))
  t.equal(reg.files[0].offset, statSync(f).size, 'registry holds the acknowledged end')
  t.equal(reg.files[0].path, f)
})

t.test('rename rotation: old file read to its end, new one from 0', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('a', 0, 100))
  const { publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => publisher.events.length === 100)
  // The writer still holds the old file open while logrotate renames it.
  const fd = openSync(f, 'a')
  renameSync(f, f + '.1')
  writeSync(fd, lines('a', 100, 150)) // growing while renamed
  closeSync(fd)
  writeFileSync(f, lines('b', 0, 20))
  await until(() => publisher.events.length === 170, 15_000, 'all 170 lines')
  const msgs = publisher.messages()
  t.same(msgs.filter((m) => m.startsWith('a ')), Array.from({ length: 150 }, (_, i) => `a line ${i}`))
  t.same(msgs.filter((m) => m.startsWith('b ')), Array.from({ length: 20 }, (_, i) => `b line ${i}`))
  const b0 = publisher.events.find((e) => e.message === 'b line 0')!
  t.equal(b0.log.offset, 0, 'new file from offset 0')
})

t.test('copytruncate: truncation detected, reading restarts at 0', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('x', 0, 50))
  const { publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => publisher.events.length === 50)
  writeFileSync(f + '.1', readFileSync(f))
  truncateSync(f, 0)
  appendFileSync(f, 'after truncate\n')
  await until(() => publisher.messages().includes('after truncate'), 15_000, 'line after truncation')
  const e = publisher.events.find((x) => x.message === 'after truncate')!
  t.equal(e.log.offset, 0)
  t.equal(publisher.events.length, 51, 'nothing read twice')
})

t.test('delete while shipping: the file is read to its end and closed', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'gone.log')
  writeFileSync(f, lines('d', 0, 3000))
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  unlinkSync(f)
  await until(() => publisher.events.length === 3000, 15_000, 'all lines of the deleted file')
  await until(() => app.tailer!.openFiles === 0, 15_000, 'handle closed')
  t.equal(app.tailer!.knownFiles, 0)
  t.same(publisher.messages().slice(-1), ['d line 2999'])
})

t.test('inode reuse: a new file on a known inode is read from 0', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('old', 0, 10))
  const data = join(dir, 'data')
  {
    const { app, publisher } = await startApp(t, { data_dir: data, inputs: [{ paths: [f], read_from: 'beginning' }] })
    await until(() => publisher.events.length === 10)
    await app.stop()
  }
  const ino = statSync(f).ino
  // Same inode, different content: rewrite in place to simulate the kernel reusing it.
  writeFileSync(f, lines('new', 0, 12))
  t.equal(statSync(f).ino, ino, 'same inode')
  const { publisher } = await startApp(t, { data_dir: data, inputs: [{ paths: [f], read_from: 'end' }] })
  await until(() => publisher.events.length === 12, 10_000, 'new content read from 0')
  t.equal(publisher.events[0]!.message, 'new line 0')
})

t.test('restart resumes at the acknowledged offset', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  const data = join(dir, 'data')
  writeFileSync(f, lines('r', 0, 10))
  {
    const { app, publisher } = await startApp(t, { data_dir: data, inputs: [{ paths: [f], read_from: 'beginning' }] })
    await until(() => publisher.events.length === 10)
    await app.stop()
  }
  appendFileSync(f, lines('r', 10, 15))
  const { publisher } = await startApp(t, { data_dir: data, inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => publisher.events.length === 5)
  // barrier: a line appended now is read after anything re-read from this file
  appendFileSync(f, 'marker\n')
  await until(() => publisher.messages().includes('marker'), 10_000, 'the marker')
  t.same(publisher.messages(), ['r line 10', 'r line 11', 'r line 12', 'r line 13', 'r line 14', 'marker'])
})

t.test('read_from end skips what a file held at the first start; new files are read whole', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'a.log')
  writeFileSync(f, lines('old', 0, 5))
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [join(dir, '*.log')], read_from: 'end', exclude: ['skip*'] }] })
  appendFileSync(f, 'fresh\n')
  writeFileSync(join(dir, 'b.log'), 'b0\n')
  writeFileSync(join(dir, 'skip.log'), 'never\n')
  await until(() => publisher.events.length === 2, 5000, 'fresh + b0')
  // barrier for a.log: a line appended now is read after any old line re-read
  appendFileSync(f, 'marker\n')
  await until(() => publisher.messages().includes('marker'), 10_000, 'the marker')
  // skip.log: a scan begun after it was written has completed and passed it over (an
  // excluded path gets no harvester; a matched one gets it before the scan completes)
  await scanned(app)
  t.notOk([...app.tailer!.harvesters()].some((h) => h.path.endsWith('skip.log')), 'no harvester for the excluded file')
  t.notOk(publisher.messages().includes('never'), 'excluded file never read')
  t.same(publisher.messages().sort(), ['b0', 'fresh', 'marker'])
})

t.test('multiline: a stack trace is one event and the last one is flushed after the timeout', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'java.log')
  writeFileSync(f, '2024-01-01 ERROR x\njava.lang.RuntimeException: y\n\tat A.b(A.java:1)\n2024-01-01 INFO z\n')
  const { publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning', multiline: { pattern: '^\\d{4}-', negate: true, match: 'after', timeout: '300ms' } }] })
  await until(() => publisher.events.length === 2, 5000, 'two events after timeout')
  t.equal(publisher.events[0]!.message, '2024-01-01 ERROR x\njava.lang.RuntimeException: y\n\tat A.b(A.java:1)')
  t.same(publisher.events[0]!.log.flags, ['multiline'])
  t.equal(publisher.events[1]!.message, '2024-01-01 INFO z')
  t.equal(publisher.events[1]!.log.offset, Buffer.byteLength('2024-01-01 ERROR x\njava.lang.RuntimeException: y\n\tat A.b(A.java:1)\n'))
})

t.test('max_line_bytes: long lines cut on bytes and counted', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'long.log')
  writeFileSync(f, 'x'.repeat(100) + '\nshort\n')
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), http: { listen: '127.0.0.1:0' }, inputs: [{ paths: [f], read_from: 'beginning', max_line_bytes: 32 }] })
  await until(() => publisher.events.length === 2)
  t.equal(publisher.events[0]!.message, 'x'.repeat(32))
  t.same(publisher.events[0]!.log.flags, ['truncated'])
  t.equal(publisher.events[1]!.log.offset, 101)
  t.match(app.metrics.render(), /logyard_forwarder_lines_truncated_total 1\n/)
})

t.test('10,000 lines across several rotations: every line delivered once', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'busy.log')
  writeFileSync(f, '')
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [join(dir, 'busy.log*')], read_from: 'beginning' }] })
  let n = 0
  for (let r = 0; r < 5; r++) {
    for (let k = 0; k < 20; k++) {
      appendFileSync(f, lines('z', n, n + 100).replace(/z line/g, 'z'))
      n += 100
      if (k % 5 === 0) await new Promise((res) => setTimeout(res, 5)) // pacing, not synchronisation
    }
    renameSync(f, `${f}.${r}`)
    writeFileSync(f, '')
  }
  await until(() => publisher.events.length >= 10_000, 30_000, '10,000 events')
  // barrier for the live file: a line appended now comes after anything of it read again
  appendFileSync(f, 'z marker\n')
  await until(() => publisher.messages().includes('z marker'), 10_000, 'the marker')
  // The rotated files (at EOF, closed later): a re-read of one would start from a scan that
  // finds it changed (a full one stats the open files) and queues it. After such a scan, a
  // second marker is read only once every file queued before it has had its turn (one ready
  // queue, first in first out); by then a re-read shows in the bytes read or a truncation.
  const truncations = app.stats.truncations
  await scanned(app, { full: true })
  appendFileSync(f, 'z marker2\n')
  await until(() => publisher.messages().includes('z marker2'), 10_000, 'the second marker')
  let onDisk = 0
  for (const name of readdirSync(dir)) if (name.startsWith('busy.log')) onDisk += statSync(join(dir, name)).size
  t.equal(app.stats.bytesRead, onDisk, 'every byte on disk read once')
  t.equal(app.stats.truncations, truncations, 'no truncation seen in the rotated files')
  t.equal(publisher.events.length, 10_002, 'no more events from the rotated files')
  const got = publisher.messages().filter((m) => !m.startsWith('z marker')).map((m) => Number(m.slice(2)))
  t.equal(got.length, 10_000, 'no duplicates')
  t.equal(new Set(got).size, 10_000, 'every line once')
})

t.test('max_open_files caps handles; close_inactive releases idle files and they reopen when they grow', async (t) => {
  const dir = tmpDir(t)
  for (let i = 0; i < 5; i++) writeFileSync(join(dir, `f${i}.log`), lines(`f${i}`, 0, 3))
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), max_open_files: 2, inputs: [{ paths: [join(dir, '*.log')], read_from: 'beginning', close_inactive: '300ms', scan_frequency: '200ms' }] })
  let maxOpen = 0
  const sampler = setInterval(() => (maxOpen = Math.max(maxOpen, app.tailer!.openFiles)), 5)
  t.teardown(() => clearInterval(sampler))
  await until(() => publisher.events.length === 15, 15_000, 'every file read despite the cap')
  t.ok(maxOpen <= 2, `never more than 2 open (max seen ${maxOpen})`)
  await until(() => app.tailer!.openFiles === 0, 5000, 'idle files closed')
  appendFileSync(join(dir, 'f3.log'), 'again\n')
  await until(() => publisher.messages().includes('again'), 5000, 'reopened on growth')
  const again = publisher.events.find((e) => e.message === 'again')!
  t.equal(again.log.offset, Buffer.byteLength(lines('f3', 0, 3)), 'continues at the old offset')
  t.equal(publisher.events.length, 16, 'nothing re-read')
})

t.test('** globs: a file created later in a new subdirectory is found by file-system events alone', async (t) => {
  const dir = tmpDir(t)
  const { mkdirSync } = await import('node:fs')
  mkdirSync(join(dir, 'srv', 'a', 'log'), { recursive: true })
  writeFileSync(join(dir, 'srv', 'a', 'log', 'production.log'), 'a0\n')
  writeFileSync(join(dir, 'srv', 'a', 'log', 'old.log.gz'), 'zipped\n')
  // The periodic rescan is an hour away: only the watcher can find the new file.
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [join(dir, 'srv', '**', '*.log*')], exclude: ['*.gz'], read_from: 'beginning', scan_frequency: '1h' }] })
  await until(() => publisher.events.length === 1, 5000, 'existing file')
  mkdirSync(join(dir, 'srv', 'b', 'deep', 'log'), { recursive: true })
  writeFileSync(join(dir, 'srv', 'b', 'deep', 'log', 'production.log'), 'b0\n')
  writeFileSync(join(dir, 'srv', 'b', 'deep', 'log', 'skip.gz'), 'never\n')
  await until(() => publisher.events.length === 2, 10_000, 'new nested file via events')
  // skip.gz: the watcher drops it with the same exclude test the scan uses; a scan begun
  // now (the periodic one is an hour away) has looked at it once it completes
  await scanned(app)
  t.notOk([...app.tailer!.harvesters()].some((h) => h.path.endsWith('.gz')), 'no harvester for an excluded file')
  t.same(publisher.messages().sort(), ['a0', 'b0'], 'excluded files never read')
})

t.test('ignore_older skips files not modified for that long; clean_removed forgets deleted files in the registry', async (t) => {
  const dir = tmpDir(t)
  const { utimesSync } = await import('node:fs')
  const old = join(dir, 'old.log')
  writeFileSync(old, 'stale\n')
  const twoDaysAgo = (Date.now() - 2 * 86_400_000) / 1000
  utimesSync(old, twoDaysAgo, twoDaysAgo)
  const fresh = join(dir, 'fresh.log')
  writeFileSync(fresh, 'fresh\n')
  const data = join(dir, 'data')
  const { app, publisher } = await startApp(t, { data_dir: data, registry_flush: '100ms', inputs: [{ paths: [join(dir, '*.log')], read_from: 'beginning', ignore_older: '1h', scan_frequency: '200ms' }] })
  await until(() => publisher.events.length === 1, 5000, 'fresh file')
  // rescans pass the stale file over: two completed ones (counted) after the fresh file was read
  const scans = app.tailer!.scans
  await until(() => app.tailer!.scans >= scans + 2, 10_000, 'two more rescans')
  t.equal(app.tailer!.knownFiles, 1, 'no harvester for the stale file')
  t.same(publisher.messages(), ['fresh'])
  await until(() => JSON.parse(readFileSync(join(data, 'registry.json'), 'utf8')).files.length === 1, 5000, 'registry has the fresh file')
  unlinkSync(fresh)
  await until(() => JSON.parse(readFileSync(join(data, 'registry.json'), 'utf8')).files.length === 0, 5000, 'entry of the deleted file removed')
  t.equal(app.tailer!.knownFiles, 0)
})

t.test('scans are observable: Tailer.scans, nextScan() and logyard_forwarder_scans_total', async (t) => {
  const dir = tmpDir(t)
  writeFileSync(join(dir, 'a.log'), 'a\n')
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [join(dir, '*.log')], read_from: 'beginning', scan_frequency: '200ms' }] })
  await until(() => publisher.events.length === 1, 5000, 'a.log')
  const tailer = app.tailer!
  t.ok(tailer.scans >= 2, `the scans at start counted (${tailer.scans})`)
  const before = tailer.scans
  await tailer.nextScan() // the periodic rescan, begun after the call
  t.ok(tailer.scans > before, 'nextScan() resolves once a scan has completed')
  await tailer.nextScan({ full: true }) // while the watcher runs, every 6th periodic scan is full
  const rendered = Number(/^logyard_forwarder_scans_total (\d+)$/m.exec(app.metrics.render())?.[1])
  t.ok(rendered >= before + 2 && rendered === tailer.scans, `the counter in /metrics (${rendered})`)
  const pending = t.rejects(tailer.nextScan(), /tailer stopped/, 'a wait still pending when the tailer stops is rejected, not left hanging')
  await app.stop()
  await pending
})
