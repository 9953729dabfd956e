import { spawn, spawnSync, type ChildProcess } from 'node:child_process'
import { closeSync, mkdirSync, readdirSync, mkdtempSync, openSync, readFileSync, rmSync, writeFileSync, writeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { deflateSync } from 'node:zlib'
import { result, type BenchResult, type Scenario } from '../harness.ts'
import { silentLogger } from '../../core/logger.ts'
import { LumberjackServer } from '../../core/lumberjack/server.ts'
import { tlsMaterial } from '../../test/helpers/tls.ts'
import { AckReceiver, steadyRate } from '../ack-receiver.ts'
import { escapedBound, writeJsonStringBody } from '../../forwarder/json-bytes.ts'

// logyard-forwarder as it runs in production: a child process with a real
// config file tails a file of 150-byte lines and ships it over TLS
// (Lumberjack v2, zlib level 3) to a receiver in this process that only
// acknowledges (bench/ack-receiver.ts). Compared with `cat FILE > /dev/null` and with zlib
// level 3 alone on the same bytes, measured in the same run. Then the same
// with nginx `combined` lines (~230 bytes, six `"` each that JSON escapes),
// and its CPU per GiB against the 150-byte case of the same run. Then 1,000 idle
// tailed files (forwarder CPU while nothing happens) and the registry write
// rate under full load.

const root = fileURLToPath(new URL('../../', import.meta.url))
const LINE = 150

function procCpuSeconds(pid: number): number {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8')
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
  return (Number(fields[11]) + Number(fields[12])) / 100 // utime + stime, USER_HZ = 100
}

// CPU seconds per thread name (/proc/PID/task/*/stat): the main thread, libuv's
// pool (zlib, fs), V8's platform workers (GC) — where the forwarder's time goes.
function threadCpu(pid: number): Record<string, number> {
  const out: Record<string, number> = {}
  for (const tid of readdirSync(`/proc/${pid}/task`)) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const name = Number(tid) === pid ? 'main' : stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')')).replace(/[0-9]+$/, '').trim()
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      out[name] = Math.round(((out[name] ?? 0) + (Number(f[11]) + Number(f[12])) / 100) * 100) / 100
    } catch {}
  }
  return out
}

function procRssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : 0
}

function writeLines(file: string, bytes: number, next: (n: number) => string): number {
  const fd = openSync(file, 'w')
  const chunk: string[] = []
  let n = 0
  let written = 0
  while (written < bytes) {
    const line = next(n)
    chunk.push(line)
    n++
    written += line.length
    if (chunk.length === 4096) {
      writeSync(fd, chunk.join(''))
      chunk.length = 0
    }
  }
  if (chunk.length) writeSync(fd, chunk.join(''))
  closeSync(fd)
  return n
}

const PAD = 'abcdefghijklmnopqrstuvwxyz0123456789'.repeat(5)

/** Line n of the synthetic 150-byte file: nothing in it that JSON escapes. */
function syntheticLine(n: number): string {
  const head = `2026-11-22T04:00:00.000Z INFO app[${n % 97}] GET /api/v1/orders/${n} status=200 took=${n % 900}ms `
  return head + PAD.slice(0, LINE - 1 - head.length) + '\n'
}

// nginx `combined` lines, deterministic (a seeded PRNG): varied client
// addresses, paths with query strings, quoted request, referrer and user
// agent (six `"` a line), one line in 64 with a `\x22` that nginx writes for a
// `"` inside a field (a backslash to escape). ~230 bytes a line on average.
const NGINX_PATHS = ['/', '/index.html', '/api/v1/orders', '/api/v1/users/{id}/cart', '/static/js/app.{hex}.js', '/search', '/products/{id}', '/login', '/images/p/{id}.webp', '/healthz']
const NGINX_QUERIES = ['', '', '?page={n}', '?q=blue+running+shoes&sort=price_asc&page={n}', '?utm_source=newsletter&utm_medium=email&utm_campaign=dec', '?id={id}&ref=home']
const NGINX_REFERRERS = ['-', 'https://www.example.com/', 'https://www.google.com/search?q=example+shop', 'https://shop.example.com/products/{id}?color=red&size=42']
const NGINX_BROWSERS = [
  'Mozilla/5.0 (Windows NT 10.0; Win64; x64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/131.0.0.0 Safari/537.36',
  'Mozilla/5.0 (iPhone; CPU iPhone OS 18_1 like Mac OS X) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Mobile/15E148 Safari/604.1',
  'Mozilla/5.0 (X11; Linux x86_64; rv:133.0) Gecko/20100101 Firefox/133.0',
  'Mozilla/5.0 (Macintosh; Intel Mac OS X 10_15_7) AppleWebKit/605.1.15 (KHTML, like Gecko) Version/18.1 Safari/605.1.15',
]
const NGINX_TOOLS = ['curl/8.5.0', 'Go-http-client/1.1', 'Mozilla/5.0 (compatible; Googlebot/2.1; +http://www.google.com/bot.html)', 'kube-probe/1.31', 'python-requests/2.32.3']
const NGINX_STATUS = [200, 200, 200, 200, 200, 304, 301, 404, 500]
const MONTHS = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']

