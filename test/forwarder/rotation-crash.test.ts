import t from 'tap'
import { appendFileSync, existsSync, readFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from './helpers.ts'
import { Receiver, lines, spawnForwarder, until, writeConfig } from './process-helpers.ts'

// Issue 13: a file renamed to a name `paths` does not match (app.log →
// app.log.1) with lines not yet acknowledged, then kill -9. After the restart
// the registry's unfinished inode is found in its old directory and read to
// its end, then forgotten.

function registry(dir: string): { key: string; path: string; offset: number }[] {
  for (const f of ['registry.json.new', 'registry.json']) {
    try {
      return JSON.parse(readFileSync(join(dir, 'data', f), 'utf8')).files
    } catch {
      /* next */
    }
  }
  return []
}

t.test('kill -9 after a rename rotation with unacknowledged lines: the rotated file is finished after restart', async (t) => {
  const dir = tmpDir(t)
  const rx = new Receiver(true)
  await rx.start(0)
  t.teardown(() => rx.stop())
  const f = join(dir, 'app.log')
  writeFileSync(f, '')
  // As configs/forwarder.yml: the rotated names are not matched; read_from at its default (end).
  const cfg = writeConfig(dir, {
    data_dir: join(dir, 'data'),
    inputs: [{ paths: [join(dir, '*.log')], exclude: ['*.gz'] }],
    output: rx.output({ batch_size: 50 }),
    registry_flush: '100ms',
    batch_linger: '20ms',
  })
  const first = spawnForwarder(['--config', cfg])
  t.teardown(() => first.child.kill('SIGKILL'))
  await until(() => first.logs().some((l) => l.msg === 'forwarder started'), 30_000, 'first start')
  appendFileSync(f, lines('a', 0, 100))
  await until(() => registry(dir).some((e) => e.offset === Buffer.byteLength(lines('a', 0, 100))), 30_000, 'first 100 lines acknowledged and in the registry')
  // From here nothing is acknowledged.
  let release!: () => void
  rx.hold = new Promise<void>((r) => (release = r))
  appendFileSync(f, lines('a', 100, 300))
  await until(() => rx.events.some((e) => e.message === 'a 100'), 30_000, 'unacknowledged lines sent')
  renameSync(f, f + '.1')
  appendFileSync(f, lines('b', 0, 50))
  first.child.kill('SIGKILL')
  await first.exited
  rx.hold = undefined
  release()
  const mark = rx.events.length
  const second = spawnForwarder(['--config', cfg])
  t.teardown(() => second.child.kill('SIGKILL'))
  const after = (): Set<string> => new Set(rx.events.slice(mark).map((e) => e.message))
  await until(() => {
    const s = after()
    for (let i = 100; i < 300; i++) if (!s.has(`a ${i}`)) return false
    for (let i = 0; i < 50; i++) if (!s.has(`b ${i}`)) return false
    return true
  }, 60_000, 'the rotated file finished and the new file read after the restart')
  t.pass('every unacknowledged line of app.log.1 and every line of the new app.log delivered after the restart')
  const a150 = rx.events.filter((e) => e.message === 'a 150')
  t.equal(new Set(a150.map((e) => e.id)).size, 1, 'a replayed line keeps its id')
  t.ok(rx.events.slice(mark).every((e) => !/^a (\d|[1-9]\d)$/.test(e.message)), 'acknowledged lines are not read again')
  await until(() => second.logs().some((l) => l.msg === 'rotated file finished after restart; forgetting it'), 30_000, 'rotated file forgotten')
  second.child.kill('SIGTERM')
  t.equal(await second.exited, 0)
  const reg = registry(dir)
  t.equal(reg.length, 1, 'only the new app.log is left in the registry')
  t.equal(reg[0]!.path, f)
  t.ok(existsSync(f + '.1'), 'the rotated file itself is left alone')
})
