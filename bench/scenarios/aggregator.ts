import { spawn, type ChildProcess } from 'node:child_process'
import { EventEmitter, once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { availableParallelism, tmpdir } from 'node:os'
import { join } from 'node:path'
import { connect as tlsConnect, type TLSSocket } from 'node:tls'
import { inflateSync } from 'node:zlib'
import { measure, result, type BenchResult, type Scenario } from '../harness.ts'
import { Aggregator } from '../../aggregator/app.ts'
import type { Output } from '../../aggregator/component.ts'
import { BulkEncoder } from '../../aggregator/outputs/elasticsearch/es-encoder.ts'
import { buildPipeline, validatePipeline } from '../../aggregator/pipeline/pipeline.ts'
import { BeatsInput } from '../../aggregator/inputs/beats/beats-input.ts'
import { stageComponents } from '../../aggregator/stages/index.ts'
import { encodeWindow } from '../../core/lumberjack/frame-encoder.ts'
import type { LogEvent } from '../../core/event.ts'
import { silentLogger } from '../../core/logger.ts'
import { MetricsRegistry } from '../../core/metrics.ts'
import { tlsMaterial } from '../../test/helpers/tls.ts'

// Aggregator throughput without Elasticsearch: pre-encoded Lumberjack windows
// (zlib level 3, 2048 events) over TLS → beats input → json or date stage →
// bulk encoding (the real BulkEncoder) → a blackhole output. Compared with
// zlib inflate of the same frames alone, the floor of what a worker must do.
// Then the same through child-process aggregators with 1 and 2 workers, to
// see how it scales on this machine's cores.

const WINDOW = 2048
const CONNECTIONS = 4
const IN_FLIGHT_PER_CONNECTION = 2

function makePayloads(count: number): string[] {
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const s = i % 60
    const inner = JSON.stringify({ level: ['info', 'warn', 'error'][i % 3], request_id: `req-${i}`, duration_ms: (i * 13) % 900, path: `/api/v1/orders/${i % 1000}`, status: [200, 201, 404, 500][i % 4] })
    out.push(JSON.stringify({
      '@timestamp': '2026-11-22T04:00:00.000Z',
      '@metadata': { beat: 'filebeat', version: '8.19.0', _id: `bench-${i}` },
      message: inner,
      ts: `22/Nov/2026:04:${String(Math.floor(i / 60) % 60).padStart(2, '0')}:${String(s).padStart(2, '0')} +0000`,
      log: { file: { path: '/var/log/app/production.log' }, offset: i * 180 },
      host: { name: 'app-1' },
      agent: { type: 'filebeat', version: '8.19.0' },
      input: { type: 'filestream' },
      fields: { service: 'api' },
      tags: ['rails'],
    }))
  }
  return out
}

function makeWindows(payloads: string[]): Buffer[] {
  const windows: Buffer[] = []
  for (let i = 0; i < payloads.length; i += WINDOW) windows.push(encodeWindow(payloads.slice(i, i + WINDOW), 3))
  return windows
}

/** zlib inflate of every window's C body: the limit. */
function inflateAll(windows: Buffer[]): number {
  let bytes = 0
  for (const w of windows) bytes += inflateSync(w.subarray(12)).length
  return bytes
}

class BlackholeOutput extends EventEmitter implements Output {
  readonly type = 'blackhole'
  readonly busy = false
  readonly #encoder = new BulkEncoder({ index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}' })
  bytes = 0
  events = 0
  async write(events: LogEvent[]): Promise<void> {
    for (let i = 0; i < events.length; i++) {
      const doc = this.#encoder.encode(events[i]!)
      if (typeof doc !== 'string') this.bytes += doc.bytes
    }
    this.events += events.length
  }
  healthy(): boolean {
    return true
  }
  async close(): Promise<void> {}
}

/** Sends every window over `CONNECTIONS` TLS connections, IN_FLIGHT_PER_CONNECTION windows each; resolves when all are ACKed. */
export async function blast(port: number, windows: Buffer[], counts: number[]): Promise<void> {
  const tls = tlsMaterial()
  let next = 0
  const one = async (): Promise<void> => {
    const socket: TLSSocket = tlsConnect({ host: '127.0.0.1', port, ca: tls.ca, cert: tls.clientCert, key: tls.clientKey, servername: 'localhost' })
    await once(socket, 'secureConnect')
    const waiting: number[] = [] // expected ack seq per window in order
    let pending: Buffer = Buffer.alloc(0)
    await new Promise<void>((resolve, reject) => {
      const pump = (): void => {
        while (waiting.length < IN_FLIGHT_PER_CONNECTION && next < windows.length) {
          const i = next++
          waiting.push(counts[i]!)
          socket.write(windows[i]!)
        }
        if (waiting.length === 0) resolve()
      }
      socket.on('data', (d: Buffer) => {
        pending = pending.length === 0 ? d : Buffer.concat([pending, d])
        let off = 0
        while (pending.length - off >= 6) {
          const seq = pending.readUInt32BE(off + 2)
          off += 6
          if (seq !== 0 && seq === waiting[0]) waiting.shift()
        }
        pending = pending.subarray(off)
        pump()
      })
      socket.on('error', reject)
      socket.on('close', () => (waiting.length > 0 ? reject(new Error('connection closed with windows unacknowledged')) : resolve()))
      pump()
    })
    socket.end()
  }
  await Promise.all(Array.from({ length: CONNECTIONS }, one))
}

