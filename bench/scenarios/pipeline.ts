import { spawnSync, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { createServer, type Server } from 'node:http'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { threadCpuUsage } from 'node:process'
import { join } from 'node:path'
import { gunzipSync, gzipSync, inflateSync } from 'node:zlib'
import type { AddressInfo } from 'node:net'
import { measure, result, type BenchResult, type Scenario } from '../harness.ts'
import { blast, cpuOfPid, hwmOfPid, spawnAggregator, UNIT_V8_FLAGS } from './aggregator.ts'
import { sampleLines } from './reference.ts'
import { defaultPatternsDir } from '../../aggregator/config.ts'
import { BulkEncoder, writeBulkBody, type BulkDoc } from '../../aggregator/outputs/elasticsearch/es-encoder.ts'
import { buildPipeline, validatePipeline } from '../../aggregator/pipeline/pipeline.ts'
import { stageComponents } from '../../aggregator/stages/index.ts'
import type { LogEvent } from '../../core/event.ts'
import { silentLogger } from '../../core/logger.ts'
import { MetricsRegistry } from '../../core/metrics.ts'
import { encodeBeatsJson } from '../../core/lumberjack/beats-json.ts'
import { encodeWindow } from '../../core/lumberjack/frame-encoder.ts'
import { deriveBeatId } from '../../aggregator/inputs/beats/beats-input.ts'
import { tlsMaterial } from '../../test/helpers/tls.ts'

// The aggregator's real pipeline, as an operator runs it: mutual-TLS
// Lumberjack windows (2,048 events, zlib 3) of nginx combined lines, shaped as
// logyard-forwarder sends them and as Filebeat 8 sends them (more fields) →
// a child logyard-aggregator → grok %{COMBINEDAPACHELOG} → date → mutate →
// the Elasticsearch output (bulk bodies gzipped, create with _id) → a null
// _bulk sink in the bench process that gunzips and counts every document.
// workers: 1 and workers: 2 (this 2-core machine; the load generator and
// the sink share the cores and their CPU is reported apart).
// The reference, measured in the same run on one core: the sum of the parts
// on the same events — inflate + JSON.parse + the derived _id (Filebeat's
// events carry none) + grok + date + mutate + bulk encoding (JSON.stringify,
// the body written as the output does) + gzip level 1 — as events per CPU-second, in a
// fresh child process (in the bench process, whose heap earlier scenarios
// grew, garbage collection took 37 % of the parts' CPU and made the
// reference 3–4× too slow).

const WINDOW = 2048
const PIPELINE = [
  { grok: { field: 'message', patterns: ['%{COMBINEDAPACHELOG}'] } },
  { date: { field: 'timestamp', formats: ['dd/MMM/yyyy:HH:mm:ss Z'] } },
  { mutate: { remove_field: ['timestamp'], add_tag: ['parsed'] } },
]

function forwarderShaped(lines: string[]): string[] {
  return lines.map((message, i) => '{"@timestamp":"2026-11-22T04:00:00.' + String(i % 1000).padStart(3, '0') + 'Z","@metadata":{"beat":"logyard","type":"_doc","version":"0.1.0","_id":"803-1a2b3c-' + (i * 160).toString(16) + '"},"message":' + JSON.stringify(message) +
    ',"log":{"offset":' + i * 160 + ',"file":{"path":"/var/log/nginx/access.log"}},"input":{"type":"log"},"ecs":{"version":"8.0.0"},"host":{"name":"web-1"},"agent":{"type":"logyard-forwarder","version":"0.1.0","name":"web-1","id":"2b7e2c1a-6f1c-4d0e-9a51-3c2f6c9f1e77"},"fields":{"service":"web"},"tags":["nginx"]}')
}

/** Filebeat 8 filestream with the shipped filebeat.yml's add_host_metadata: the fields it adds to every event. */
function filebeatShaped(lines: string[]): string[] {
  return lines.map((message, i) => encodeBeatsJson({
    '@timestamp': new Date(Date.UTC(2026, 10, 22, 4, 0, 0, i % 1000)),
    '@metadata': { beat: 'filebeat', type: '_doc', version: '8.13.4' },
    log: { offset: i * 160, file: { path: '/var/log/nginx/access.log', device_id: '64768', inode: '1835017' } },
    message,
    input: { type: 'filestream' },
    ecs: { version: '8.0.0' },
    host: { name: 'web-1', hostname: 'web-1', architecture: 'x86_64', containerized: false, id: '4a7c0d3f9b2e4e1c8d6f5a4b3c2d1e0f', ip: ['10.0.3.17', 'fe80::5054:ff:fe12:3456'], mac: ['52-54-00-12-34-56'], os: { family: 'debian', kernel: '6.1.0-27-amd64', name: 'Debian GNU/Linux', platform: 'debian', type: 'linux', version: '12 (bookworm)', codename: 'bookworm' } },
    agent: { type: 'filebeat', version: '8.13.4', name: 'web-1', id: '2b7e2c1a-6f1c-4d0e-9a51-3c2f6c9f1e77', ephemeral_id: '6f1c9a3e-1d2b-4c5a-8e7f-0a1b2c3d4e5f' },
    fields: { service: 'web' },
    tags: ['nginx'],
  }))
}

/** A `_bulk` endpoint that gunzips and counts every document and says every one was created. */
class NullSink {
  docs = 0
  requests = 0
  readonly #server: Server = createServer((req, res) => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      let body = '{}'
      if (req.url?.startsWith('/_bulk')) {
        let raw = Buffer.concat(chunks)
        if (req.headers['content-encoding'] === 'gzip') raw = gunzipSync(raw)
        let lines = 0
        for (let i = raw.indexOf(10); i >= 0; i = raw.indexOf(10, i + 1)) lines++
        this.docs += lines / 2
        this.requests++
        body = '{"took":1,"errors":false,"items":[' + new Array(lines / 2).fill('{"create":{"status":201}}').join(',') + ']}'
      } else if (req.url?.startsWith('/_cluster/health')) body = '{"status":"green"}'
      else if (req.method === 'PUT') body = '{"acknowledged":true}'
      res.writeHead(200, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch', 'content-length': Buffer.byteLength(body) })
      res.end(body)
    })
  })

  async listen(): Promise<number> {
    await new Promise<void>((r) => this.#server.listen(0, '127.0.0.1', r))
    return (this.#server.address() as AddressInfo).port
  }

  close(): Promise<void> {
    this.#server.closeAllConnections()
    return new Promise((r) => this.#server.close(() => r()))
  }
}

async function startAggregator(workers: number, dir: string, sinkPort: number): Promise<{ child: ChildProcess; port: number; pids: number[]; tail: () => string }> {
  const tls = tlsMaterial()
  const config = join(dir, `pipeline-${workers}.yml`)
  writeFileSync(config, [
    `workers: ${workers}`,
    `inputs: {beats: {listen: '127.0.0.1:0', tls: {cert: '${tls.serverCertFile}', key: '${tls.serverKeyFile}', client_ca: ['${tls.caFile}'], client_auth: required}}}`,
    `pipeline: ${JSON.stringify(PIPELINE)}`,
    `output: {elasticsearch: {hosts: ['http://127.0.0.1:${sinkPort}'], index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}'}}`,
    'logging: {level: info}',
  ].join('\n') + '\n')
  // LOGYARD_BENCH_PROF=DIR: CPU profiles of the aggregator (every thread) into DIR
  // LOGYARD_BENCH_NODE_OPTIONS: more Node options for the aggregator (A/B runs of V8 flags)
  const options = [process.env.LOGYARD_BENCH_PROF ? `--cpu-prof --cpu-prof-dir=${process.env.LOGYARD_BENCH_PROF}` : '', process.env.LOGYARD_BENCH_NODE_OPTIONS ?? ''].join(' ').trim()
  return spawnAggregator(config, workers, { MALLOC_ARENA_MAX: '2', ...(options ? { NODE_OPTIONS: options } : {}) }, V8_FLAGS)
}

/** The aggregator runs with the systemd unit's V8 flags; LOGYARD_BENCH_V8_FLAGS replaces them ('' for none) in A/B runs. */
const V8_FLAGS = process.env.LOGYARD_BENCH_V8_FLAGS !== undefined ? process.env.LOGYARD_BENCH_V8_FLAGS.split(' ').filter(Boolean) : UNIT_V8_FLAGS

interface Run { eps: number; wall: number; cpu: number; benchCpu: number; threads: string; hwm: number }

/** CPU-seconds of each thread of `pid` by thread name (main thread, grok workers, libuv pool, V8 helpers). */
function threadCpu(pid: number): Map<string, number> {
  const out = new Map<string, number>()
  let tids: string[] = []
  try {
    tids = readdirSync(`/proc/${pid}/task`)
  } catch {
    return out
  }
  for (const tid of tids) {
    try {
      const stat = readFileSync(`/proc/${pid}/task/${tid}/stat`, 'utf8')
      const name = stat.slice(stat.indexOf('(') + 1, stat.lastIndexOf(')'))
      const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      const key = tid === String(pid) ? 'main' : name
      out.set(key, (out.get(key) ?? 0) + (Number(f[11]) + Number(f[12])) / 100)
    } catch {
      // the thread ended
    }
  }
  return out
}

function threadDelta(before: Map<string, number>[], after: Map<string, number>[]): string {
  const sum = new Map<string, number>()
  for (let i = 0; i < after.length; i++) for (const [k, v] of after[i]!) sum.set(k, (sum.get(k) ?? 0) + v - (before[i]?.get(k) ?? 0))
  return [...sum].filter(([, v]) => v > 0).sort((a, b) => b[1] - a[1]).map(([k, v]) => `${k} ${v.toFixed(2)}`).join(', ')
}

async function childRun(workers: number, windows: Buffer[], counts: number[], events: number, dir: string): Promise<Run> {
  const sink = new NullSink()
  const sinkPort = await sink.listen()
  const { child, port, pids, tail } = await startAggregator(workers, dir, sinkPort)
  try {
    const deadline = (ms: number, what: string) => new Promise<never>((_, reject) => setTimeout(() => reject(new Error(`${what} not acknowledged within ${ms / 1000} s (sink got ${sink.docs} documents in ${sink.requests} requests)`)), ms).unref())
    await Promise.race([blast(port, windows.slice(0, 4), counts), deadline(60_000, 'warm-up')]) // warm-up: TLS, JIT, grok compile in the workers
    const before = sink.docs
    const cpu0 = pids.reduce((a, p) => a + cpuOfPid(p), 0)
    const threads0 = pids.map(threadCpu)
    const m = await measure(() => Promise.race([blast(port, windows, counts), deadline(300_000, 'run')]))
    const cpu = pids.reduce((a, p) => a + cpuOfPid(p), 0) - cpu0
    const threads = threadDelta(threads0, pids.map(threadCpu))
    const hwm = Math.max(...pids.map(hwmOfPid)) // the largest worker's peak RSS
    const got = sink.docs - before
    // every ACK means Elasticsearch (here: the sink) had the documents: check it did
    if (got < events) throw new Error(`${events} events acknowledged but only ${got} reached the sink`)
    return { eps: events / m.wall_s, wall: m.wall_s, cpu, benchCpu: m.cpu_s, threads, hwm }
  } catch (err) {
    throw new Error(`${workers} worker(s): ${(err as Error).message}; aggregator said: ${tail()}`)
  } finally {
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
    await sink.close()
  }
}

function shaped(shape: 'forwarder' | 'filebeat', events: number): { payloads: string[]; windows: Buffer[] } {
  const lines = sampleLines(events)
  const payloads = shape === 'forwarder' ? forwarderShaped(lines) : filebeatShaped(lines)
  const windows: Buffer[] = []
  for (let i = 0; i < payloads.length; i += WINDOW) windows.push(encodeWindow(payloads.slice(i, i + WINDOW), 3))
  return { payloads, windows }
}

/** The parts measured by a fresh Node process (this file run with `--parts <shape> <events>`). */
function partsInChild(shape: 'forwarder' | 'filebeat', events: number): { total: number; each: Record<string, number> } {
  const r = spawnSync(process.execPath, ['--expose-gc', import.meta.filename, '--parts', shape, String(events)], { encoding: 'utf8', timeout: 300_000 })
  if (r.status !== 0) throw new Error(`parts child failed (${r.status}): ${r.stderr.slice(-500)}`)
  return JSON.parse(r.stdout) as { total: number; each: Record<string, number> }
}

/**
 * The parts on one core: CPU-seconds of each over the same events, window by
 * window as the aggregator streams them (2,048 events parsed, run through the
 * stages, encoded and gzipped, then dropped), each step timed by this
 * thread's CPU clock.
 */
async function parts(windows: Buffer[], payloads: string[]): Promise<{ total: number; each: Record<string, number> }> {
  const each: Record<string, number> = { inflate: 0, 'JSON.parse': 0, 'derive _id': 0, grok: 0, date: 0, mutate: 0, 'bulk encode': 0, 'gzip 1': 0 }
  const ctx = { logger: silentLogger(), metrics: new MetricsRegistry(), patternsDir: defaultPatternsDir }
  const stages: [string, Awaited<ReturnType<typeof buildPipeline>>][] = []
  for (const [i, name] of ['grok', 'date', 'mutate'].entries()) {
    const item = structuredClone(PIPELINE[i]!) as unknown as Record<string, Record<string, unknown>>
    if (name === 'grok') item.grok!.timeout_millis = 0 // inline: the regex work alone, no watchdog hop
    stages.push([name, await buildPipeline(validatePipeline([item], stageComponents), ctx)])
  }
  const encoder = new BulkEncoder({ index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}' })
  const cpu = (): number => {
    const u = threadCpuUsage()
    return (u.user + u.system) / 1e6
  }
  for (let w = 0; w < windows.length; w++) {
    let t = cpu()
    const lap = (name: string): void => {
      const now = cpu()
      each[name]! += now - t
      t = now
    }
    inflateSync(windows[w]!.subarray(12))
    lap('inflate')
    const events: LogEvent[] = []
    for (let i = w * WINDOW; i < Math.min(payloads.length, (w + 1) * WINDOW); i++) events.push(JSON.parse(payloads[i]!) as LogEvent)
    lap('JSON.parse')
    // as inputs.beats does (derive_id: true) for events without @metadata._id: Filebeat's
    for (const e of events) {
      const meta = e['@metadata'] as Record<string, unknown> | undefined
      if (meta === undefined || typeof meta._id === 'string') continue
      const id = deriveBeatId(e)
      if (id !== undefined) meta._id = id
    }
    lap('derive _id')
    for (const [name, p] of stages) {
      t = cpu()
      await p.run(events)
      lap(name)
    }
    // as the Elasticsearch output does: encode each event, then the request body written from the documents
    const docs: BulkDoc[] = []
    let bytes = 0
    for (const e of events) {
      const d = encoder.encode(e)
      if (typeof d !== 'string') {
        docs.push(d)
        bytes += d.bytes
      }
    }
    const body = writeBulkBody(docs, bytes)
    lap('bulk encode')
    gzipSync(body, { level: 1 })
    lap('gzip 1')
  }
  for (const [, p] of stages) await p.close()
  return { total: Object.values(each).reduce((a, b) => a + b, 0), each }
}

const scenario: Scenario = {
  name: 'pipeline',
  description: 'TLS Lumberjack windows of nginx lines (forwarder- and Filebeat-shaped) → child aggregator → grok COMBINEDAPACHELOG → date → mutate → Elasticsearch output (gzip) → null _bulk sink; vs the sum of the parts on one core',
  async run({ quick }) {
    const events = quick ? 40 * WINDOW : 200 * WINDOW
    const results: BenchResult[] = []
    const dir = mkdtempSync(join(tmpdir(), 'logyard-bench-pipeline-'))
    try {
      // LOGYARD_BENCH_PIPELINE=forwarder (or filebeat): that shape only, one worker only (profiling, A/B runs)
      const only = process.env.LOGYARD_BENCH_PIPELINE
      for (const shape of (['forwarder', 'filebeat'] as const).filter((s) => only === undefined || only === s)) {
        const { windows } = shaped(shape, events)
        const counts = windows.map((_, i) => Math.min(WINDOW, events - i * WINDOW))
        const p = partsInChild(shape, events)
        const partsPerCpu = events / p.total
        const breakdown = Object.entries(p.each).map(([k, v]) => `${k} ${((v / p.total) * 100).toFixed(0)}%`).join(', ')
        results.push(result({ scenario: `pipeline.${shape}.parts`, unit: 'events/cpu-s', throughput: partsPerCpu, wall_s: p.total, cpu_s: p.total, peak_rss_mib: 0, notes: `sum of the parts on one core: ${breakdown}` }))
        for (const workers of shape === 'forwarder' && only === undefined ? [1, 2] : [1]) {
          const r = await childRun(workers, windows, counts, events, dir)
          const limit = { name: `sum of the parts on one core ×${workers}, per wall second`, throughput: partsPerCpu * Math.min(workers, availableParallelism()), unit: 'events/s' }
          results.push(result({
            scenario: `pipeline.${shape}.workers${workers}`, unit: 'events/s', throughput: r.eps, wall_s: r.wall, cpu_s: r.cpu, peak_rss_mib: r.hwm, limit,
            target: workers === 1 ? 100_000 : 180_000,
            notes: `${events} events over 4 mTLS connections; aggregator ${r.cpu.toFixed(2)} CPU-s, load generator + null sink ${r.benchCpu.toFixed(2)} CPU-s on the same ${availableParallelism()} cores`,
          }))
          results.push(result({
            scenario: `pipeline.${shape}.workers${workers}.per-cpu`, unit: 'events/cpu-s', throughput: events / Math.max(r.cpu, 1e-6), wall_s: r.wall, cpu_s: r.cpu, peak_rss_mib: r.hwm,
            limit: { name: 'sum of the parts, per CPU-second', throughput: partsPerCpu, unit: 'events/cpu-s' },
            notes: `events per CPU-second of the aggregator process(es); V8 flags ${V8_FLAGS.join(' ') || 'none'}; CPU-s by thread: ${r.threads}`,
          }))
        }
      }
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    return results
  },
}

export default scenario

if (import.meta.main && process.argv[2] === '--parts') {
  const shape = process.argv[3] === 'filebeat' ? 'filebeat' : 'forwarder'
  const { payloads, windows } = shaped(shape, Number(process.argv[4]))
  await parts(windows.slice(0, 4), payloads.slice(0, 4 * WINDOW)) // warm-up: JIT, grok compile
  ;(globalThis as { gc?: () => void }).gc?.()
  process.stdout.write(JSON.stringify(await parts(windows, payloads)))
}
