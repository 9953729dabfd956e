import t from 'tap'
import { spawn, type ChildProcess } from 'node:child_process'
import { appendFileSync, existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { createConnection } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tlsMaterial } from '../helpers/tls.ts'
import { freePort, startProc, until, writeConfig, type Proc } from './procs.ts'

// Real HAProxy (Debian package) in TCP mode, running configs/haproxy.cfg
// unchanged, in front of two real aggregator processes; a real forwarder
// ships through it over TLS. One aggregator is killed (SIGKILL) mid-stream:
// the forwarder carries on through the other and every line arrives. Then an
// aggregator drains (SIGTERM → /healthz 503): HAProxy marks it DOWN from the
// health check and new connections go to the other one.

const root = join(import.meta.dirname, '..', '..')
const haproxyBin = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p))


function readEvents(file: string): Record<string, any>[] {
  if (!existsSync(file)) return []
  return readFileSync(file, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l))
}

async function haproxyCmd(sock: string, cmd: string): Promise<string> {
  return new Promise((resolve, reject) => {
    const c = createConnection(sock)
    let out = ''
    c.on('data', (d) => (out += d))
    c.on('end', () => resolve(out))
    c.on('error', reject)
    c.end(cmd + '\n')
  })
}

/** server name → status (UP/DOWN/…) from HAProxy's runtime API `show stat`. */
async function serverStatus(sock: string): Promise<Record<string, string>> {
  const csv = await haproxyCmd(sock, 'show stat')
  const out: Record<string, string> = {}
  for (const line of csv.split('\n')) {
    const f = line.split(',')
    if (f[0] === 'aggregators' && f[1] !== 'BACKEND') out[f[1]!] = f[17]!
  }
  return out
}