function nginxLines(seed: number): (n: number) => string {
  let s = seed >>> 0
  const rnd = (): number => {
    // mulberry32
    s = (s + 0x6d2b79f5) >>> 0
    let t = s
    t = Math.imul(t ^ (t >>> 15), t | 1)
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61)
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296
  }
  const int = (n: number): number => Math.floor(rnd() * n)
  const pick = <T>(a: readonly T[]): T => a[int(a.length)]!
  const fill = (t: string): string => t.replace('{id}', String(int(100000))).replace('{hex}', int(0xffffff).toString(16)).replace('{n}', String(1 + int(40)))
  const two = (n: number): string => (n < 10 ? '0' : '') + n
  const start = Date.UTC(2026, 10, 22, 4, 0, 0) / 1000
  return (n) => {
    const ip = `${pick([10, 172, 192, 81, 203, 2])}.${int(256)}.${int(256)}.${1 + int(254)}`
    const t = new Date((start + Math.floor(n / 50)) * 1000)
    const time = `${two(t.getUTCDate())}/${MONTHS[t.getUTCMonth()]}/${t.getUTCFullYear()}:${two(t.getUTCHours())}:${two(t.getUTCMinutes())}:${two(t.getUTCSeconds())} +0000`
    const request = `${rnd() < 0.8 ? 'GET' : 'POST'} ${fill(pick(NGINX_PATHS))}${fill(pick(NGINX_QUERIES))} HTTP/1.1`
    let agent = rnd() < 0.75 ? pick(NGINX_BROWSERS) : pick(NGINX_TOOLS)
    if (n % 64 === 63) agent = 'Mozilla/5.0 \\x22scanner\\x22 (compatible; +https://scan.example.net/)'
    return `${ip} - ${n % 17 === 0 ? 'alice' : '-'} [${time}] "${request}" ${pick(NGINX_STATUS)} ${int(60000)} "${fill(pick(NGINX_REFERRERS))}" "${agent}"\n`
  }
}

interface Child {
  child: ChildProcess
  logs: () => string
}

// The same Node and V8 flags as configs/logyard-forwarder.service.
const V8_FLAGS = ['--max-semi-space-size=1', '--max-old-space-size=128', '--v8-pool-size=1', '--no-concurrent-recompilation', '--use-openssl-ca']

// LOGYARD_BENCH_PROF=DIR profiles the forwarder child (--cpu-prof into DIR).
const PROF = process.env.LOGYARD_BENCH_PROF ? ['--cpu-prof', `--cpu-prof-dir=${process.env.LOGYARD_BENCH_PROF}`] : []

// The malloc setting of the unit's Environment= lines.
const UNIT_ENV = { MALLOC_ARENA_MAX: '2', MALLOC_TRIM_THRESHOLD_: '32768', MALLOC_MMAP_THRESHOLD_: '32768' }

// As in the unit: a compile cache, filled by the ExecStartPre --check-config run.
function startForwarder(configFile: string): Child {
  const env = { ...process.env, ...UNIT_ENV, NODE_COMPILE_CACHE: join(dirname(configFile), 'compile-cache') }
  spawnSync(process.execPath, [join(root, 'forwarder/main.ts'), '--config', configFile, '--check-config'], { stdio: 'ignore', cwd: root, env })
  const child = spawn(process.execPath, [...V8_FLAGS, ...PROF, join(root, 'forwarder/main.ts'), '--config', configFile], { stdio: ['ignore', 'pipe', 'pipe'], cwd: root, env })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => {
    if (out.length < 1 << 20) out += d.toString()
  })
  child.stderr!.on('data', (d: Buffer) => {
    if (out.length < 1 << 20) out += d.toString()
  })
  return { child, logs: () => out }
}

