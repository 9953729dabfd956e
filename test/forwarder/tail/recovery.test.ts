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
  await startApp(t, { data_dir: join(dir, 'data'), registry_flush: '1h', inputs: [{ paths: [f], read_from: 'beginning' }] }, publisher)
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
  await until(() => onDisk().some((e) => e.key === key), 10_000, 'the new file in registry.json')
  t.equal(onDisk().find((e) => e.key === key)!.offset, 0, 'at offset 0: nothing acknowledged yet')
  t.equal(publisher.events.length, 0, 'no acknowledgement happened')
})
