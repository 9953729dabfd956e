import type { Health } from '../core/http-server.ts'
import type { PeerStatus } from '../core/lumberjack/server-connection.ts'
import { histogramQuantile, type MetricsSnapshot } from '../core/metrics.ts'
import type { FailureSample } from './pipeline/failures.ts'

// GET /status: what the status page shows, summed over the cluster's workers.
// Built from what /metrics already holds (the workers' snapshots, merged)
// plus two small per-worker lists the metrics cannot carry: the connected
// senders (top SENDERS_PER_WORKER by events) and the recent failing lines of
// each stage (pipeline/failures.ts). The serving process (the cluster primary
// or the single process) samples every second or so and keeps HISTORY
// samples of rates for the sparklines. Everything is bounded: top-N senders,
// last-N failures per stage, a fixed ring of samples.

export const SENDERS_PER_WORKER = 20
export const SENDERS_SHOWN = 20
const FAILURES_SHOWN = 5
/** Samples kept for the sparklines (at ~1 s apart: the last 5 minutes). */
export const HISTORY = 300
/** Window of the bulk latency percentiles (ms). */
const LATENCY_WINDOW_MS = 60_000

/** What a worker adds to its report beside the metrics. */
export interface WorkerStatus {
  senders: PeerStatus[]
  failures: Record<string, FailureSample[]>
}

interface WorkerStatusReport {
  worker: number
  snapshot: MetricsSnapshot
  status: WorkerStatus | undefined
}

type Labels = Record<string, string>

function values(snap: MetricsSnapshot, name: string): [Labels, number][] {
  return snap[`logyard_${name}`]?.values ?? []
}

/** Sum of a family's series whose labels include `match`. */
function sumOf(snap: MetricsSnapshot, name: string, match: Labels = {}): number {
  let n = 0
  for (const [labels, v] of values(snap, name)) {
    let ok = true
    for (const k in match) if (labels[k] !== match[k]) ok = false
    if (ok && Number.isFinite(v)) n += v
  }
  return n
}

/** label value → summed value, for one label of a family. */
function byLabel(snap: MetricsSnapshot, name: string, label: string, match: Labels = {}): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [labels, v] of values(snap, name)) {
    const key = labels[label]
    if (key === undefined) continue
    let ok = true
    for (const k in match) if (labels[k] !== match[k]) ok = false
    if (ok) out[key] = (out[key] ?? 0) + (Number.isFinite(v) ? v : 0)
  }
  return out
}

function has(snap: MetricsSnapshot, name: string): boolean {
  return snap[`logyard_${name}`] !== undefined
}

/** Cumulative bucket counts of a histogram family, summed over its series: le → count. */
function buckets(snap: MetricsSnapshot, name: string): Map<number, number> {
  const out = new Map<number, number>()
  for (const [labels, v] of values(snap, name)) {
    if (labels.__suffix !== '_bucket' || labels.le === undefined) continue
    const le = labels.le === '+Inf' ? Infinity : Number(labels.le)
    out.set(le, (out.get(le) ?? 0) + v)
  }
  return out
}

interface Sample {
  t: number
  inputs: Record<string, number>
  pipelineIn: number
  pipelineOut: number
  stagesIn: Record<string, number>
  stagesOut: Record<string, number>
  stagesFailed: Record<string, number>
  esIndexed: number
  collectdDatagrams: number
  latency: Map<number, number>
}

interface Point {
  t: number
  inputs: Record<string, number>
  out: number
}

const round = (n: number, digits = 1): number => {
  const f = 10 ** digits
  return Math.round(n * f) / f
}

/** Events received per input, from the input counters (beats) and collectd's delivered events. */
function inputTotals(snap: MetricsSnapshot): Record<string, number> {
  const out = byLabel(snap, 'input_events_total', 'input')
  if (has(snap, 'collectd_events_total')) out.collectd = sumOf(snap, 'collectd_events_total')
  return out
}

export class StatusBoard {
  readonly #started = Date.now()
  readonly #samples: Sample[] = []
  readonly #history: Point[] = []
  readonly #prevSenders = new Map<string, { t: number; events: number }>()
  #latest: { snap: MetricsSnapshot; workers: WorkerStatusReport[]; t: number } | undefined
  #senderRates = new Map<string, number>()

