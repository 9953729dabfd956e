import { deflateSync, inflateSync } from 'node:zlib'
import { silentLogger } from '../../core/logger.ts'
import { encodeBeatsJson } from '../../core/lumberjack/beats-json.ts'
import { LumberjackClient } from '../../core/lumberjack/client.ts'
import { FrameDecoder } from '../../core/lumberjack/frame-decoder.ts'
import { encodeJsonFrames, encodeWindow } from '../../core/lumberjack/frame-encoder.ts'
import { LumberjackServer } from '../../core/lumberjack/server.ts'
import { tlsMaterial } from '../../test/helpers/tls.ts'
import { measure, result, type BenchResult, type Measured, type Scenario } from '../harness.ts'
import { sampleLines } from './reference.ts'

// Lumberjack v2 codec and transport on 2,048-event windows of Filebeat-shaped
// events (~150-byte access-log message): encode (J frames + zlib) and decode
// (inflate + JSON.parse) at levels 1 and 3, each against zlib alone on the
// same bytes; and client → server over TLS on loopback against deflate +
// inflate of the same bytes. Issue target: decode ≥ 250k events/s per core.

const WINDOW = 2048
const DECODE_TARGET = 250_000

function filebeatEvents(n: number): string[] {
  const lines = sampleLines(n)
  return lines.map((message, i) =>
    encodeBeatsJson({
      '@timestamp': new Date(Date.UTC(2026, 10, 22, 4, 0, 0, i % 1000)),
      '@metadata': { beat: 'filebeat', type: '_doc', version: '8.13.4' },
      log: { offset: i * 152, file: { path: '/var/log/nginx/access.log' } },
      message,
      input: { type: 'filestream' },
      ecs: { version: '8.0.0' },
      host: { name: 'web-1' },
      agent: { type: 'filebeat', version: '8.13.4', name: 'web-1', id: '2b7e2c1a-6f1c-4d0e-9a51-3c2f6c9f1e77', ephemeral_id: '6f1c9a3e-1d2b-4c5a-8e7f-0a1b2c3d4e5f' },
    }),
  )
}

function mib(bytes: number, s: number): number {
  return bytes / 1048576 / s
}

/** measure() repeated; the run with the least wall time (the machine is shared). */
async function bestOf<T>(runs: number, fn: () => T): Promise<Measured<T>> {
  let out: Measured<T> | undefined
  for (let r = 0; r < runs; r++) {
    const m = await measure(fn)
    if (!out || m.wall_s < out.wall_s) out = m
  }
  return out!
}

function best<T>(runs: number, fn: () => T): { value: T; s: number } {
  let bestS = Infinity
  let value!: T
  for (let r = 0; r < runs; r++) {
    const t0 = process.hrtime.bigint()
    value = fn()
    const s = Number(process.hrtime.bigint() - t0) / 1e9
    if (s < bestS) bestS = s
  }
  return { value, s: bestS }
}

async function codec(level: number, windows: number, payloads: string[]): Promise<BenchResult[]> {
  const frames = encodeJsonFrames(payloads)
  const events = windows * WINDOW
  const rawBytes = windows * frames.length

  // zlib alone on the same bytes
  const zDeflate = best(3, () => {
    let n = 0
    for (let i = 0; i < windows; i++) n += deflateSync(frames, { level }).length
    return n
  })
  const body = deflateSync(frames, { level })
  const zInflate = best(3, () => {
    let n = 0
    for (let i = 0; i < windows; i++) n += inflateSync(body).length
    return n
  })

  const enc = await bestOf(3, () => {
    let n = 0
    for (let i = 0; i < windows; i++) n += encodeWindow(payloads, level).length
    return n
  })
  const wire = encodeWindow(payloads, level)
  const chunks: Buffer[] = []
  for (let p = 0; p < wire.length; p += 65536) chunks.push(wire.subarray(p, p + 65536))
  const dec = await bestOf(3, () => {
    const d = new FrameDecoder({})
    let n = 0
    for (let i = 0; i < windows; i++) for (const c of chunks) for (const b of d.push(c)) n += b.events.length
    if (n !== events) throw new Error(`decoded ${n} of ${events}`)
    return n
  })
  const encRate = events / enc.wall_s
  const decRate = events / dec.wall_s
  return [
    result({
      scenario: `lumberjack.encode.level${level}`,
      unit: 'events/s',
      throughput: encRate,
      mib_per_s: mib(rawBytes, enc.wall_s),
      wall_s: enc.wall_s,
      cpu_s: enc.cpu_s,
      peak_rss_mib: enc.peak_rss_mib,
      limit: { name: `zlib.deflateSync level ${level} of the same J frames`, throughput: events / zDeflate.s, unit: 'events/s' },
      notes: `${windows} windows × ${WINDOW}; ${(frames.length / WINDOW).toFixed(0)} B/event raw, ${(wire.length / WINDOW).toFixed(0)} B/event on the wire; ${Math.round(events / enc.cpu_s)} events per CPU-second`,
    }),
    result({
      scenario: `lumberjack.decode.level${level}`,
      unit: 'events/s',
      throughput: decRate,
      mib_per_s: mib(rawBytes, dec.wall_s),
      wall_s: dec.wall_s,
      cpu_s: dec.cpu_s,
      peak_rss_mib: dec.peak_rss_mib,
      limit: { name: `zlib.inflateSync of the same C body`, throughput: events / zInflate.s, unit: 'events/s' },
      target: DECODE_TARGET,
      notes: `inflate + bounds checks + JSON.parse into objects, fed in 64 KiB chunks; ${Math.round(events / dec.cpu_s)} events per CPU-second`,
    }),
  ]
}

