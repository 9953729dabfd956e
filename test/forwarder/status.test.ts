import t from 'tap'
import { spawn } from 'node:child_process'
import { appendFileSync, mkdtempSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort } from '../e2e/procs.ts'
import { lines, mainTs, nodeBin, Receiver, spawnForwarder, until, writeConfig } from './process-helpers.ts'

// GET /status of a real forwarder process and `logyard-forwarder status`:
// while the receiver (the real LumberjackServer) holds its ACKs the file
// shows lag in bytes and seconds; once they are released the lag goes to 0
// and the file is at eof; the ACK latency histogram is in /metrics.

const dir = mkdtempSync(join(tmpdir(), 'logyard-fwd-status-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

interface FileRow { path: string; identity: string; size: number; acked_offset: number; lag_bytes: number; lag_seconds: number; state: string }
interface Status { state: string; files_total: number; files: FileRow[]; connections: { endpoint: string; state: string; windows_in_flight: number }[]; events: { sent: number; acked: number } }

t.test('status JSON, the CLI table and the ACK latency histogram', async (t) => {
  const rx = new Receiver()
  await rx.start(0)
  t.teardown(() => rx.stop())
  let release!: () => void
  rx.hold = new Promise<void>((r) => (release = r))
  const log = join(dir, 'app.log')
  writeFileSync(log, lines('line', 0, 200))
  const cfg = writeConfig(dir, {
    data_dir: join(dir, 'data'),
    inputs: [{ paths: [log], read_from: 'beginning' }],
    output: rx.output({ batch_size: 50 }),
    registry_flush: '200ms',
    batch_linger: '20ms',
    http: { listen: `127.0.0.1:${await freePort()}` }, // a fixed port: the CLI reads it from this file
  })
  const fw = spawnForwarder(['--config', cfg])
  t.teardown(async () => {
    release()
    fw.child.kill('SIGTERM')
    await fw.exited
  })
  await until(() => fw.logs().some((l) => l.msg === 'http ops endpoint listening'), 60_000, 'ops endpoint')
  const base = `http://${fw.logs().find((l) => l.msg === 'http ops endpoint listening')!.listen}`
  const get = async (): Promise<Status> => (await (await fetch(`${base}/status`)).json()) as Status

  // ACKs held: lag in bytes, then in seconds
  const s: Status | undefined = await until(async () => {
    const got = await get()
    const f = got.files[0]
    // on a loaded machine the connection may be re-established meanwhile (a timeout): wait for it ready again
    const c = got.connections[0]
    return f && f.size > 0 && f.lag_bytes === f.size && f.lag_seconds >= 0.5 && c?.state === 'ready' && c.windows_in_flight >= 1 && got
  }, 60_000, 'a lag of 0.5 s and a window in flight in /status', 100)
  const held = s!.files[0]!
  t.equal(s!.files_total, 1)
  t.equal(held.path, log)
  const st = statSync(log)
  t.equal(held.identity, `${st.dev}:${st.ino}`, 'identity is device:inode')
  t.equal(held.size, st.size)
  t.equal(held.acked_offset, 0, 'nothing acknowledged while the receiver holds')
  t.equal(held.lag_bytes, st.size)
  t.ok(held.lag_seconds >= 0.5, `lag in seconds grows: ${held.lag_seconds}`)
  t.equal(s!.connections.length, 1)
  t.equal(s!.connections[0]!.state, 'ready')
  t.ok(s!.connections[0]!.windows_in_flight >= 1, 'a window in flight')

  // the CLI prints the table from the same endpoint
  const cli = spawn(nodeBin, [mainTs, 'status', '--config', cfg], { stdio: ['ignore', 'pipe', 'pipe'] })
  let out = ''
  cli.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
  const code = await new Promise<number | null>((r) => cli.on('exit', r))
  t.equal(code, 0)
  t.match(out, /PATH\s+IDENTITY\s+SIZE\s+ACKED\s+LAG\s+LAG S\s+STATE/)
  t.match(out, new RegExp(`${log.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}\\s+${st.dev}:${st.ino}`))
  t.match(out, /127\.0\.0\.1:\d+\s+ready\s+\d+/, 'the aggregator connection')

  // release: lag back to 0, at eof
  release()
  rx.hold = undefined
  await until(() => rx.events.length >= 200, 60_000, 'all lines received')
  appendFileSync(log, lines('more', 0, 10))
  const done: Status | undefined = await until(async () => {
    const got = await get()
    const f = got.files[0]
    return f && f.lag_bytes === 0 && f.size === statSync(log).size && f.state === 'eof' && got
  }, 60_000, 'no lag, at eof, in /status', 100)
  t.equal(done!.files[0]!.lag_bytes, 0)
  t.equal(done!.files[0]!.lag_seconds, 0)
  t.equal(done!.files[0]!.state, 'eof')
  t.equal(done!.events.acked, 210)

  const metrics = await (await fetch(`${base}/metrics`)).text()
  const count = Number(/logyard_forwarder_ack_latency_seconds_count (\d+)/.exec(metrics)?.[1] ?? 0)
  t.ok(count >= 2, `windows observed in the ACK latency histogram: ${count}`)
  const slow = Number(/logyard_forwarder_ack_latency_seconds_bucket\{le="0.25"\} (\d+)/.exec(metrics)?.[1] ?? -1)
  t.ok(slow < count, 'the held windows fall in the slower buckets')

  // no http.listen: a clear usage error
  const bare = writeConfig(dir, { data_dir: join(dir, 'd2'), inputs: [{ paths: [log] }], output: rx.output() }, 'bare.yml')
  const noHttp = spawn(nodeBin, [mainTs, 'status', '--config', bare], { stdio: ['ignore', 'pipe', 'pipe'] })
  let err = ''
  noHttp.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
  t.equal(await new Promise<number | null>((r) => noHttp.on('exit', r)), 2)
  t.match(err, /no http\.listen/)
})
