import t from 'tap'
import { appendFileSync, mkdirSync, symlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { pino } from 'pino'
import { ForwarderApp } from '../../../forwarder/app.ts'
import { PathMatcher } from '../../../forwarder/tail/scanner.ts'
import { MemoryPublisher, config, scanned, tmpDir, until } from '../helpers.ts'

// Issue 14 item 11: a symbolic link put in a watched directory must not ship
// what it points to unless follow_symlinks allows it; with it, a link and its
// target share one harvester and targets outside the allowed directories are
// refused; a directory loop (`up -> ..`) with `**` ends the scan quickly.

type Line = Record<string, any>

async function start(t: { teardown(fn: () => unknown): void }, raw: Record<string, unknown>): Promise<{ app: ForwarderApp; publisher: MemoryPublisher; logs: Line[] }> {
  const logs: Line[] = []
  const logger = pino({ level: 'info' }, { write: (s: string) => void logs.push(JSON.parse(s)) })
  const publisher = new MemoryPublisher()
  const app = new ForwarderApp({ config: config(raw), logger, publisher: () => publisher })
  await app.start()
  t.teardown(() => app.stop())
  return { app, publisher, logs }
}

const metric = (app: ForwarderApp, name: string, reason: string): number => {
  const m = new RegExp(`^logyard_${name}\\{reason="${reason}"\\} (\\d+)$`, 'm').exec(app.metrics.render())
  if (!m) throw new Error(`metric ${name}{reason="${reason}"} not rendered`)
  return Number(m[1])
}

const lines = (prefix: string, n: number): string => Array.from({ length: n }, (_, i) => `${prefix} ${i}\n`).join('')

t.test('follow_symlinks off (default): links to files and directories outside are not read, logged once, counted', async (t) => {
  const dir = tmpDir(t)
  const logs = join(dir, 'logs')
  const outside = join(dir, 'outside')
  mkdirSync(logs)
  mkdirSync(join(outside, 'deep'), { recursive: true })
  writeFileSync(join(outside, 'shadow'), 'SECRET root:$6$hash\n')
  writeFileSync(join(outside, 'deep', 'x.log'), 'SECRET in a linked directory\n')
  writeFileSync(join(logs, 'app.log'), lines('app', 10))
  symlinkSync(join(outside, 'shadow'), join(logs, 'evil.log'))
  symlinkSync(outside, join(logs, 'sub')) // a linked directory, entered by `**` if links were followed
  const { app, publisher, logs: out } = await start(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [join(logs, '**', '*.log')], read_from: 'beginning' }] })
  await until(() => publisher.events.length >= 10, 10_000, 'app.log shipped')
  // A link created while running arrives through the file watcher.
  symlinkSync(join(outside, 'shadow'), join(logs, 'late.log'))
  await until(() => metric(app, 'forwarder_files_skipped_total', 'symlink') >= 3, 15_000, 'three links skipped')
  // A file appearing inside the linked directory: neither the watcher nor the scan enters it.
  writeFileSync(join(outside, 'deep', 'new.log'), 'SECRET appeared later\n')
  // Later scans meet the same links again: still counted and logged once each.
  await scanned(app)
  await scanned(app)
  appendFileSync(join(logs, 'app.log'), 'app after\n')
  await until(() => publisher.messages().includes('app after'), 10_000, 'shipping goes on')
  t.notOk(publisher.messages().some((m) => m.includes('SECRET')), 'nothing from a link target reached the output')
  t.same([...app.tailer!.harvesters()].map((h) => h.path), [join(logs, 'app.log')], 'one harvester: app.log')
  t.equal(metric(app, 'forwarder_files_skipped_total', 'symlink'), 3, 'evil.log, sub/ and late.log counted once each')
  const skipped = out.filter((l) => l.code === 'LY_IO' && l.reason === 'symlink')
  t.same(skipped.map((l) => l.path).sort(), [join(logs, 'evil.log'), join(logs, 'late.log'), join(logs, 'sub')], 'one coded line per link')
  for (const l of skipped) t.match(l.msg, /symbolic link.*follow_symlinks is off/)
  t.equal(publisher.events.length, 11, 'app.log lines, each once')
})