async function stopChild(c: ChildProcess): Promise<void> {
  if (c.exitCode !== null) return
  const exited = new Promise((r) => c.once('exit', r))
  c.kill('SIGTERM')
  const t = setTimeout(() => c.kill('SIGKILL'), 15_000)
  await exited
  clearTimeout(t)
}

async function waitFor(cond: () => boolean, ms: number, what: string): Promise<void> {
  const end = Date.now() + ms
  while (!cond()) {
    if (Date.now() > end) throw new Error(`bench: timed out waiting for ${what}`)
    await new Promise((r) => setTimeout(r, 10))
  }
}

interface Shape {
  name: string // scenario prefix: forwarder.<name>.…
  what: string // for the notes
  registry: boolean // report the registry write rate from this run
  next: (n: number) => string
}

interface Run {
  results: BenchResult[]
  mib: number
  cpu: number
  threads: Record<string, number>
  zlibMibps: number
}

async function throughput(dir: string, quick: boolean, shape: Shape): Promise<Run> {
  const m = tlsMaterial()
  const file = join(dir, `${shape.name}.log`)
  // Long enough for RSS to reach its plateau (~200 MiB in); LOGYARD_BENCH_FWD_MIB overrides.
  const bytes = (Number(process.env.LOGYARD_BENCH_FWD_MIB) || (quick ? 256 : 1024)) * 1048576
  const lines = writeLines(file, bytes, shape.next)

  // Limits on the same bytes, same run.
  spawnSync('cat', [file], { stdio: ['ignore', 'ignore', 'ignore'] }) // warm the page cache
  let t0 = process.hrtime.bigint()
  spawnSync('sh', ['-c', `cat '${file}' > /dev/null`])
  const catS = Number(process.hrtime.bigint() - t0) / 1e9
  const data = readFileSync(file)
  t0 = process.hrtime.bigint()
  for (let off = 0; off < data.length; off += 1 << 20) deflateSync(data.subarray(off, off + (1 << 20)), { level: 3 })
  const zlibS = Number(process.hrtime.bigint() - t0) / 1e9
  const mib = data.length / 1048576
  const lineBytes = data.length / lines

  // The checked event (one per window) must be the line at its offset, byte for byte.
  const receiver = new AckReceiver({ cert: m.serverCertFile, key: m.serverKeyFile, ca: m.caFile }, (event) => {
    const message = event.message
    const offset = (event.log as { offset?: unknown } | undefined)?.offset
    if (typeof message !== 'string' || typeof offset !== 'number' || offset < 0 || offset >= data.length || message !== data.toString('utf8', offset, data.indexOf(10, offset))) throw new Error(`bench: unexpected event ${JSON.stringify(event)}`)
  })
  const port = await receiver.listen()
  const data_dir = join(dir, 'data')
  const cfg = join(dir, 'forwarder.yml')
  writeFileSync(cfg, JSON.stringify({
    data_dir,
    inputs: [{ paths: [file], read_from: 'beginning' }],
    output: { hosts: [`127.0.0.1:${port}`], tls: { ca: m.caFile, cert: m.clientCertFile, key: m.clientKeyFile }, compression_level: 3, batch_size: 2048 },
    http: { listen: '127.0.0.1:0' },
    logging: { level: 'info' },
  }))
  const fw = startForwarder(cfg)
  const pid = fw.child.pid!
  const rss: number[] = []
  const sampler = setInterval(() => {
    try {
      rss.push(procRssMiB(pid))
    } catch {}
  }, 100)
  const start = process.hrtime.bigint()
  const cpu0 = 0 // the whole life of the child, start-up included
  const rxCpu0 = process.cpuUsage()
  await waitFor(() => receiver.events >= lines, 600_000, 'all lines acknowledged')
  const wall = Number(process.hrtime.bigint() - start) / 1e9
  const cpu = procCpuSeconds(pid) - cpu0
  const threads = threadCpu(pid)
  const rxCpu = process.cpuUsage(rxCpu0)
  const rxCpuS = (rxCpu.user + rxCpu.system) / 1e6
  clearInterval(sampler)
  const listen = /"listen":"([^"]+)","msg":"http ops endpoint listening"/.exec(fw.logs())?.[1]
  const metrics = listen ? await (await fetch(`http://${listen}/metrics`)).text() : ''
  const writes = Number(/logyard_forwarder_registry_writes_total (\d+)/.exec(metrics)?.[1] ?? NaN)
  await stopChild(fw.child)
  await receiver.close()
  if (receiver.events !== lines) throw new Error(`bench: receiver got ${receiver.events} events for ${lines} lines`)
  const steady = rss.slice(Math.floor(rss.length / 2)).sort((a, b) => a - b)
  const steadyRss = steady[Math.floor(steady.length / 2)] ?? 0
  const peak = Math.max(0, ...rss)
  const mibps = mib / wall
  const steadyRun = steadyRate(receiver.acks, lines, 2048)
  const steadyMibps = (steadyRun.eventsPerS * lineBytes) / 1048576
  rmSync(file, { force: true })
  const name = `forwarder.${shape.name}`
  const results = [
    result({
      // The figure the target is about: the forwarder's rate once it runs
      // (first ACK to last full window), not its start-up or the linger of
      // the last partial window. The whole-run figure follows.
      scenario: `${name}.level3.steady`,
      unit: 'MiB/s',
      throughput: steadyMibps,
      mib_per_s: steadyMibps,
      wall_s: steadyRun.seconds,
      cpu_s: cpu,
      peak_rss_mib: peak,
      limit: { name: 'cat same file > /dev/null', throughput: mib / catS, unit: 'MiB/s' },
      target: 50,
      notes: `${steadyRun.events} events between the first ACK and the ACK that covers all but the last 2,048-event window (${steadyRun.seconds.toFixed(2)} s); steady RSS ${steadyRss.toFixed(1)} MiB (target ≤ 80); zlib level 3 alone on the same bytes: ${(mib / zlibS).toFixed(1)} MiB/s (steady/zlib ratio ${(steadyMibps / (mib / zlibS)).toFixed(3)})`,
    }),
    result({
      scenario: `${name}.level3`,
      unit: 'MiB/s',
      throughput: mibps,
      mib_per_s: mibps,
      wall_s: wall,
      cpu_s: cpu,
      peak_rss_mib: peak,
      limit: { name: 'cat same file > /dev/null', throughput: mib / catS, unit: 'MiB/s' },
      notes: `whole run, from spawning the child to the last ACK: ${lines} ${shape.what} (${lineBytes.toFixed(1)} B a line on average); forwarder child CPU ${(cpu / wall * 100).toFixed(0)}% of a core, steady RSS ${steadyRss.toFixed(1)} MiB (target ≤ 80); zlib level 3 alone on the same bytes: ${(mib / zlibS).toFixed(1)} MiB/s (forwarder/zlib ratio ${(mibps / (mib / zlibS)).toFixed(3)}); ack-only receiver (TLS, inflate, J-frame walk, one JSON.parse per window; ${receiver.windows} windows) in the bench process used ${(rxCpuS / wall * 100).toFixed(0)}% of a core; wall time includes the child's start-up; forwarder CPU s by thread ${JSON.stringify(threads)}`,
    }),
    result({
      scenario: `${name}.vs_zlib3`,
      unit: 'MiB/s',
      throughput: mibps,
      mib_per_s: mibps,
      wall_s: wall,
      cpu_s: cpu,
      peak_rss_mib: peak,
      limit: { name: 'zlib level 3 of the same bytes, one core', throughput: mib / zlibS, unit: 'MiB/s' },
      notes: `same run as ${shape.name}.level3, compared with compression alone`,
    }),
    result({
      // On a shared machine wall-clock MiB/s mostly measures the neighbours;
      // MiB per CPU-second of the forwarder child is what one free core would do.
      scenario: `${name}.per_cpu_second`,
      unit: 'MiB/cpu-s',
      throughput: mib / cpu,
      mib_per_s: mib / cpu,
      wall_s: wall,
      cpu_s: cpu,
      peak_rss_mib: peak,
      limit: { name: 'zlib level 3 of the same bytes, one core', throughput: mib / zlibS, unit: 'MiB/s' },
      notes: 'same run; forwarder child CPU (user+system, start-up included) from /proc; the forwarder uses more than one core (zlib runs on libuv threads), so this is below the wall rate',
    }),
    result({
      scenario: `${name}.steady_rss`,
      unit: 'MiB',
      throughput: steadyRss,
      wall_s: wall,
      cpu_s: cpu,
      peak_rss_mib: peak,
      target: 80,
      notes: `median RSS of the second half of the run (sampled every 100 ms, ${rss.length} samples); peak ${peak.toFixed(1)} MiB; a ceiling, lower is better (target ≤ 80)`,
    }),
  ]
  // Per run, not per line shape: reported once, from the 150-byte run.
  if (shape.registry) results.push(
    result({
      scenario: 'forwarder.registry_writes_under_load',
      unit: 'writes/s',
      throughput: writes / wall,
      wall_s: wall,
      cpu_s: cpu,
      peak_rss_mib: peak,
      target: 1,
      notes: `${writes} registry writes in ${wall.toFixed(1)} s at full load (registry_flush 1s; target ≤ 1/s)`,
    }),
  )
  return { results, mib, cpu, threads, zlibMibps: mib / zlibS }
}

