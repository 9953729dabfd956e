import t from 'tap'
import { spawnSync } from 'node:child_process'
import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from './helpers.ts'
import { Receiver, lines, mainTs, nodeBin, repoRoot, spawnForwarder, until, writeConfig } from './process-helpers.ts'

// GET /status on the forwarder's ops port and `logyard-forwarder status`
// (issue 18): every file with its identity, size, acknowledged offset, lag
// and state, and the connection to the aggregator — shown while an
// aggregator holds its ACKs (lag) and after it lets them go (caught up).

t.test('forwarder status: files with lag and state, the aggregator connection; the status command prints them', async (t) => {
  const dir = tmpDir(t)
  const recv = new Receiver()
  let release!: () => void
  recv.hold = new Promise<void>((r) => (release = r))
  await recv.start()
  t.teardown(() => recv.stop())
  const a = join(dir, 'a.log')
  const b = join(dir, 'b.log')
  writeFileSync(a, lines('a', 0, 2000))
  writeFileSync(b, '')
  const { createServer } = await import('node:net')
  const port = await new Promise<number>((resolve) => {
    const s = createServer().listen(0, '127.0.0.1', () => {
      const p = (s.address() as { port: number }).port
      s.close(() => resolve(p))
    })
  })
  const cfg = writeConfig(dir, { data_dir: join(dir, 'data'), inputs: [{ paths: [join(dir, '*.log')], read_from: 'beginning' }], output: recv.output({ batch_size: 500 }), http: { listen: `127.0.0.1:${port}` } })
  const fw = spawnForwarder(['--config', cfg])
  t.teardown(async () => {
    release()
    fw.child.kill('SIGTERM')
    await fw.exited
  })
  const url = `http://127.0.0.1:${port}/status`
  type S = { state: string; files: { path: string; id: string; size: number; acked_offset: number; lag_bytes: number; state: string }[]; connections: { endpoint: string; state: string; windows_in_flight: number }[] }
  const held = await until(async () => {
    const s = (await (await fetch(url)).json()) as S
    return s.files.length === 2 && s.connections.some((c) => c.windows_in_flight > 0) && s
  }, 30_000, 'both files known and a window in flight, unacknowledged')
  const fa = held.files.find((f) => f.path === a)!
  t.ok(fa, 'a.log listed')
  t.match(fa.id, /^\d+:\d+$/, 'identity is device:inode')
  t.equal(fa.size, Buffer.byteLength(lines('a', 0, 2000)))
  t.equal(fa.acked_offset, 0, 'nothing acknowledged while the aggregator holds its ACKs')
  t.equal(fa.lag_bytes, fa.size, 'the whole file is lag')
  t.equal(held.files[0]!.path, a, 'the most lagging file first')
  t.match(held.connections[0], { endpoint: `127.0.0.1:${recv.port}`, state: 'ready' })
  const table = spawnSync(nodeBin, [mainTs, 'status', '--config', cfg], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 })
  t.equal(table.status, 0, table.stderr)
  t.match(table.stdout, /FILE\s+ID\s+SIZE\s+ACKED\s+LAG\s+LAG s\s+STATE/, 'a table header')
  t.match(table.stdout, new RegExp(`${a.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+\\d+:\\d+\\s+[\\d.]+ KiB\\s+0 B\\s+[\\d.]+ KiB`), 'a.log with its lag')
  t.match(table.stdout, new RegExp(`127\\.0\\.0\\.1:${recv.port}\\s+ready\\s+[1-9]`), 'the connection with windows in flight')

  release()
  recv.hold = undefined
  appendFileSync(b, lines('b', 0, 10))
  const caught = await until(async () => {
    const s = (await (await fetch(url)).json()) as S
    return s.files.every((f) => f.lag_bytes === 0 && f.size > 0) && s
  }, 30_000, 'every file caught up')
  t.ok(caught.files.every((f) => f.state === 'at EOF' || f.state === 'closed (idle)'), `states: ${caught.files.map((f) => f.state).join(', ')}`)
  const json = spawnSync(nodeBin, [mainTs, 'status', '--config', cfg, '--json'], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 })
  t.equal(json.status, 0)
  t.equal((JSON.parse(json.stdout) as S).files.length, 2, '--json prints the JSON')

  fw.child.kill('SIGTERM')
  await fw.exited
  const down = spawnSync(nodeBin, [mainTs, 'status', '--config', cfg], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 })
  t.equal(down.status, 1, 'no forwarder running: exit 1')
  t.match(down.stderr, /LY_CONNECTION.*cannot read http:\/\/127\.0\.0\.1:\d+\/status/, 'a coded message naming the URL')
  const noHttp = writeConfig(dir, { data_dir: join(dir, 'data'), inputs: [{ paths: [join(dir, '*.log')] }], output: recv.output() }, 'nohttp.yml')
  const r = spawnSync(nodeBin, [mainTs, 'status', '--config', noHttp], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 })
  t.equal(r.status, 2, 'a configuration without http.listen: exit 2')
  t.match(r.stderr, /http\.listen/)
  const stray = spawnSync(nodeBin, [mainTs, 'forwarder.yml'], { cwd: repoRoot, encoding: 'utf8', timeout: 20_000 })
  t.equal(stray.status, 2, 'a bare positional argument is refused, not ignored')
  t.match(stray.stderr, /unknown command "forwarder\.yml"/)
})