  /** Takes one sample of the merged metrics and the workers' lists. */
  sample(merged: MetricsSnapshot, workers: readonly WorkerStatusReport[], now = Date.now()): void {
    const s: Sample = {
      t: now,
      inputs: inputTotals(merged),
      pipelineIn: sumOf(merged, 'pipeline_events_in_total'),
      pipelineOut: sumOf(merged, 'pipeline_events_out_total'),
      stagesIn: byLabel(merged, 'pipeline_stage_events_in_total', 'stage'),
      stagesOut: byLabel(merged, 'pipeline_stage_events_out_total', 'stage'),
      stagesFailed: byLabel(merged, 'pipeline_stage_events_failed_total', 'stage'),
      esIndexed: sumOf(merged, 'es_docs_indexed_total'),
      collectdDatagrams: sumOf(merged, 'collectd_datagrams_total'),
      latency: buckets(merged, 'es_bulk_duration_seconds'),
    }
    const prev = this.#samples[this.#samples.length - 1]
    this.#samples.push(s)
    // keep enough samples for the latency window and the rate of the last step
    while (this.#samples.length > 2 && now - this.#samples[1]!.t > LATENCY_WINDOW_MS) this.#samples.shift()
    if (prev && now > prev.t) {
      const dt = (now - prev.t) / 1000
      const inputs: Record<string, number> = {}
      // a worker that restarted starts its counters over: never a negative rate
      for (const [k, v] of Object.entries(s.inputs)) inputs[k] = round(Math.max(0, v - (prev.inputs[k] ?? 0)) / dt)
      this.#history.push({ t: now, inputs, out: round(Math.max(0, s.pipelineOut - prev.pipelineOut) / dt) })
      if (this.#history.length > HISTORY) this.#history.shift()
    }
    const rates = new Map<string, number>()
    const seen = new Map<string, { t: number; events: number }>()
    for (const w of workers) {
      for (const p of w.status?.senders ?? []) {
        const key = `${w.worker}:${p.id}`
        const before = this.#prevSenders.get(key)
        const rate = before && now > before.t ? Math.max(0, p.events - before.events) / ((now - before.t) / 1000) : p.events / Math.max(1, (now - p.connected_at) / 1000)
        rates.set(key, round(rate))
        seen.set(key, { t: now, events: p.events })
      }
    }
    this.#prevSenders.clear()
    for (const [k, v] of seen) this.#prevSenders.set(k, v)
    this.#senderRates = rates
    this.#latest = { snap: merged, workers: [...workers], t: now }
  }

  #rate(pick: (s: Sample) => number): number {
    const n = this.#samples.length
    if (n < 2) return 0
    const a = this.#samples[n - 2]!
    const b = this.#samples[n - 1]!
    return b.t > a.t ? round(Math.max(0, pick(b) - pick(a)) / ((b.t - a.t) / 1000)) : 0
  }

  /** The /status document. */
  build(health: Health, expectedWorkers: number): Record<string, unknown> {
    const latest = this.#latest
    const now = latest?.t ?? Date.now()
    const snap = latest?.snap ?? {}
    const workers = latest?.workers ?? []
    const last = this.#samples[this.#samples.length - 1]

    const inputs = Object.entries(last?.inputs ?? {}).map(([name, total]) => ({
      name,
      events_total: total,
      events_per_s: this.#rate((s) => s.inputs[name] ?? 0),
      history: this.#history.map((p) => p.inputs[name] ?? 0),
    }))

    const senders = workers
      .flatMap((w) => (w.status?.senders ?? []).map((p) => ({ w: w.worker, p })))
      .map(({ w, p }) => ({
        worker: w,
        address: p.address,
        agent: p.agent,
        tls_subject: p.tls_subject,
        events_total: p.events,
        events_per_s: this.#senderRates.get(`${w}:${p.id}`) ?? 0,
        last_ack_age_s: p.last_ack_at > 0 ? round((now - p.last_ack_at) / 1000) : null,
        windows_acked: p.windows_acked,
        windows_in_flight: p.windows_in_flight,
        connected_s: round((now - p.connected_at) / 1000, 0),
      }))
      .sort((a, b) => b.events_per_s - a.events_per_s || b.events_total - a.events_total)
    const sendersTotal = sumOf(snap, 'lumberjack_connections')

    const failures = new Map<string, (FailureSample & { worker: number })[]>()
    for (const w of workers) {
      for (const [stage, list] of Object.entries(w.status?.failures ?? {})) {
        const all = failures.get(stage) ?? []
        for (const f of list) all.push({ ...f, worker: w.worker })
        failures.set(stage, all)
      }
    }
    const stageIds = Object.keys(last?.stagesIn ?? {}).sort((a, b) => Number.parseInt(a) - Number.parseInt(b))
    const timeouts = byLabel(snap, 'grok_timeouts_total', 'stage')
    const stages = stageIds.map((id) => {
      const recent = (failures.get(id) ?? []).sort((a, b) => b.at - a.at).slice(0, FAILURES_SHOWN)
      return {
        id,
        events_in_total: last?.stagesIn[id] ?? 0,
        events_out_total: last?.stagesOut[id] ?? 0,
        in_per_s: this.#rate((s) => s.stagesIn[id] ?? 0),
        out_per_s: this.#rate((s) => s.stagesOut[id] ?? 0),
        failed_total: last?.stagesFailed[id] ?? 0,
        failed_per_s: this.#rate((s) => s.stagesFailed[id] ?? 0),
        timeouts_total: timeouts[id] ?? 0,
        tags: [...new Set(recent.flatMap((f) => f.tags))],
        recent_failures: recent.map((f) => ({ at: new Date(f.at).toISOString(), worker: f.worker, tags: f.tags, line: f.line })),
      }
    })

    const es = has(snap, 'es_healthy')
      ? (() => {
          // percentiles over the last minute of requests; since start when the minute had none
          const first = this.#samples[0]
          const window = new Map<number, number>()
          let inWindow = 0
          for (const [le, n] of last?.latency ?? []) {
            const d = n - (first && first !== last ? first.latency.get(le) ?? 0 : 0)
            window.set(le, d)
            if (le === Infinity) inWindow = d
          }
          const use = inWindow > 0 ? window : last?.latency ?? new Map<number, number>()
          const list = [...use].map(([le, count]) => ({ le, count }))
          const ms = (q: number): number | null => {
            const v = histogramQuantile(list, q)
            return v === undefined ? null : round(v * 1000)
          }
          return {
            // each output's gauge is summed over the workers: healthy when every reporting worker reaches it
            healthy: values(snap, 'es_healthy').every(([, v]) => v >= Math.max(1, workers.length)),
            docs_indexed_total: sumOf(snap, 'es_docs_indexed_total'),
            docs_indexed_per_s: this.#rate((s) => s.esIndexed),
            docs_duplicate_total: sumOf(snap, 'es_docs_duplicate_total'),
            docs_dead_lettered_total: sumOf(snap, 'es_docs_dead_lettered_total'),
            docs_retried_total: sumOf(snap, 'es_docs_retried_total'),
            requests_by_outcome: byLabel(snap, 'es_bulk_requests_total', 'outcome'),
            pending_docs: sumOf(snap, 'es_pending_docs'),
            in_flight_requests: sumOf(snap, 'es_in_flight_requests'),
            bulk_latency_ms: { p50: ms(0.5), p90: ms(0.9), p99: ms(0.99), window: inWindow > 0 ? 'last minute' : 'since start', requests: inWindow > 0 ? inWindow : (last?.latency.get(Infinity) ?? 0) },
          }
        })()
      : null

    const dlq = has(snap, 'dlq_bytes') || has(snap, 'dlq_dropped_total')
      ? { bytes: sumOf(snap, 'dlq_bytes'), records_total: sumOf(snap, 'dlq_records_total'), dropped_total: sumOf(snap, 'dlq_dropped_total') }
      : null

    const collectd = has(snap, 'collectd_datagrams_total')
      ? {
          datagrams_total: sumOf(snap, 'collectd_datagrams_total'),
          datagrams_per_s: this.#rate((s) => s.collectdDatagrams),
          events_total: sumOf(snap, 'collectd_events_total'),
          datagrams_dropped: byLabel(snap, 'collectd_datagrams_dropped_total', 'reason'),
          events_dropped: byLabel(snap, 'collectd_dropped_total', 'reason'),
          decode_errors: byLabel(snap, 'collectd_decode_errors_total', 'reason'),
          security_rejected: byLabel(snap, 'collectd_security_rejected_total', 'reason'),
          queue_events: sumOf(snap, 'collectd_queue_events'),
        }
      : null

    return {
      time: new Date(now).toISOString(),
      uptime_s: round((Date.now() - this.#started) / 1000, 0),
      health: { ok: health.ok, status: health.status },
      workers: { expected: expectedWorkers, reporting: workers.length },
      sample_interval_s: this.#history.length >= 2 ? round((this.#history[this.#history.length - 1]!.t - this.#history[this.#history.length - 2]!.t) / 1000) : null,
      inputs,
      pipeline: {
        events_in_total: last?.pipelineIn ?? 0,
        events_out_total: last?.pipelineOut ?? 0,
        events_in_per_s: this.#rate((s) => s.pipelineIn),
        events_out_per_s: this.#rate((s) => s.pipelineOut),
        events_dropped_total: sumOf(snap, 'pipeline_events_dropped_total'),
        batches_failed_total: sumOf(snap, 'pipeline_batches_failed_total'),
        batches_in_flight: sumOf(snap, 'pipeline_batches_in_flight'),
        inputs_paused: sumOf(snap, 'inputs_paused') > 0,
        out_history: this.#history.map((p) => p.out),
      },
      senders: { connected: sendersTotal, shown: Math.min(SENDERS_SHOWN, senders.length), list: senders.slice(0, SENDERS_SHOWN) },
      stages,
      elasticsearch: es,
      dead_letter: dlq,
      collectd,
    }
  }
}
