import { spawn, type ChildProcess } from 'node:child_process'
import { once } from 'node:events'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { measure, result, type BenchResult, type Scenario } from '../harness.ts'
import { senderDatagrams } from '../collectd-sender.ts'
import { createDecoderContext, decodeCollectd } from '../../aggregator/inputs/collectd/decoder.ts'
import { loadTypesDb } from '../../aggregator/inputs/collectd/types-db.ts'
import { collectdMetricJson } from '../../aggregator/inputs/collectd/ecs-json.ts'
import type { LogEvent } from '../../core/event.ts'
import { freePort } from '../../test/e2e/procs.ts'
import { cpuOfPid, hwmOfPid, UNIT_V8_FLAGS } from './aggregator.ts'

// collectd end to end, as an operator runs it: a sender process blasts
// collectd-shaped datagrams (1452 bytes, ~50 value lists) at a fixed rate
// above what one worker can take → a child logyard-aggregator (workers: 1,
// the unit's V8 flags) → an empty pipeline → the blackhole output, then the
// file output (fsynced group commits), and into the file output again with
// 58 KiB datagrams of one value list each (the queue's bound in bytes binds:
// the worst case for memory). Reported: values delivered per second
// and per CPU-second of the aggregator, every drop by reason (queue full in
// the aggregator, kernel = sent but never received), peak RSS (VmHWM). The
// limit is decoding the same datagrams alone on one core, in this run.

const ROOT = join(import.meta.dirname, '../..')
const NODE = join(ROOT, 'node_modules/.bin/node')
const TYPES_DB = join(ROOT, 'test/fixtures/collectd/types.db')
// The same V8 flags as configs/logyard-aggregator.service (see there why).
const V8_FLAGS = UNIT_V8_FLAGS
const UNIT_ENV = { MALLOC_ARENA_MAX: '2' }

function procStat(pid: number): { cpu_s: number; hwm_mib: number } {
  return { cpu_s: cpuOfPid(pid), hwm_mib: hwmOfPid(pid) }
}

async function metrics(opsPort: number): Promise<Map<string, number>> {
  const text = await (await fetch(`http://127.0.0.1:${opsPort}/metrics`)).text()
  const m = new Map<string, number>()
  for (const line of text.split('\n')) {
    if (line.startsWith('#') || line === '') continue
    const sp = line.lastIndexOf(' ')
    m.set(line.slice(0, sp), Number(line.slice(sp + 1)))
  }
  return m
}

async function startAggregator(dir: string, output: string): Promise<{ child: ChildProcess; udp: number; ops: number }> {
  const udp = await freePort()
  const ops = await freePort()
  const config = join(dir, 'aggregator.yml')
  writeFileSync(config, [
    'workers: 1',
    `inputs: {collectd: {listen: '127.0.0.1:${udp}', types_db: ['${TYPES_DB}']}}`,
    'pipeline: []',
    `output: ${output}`,
    `http: {listen: '127.0.0.1:${ops}'}`,
    'logging: {level: warn}',
  ].join('\n') + '\n')
  const child = spawn(NODE, [...V8_FLAGS, join(ROOT, 'bin/logyard-aggregator.js'), '--config', config], { stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, ...UNIT_ENV } })
  let stderr = ''
  child.stderr!.on('data', (d: Buffer) => { stderr += d.toString() })
  const deadline = Date.now() + 30_000
  for (;;) {
    if (child.exitCode !== null) throw new Error(`aggregator exited ${child.exitCode}: ${stderr}`)
    try {
      if ((await fetch(`http://127.0.0.1:${ops}/healthz`)).ok) break
    } catch { /* not up yet */ }
    if (Date.now() > deadline) throw new Error(`aggregator did not start: ${stderr}`)
    await new Promise((r) => setTimeout(r, 100))
  }
  return { child, udp, ops }
}