async function beatsJson(count: number): Promise<BenchResult> {
  const lines = sampleLines(WINDOW)
  const objs = lines.map((message, i) => ({
    '@timestamp': '2026-11-22T04:00:00.000Z',
    '@metadata': { beat: 'filebeat', type: '_doc', version: '8.13.4' },
    log: { offset: i * 152, file: { path: '/var/log/nginx/access.log' } },
    message,
    host: { name: 'web-1' },
  }))
  const rounds = Math.max(1, Math.round(count / WINDOW))
  const ref = best(3, () => {
    let n = 0
    for (let r = 0; r < rounds; r++) for (const o of objs) n += JSON.stringify(o).length
    return n
  })
  const m = await bestOf(3, () => {
    let n = 0
    for (let r = 0; r < rounds; r++) for (const o of objs) n += encodeBeatsJson(o).length
    return n
  })
  const events = rounds * WINDOW
  return result({
    scenario: 'lumberjack.beats-json',
    unit: 'events/s',
    throughput: events / m.wall_s,
    mib_per_s: mib(m.value, m.wall_s),
    wall_s: m.wall_s,
    cpu_s: m.cpu_s,
    peak_rss_mib: m.peak_rss_mib,
    limit: { name: 'JSON.stringify of the same objects', throughput: events / ref.s, unit: 'events/s' },
  })
}

async function overTls(windows: number, payloads: string[]): Promise<BenchResult> {
  const level = 3
  const m = tlsMaterial()
  const frames = encodeJsonFrames(payloads)
  const body = deflateSync(frames, { level })
  const z = best(3, () => {
    for (let i = 0; i < windows; i++) {
      deflateSync(frames, { level })
      inflateSync(body)
    }
  })
  let received = 0
  const server = new LumberjackServer({
    logger: silentLogger(),
    tls: { cert: m.serverCert, key: m.serverKey, client_auth: 'none', min_version: 'TLSv1.2' },
    onBatch: async (b) => {
      received += b.events.length
    },
  })
  const { port } = await server.listen()
  const client = new LumberjackClient({ hosts: [`localhost:${port}`], logger: silentLogger(), compression_level: level, tls: { ca: [m.ca], verification_mode: 'full' } })
  await client.send(payloads) // connect + warm up
  received = 0
  const run = await measure(async () => {
    const inflight: Promise<void>[] = []
    for (let i = 0; i < windows; i++) {
      inflight.push(client.send(payloads))
      if (client.busy) await new Promise<void>((r) => client.once('drain', r))
    }
    await Promise.all(inflight)
  })
  await client.close()
  await server.close(1000)
  const events = windows * WINDOW
  if (received !== events) throw new Error(`server received ${received} of ${events}`)
  return result({
    scenario: 'lumberjack.tls-loopback.level3',
    unit: 'events/s',
    throughput: events / run.wall_s,
    mib_per_s: mib(windows * frames.length, run.wall_s),
    wall_s: run.wall_s,
    cpu_s: run.cpu_s,
    peak_rss_mib: run.peak_rss_mib,
    limit: { name: 'zlib deflate + inflate of the same bytes (one process)', throughput: events / z.s, unit: 'events/s' },
    notes: `client and server in one process: encode + TLS + decode + ACK, pipelining 2; ${Math.round(events / run.cpu_s)} events per CPU-second`,
  })
}

const scenario: Scenario = {
  name: 'lumberjack',
  description: 'Lumberjack v2: frame encode/decode at zlib 1 and 3 vs zlib alone, Beats JSON vs JSON.stringify, client→server over TLS',
  async run({ quick }) {
    const payloads = filebeatEvents(WINDOW)
    const windows = quick ? 15 : 150
    const out: BenchResult[] = []
    out.push(...(await codec(1, windows, payloads)))
    out.push(...(await codec(3, windows, payloads)))
    out.push(await beatsJson(windows * WINDOW))
    out.push(await overTls(quick ? 10 : 100, payloads))
    return out
  },
}

export default scenario
