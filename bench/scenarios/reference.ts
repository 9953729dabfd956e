import { spawn } from 'node:child_process'
import { createReadStream, mkdtempSync, openSync, rmSync, writeSync, closeSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deflateSync, inflateSync } from 'node:zlib'
import { measure, result, type BenchResult, type Scenario } from '../harness.ts'

// The physical limits every other scenario is compared with, measured on the
// same machine in the same run: reading a file (page cache → process) with
// `cat` and with a Node read stream, and zlib levels 1 and 3 on log-like bytes.

/** Filebeat-ish access-log lines of ~150 bytes, deterministic. */
export function sampleLines(count: number): string[] {
  const verbs = ['GET', 'POST', 'PUT', 'DELETE']
  const paths = ['/api/v1/orders', '/static/app.js', '/login', '/health', '/api/v1/users/42/profile']
  const agents = ['curl/8.5.0', 'Mozilla/5.0 (X11; Linux x86_64)', 'kube-probe/1.29']
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const ip = `10.${(i >> 16) & 255}.${(i >> 8) & 255}.${i & 255}`
    const line = `${ip} - - [22/Nov/2026:04:${String(i % 60).padStart(2, '0')}:${String((i * 7) % 60).padStart(2, '0')} +0000] "${verbs[i % 4]} ${paths[i % 5]}?id=${i} HTTP/1.1" ${[200, 201, 304, 404, 500][i % 5]} ${(i * 37) % 50000} "-" "${agents[i % 3]}"`
    out.push(line)
  }
  return out
}

/** Writes `bytes` of sample lines to a temp file; returns its path and line count. */
export function writeSampleFile(bytes: number, dir = mkdtempSync(join(tmpdir(), 'logyard-bench-'))): { file: string; lines: number; bytes: number; dir: string } {
  const file = join(dir, 'sample.log')
  const fd = openSync(file, 'w')
  const block = Buffer.from(sampleLines(4096).join('\n') + '\n')
  let written = 0
  let lines = 0
  while (written < bytes) {
    writeSync(fd, block)
    written += block.length
    lines += 4096
  }
  closeSync(fd)
  return { file, lines, bytes: written, dir }
}

/** Wall and CPU seconds of `cat FILE > /dev/null` (CPU from bash's `time`, user + system). */
async function catFile(file: string): Promise<{ wall: number; cpu: number }> {
  const t0 = process.hrtime.bigint()
  const stderr = await new Promise<string>((resolve, reject) => {
    const p = spawn('bash', ['-c', 'TIMEFORMAT="%3U %3S"; time cat "$0" > /dev/null', file], { stdio: ['ignore', 'ignore', 'pipe'] })
    let err = ''
    p.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    p.on('error', reject)
    p.on('exit', (code) => (code === 0 ? resolve(err) : reject(new Error(`cat exited ${code}: ${err}`))))
  })
  const wall = Number(process.hrtime.bigint() - t0) / 1e9
  const [user, sys] = stderr.trim().split(/\s+/).map(Number)
  return { wall, cpu: (user ?? 0) + (sys ?? 0) }
}

async function nodeRead(file: string): Promise<number> {
  let n = 0
  for await (const chunk of createReadStream(file, { highWaterMark: 1 << 20 })) n += (chunk as Buffer).length
  return n
}

const scenario: Scenario = {
  name: 'reference',
  description: 'physical limits: read a file with cat and with node, zlib level 1/3 deflate and inflate',
  async run({ quick }) {
    const size = quick ? 256 * 2 ** 20 : 2 ** 30
    const sample = writeSampleFile(size)
    const mib = sample.bytes / 2 ** 20
    const results: BenchResult[] = []
    try {
      await catFile(sample.file) // warm the page cache
      const cat = await catFile(sample.file)
      const catLimit = { name: 'cat FILE > /dev/null', throughput: mib / cat.wall, unit: 'MiB/s' }
      results.push(result({ scenario: 'reference.read.cat', unit: 'MiB/s', throughput: mib / cat.wall, mib_per_s: mib / cat.wall, wall_s: cat.wall, cpu_s: cat.cpu, peak_rss_mib: 0, notes: `${mib.toFixed(0)} MiB file from the page cache; cpu_s is cat's own (bash time); its RSS is not sampled` }))
      const m = await measure(() => nodeRead(sample.file))
      results.push(result({ scenario: 'reference.read.node-stream', unit: 'MiB/s', throughput: mib / m.wall_s, mib_per_s: mib / m.wall_s, wall_s: m.wall_s, cpu_s: m.cpu_s, peak_rss_mib: m.peak_rss_mib, limit: catLimit }))

      // zlib on 2,048-line windows of the same bytes (what a Lumberjack C frame holds).
      const window = Buffer.from(sampleLines(2048).join('\n'))
      const rounds = quick ? 40 : 200
      for (const level of [1, 3]) {
        const d = await measure(() => {
          let out: Buffer = Buffer.alloc(0)
          for (let i = 0; i < rounds; i++) out = deflateSync(window, { level })
          return out
        })
        const inMib = (window.length * rounds) / 2 ** 20
        results.push(result({ scenario: `reference.zlib.deflate.level${level}`, unit: 'MiB/s', throughput: inMib / d.wall_s, mib_per_s: inMib / d.wall_s, wall_s: d.wall_s, cpu_s: d.cpu_s, peak_rss_mib: d.peak_rss_mib, notes: `ratio ${(d.value.length / window.length).toFixed(3)} on 2,048 access-log lines (${window.length} bytes)` }))
        const compressed = d.value
        const inf = await measure(() => {
          for (let i = 0; i < rounds * 4; i++) inflateSync(compressed)
        })
        const outMib = (window.length * rounds * 4) / 2 ** 20
        results.push(result({ scenario: `reference.zlib.inflate.level${level}`, unit: 'MiB/s', throughput: outMib / inf.wall_s, mib_per_s: outMib / inf.wall_s, wall_s: inf.wall_s, cpu_s: inf.cpu_s, peak_rss_mib: inf.peak_rss_mib, notes: 'MiB of inflated output per second' }))
      }
    } finally {
      rmSync(sample.dir, { recursive: true, force: true })
    }
    return results
  },
}

export default scenario
