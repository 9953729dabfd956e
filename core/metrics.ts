// A tiny Prometheus text-format registry. Counters and gauges are plain
// numbers on objects the hot path already holds; rendering reads them.

export type MetricType = 'counter' | 'gauge'

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

export class Gauge {
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

function labelText(labels: Record<string, string>): string {
  const keys = Object.keys(labels)
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
    for (const [labels, value] of fam.values) lines.push(`${name}${labelText(labels)} ${Number.isFinite(value) ? value : 0}`)
  }
  return lines.join('\n') + '\n'
}