const SYNTHETIC: Shape = { name: 'file_to_lumberjack_tls', what: `lines of ${LINE} B`, next: syntheticLine, registry: true }
const NGINX: Shape = { name: 'nginx_to_lumberjack_tls', what: 'nginx combined lines', next: nginxLines(19), registry: false }

// CPU per GiB of the nginx lines against the 150-byte lines, both runs in this process.
function perGiB(base: Run, nginx: Run): BenchResult {
  const perGiB = (r: Run): number => (r.cpu / r.mib) * 1024
  // Per thread: the main thread (read, split, JSON, framing) vs libuv's pool (zlib) and V8's workers (GC).
  const names = [...new Set([...Object.keys(base.threads), ...Object.keys(nginx.threads)])]
  const byThread = names
    .map((t) => {
      const b = ((base.threads[t] ?? 0) / base.mib) * 1024
      const n = ((nginx.threads[t] ?? 0) / nginx.mib) * 1024
      return `${t} ${n.toFixed(2)} vs ${b.toFixed(2)}${b > 0 ? ` (${(n / b).toFixed(2)}×)` : ''}`
    })
    .join(', ')
  return result({
    scenario: 'forwarder.nginx_to_lumberjack_tls.cpu_per_gib',
    unit: 'CPU-s/GiB',
    throughput: perGiB(nginx),
    wall_s: 0,
    cpu_s: nginx.cpu,
    peak_rss_mib: 0,
    limit: { name: `150-byte lines, same run`, throughput: perGiB(base), unit: 'CPU-s/GiB' },
    notes: `forwarder child CPU per GiB shipped, a cost (ratio > 1: nginx lines cost more); CPU-s/GiB by thread, nginx vs 150-byte: ${byThread}; zlib level 3 alone ${nginx.zlibMibps.toFixed(0)} vs ${base.zlibMibps.toFixed(0)} MiB/s on the two files`,
  })
}