async function send(port: number, rate: number, seconds: number, big = false): Promise<{ datagrams: number; values: number; seconds: number; cpu_s: number }> {
  const child = spawn(NODE, [join(ROOT, 'bench/collectd-sender.ts'), String(port), String(rate), String(seconds), ...(big ? ['big'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] })
  let out = ''
  child.stdout!.on('data', (d: Buffer) => { out += d.toString() })
  const cpu = setInterval(() => { last = procStat(child.pid!).cpu_s }, 200)
  let last = 0
  await once(child, 'exit')
  clearInterval(cpu)
  return { ...(JSON.parse(out) as { datagrams: number; values: number; seconds: number }), cpu_s: last }
}

async function run(label: string, output: string, rate: number, seconds: number, limitPerCpu: number, dir: string, big = false): Promise<BenchResult[]> {
  const { child, udp, ops } = await startAggregator(dir, output)
  try {
    await send(udp, 20_000, 0.5) // warm-up: JIT, first batches
    const m0 = await metrics(ops)
    const s0 = procStat(child.pid!)
    const sent = await send(udp, rate, seconds, big)
    // let the queue drain: until the delivered count stops moving
    let m1 = await metrics(ops)
    for (let i = 0; i < 50; i++) {
      await new Promise((r) => setTimeout(r, 100))
      const m = await metrics(ops)
      if (m.get('logyard_collectd_events_total') === m1.get('logyard_collectd_events_total') && m.get('logyard_collectd_queue_events') === 0) break
      m1 = m
    }
    const s1 = procStat(child.pid!)
    const d = (k: string): number => (m1.get(k) ?? 0) - (m0.get(k) ?? 0)
    const delivered = d('logyard_collectd_events_total')
    const received = d('logyard_collectd_values_total') + d('logyard_collectd_dropped_total{reason="queue_full"}')
    const queueFull = d('logyard_collectd_dropped_total{reason="queue_full"}')
    const kernel = Math.max(0, sent.values - received)
    const cpu = s1.cpu_s - s0.cpu_s
    const notes = `sent ${sent.values} values in ${sent.datagrams} datagrams over ${sent.seconds.toFixed(1)} s (${Math.round(sent.values / sent.seconds)}/s offered; sender ${sent.cpu_s.toFixed(1)} CPU-s on the same cores); delivered ${delivered}; dropped queue_full ${queueFull}, kernel ${kernel}; aggregator ${cpu.toFixed(2)} CPU-s, VmHWM ${s1.hwm_mib.toFixed(0)} MiB; V8 flags ${V8_FLAGS.join(' ') || 'none'}`
    return [
      result({ scenario: `collectd.e2e.${label}`, unit: 'values/s', throughput: delivered / sent.seconds, wall_s: sent.seconds, cpu_s: cpu, peak_rss_mib: s1.hwm_mib, target: label === 'blackhole' ? 500_000 : undefined, notes } as never),
      result({ scenario: `collectd.e2e.${label}.per-cpu`, unit: 'values/cpu-s', throughput: delivered / Math.max(cpu, 1e-6), wall_s: sent.seconds, cpu_s: cpu, peak_rss_mib: s1.hwm_mib, limit: { name: 'collectd decode alone, same datagrams, per CPU-second', throughput: limitPerCpu, unit: 'values/cpu-s' }, notes: 'values delivered per CPU-second of the aggregator process' }),
    ]
  } finally {
    const exited = once(child, 'exit')
    child.kill('SIGTERM')
    await exited
  }
}

const scenario: Scenario = {
  name: 'collectd-e2e',
  description: 'collectd datagrams from a sender process at overload → child aggregator (workers: 1) → blackhole / file output: values/s delivered, drops by reason, peak RSS',
  async run({ quick }) {
    const seconds = quick ? 3 : 10
    const rate = quick ? 800_000 : 1_200_000
    const dgrams = senderDatagrams()
    const ctx = createDecoderContext({ typesDb: loadTypesDb([TYPES_DB]).db })
    let k = 0
    const decode = await measure(() => {
      let values = 0
      const end = performance.now() + (quick ? 700 : 3000)
      while (performance.now() < end) for (let i = 0; i < 50; i++) values += decodeCollectd(dgrams[k++ & 63]!.buf, ctx).values
      return values
    })
    const limitPerCpu = decode.value / Math.max(decode.cpu_s, 1e-6)
    // the file output's per-event cost: a line of each decoded event (+ UTF-8 into a buffer), JSON.stringify vs collectdMetricJson
    const events = dgrams.slice(0, 40).flatMap((d) => decodeCollectd(d.buf, ctx).events)
    const out = Buffer.allocUnsafe(1 << 20)
    const lines = (serialize: (e: LogEvent) => string) => measure(() => {
      let n = 0
      const end = performance.now() + (quick ? 500 : 2000)
      while (performance.now() < end) {
        let off = 0
        for (const e of events) off += out.write(serialize(e) + '\n', off, 'utf8')
        n += events.length
      }
      return n
    })
    const generic = await lines((e) => JSON.stringify(e))
    const own = await lines((e) => collectdMetricJson(e) ?? JSON.stringify(e))
    const perCpu = (m: { value: number; cpu_s: number }): number => m.value / Math.max(m.cpu_s, 1e-6)
    const serialize = result({ scenario: 'collectd.e2e.serialize', unit: 'events/cpu-s', throughput: perCpu(own), wall_s: own.wall_s, cpu_s: own.cpu_s, peak_rss_mib: own.peak_rss_mib, limit: { name: 'JSON.stringify of the same events + the same UTF-8 write', throughput: perCpu(generic), unit: 'events/cpu-s' }, notes: 'the file output\'s line for a decoded collectd value list: collectdMetricJson (same bytes) vs JSON.stringify, per CPU-second' })
    const dir = mkdtempSync(join(tmpdir(), 'logyard-bench-collectd-'))
    const results: BenchResult[] = [result({ scenario: 'collectd.e2e.limit.decode', unit: 'values/cpu-s', throughput: limitPerCpu, wall_s: decode.wall_s, cpu_s: decode.cpu_s, peak_rss_mib: decode.peak_rss_mib, notes: 'decodeCollectd of the same datagrams in one process, per CPU-second' }), serialize]
    try {
      results.push(...await run('blackhole', '{blackhole: {}}', rate, seconds, limitPerCpu, dir))
      results.push(...await run('file', `{file: {path: '${join(dir, 'out.ndjson')}'}}`, rate, seconds, limitPerCpu, dir))
      // the worst case for memory: 58 KiB datagrams of one value list each, so the queue's bound in bytes binds
      results.push(...await run('file.big-datagrams', `{file: {path: '${join(dir, 'big.ndjson')}'}}`, 20_000, seconds, limitPerCpu, dir, true))
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
    return results
  },
}

export default scenario