async function inProcess(label: string, pipelineItems: unknown[], windows: Buffer[], counts: number[], events: number, limit: number): Promise<BenchResult> {
  const tls = tlsMaterial()
  const logger = silentLogger()
  const metrics = new MetricsRegistry()
  const pipeline = await buildPipeline(validatePipeline(pipelineItems, stageComponents), { logger, metrics, patternsDir: '' })
  const output = new BlackholeOutput()
  const app = new Aggregator({
    logger, metrics, pipeline, output, maxInflightBatches: 32, shutdownTimeout: 5000,
    inputs: [{ type: 'beats', create: (deliver) => new BeatsInput({ listen: '127.0.0.1:0', tls: { cert: tls.serverCertFile, key: tls.serverKeyFile, client_ca: [tls.caFile], client_auth: 'required', min_version: 'TLSv1.2' } } as never, { logger, metrics, deliver }) }],
  })
  const port = (await app.start()).beats!.port as number
  await blast(port, windows.slice(0, 2), counts) // warm-up: TLS, JIT
  output.events = 0
  const m = await measure(() => blast(port, windows, counts))
  await app.stop(5000)
  if (output.events !== events) throw new Error(`${label}: ${output.events} events reached the output, expected ${events}`)
  const throughput = events / m.wall_s
  return result({
    scenario: `aggregator.inprocess.${label}`,
    unit: 'events/s',
    throughput,
    wall_s: m.wall_s,
    cpu_s: m.cpu_s,
    peak_rss_mib: m.peak_rss_mib,
    limit: { name: 'zlib.inflate same windows', throughput: limit, unit: 'events/s' },
    target: 100_000,
    notes: `1 process (TLS client in the same process), ${CONNECTIONS} mTLS connections, windows of ${WINDOW} at zlib 3, ${label} stage, BulkEncoder → blackhole; ${Math.round(output.bytes / 1048576)} MiB of bulk NDJSON`,
  })
}

export function cpuOfPid(pid: number): number {
  try {
    const f = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]!.split(' ')
    return (Number(f[11]) + Number(f[12])) / 100 // utime + stime in clock ticks (100/s)
  } catch {
    return 0
  }
}

/** VmHWM of a process in MiB (its peak resident set), 0 when it is gone. */
export function hwmOfPid(pid: number): number {
  try {
    const m = /^VmHWM:\s+(\d+) kB/m.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
    return m ? Number(m[1]) / 1024 : 0
  } catch {
    return 0
  }
}

/** A child-process aggregator (bin/logyard-aggregator.js) with `workers` workers and a blackhole output. */
async function startChild(workers: number, dir: string): Promise<{ child: ChildProcess; port: number; pids: number[]; tail: () => string }> {
  const tls = tlsMaterial()
  const config = join(dir, `aggregator-${workers}.yml`)
  writeFileSync(config, [
    `workers: ${workers}`,
    'inputs:',
    `  beats: {listen: '127.0.0.1:0', tls: {cert: '${tls.serverCertFile}', key: '${tls.serverKeyFile}', client_ca: ['${tls.caFile}'], client_auth: required}}`,
    'pipeline:',
    '  - json: {field: message}',
    "output: {blackhole: {}}",
    'logging: {level: info}',
  ].join('\n') + '\n')
  return spawnAggregator(config, workers)
}

/**
 * The V8 flags configs/logyard-aggregator.service starts the aggregator with
 * (read from its ExecStart line, so a bench runs what the unit runs).
 */
export const UNIT_V8_FLAGS: string[] = (() => {
  const unit = readFileSync(join(import.meta.dirname, '../../configs/logyard-aggregator.service'), 'utf8')
  const exec = /^ExecStart=\S+\/node((?: --[\w-]+(?:=\S+)?)*) /m.exec(unit)
  if (!exec) throw new Error('configs/logyard-aggregator.service: no ExecStart line with node flags')
  return exec[1]!.trim().split(' ').filter(Boolean)
})()

