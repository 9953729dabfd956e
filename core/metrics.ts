// A tiny Prometheus text-format registry. Counters and gauges are plain
// numbers on objects the hot path already holds; rendering reads them.

type MetricType = 'counter' | 'gauge' | 'histogram'

interface Series {
  labels: Record<string, string>
  read: () => number
}

interface Family {
  name: string
  help: string
  type: MetricType
  series: Series[]
}

export class Counter {
  value = 0
  inc(n = 1): void {
    this.value += n
  }
}

class Gauge {
  value = 0
  set(n: number): void {
    this.value = n
  }
  inc(n = 1): void {
    this.value += n
  }
  dec(n = 1): void {
    this.value -= n
  }
}

/**
 * A cumulative histogram with fixed upper bounds (Prometheus `le`). observe()
 * is a short linear scan over the bounds and two additions: no allocation.
 */
export class Histogram {
  readonly bounds: readonly number[]
  /** counts[i]: observations <= bounds[i] and > bounds[i-1]; the last slot is +Inf. */
  readonly counts: number[]
  sum = 0
  count = 0
  constructor(bounds: readonly number[]) {
    this.bounds = bounds
    this.counts = new Array<number>(bounds.length + 1).fill(0)
  }
  observe(v: number): void {
    const b = this.bounds
    let i = 0
    while (i < b.length && v > b[i]!) i++
    this.counts[i]!++
    this.sum += v
    this.count++
  }
}

/** Bounds in seconds for latencies from 1 ms to 5 min. */
export const latencyBuckets: readonly number[] = [0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60, 300]

/**
 * The value at quantile q (0..1) of histogram series (as in a snapshot:
 * `_bucket` values with cumulative `le` labels), interpolated within its bucket.
 */
export function histogramQuantile(buckets: readonly { le: number; count: number }[], q: number): number | undefined {
  const sorted = [...buckets].sort((a, b) => a.le - b.le)
  const total = sorted.length > 0 ? sorted[sorted.length - 1]!.count : 0
  if (total <= 0) return undefined
  const rank = q * total
  let prevLe = 0
  let prevCount = 0
  for (const b of sorted) {
    if (b.count >= rank) {
      if (!Number.isFinite(b.le)) return prevLe
      const width = b.count - prevCount
      return width <= 0 ? b.le : prevLe + ((b.le - prevLe) * (rank - prevCount)) / width
    }
    prevLe = b.le
    prevCount = b.count
  }
  return prevLe
}

export class MetricsRegistry {
  readonly #families = new Map<string, Family>()
  readonly #prefix: string

  constructor(prefix = 'logyard_') {
    this.#prefix = prefix
  }

  #family(name: string, help: string, type: MetricType): Family {
    const full = this.#prefix + name
    let f = this.#families.get(full)
    if (!f) {
      f = { name: full, help, type, series: [] }
      this.#families.set(full, f)
    } else if (f.type !== type) {
      throw new Error(`metric ${full} registered as ${f.type} and ${type}`)
    }
    return f
  }

  counter(name: string, help: string, labels: Record<string, string> = {}): Counter {
    const c = new Counter()
    this.#family(name, help, 'counter').series.push({ labels, read: () => c.value })
    return c
  }

  gauge(name: string, help: string, labels: Record<string, string> = {}): Gauge {
    const g = new Gauge()
    this.#family(name, help, 'gauge').series.push({ labels, read: () => g.value })
    return g
  }

  /**
   * A histogram: rendered as NAME_bucket{le}, NAME_sum, NAME_count. In a
   * snapshot its series carry the suffix in the reserved label `__suffix`.
   */
  histogram(name: string, help: string, bounds: readonly number[] = latencyBuckets, labels: Record<string, string> = {}): Histogram {
    const h = new Histogram(bounds)
    const f = this.#family(name, help, 'histogram')
    const cumulative = (i: number): number => {
      let n = 0
      for (let j = 0; j <= i; j++) n += h.counts[j]!
      return n
    }
    for (let i = 0; i <= bounds.length; i++) {
      const le = i < bounds.length ? String(bounds[i]) : '+Inf'
      f.series.push({ labels: { ...labels, le, __suffix: '_bucket' }, read: () => cumulative(i) })
    }
    f.series.push({ labels: { ...labels, __suffix: '_sum' }, read: () => h.sum })
    f.series.push({ labels: { ...labels, __suffix: '_count' }, read: () => h.count })
    return h
  }

  /** Registers a value read at render time (queue depth, connection count…). */
  observe(name: string, help: string, type: MetricType, read: () => number, labels: Record<string, string> = {}): void {
    this.#family(name, help, type).series.push({ labels, read })
  }

  /** name → labels-key → value; used to sum worker metrics in the cluster primary. */
  snapshot(): Record<string, { help: string; type: MetricType; values: [Record<string, string>, number][] }> {
    const out: Record<string, { help: string; type: MetricType; values: [Record<string, string>, number][] }> = {}
    for (const f of this.#families.values()) out[f.name] = { help: f.help, type: f.type, values: f.series.map((s) => [s.labels, s.read()]) }
    return out
  }

  render(): string {
    return renderSnapshot(this.snapshot())
  }
}

export type MetricsSnapshot = ReturnType<MetricsRegistry['snapshot']>

function labelText(labels: Record<string, string>, skipSuffix = false): string {
  const keys = Object.keys(labels).filter((k) => !skipSuffix || k !== '__suffix')
  if (keys.length === 0) return ''
  return `{${keys.map((k) => `${k}="${String(labels[k]).replace(/\\/g, '\\\\').replace(/"/g, '\\"').replace(/\n/g, '\\n')}"`).join(',')}}`
}

/** Sums several snapshots (one per worker) series by series. */
export function mergeSnapshots(snapshots: MetricsSnapshot[]): MetricsSnapshot {
  const out: MetricsSnapshot = {}
  for (const snap of snapshots) {
    for (const [name, fam] of Object.entries(snap)) {
      const target = (out[name] ??= { help: fam.help, type: fam.type, values: [] })
      for (const [labels, value] of fam.values) {
        const key = labelText(labels)
        const hit = target.values.find(([l]) => labelText(l) === key)
        if (hit) hit[1] += value
        else target.values.push([labels, value])
      }
    }
  }
  return out
}

export function renderSnapshot(snapshot: MetricsSnapshot): string {
  const lines: string[] = []
  for (const [name, fam] of Object.entries(snapshot)) {
    lines.push(`# HELP ${name} ${fam.help}`, `# TYPE ${name} ${fam.type}`)
    for (const [labels, value] of fam.values) lines.push(`${name}${labels.__suffix ?? ''}${labelText(labels, true)} ${Number.isFinite(value) ? value : 0}`)
  }
  return lines.join('\n') + '\n'
}