t.test('follow_symlinks on: a link inside the allowed directories is read once, by its target identity; outside targets and devices are refused', async (t) => {
  const dir = tmpDir(t)
  const logs = join(dir, 'logs')
  const extra = join(dir, 'extra')
  const outside = join(dir, 'outside')
  for (const d of [join(logs, 'archive'), extra, outside]) mkdirSync(d, { recursive: true })
  writeFileSync(join(logs, 'app.log'), lines('app', 5))
  writeFileSync(join(logs, 'archive', 'target.txt'), lines('inside', 4)) // not matched by *.log itself
  writeFileSync(join(extra, 'allowed.txt'), lines('extra', 3))
  writeFileSync(join(outside, 'shadow'), 'SECRET\n')
  symlinkSync(join(logs, 'archive', 'target.txt'), join(logs, 't.log'))
  symlinkSync(join(logs, 'app.log'), join(logs, 'dup.log')) // same file as app.log: one harvester
  symlinkSync(join(outside, 'shadow'), join(logs, 'evil.log'))
  symlinkSync(join(extra, 'allowed.txt'), join(logs, 'ok.log'))
  symlinkSync('/dev/zero', join(logs, 'zero.log')) // allowed directory, but a device: never read
  const { app, publisher, logs: out } = await start(t, {
    data_dir: join(dir, 'data'),
    inputs: [{ paths: [join(logs, '*.log')], read_from: 'beginning', follow_symlinks: true, symlink_target_dirs: [extra, '/dev'] }],
  })
  await until(() => publisher.events.length >= 12, 10_000, '12 lines')
  await until(() => metric(app, 'forwarder_files_skipped_total', 'symlink_target') === 1 && metric(app, 'forwarder_files_skipped_total', 'not_regular') === 1, 10_000, 'evil.log and zero.log skipped')
  await scanned(app)
  appendFileSync(join(logs, 'app.log'), 'app more\n')
  await until(() => publisher.messages().includes('app more'), 10_000, 'the appended line')
  const msgs = publisher.messages()
  t.same(msgs.filter((m) => m.startsWith('app')).sort(), [...lines('app', 5).trim().split('\n'), 'app more'].sort(), 'app.log once, though dup.log leads to it')
  t.same(msgs.filter((m) => m.startsWith('inside')), lines('inside', 4).trim().split('\n'), 'the link inside the watched directory is read once')
  t.same(msgs.filter((m) => m.startsWith('extra')), lines('extra', 3).trim().split('\n'), 'a symlink_target_dirs target is read')
  t.notOk(msgs.some((m) => m.includes('SECRET')), 'nothing from outside')
  t.equal(msgs.length, 13)
  t.equal([...app.tailer!.harvesters()].length, 3, 'three harvesters: app.log, t.log, ok.log')
  const byPath = new Map(publisher.events.map((e) => [e.message, e.log.file.path]))
  t.equal(byPath.get('inside 0'), join(logs, 't.log'), 'events carry the link name')
  t.ok(out.some((l) => l.code === 'LY_IO' && l.reason === 'symlink_target' && l.path === join(logs, 'evil.log')), 'coded line for the outside target')
  t.ok(out.some((l) => l.code === 'LY_IO' && l.reason === 'not_regular' && l.path === join(logs, 'zero.log')), 'coded line for the device')
  t.equal(metric(app, 'forwarder_files_skipped_total', 'symlink_target'), 1, 'counted once')
})

// A tree with a loop: logs/a/b/x.log, logs/a/y.log, logs/z.log, logs/a/b/up -> .. (logs/a), logs/a/top -> .. (logs).
function loopTree(dir: string): string {
  const logs = join(dir, 'logs')
  mkdirSync(join(logs, 'a', 'b'), { recursive: true })
  writeFileSync(join(logs, 'z.log'), 'z\n')
  writeFileSync(join(logs, 'a', 'y.log'), 'y\n')
  writeFileSync(join(logs, 'a', 'b', 'x.log'), 'x\n')
  symlinkSync('..', join(logs, 'a', 'b', 'up'))
  symlinkSync('..', join(logs, 'a', 'top'))
  return logs
}

t.test('directory loops with **: the scan ends at once, real files found once', async (t) => {
  const logs = loopTree(tmpDir(t))
  const expected = [join(logs, 'a', 'b', 'x.log'), join(logs, 'a', 'y.log'), join(logs, 'z.log')]
  for (const follow of [false, true]) {
    const limited: string[] = []
    const skipped: string[] = []
    const m = new PathMatcher([join(logs, '**', '*.log')], [], { followSymlinks: follow })
    const heap = process.memoryUsage().heapUsed
    const r = await m.scan({ skipped: (p, reason) => skipped.push(`${reason} ${p}`), limited: (reason, p) => limited.push(`${reason} ${p}`) })
    t.same(r.paths.sort(), expected, `follow_symlinks ${follow}: the three real files, once each`)
    t.ok(r.complete, 'complete')
    t.ok(r.entries <= 20, `bounded work: ${r.entries} directory entries looked at`)
    t.ok(process.memoryUsage().heapUsed - heap < 64 * 1024 * 1024, 'no heap growth to speak of')
    if (follow) {
      t.same(limited.sort(), [`loop ${join(logs, 'a', 'b', 'up')}`, `loop ${join(logs, 'a', 'top')}`], 'both loops seen by device and inode')
      t.same(skipped, [])
    } else {
      t.same(skipped.sort(), [`symlink ${join(logs, 'a', 'b', 'up')}`, `symlink ${join(logs, 'a', 'top')}`], 'linked directories are never entered')
      t.same(limited, [])
    }
  }
})