/** Starts bin/logyard-aggregator.js on `config`; resolves once `workers` workers logged 'aggregator started', with their pids and the beats port. */
export async function spawnAggregator(config: string, workers: number, env: NodeJS.ProcessEnv = {}, v8Flags: readonly string[] = []): Promise<{ child: ChildProcess; port: number; pids: number[]; tail: () => string }> {
  const node = join(import.meta.dirname, '../../node_modules/.bin/node')
  const child = spawn(node, [...v8Flags, join(import.meta.dirname, '../../bin/logyard-aggregator.js'), '--config', config], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  const pids: number[] = []
  const last: string[] = []
  let port = 0
  let buf = ''
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`aggregator did not start: ${stderr}`)), 30_000)
    child.on('exit', (code) => reject(new Error(`aggregator exited ${code}: ${stderr}`)))
    child.stdout!.on('data', (d: Buffer) => {
      buf += d.toString()
      let nl
      while ((nl = buf.indexOf('\n')) >= 0) {
        const line = buf.slice(0, nl)
        buf = buf.slice(nl + 1)
        last.push(line)
        if (last.length > 5) last.shift()
        let rec: { msg?: string; pid?: number; listening?: { beats?: { port?: number } } }
        try { rec = JSON.parse(line) } catch { continue }
        if (rec.msg === 'aggregator started' && rec.pid) {
          pids.push(rec.pid)
          port = rec.listening?.beats?.port ?? port
          if (pids.length === workers) {
            clearTimeout(timer)
            resolve()
          }
        }
      }
    })
  })
  child.removeAllListeners('exit')
  return { child, port, pids, tail: () => `${stderr.slice(-1000)} ${last.join('\n').slice(-1500)}` }
}

async function childRun(workers: number, windows: Buffer[], counts: number[], events: number, dir: string): Promise<{ eps: number; wall: number; cpu: number }> {
  const { child, port, pids, tail } = await startChild(workers, dir)
  try {
    await blast(port, windows.slice(0, 2), counts)
    const cpu0 = pids.reduce((a, p) => a + cpuOfPid(p), 0)
    const t0 = process.hrtime.bigint()
    await blast(port, windows, counts)
    const wall = Number(process.hrtime.bigint() - t0) / 1e9
    const cpu = pids.reduce((a, p) => a + cpuOfPid(p), 0) - cpu0
    return { eps: events / wall, wall, cpu }
  } catch (err) {
    throw new Error(`${workers} worker(s): ${(err as Error).message}; aggregator said: ${tail()}`)
  } finally {
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
  }
}

const scenario: Scenario = {
  name: 'aggregator',
  description: 'beats (TLS, zlib 3) → json/date stage → bulk encoding → blackhole, in-process and 1 vs 2 child workers',
  async run({ quick }) {
    const events = quick ? 60 * WINDOW : 250 * WINDOW
    const payloads = makePayloads(events)
    const windows = makeWindows(payloads)
    const counts = windows.map((_, i) => Math.min(WINDOW, events - i * WINDOW))
    const inflate = await measure(() => inflateAll(windows))
    const limit = events / inflate.wall_s
    const results: BenchResult[] = []
    results.push(result({
      scenario: 'aggregator.limit.zlib-inflate',
      unit: 'events/s',
      throughput: limit,
      wall_s: inflate.wall_s,
      cpu_s: inflate.cpu_s,
      peak_rss_mib: inflate.peak_rss_mib,
      notes: `inflateSync of ${windows.length} window bodies, ${Math.round(inflate.value / 1048576)} MiB out`,
    }))
    results.push(await inProcess('json', [{ json: { field: 'message' } }], windows, counts, events, limit))
    results.push(await inProcess('date', [{ date: { field: 'ts', formats: ['dd/MMM/yyyy:HH:mm:ss Z'] } }], windows, counts, events, limit))
    const dir = mkdtempSync(join(tmpdir(), 'logyard-bench-agg-'))
    try {
      const one = await childRun(1, windows, counts, events, dir)
      const two = await childRun(2, windows, counts, events, dir)
      results.push(result({
        scenario: 'aggregator.child.workers1.json', unit: 'events/s', throughput: one.eps, wall_s: one.wall, cpu_s: one.cpu, peak_rss_mib: 0,
        limit: { name: 'zlib.inflate same windows', throughput: limit, unit: 'events/s' }, target: 100_000,
        notes: 'bin/logyard-aggregator.js, workers: 1, blackhole output (no bulk encoding here, unlike the in-process cases); cpu_s is the aggregator processes; client TLS runs in the bench process on the same cores',
      }))
      results.push(result({
        scenario: 'aggregator.child.workers2.json', unit: 'events/s', throughput: two.eps, wall_s: two.wall, cpu_s: two.cpu, peak_rss_mib: 0,
        limit: { name: 'aggregator.child.workers1.json', throughput: one.eps, unit: 'events/s' },
        notes: `workers: 2 (cluster) vs 1: ratio is the scaling factor on this ${String(availableParallelism())}-core machine, shared with the TLS client`,
      }))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    // The machine is shared: wall-clock rates move with the neighbours' load.
    // Events per CPU-second of the process doing the work are steadier.
    const cpuLimit = events / Math.max(inflate.cpu_s, 1e-6)
    for (const r of results.slice(1)) {
      if (r.cpu_s <= 0) continue
      results.push(result({
        scenario: `${r.scenario}.per-cpu`, unit: 'events/cpu-s', throughput: events / r.cpu_s, wall_s: r.wall_s, cpu_s: r.cpu_s, peak_rss_mib: r.peak_rss_mib,
        limit: { name: 'zlib.inflate same windows, per CPU-second', throughput: cpuLimit, unit: 'events/cpu-s' },
        target: 100_000,
        notes: r.scenario.includes('inprocess') ? 'CPU of the one process: TLS client + aggregator' : 'CPU of the aggregator process(es) only',
      }))
    }
    return results
  },
}

export default scenario