async function idle(dir: string, quick: boolean): Promise<BenchResult[]> {
  const files = 1000
  const logs = join(dir, 'idle')
  mkdirSync(logs)
  for (let i = 0; i < files; i++) writeFileSync(join(logs, `app-${i}.log`), `started ${i}\n`)
  let received = 0
  const server = new LumberjackServer({ listen: '127.0.0.1:0', logger: silentLogger(), onBatch: async (b) => { received += b.events.length } })
  const { port } = await server.listen()
  const cfg = join(dir, 'idle.yml')
  writeFileSync(cfg, JSON.stringify({ data_dir: join(dir, 'idle-data'), inputs: [{ paths: [join(logs, '*.log')], read_from: 'beginning' }], output: { hosts: [`127.0.0.1:${port}`] }, max_open_files: 2048 }))
  const fw = startForwarder(cfg)
  const pid = fw.child.pid!
  await waitFor(() => received >= files, 60_000, 'first line of every idle file')
  // Every file is at its end within a second; with the watcher running, the
  // safety-net poll (one fstat per file) comes 4 s later, then after 16 s,
  // 64 s, and every 120 s from then on. Consecutive windows, measured:
  // the first poll; the floor between polls; and (full run) 120 s that
  // include the next two polls, the long-run average.
  const windows: [string, number][] = [['first_poll', 6], ['between_polls', 10]]
  if (!quick) windows.push(['long_run', 120])
  const measured: { name: string; wall: number; cpu: number; rss: number }[] = []
  for (const [name, seconds] of windows) {
    const cpu0 = procCpuSeconds(pid)
    const t0 = Date.now()
    await new Promise((r) => setTimeout(r, seconds * 1000))
    measured.push({ name, wall: (Date.now() - t0) / 1000, cpu: procCpuSeconds(pid) - cpu0, rss: procRssMiB(pid) })
  }
  await stopChild(fw.child)
  await server.close(1000)
  const headline = quick ? 'between_polls' : 'long_run'
  const when: Record<string, string> = {
    first_poll: '0–6 s after every file reached its end: includes the first safety-net poll of all 1,000 files',
    between_polls: '6–16 s: between the safety-net polls (the watcher reports changes; ticks and timers only)',
    long_run: '16–136 s: includes the polls at ~20 s and ~84 s, the long-run average',
  }
  return measured.map((m) =>
    result({
      scenario: m.name === headline ? 'forwarder.idle_1000_files.cpu' : `forwarder.idle_1000_files.cpu.${m.name}`,
      unit: '% of a core',
      throughput: (m.cpu / m.wall) * 100,
      wall_s: m.wall,
      cpu_s: m.cpu,
      peak_rss_mib: m.rss,
      ...(m.name === headline ? { target: 1 } : {}),
      notes: `${files} tailed files, nothing written; ${when[m.name]}; /proc CPU resolution is 10 ms${m.name === headline ? ' (target < 1%)' : ''}`,
    }),
  )
}

