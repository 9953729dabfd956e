import t from 'tap'
import { appendFileSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { MemoryPublisher, startApp, tmpDir, until } from '../helpers.ts'

// A new file is in the registry on disk as soon as it is discovered, before
// any of its lines is acknowledged: a restart after it was rotated away can
// still find it by its inode (tailer #recoverRotated).

t.test('a discovered file is written to the registry before any acknowledgement', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, '')
  const publisher = new MemoryPublisher()
  publisher.down()
  // A rescan every 500 ms finds the new file even when the watcher misses its creation right after the rename.
  await startApp(t, { data_dir: join(dir, 'data'), registry_flush: '1h', inputs: [{ paths: [f], read_from: 'beginning', scan_frequency: '500ms' }] }, publisher)
  t.teardown(() => publisher.up())
  const f2 = join(dir, 'app.log.1')
  renameSync(f, f2)
  writeFileSync(f, '')
  appendFileSync(f, 'one\ntwo\n')
  const key = `${statSync(f).dev}:${statSync(f).ino}`
  const onDisk = (): { key: string; offset: number }[] => {
    try {
      return JSON.parse(readFileSync(join(dir, 'data', 'registry.json'), 'utf8')).files
    } catch {
      return []
    }
  }
  await until(() => onDisk().some((e) => e.key === key), 20_000, 'the new file in registry.json')
  t.equal(onDisk().find((e) => e.key === key)!.offset, 0, 'at offset 0: nothing acknowledged yet')
  t.equal(publisher.events.length, 0, 'no acknowledgement happened')
})

const lines = (prefix: string, n: number): string => Array.from({ length: n }, (_, i) => `${prefix} ${i}\n`).join('')

t.test('files created and renamed away before the forwarder saw them are found by birth time and read whole', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('a', 50))
  // No file-system events: the forwarder only looks at each rescan.
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning', scan_frequency: '300ms' }] }, new MemoryPublisher(), false)
  await until(() => publisher.events.length === 50, 10_000, 'a lines')
  renameSync(f, f + '.1')
  writeFileSync(f, lines('b', 40))
  renameSync(f, f + '.2')
  writeFileSync(f, lines('c', 30))
  renameSync(f, f + '.3')
  writeFileSync(f, lines('d', 20))
  await until(() => publisher.events.length >= 140, 15_000, 'b, c and d lines')
  const got = publisher.messages()
  for (const [p, n] of [['a', 50], ['b', 40], ['c', 30], ['d', 20]] as const) {
    t.equal(got.filter((m) => m.startsWith(`${p} `)).length, n, `${n} ${p} lines, each once`)
  }
  t.ok(app.stats.recovered >= 2, 'the two unseen files were adopted')
  // The adopted files are forgotten once finished; the renamed one we did see stays until close_inactive.
  await until(() => app.tailer!.knownFiles === 2, 10_000, 'adopted files forgotten once finished')
})

t.test('files created and rotated away while the forwarder was stopped are read after the restart', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('a', 50))
  const first = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => first.publisher.events.length === 50, 10_000, 'a lines')
  await first.app.stop()
  renameSync(f, f + '.1')
  writeFileSync(f, lines('b', 40))
  renameSync(f, f + '.2')
  writeFileSync(f, lines('c', 30))
  const second = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => second.publisher.events.length >= 70, 15_000, 'b and c lines')
  const got = second.publisher.messages()
  t.equal(got.filter((m) => m.startsWith('b ')).length, 40, 'the file born and rotated while stopped')
  t.equal(got.filter((m) => m.startsWith('c ')).length, 30)
  t.equal(got.filter((m) => m.startsWith('a ')).length, 0, 'the acknowledged file is not read again')
})
