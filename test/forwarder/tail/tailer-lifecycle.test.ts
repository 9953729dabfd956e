import t from 'tap'
import { appendFileSync, renameSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import type { TrackedFs } from '../../../forwarder/tail/fs-ops.ts'
import type { Harvester } from '../../../forwarder/tail/harvester.ts'
import { startApp, tmpDir, until } from '../helpers.ts'

// The harvester the pump is reading is changed by the pump alone
// (forwarder/tail/harvester.ts: its state changes only by the tailer's
// transitions). Two races where another part of the tailer changed it under
// a file-system call the pump was waiting for: the close_inactive tick
// closing it during its fstat at EOF (the read then went to a closed handle),
// and a rescan forgetting it during its reopen (the handle opened then was
// never closed, and max_open_files lost a slot for good). Each call is held
// with a gate on the tailer's file-system wrapper.

/** Holds `op` calls on `path` until release() (an open is made first, its result held), and at teardown. */
function gate(t: { teardown(fn: () => void): void }, fs: TrackedFs, op: 'fstat' | 'open', path: string, onHold: () => void = () => {}): { hit: () => boolean; release: () => void } {
  let hit = false
  let release!: () => void
  const released = new Promise<void>((r) => (release = r))
  t.teardown(() => release()) // before the app stops: its pump may be waiting here
  if (op === 'fstat') {
    const orig = fs.fstat.bind(fs)
    fs.fstat = async (fd, p) => {
      if (p !== path) return orig(fd, p)
      hit = true
      onHold()
      await fs.track('fstat', p, released) // outstanding, as a hung call is (stalled())
      return orig(fd, p)
    }
  } else {
    const orig = fs.open.bind(fs)
    fs.open = async (p) => {
      if (p !== path) return orig(p)
      // Opened before hit() turns true: the test renames the file next, and on
      // a loaded machine the threadpool could otherwise run the open after it.
      const r = await orig(p)
      hit = true
      await fs.track('open', p, released)
      return r
    }
  }
  return { hit: () => hit, release }
}

const harvesterOf = (hs: Iterable<Harvester>, path: string): Harvester | undefined => [...hs].find((h) => h.path === path)

t.test('close_inactive does not close the file whose EOF check is in progress', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, 'one\n')
  // No watcher and no rescans: the only look at the file is the EOF poll (1 s), whose fstat is held.
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), read_stall_timeout: '1500ms', inputs: [{ paths: [f], read_from: 'beginning', close_inactive: '1500ms', scan_frequency: '1h' }] }, undefined, false)
  const tailer = app.tailer!
  await until(() => publisher.messages().includes('one'), 10_000, 'the first line')
  const h = harvesterOf(tailer.harvesters(), f)!
  // The fstat of the next look at EOF is held. No poll falls due meanwhile (its time
  // is set when the look ends; a poll would queue the file, and a queued file is not
  // closed): so the tick finds it idle, at EOF and not queued, as it does when the
  // idle time crosses close_inactive during a look slower than a tick.
  const g = gate(t, tailer.fs, 'fstat', f, () => (h.poll.next = Infinity))
  await until(() => g.hit(), 10_000, 'an fstat at EOF')
  // A stall is noticed by the tick (before it looks at the files) once the fstat is 1.5 s old:
  // by then the file has also had no new data for close_inactive.
  await until(() => app.stats.stalls >= 1, 10_000, 'the held fstat reported as a stall')
  t.equal(h.state, 'eof', 'still open: the tick left the file being checked alone')
  t.notOk(h.poll.queued, 'and not queued: only the guard kept it open')
  appendFileSync(f, 'two\n')
  g.release()
  await until(() => publisher.messages().includes('two'), 10_000, 'the line written during the check')
  t.same(publisher.messages(), ['one', 'two'])
  t.equal(app.stats.errors.get('LY_IO'), undefined, 'no read error')
})

t.test('a rescan does not forget the file being reopened; its handle is closed and counted', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, 'one\n')
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [join(dir, '*.log')], read_from: 'beginning', close_inactive: '200ms', scan_frequency: '100ms' }] }, undefined, false)
  const tailer = app.tailer!
  await until(() => publisher.messages().includes('one'), 10_000, 'the first line')
  await until(() => harvesterOf(tailer.harvesters(), f)?.state === 'closed', 10_000, 'closed by close_inactive')
  t.equal(tailer.openFiles, 0)
  const g = gate(t, tailer.fs, 'open', f)
  appendFileSync(f, 'two\n') // the next rescan sees it grew and reopens it
  await until(() => g.hit(), 10_000, 'the reopen')
  const h = harvesterOf(tailer.harvesters(), f)!
  renameSync(f, join(dir, 'app.log.1')) // no longer matched by *.log
  await until(() => h.removed, 10_000, 'a rescan missing the file')
  g.release()
  await until(() => publisher.messages().includes('two'), 10_000, 'the line written before the rename')
  await until(() => tailer.knownFiles === 0 && tailer.openFiles === 0, 10_000, 'the file forgotten and its handle closed')
  t.equal(h.state, 'forgotten')
  t.same(publisher.messages(), ['one', 'two'])
  t.equal(app.stats.errors.get('LY_IO'), undefined, 'no error')
})
