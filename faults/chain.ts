import { spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs'
import { createConnection } from 'node:net'
import { join } from 'node:path'
import { freePort, startProc, until, writeConfig, type Proc } from '../test/e2e/procs.ts'
import type { ElasticsearchInstance } from '../test/helpers/elasticsearch.ts'
import { tlsMaterial } from '../test/helpers/tls.ts'
import { childPids, RssSampler } from './rss.ts'

// The real chain of one scenario: log files → logyard-forwarder (TLS) →
// HAProxy (configs/haproxy.cfg unchanged) → two logyard-aggregators with two
// workers each → the suite's Elasticsearch. Every process here was started by
// this object and is stopped by its pid.

const root = join(import.meta.dirname, '..')
const haproxyBin = ['/usr/sbin/haproxy', '/usr/bin/haproxy'].find((p) => existsSync(p))

export interface ChainOptions {
  dir: string
  es: ElasticsearchInstance
  scenario: string
  /** Extra forwarder.yml lines (top level). */
  forwarder?: string[]
  /** The forwarder's data_dir (default <dir>/fwd-data). */
  dataDir?: (dir: string) => string
  /** An aggregator's dead_letter.path (default <dir>/dlq-<name>). */
  dlqDir?: (dir: string, aggregator: string) => string
  /** Extra aggregator.yml lines (top level). */
  aggregator?: string[]
  /** Extra output.elasticsearch options, e.g. 'concurrency: 8'. */
  esOutput?: string[]
  /** The aggregators' Elasticsearch URL (default the suite's node). */
  esUrl?: string
}

interface Agg {
  name: string
  port: number
  ops: number
  config: string
  proc: Proc | undefined
}

export class Chain {
  readonly o: ChainOptions
  readonly logs: string
  readonly index: string
  readonly rss = new RssSampler()
  readonly aggs: Agg[] = []
  forwarder: Proc | undefined
  #fwdConfig = ''
  #fwdOps = 0
  #haproxy: ChildProcess | undefined
  #sock = ''
  #all: Proc[] = []

  constructor(o: ChainOptions) {
    this.o = o
    this.logs = join(o.dir, 'logs')
    mkdirSync(this.logs, { recursive: true })
    this.index = `faults-${o.scenario}`
  }

  get dataDir(): string {
    return this.o.dataDir ? this.o.dataDir(this.o.dir) : join(this.o.dir, 'fwd-data')
  }

  get forwarderMetricsUrl(): string {
    return `http://127.0.0.1:${this.#fwdOps}/metrics`
  }

  /** The acknowledged offset of logs/app.log in the registry on disk (-1 when unreadable). */
  registryOffset(): number {
    try {
      const reg = JSON.parse(readFileSync(join(this.dataDir, 'registry.json'), 'utf8')) as { files: { path: string; offset: number }[] }
      return reg.files.find((f) => f.path === join(this.logs, 'app.log'))?.offset ?? -1
    } catch {
      return -1
    }
  }

  async start(): Promise<void> {
    if (!haproxyBin) throw new Error('haproxy is not installed (apt-get install haproxy)')
    const tls = tlsMaterial()
    const o = this.o
    const [lb, p1, o1, p2, o2, fo] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort(), freePort()])
    this.#fwdOps = fo
    for (const [name, port, ops] of [['agg-a', p1, o1], ['agg-b', p2, o2]] as const) {
      const config = writeConfig(o.dir, `${name}.yml`, [
        'workers: 2',
        'inputs:',
        '  beats:',
        `    listen: 127.0.0.1:${port}`,
        `    tls: {cert: ${tls.serverCertFile}, key: ${tls.serverKeyFile}}`,
        'pipeline:',
        '  - json: {field: message}',
        'output:',
        '  elasticsearch:',
        `    hosts: ['${o.esUrl ?? o.es.url}']`,
        `    index: '${this.index}'`,
        '    flush_interval: 200ms',
        '    health_check_interval: 1s',
        '    retry_max: 2s',
        ...(o.esOutput ?? []).map((l) => `    ${l}`),
        `dead_letter: {path: ${o.dlqDir ? o.dlqDir(o.dir, name) : join(o.dir, `dlq-${name}`)}}`,
        `http: {listen: 127.0.0.1:${ops}}`,
        'shutdown_timeout: 15s',
        ...(o.aggregator ?? []),
      ])
      this.aggs.push({ name, port, ops, config, proc: undefined })
    }
    await Promise.all(this.aggs.map((_, i) => this.startAggregator(i)))
    this.#sock = join(o.dir, 'haproxy.sock')
    const extra = writeConfig(o.dir, 'haproxy-stats.cfg', ['global', `    stats socket ${this.#sock} level admin`])
    this.#haproxy = spawn(haproxyBin, ['-db', '-f', join(root, 'configs', 'haproxy.cfg'), '-f', extra], {
      stdio: ['ignore', 'ignore', 'ignore'],
      env: { ...process.env, LB_BIND: '127.0.0.1', LB_PORT: String(lb), AGG1_HOST: '127.0.0.1', AGG1_PORT: String(p1), AGG1_OPS_PORT: String(o1), AGG2_HOST: '127.0.0.1', AGG2_PORT: String(p2), AGG2_OPS_PORT: String(o2) },
    })
    await until(async () => {
      if (this.#haproxy!.exitCode !== null) throw new Error(`haproxy exited ${this.#haproxy!.exitCode}`)
      const s = await this.haproxyStatus()
      return s['agg1'] === 'UP' && s['agg2'] === 'UP'
    }, 60_000, 'both aggregators UP in haproxy')
    this.#fwdConfig = writeConfig(o.dir, 'forwarder.yml', [
      `data_dir: ${this.dataDir}`,
      'inputs:',
      `  - paths: ['${join(this.logs, 'app.log')}']`,
      '    read_from: beginning',
      `    fields: {scenario: ${o.scenario}}`,
      'output:',
      `  hosts: ['localhost:${lb}']`,
      `  tls: {ca: ${tls.caFile}}`,
      '  timeout: 10s',
      '  backoff: {init: 200ms, max: 2s}',
      'registry_flush: 500ms',
      `http: {listen: 127.0.0.1:${fo}}`,
      'shutdown_timeout: 15s',
      ...(o.forwarder ?? []),
    ])
    const pidOf = (p: Proc | undefined): number[] => (p && p.child.exitCode === null && p.child.signalCode === null && p.child.pid ? [p.child.pid] : [])
    this.rss.track({ name: 'forwarder', pids: () => pidOf(this.forwarder) })
    for (const a of this.aggs) {
      this.rss.track({ name: `${a.name} primary`, pids: () => pidOf(a.proc) })
      this.rss.track({ name: `${a.name} worker`, pids: () => pidOf(a.proc).flatMap((p) => childPids(p)) })
    }
    this.rss.track({ name: 'haproxy', pids: () => (this.#haproxy?.pid && this.#haproxy.exitCode === null ? [this.#haproxy.pid] : []) })
    this.rss.track({ name: 'elasticsearch', pids: () => (o.es.pgid > 0 ? [o.es.pgid] : []), tree: true })
    this.rss.start()
  }

  async startAggregator(i: number): Promise<void> {
    const a = this.aggs[i]!
    const p = startProc('aggregator', a.config)
    this.#all.push(p)
    a.proc = p
    await p.waitFor((r) => r.msg === 'aggregator started', 120_000, `${a.name} started`)
  }

  /** The aggregator holding the forwarder's connection (most open Lumberjack connections; a on a tie). */
  async busiestAggregator(): Promise<number> {
    const conns = await Promise.all(
      this.aggs.map(async (a) => {
        try {
          const text = await (await fetch(`http://127.0.0.1:${a.ops}/metrics`)).text()
          let n = 0
          for (const m of text.matchAll(/^logyard_lumberjack_connections(?:\{[^}]*\})? (\d+)$/gm)) n += Number(m[1])
          return n
        } catch {
          return 0
        }
      }),
    )
    return conns[1]! > conns[0]! ? 1 : 0
  }

  /** Process ids of aggregator i's workers. */
  workerPids(i: number): number[] {
    const pid = this.aggs[i]!.proc?.child.pid
    return pid ? childPids(pid) : []
  }

  async startForwarder(): Promise<void> {
    const p = startProc('forwarder', this.#fwdConfig)
    this.#all.push(p)
    this.forwarder = p
    await p.waitFor((r) => r.msg === 'forwarder started', 60_000, 'forwarder started')
  }

  /** SIGKILL the forwarder and wait until it is gone. */
  async killForwarder(): Promise<void> {
    const p = this.forwarder
    if (!p || p.child.exitCode !== null || p.child.signalCode !== null) return
    p.child.kill('SIGKILL')
    await p.exited
  }

  async stopForwarder(): Promise<number | null> {
    const code = (await this.forwarder?.stop(30_000)) ?? null
    return code
  }

  async forwarderMetrics(): Promise<Record<string, number>> {
    const res = await fetch(`http://127.0.0.1:${this.#fwdOps}/metrics`)
    const out: Record<string, number> = {}
    for (const line of (await res.text()).split('\n')) {
      const m = /^(logyard_forwarder_[a-z_]+) (\d+(?:\.\d+)?)$/.exec(line)
      if (m) out[m[1]!] = Number(m[2])
    }
    return out
  }

  /** True when the running forwarder has read `bytes` and has nothing unacknowledged. */
  async forwarderIdle(bytes = 0): Promise<boolean> {
    if (!this.forwarder || this.forwarder.child.exitCode !== null) return false
    const m = await this.forwarderMetrics()
    return (m['logyard_forwarder_bytes_read_total'] ?? 0) >= bytes && m['logyard_forwarder_batches_in_flight'] === 0 && m['logyard_forwarder_batches_queued'] === 0 && m['logyard_forwarder_events_sent_total'] === m['logyard_forwarder_events_acked_total']
  }

  async haproxyStatus(): Promise<Record<string, string>> {
    const csv = await new Promise<string>((resolve, reject) => {
      const c = createConnection(this.#sock)
      let out = ''
      c.on('data', (d) => (out += d))
      c.on('end', () => resolve(out))
      c.on('error', reject)
      c.end('show stat\n')
    })
    const out: Record<string, string> = {}
    for (const line of csv.split('\n')) {
      const f = line.split(',')
      if (f[0] === 'aggregators' && f[1] !== 'BACKEND') out[f[1]!] = f[17]!
    }
    return out
  }

  /** Writes every forwarder run's log records to <dir>/forwarder-<n>.jsonl (for a failed scenario). */
  dumpForwarderLogs(): void {
    let n = 0
    for (const p of this.#all) {
      if (!p.records.some((r) => r.msg === 'forwarder started')) continue
      writeFileSync(join(this.o.dir, `forwarder-${n++}.jsonl`), p.records.map((r) => JSON.stringify(r)).join('\n') + '\n')
    }
  }

  /** Stops everything this chain started, by pid: SIGTERM, SIGKILL after a grace period. */
  async stop(): Promise<void> {
    this.rss.stop()
    await Promise.all(this.#all.map((p) => p.stop(20_000).catch(() => null)))
    const h = this.#haproxy
    if (h && h.exitCode === null && h.signalCode === null) {
      const gone = new Promise((r) => h.once('exit', r))
      h.kill('SIGKILL')
      await gone
    }
  }
}