t.test('two aggregators behind real HAProxy: kill one mid-stream, drain the other', { timeout: 240_000 }, async (t) => {
  t.ok(haproxyBin, 'haproxy is installed (apt-get install haproxy; .ci/run does it)')
  if (!haproxyBin) return
  const dir = mkdtempSync(join(tmpdir(), 'logyard-haproxy-'))
  const tls = tlsMaterial()
  const procs: Proc[] = []
  let haproxy: ChildProcess | undefined
  t.teardown(async () => {
    haproxy?.kill('SIGKILL')
    await Promise.all(procs.map((p) => p.stop(5000)))
    rmSync(dir, { recursive: true, force: true })
  })

  const [lbPort, p1, o1, p2, o2] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()])
  const aggConfig = (name: string, port: number, ops: number): string =>
    writeConfig(dir, `${name}.yml`, [
      'workers: 1',
      'inputs:',
      '  beats:',
      `    listen: 127.0.0.1:${port}`,
      `    tls: {cert: ${tls.serverCertFile}, key: ${tls.serverKeyFile}}`,
      'output:',
      `  file: {path: ${join(dir, `${name}.ndjson`)}}`,
      `http: {listen: 127.0.0.1:${ops}}`,
      'shutdown_timeout: 8s',
      'drain_delay: 8s',
      'logging: {level: info}',
    ])
  const agg1 = startProc('aggregator', aggConfig('agg1', p1, o1))
  const agg2 = startProc('aggregator', aggConfig('agg2', p2, o2))
  procs.push(agg1, agg2)
  await Promise.all([agg1, agg2].map((a) => a.waitFor((r) => r.msg === 'aggregator started', 60_000, 'aggregator started')))

  const sock = join(dir, 'haproxy.sock')
  const extra = writeConfig(dir, 'stats.cfg', ['global', `    stats socket ${sock} level admin`])
  haproxy = spawn(haproxyBin, ['-db', '-f', join(root, 'configs', 'haproxy.cfg'), '-f', extra], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, LB_BIND: '127.0.0.1', LB_PORT: String(lbPort), AGG1_HOST: '127.0.0.1', AGG1_PORT: String(p1), AGG1_OPS_PORT: String(o1), AGG2_HOST: '127.0.0.1', AGG2_PORT: String(p2), AGG2_OPS_PORT: String(o2) },
  })
  let haproxyErr = ''
  haproxy.stderr!.on('data', (d) => (haproxyErr += d))
  const haproxyExit = new Promise<number | null>((resolve) => haproxy!.once('exit', resolve))
  let haproxyCode: number | null | undefined
  void haproxyExit.then((c) => (haproxyCode = c))
  await until(async () => {
    if (haproxyCode !== undefined) throw new Error(`haproxy exited ${haproxyCode}: ${haproxyErr.slice(-800)}`)
    const s = await serverStatus(sock)
    return s.agg1 === 'UP' && s.agg2 === 'UP'
  }, 30_000, 'both aggregators UP in haproxy')

  const logFile = join(dir, 'app.log')
  const lines = (from: number, to: number): string => Array.from({ length: to - from }, (_, i) => `line ${from + i} payload ${'x'.repeat(60)}`).join('\n') + '\n'
  appendFileSync(logFile, lines(0, 3000))
  const fwdConfig = writeConfig(dir, 'forwarder.yml', [
    `data_dir: ${join(dir, 'data')}`,
    'inputs:',
    `  - paths: [${logFile}]`,
    '    read_from: beginning',
    'output:',
    `  hosts: ['localhost:${lbPort}']`,
    `  tls: {ca: ${tls.caFile}}`,
    '  batch_size: 200',
    '  timeout: 5s',
    '  backoff: {init: 200ms, max: 1s}',
    'logging: {level: info}',
  ])
  const fwd = startProc('forwarder', fwdConfig)
  procs.push(fwd)

  const files = { agg1: join(dir, 'agg1.ndjson'), agg2: join(dir, 'agg2.ndjson') }
  // Wait until one aggregator is receiving, then kill that one with SIGKILL.
  const victim = await until(() => {
    const a = readEvents(files.agg1).length
    const b = readEvents(files.agg2).length
    return a + b >= 500 ? (a >= b ? 'agg1' : 'agg2') : undefined
  }, 60_000, 'first events through haproxy')
  const survivor = victim === 'agg1' ? 'agg2' : 'agg1'
  ;(victim === 'agg1' ? agg1 : agg2).child.kill('SIGKILL')
  appendFileSync(logFile, lines(3000, 6000))

  const delivered = (): Set<string> => new Set([...readEvents(files.agg1), ...readEvents(files.agg2)].map((e) => e.message as string))
  await until(() => delivered().size >= 6000, 120_000, 'all 6000 lines delivered through the surviving aggregator')
  const got = delivered()
  let missing = 0
  for (let i = 0; i < 6000; i++) if (!got.has(`line ${i} payload ${'x'.repeat(60)}`)) missing++
  t.equal(missing, 0, 'no line lost when an aggregator died mid-stream')
  t.ok(readEvents(files[survivor]).length > 0, `${survivor} carried on`)
  const status = await until(async () => {
    const s = await serverStatus(sock)
    return /^DOWN/.test(s[victim] ?? '') ? s : undefined
  }, 20_000, 'haproxy marks the killed aggregator DOWN')
  t.match(status[victim], /^DOWN/, `haproxy marks the killed ${victim} ${status[victim]}`)

  // Drain: SIGTERM the survivor while it still holds the forwarder's
  // connection; its /healthz turns 503 and haproxy takes it out of rotation.
  const restarted = startProc('aggregator', join(dir, `${victim}.yml`))
  procs.push(restarted)
  await restarted.waitFor((r) => r.msg === 'aggregator started', 60_000, 'restarted aggregator')
  await until(async () => (await serverStatus(sock))[victim] === 'UP', 30_000, 'restarted aggregator UP again')
  const draining = survivor === 'agg1' ? agg1 : agg2
  draining.child.kill('SIGTERM')
  const drained = await until(async () => {
    const s = await serverStatus(sock)
    return /^DOWN/.test(s[survivor] ?? '') ? s : undefined
  }, 20_000, 'haproxy marks the draining aggregator DOWN')
  t.match(drained[survivor], /^DOWN/, `draining ${survivor} is ${drained[survivor]} in haproxy`)
  // It is DOWN because of its health check, not because it died: the process
  // is still running and its /healthz answers 503 "draining".
  t.equal(draining.child.exitCode, null, `${survivor} is still running during the drain delay`)
  const health = await fetch(`http://127.0.0.1:${survivor === 'agg1' ? o1 : o2}/healthz`)
  t.equal(health.status, 503, 'the draining aggregator answers /healthz with 503')
  t.match(await health.json(), { status: 'draining' })
  const before = readEvents(files[victim]).length
  appendFileSync(logFile, lines(6000, 7000))
  await until(() => delivered().size >= 7000, 120_000, 'lines after the drain delivered')
  t.ok(readEvents(files[victim]).length > before, `new traffic went to ${victim}`)
})