// The forwarder's JSON escaping alone (forwarder/json-bytes.ts, the main
// thread's per-byte work), line by line from one buffer into another as the
// harvester calls it, against a plain copy of each line (Buffer#copy, one call
// a line): CPU time of this process, best of 9 rounds, both line shapes.
function escapeCase(shape: Shape, what: string): BenchResult {
  const text: string[] = []
  for (let n = 0; n < 20_000; n++) text.push(shape.next(n))
  const src = Buffer.from(text.join(''))
  const ends: number[] = []
  for (let i = src.indexOf(10); i >= 0; i = src.indexOf(10, i + 1)) ends.push(i)
  const out = Buffer.allocUnsafe(escapedBound(src.length))
  const best = (pass: () => void): number => {
    let min = Infinity
    for (let round = 0; round < 9; round++) {
      const c0 = process.cpuUsage()
      pass()
      const c = process.cpuUsage(c0)
      min = Math.min(min, (c.user + c.system) / 1e6)
    }
    return min
  }
  // Five passes over every line; `each` writes line [start, end) at `pos` and returns the next position.
  const passes = (each: (start: number, end: number, pos: number) => number): number => best(() => {
    for (let r = 0; r < 5; r++) {
      let start = 0
      let pos = 0
      for (const end of ends) {
        pos = each(start, end, pos)
        start = end + 1
      }
    }
  })
  const escape = passes((start, end, pos) => {
    const next = writeJsonStringBody(src, start, end, out, pos)
    if (next < 0) throw new Error('bench: a generated line is not valid UTF-8')
    return next
  })
  const copy = passes((start, end, pos) => pos + src.copy(out, pos, start, end))
  const mib = (src.length * 5) / 1048576
  return result({
    scenario: `forwarder.json_escape.${what}`,
    unit: 'MiB/cpu-s',
    throughput: mib / escape,
    mib_per_s: mib / escape,
    wall_s: escape,
    cpu_s: escape,
    peak_rss_mib: process.memoryUsage.rss() / 1048576,
    limit: { name: 'Buffer#copy of each line, same lines', throughput: mib / copy, unit: 'MiB/cpu-s' },
    notes: `writeJsonStringBody on ${ends.length} ${shape.what} (${(src.length / ends.length).toFixed(1)} B a line), ${((escape / (ends.length * 5)) * 1e9).toFixed(0)} ns of CPU a line; best of 9 rounds of 5 passes`,
  })
}

const scenario: Scenario = {
  name: 'forwarder',
  description: 'file → forwarder child → Lumberjack/TLS level 3 → ack-only receiver (150-byte and nginx combined lines); 1,000 idle files; registry write rate',
  async run({ quick }) {
    const dir = mkdtempSync(join(tmpdir(), 'logyard-bench-fwd-'))
    try {
      const base = await throughput(dir, quick, SYNTHETIC)
      const nginx = await throughput(dir, quick, NGINX)
      const escapes = [escapeCase(SYNTHETIC, 'lines150'), escapeCase({ ...NGINX, next: nginxLines(19) }, 'nginx')]
      return [...base.results, ...nginx.results, perGiB(base, nginx), ...escapes, ...(await idle(dir, quick))]
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  },
}

export default scenario