t.test('directory loop through the running forwarder: lines of the real files shipped once, loop counted', async (t) => {
  const dir = tmpDir(t)
  const logs = loopTree(dir)
  const { app, publisher, logs: out } = await start(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [join(logs, '**', '*.log')], read_from: 'beginning', follow_symlinks: true }] })
  await until(() => publisher.events.length >= 3, 10_000, 'three lines')
  await scanned(app)
  appendFileSync(join(logs, 'a', 'b', 'x.log'), 'x2\n')
  await until(() => publisher.messages().includes('x2'), 10_000, 'appended line')
  t.same(publisher.messages().sort(), ['x', 'x2', 'y', 'z'], 'each line once')
  t.equal([...app.tailer!.harvesters()].length, 3)
  t.ok(metric(app, 'forwarder_scan_limited_total', 'loop') >= 2, 'loops counted')
  t.equal(out.filter((l) => l.code === 'LY_LIMIT' && l.reason === 'loop').length, 1, 'logged once (rate-limited)')
})

t.test('scan_max_depth and scan_max_entries bound the walk', async (t) => {
  const dir = tmpDir(t)
  let deep = join(dir, 'logs')
  for (let i = 0; i < 6; i++) deep = join(deep, `d${i}`)
  mkdirSync(deep, { recursive: true })
  writeFileSync(join(deep, 'deep.log'), 'deep\n')
  writeFileSync(join(dir, 'logs', 'top.log'), 'top\n')
  const limited: string[] = []
  const report = { skipped: () => {}, limited: (reason: string) => void limited.push(reason) }
  const shallow = await new PathMatcher([join(dir, 'logs', '**', '*.log')], [], { maxDepth: 3 }).scan(report)
  t.same(shallow.paths, [join(dir, 'logs', 'top.log')], 'below scan_max_depth is not scanned')
  t.same(limited, ['max_depth'], 'reported once')
  t.same((await new PathMatcher([join(dir, 'logs', '**', '*.log')], [], { maxDepth: 6 }).scan(report)).paths.sort(), [join(deep, 'deep.log'), join(dir, 'logs', 'top.log')])
  const many = join(dir, 'many')
  mkdirSync(many)
  for (let i = 0; i < 300; i++) writeFileSync(join(many, `f${i}.log`), '')
  limited.length = 0
  const cut = await new PathMatcher([join(many, '*.log')], [], { maxEntries: 100 }).scan(report)
  t.equal(cut.paths.length, 100, 'at most scan_max_entries entries')
  t.notOk(cut.complete, 'marked incomplete (unseen files are not forgotten)')
  t.same(limited, ['max_entries'])
})

t.test('a link to a big directory (/usr) in a watched ** directory: neither the scan nor the file watcher walks it', async (t) => {
  const dir = tmpDir(t)
  const logs = join(dir, 'logs')
  mkdirSync(logs)
  writeFileSync(join(logs, 'app.log'), 'a\n')
  symlinkSync('/usr', join(logs, 'usr'))
  // Before the watcher refused linked directories it walked all of /usr first: > 30 s, 451 MiB (measured).
  // 20 s is a generous bound for a start measured at 0.17 s.
  const started = Date.now()
  const { app, publisher } = await start(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [join(logs, '**', '*.log')], read_from: 'beginning' }] })
  t.ok(Date.now() - started < 20_000, `started in ${Date.now() - started} ms`)
  await until(() => publisher.events.length === 1, 10_000, 'app.log')
  t.equal(metric(app, 'forwarder_files_skipped_total', 'symlink'), 1, 'the link is skipped and counted')
})

t.test('config: symlink_target_dirs must be absolute; scan bounds validated', async (t) => {
  t.throws(() => config({ inputs: [{ paths: ['/var/log/*.log'], follow_symlinks: true, symlink_target_dirs: ['srv/logs'] }] }), { code: 'LY_CONFIG', message: /inputs\[0\]\.symlink_target_dirs.*must be absolute/ })
  t.throws(() => config({ inputs: [{ paths: ['/var/log/*.log'], scan_max_depth: 0 }] }), { code: 'LY_CONFIG', message: /inputs\[0\]\.scan_max_depth/ })
  const c = config({ inputs: [{ paths: ['/var/log/*.log'] }] })
  t.equal(c.inputs[0]!.follow_symlinks, false, 'off by default')
  t.equal(c.read_stall_timeout, 30_000)
})
