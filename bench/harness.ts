import { cpuUsage, memoryUsage } from 'node:process'

// What every benchmark scenario returns: one JSON object per measured case,
// with its throughput, CPU seconds and peak RSS, next to the physical limit
// measured on the same machine in the same run and the ratio to it.

export interface BenchLimit {
  name: string // e.g. "zlib.inflate same bytes", "cat same file"
  throughput: number
  unit: string
}

export interface BenchResult {
  scenario: string // dotted name, e.g. "lumberjack.decode.level3"
  unit: string // 'events/s' | 'lines/s' | 'values/s' | 'MiB/s'
  throughput: number
  mib_per_s?: number
  wall_s: number
  cpu_s: number
  peak_rss_mib: number
  limit?: BenchLimit
  ratio?: number // throughput / limit.throughput (same unit)
  target?: number // the target in `unit`, when one is set
  notes?: string
}

export interface BenchOptions {
  quick: boolean
}

export interface Scenario {
  name: string
  description: string
  run(options: BenchOptions): Promise<BenchResult[]>
}

export interface Measured<T> {
  value: T
  wall_s: number
  cpu_s: number
  peak_rss_mib: number
}

/**
 * Runs `fn`, measuring wall time, this process's CPU time (user+system) and
 * peak RSS (sampled every 20 ms and at the end). For work in child processes,
 * measure those yourself and add them.
 */
export async function measure<T>(fn: () => Promise<T> | T): Promise<Measured<T>> {
  let peak = memoryUsage.rss()
  const timer = setInterval(() => {
    const r = memoryUsage.rss()
    if (r > peak) peak = r
  }, 20)
  const cpu0 = cpuUsage()
  const t0 = process.hrtime.bigint()
  try {
    const value = await fn()
    const wall_s = Number(process.hrtime.bigint() - t0) / 1e9
    const cpu = cpuUsage(cpu0)
    peak = Math.max(peak, memoryUsage.rss())
    return { value, wall_s, cpu_s: (cpu.user + cpu.system) / 1e6, peak_rss_mib: peak / 1048576 }
  } finally {
    clearInterval(timer)
  }
}

function round(n: number, digits = 3): number {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

/** Builds a result with the ratio filled in. */
export function result(r: Omit<BenchResult, 'ratio'>): BenchResult {
  const out: BenchResult = { ...r, throughput: round(r.throughput, 1), wall_s: round(r.wall_s), cpu_s: round(r.cpu_s), peak_rss_mib: round(r.peak_rss_mib, 1) }
  if (r.mib_per_s !== undefined) out.mib_per_s = round(r.mib_per_s, 2)
  if (r.limit && r.limit.throughput > 0) out.ratio = round(r.throughput / r.limit.throughput)
  return out
}
