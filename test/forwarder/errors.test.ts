import t from 'tap'
import { execFileSync } from 'node:child_process'
import { appendFileSync, chmodSync, chownSync, mkdirSync, readFileSync, statSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from './helpers.ts'
import { Receiver, lines, spawnForwarder, until, writeConfig } from './process-helpers.ts'

// Failures an operator meets: a log file the forwarder's user may not read,
// and a full disk under data_dir. Each is logged with a code, counted, and
// the rest keeps going.

const NOBODY = 65534

t.test('a file the forwarder may not read: a logged LY_IO error, the other files keep flowing', async (t) => {
  const dir = tmpDir(t)
  chmodSync(dir, 0o755)
  const rx = new Receiver(false)
  await rx.start(0)
  t.teardown(() => rx.stop())
  const secret = join(dir, 'secret.log')
  const open = join(dir, 'open.log')
  writeFileSync(secret, 'top secret\n')
  chmodSync(secret, 0o000) // root-owned, unreadable for nobody
  writeFileSync(open, lines('ok', 0, 5))
  chmodSync(open, 0o644)
  const data = join(dir, 'data')
  mkdirSync(data)
  chownSync(data, NOBODY, NOBODY)
  const cfg = writeConfig(dir, { data_dir: data, inputs: [{ paths: [join(dir, '*.log')], read_from: 'beginning', scan_frequency: '500ms' }], output: rx.output(), http: { listen: '127.0.0.1:0' } })
  chmodSync(cfg, 0o644)
  // The forwarder runs as nobody, so the kernel really answers EACCES (root would bypass it).
  const fw = spawnForwarder(['--config', cfg], { uid: NOBODY, gid: NOBODY })
  t.teardown(() => fw.child.kill('SIGKILL'))
  await until(() => rx.events.length >= 5, 20_000, 'the readable file')
  await until(() => fw.logs().some((l) => l.errno === 'EACCES'), 10_000, 'EACCES logged')
  const err = fw.logs().find((l) => l.errno === 'EACCES')!
  t.equal(err.code, 'LY_IO')
  t.equal(err.path, secret)
  t.equal(err.level, 'error')
  // Rescans (every 500 ms) retry the file but do not repeat the log line. The barrier is the
  // child's own scan counter: two scans begun after the line was seen have completed (a third
  // may have been running then). Each retry is counted, so the count shows the retries happened.
  // The log is written synchronously before /metrics answers, so a second line is in by then.
  const listen = fw.logs().find((l) => l.msg === 'http ops endpoint listening')!.listen
  const metric = async (name: string): Promise<number> => {
    const text = await (await fetch(`http://${listen}/metrics`)).text()
    const m = new RegExp(`^${name.replace(/[{}]/g, '\\$&')} (\\d+)$`, 'm').exec(text)
    if (!m) throw new Error(`${name} not in /metrics`)
    return Number(m[1])
  }
  const scans = await metric('logyard_forwarder_scans_total')
  const errors = await metric('logyard_forwarder_errors_total{code="LY_IO"}')
  t.ok(errors >= 1, `LY_IO counted (${errors})`)
  await until(async () => (await metric('logyard_forwarder_scans_total')) >= scans + 3, 20_000, 'three more completed rescans')
  const retried = await metric('logyard_forwarder_errors_total{code="LY_IO"}')
  t.ok(retried >= errors + 2, `the rescans retried the file (LY_IO counted ${errors} then ${retried})`)
  t.equal(fw.logs().filter((l) => l.errno === 'EACCES').length, 1, 'logged once, not once per rescan')
  appendFileSync(open, 'still going\n')
  await until(() => rx.messages().includes('still going'), 10_000, 'later lines')
  t.notOk(rx.messages().includes('top secret'))
  t.equal(fw.logs().filter((l) => l.errno === 'EACCES').length, 1, 'still logged once')
  // Readable now: picked up by the next rescan, without a restart.
  chmodSync(secret, 0o644)
  await until(() => rx.messages().includes('top secret'), 10_000, 'file picked up once readable')
  fw.child.kill('SIGTERM')
  const code = await fw.exited
  t.equal(code, 0, code === 0 ? 'exit 0 after SIGTERM' : fw.stderr().slice(-3000))
})

t.test('a full disk under data_dir: registry writes fail with LY_CHECKPOINT, shipping goes on, the registry catches up', async (t) => {
  const dir = tmpDir(t)
  const data = join(dir, 'data')
  mkdirSync(data)
  execFileSync('mount', ['-t', 'tmpfs', '-o', 'size=64k', 'tmpfs', data])
  t.teardown(() => {
    try {
      execFileSync('umount', ['-l', data])
    } catch {}
  })
  const rx = new Receiver(false)
  await rx.start(0)
  t.teardown(() => rx.stop())
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('d', 0, 10))
  const cfg = writeConfig(dir, { data_dir: data, inputs: [{ paths: [f], read_from: 'beginning' }], output: rx.output(), registry_flush: '200ms', http: { listen: '127.0.0.1:0' } })
  const fw = spawnForwarder(['--config', cfg])
  t.teardown(() => fw.child.kill('SIGKILL'))
  const registry = join(data, 'registry.json')
  const offset = (): number => {
    try {
      return JSON.parse(readFileSync(registry, 'utf8')).files[0].offset
    } catch {
      return -1
    }
  }
  await until(() => offset() === statSync(f).size, 10_000, 'first registry write')
  // Fill the file system.
  const filler = join(data, 'filler')
  try {
    execFileSync('dd', ['if=/dev/zero', `of=${filler}`, 'bs=4k', 'count=64'], { stdio: 'ignore' })
  } catch {
    /* dd exits 1 on ENOSPC: the disk is full, which is the point */
  }
  const before = offset()
  appendFileSync(f, lines('d', 10, 20))
  await until(() => rx.events.length >= 20, 10_000, 'lines shipped while the disk is full')
  await until(() => fw.logs().some((l) => l.msg === 'registry write failed'), 10_000, 'write failure logged')
  const failure = fw.logs().find((l) => l.msg === 'registry write failed')!
  t.equal(failure.code, 'LY_CHECKPOINT')
  t.equal(failure.errno, 'ENOSPC')
  t.equal(offset(), before, 'the old registry is intact (atomic write)')
  const listen = fw.logs().find((l) => l.msg === 'http ops endpoint listening')!.listen
  t.match(await (await fetch(`http://${listen}/metrics`)).text(), /logyard_forwarder_errors_total\{code="LY_CHECKPOINT"\} [1-9]/)
  t.equal((await fetch(`http://${listen}/healthz`)).status, 200, 'still healthy: shipping works')
  unlinkSync(filler)
  await until(() => offset() === statSync(f).size, 10_000, 'registry catches up once space is back')
  fw.child.kill('SIGTERM')
  t.equal(await fw.exited, 0)
})
