import type { Health } from '../../core/http-server.ts'
import type { MetricsSnapshot } from '../../core/metrics.ts'
import type { SenderInfo } from '../../core/lumberjack/server.ts'

// The live status of an aggregator (GET /status on the ops port, the data of
// the status page at GET /): built from the same metrics /metrics shows —
// summed over cluster workers by the primary — so it costs the hot path
// nothing (the counters exist already). A sampler keeps the last
// STATUS_SAMPLES snapshots' totals (one every `interval` ms) and turns them
// into per-second rates for the sparklines. Everything in it is bounded:
// fixed series, per-label lists as long as the configuration has inputs,
// stages, outputs and reasons.

export const STATUS_SAMPLES = 120

type Labels = Record<string, string>

function series(s: MetricsSnapshot, name: string): [Labels, number][] {
  return s[`logyard_${name}`]?.values ?? []
}

function total(s: MetricsSnapshot, name: string, where?: Labels): number {
  let sum = 0
  for (const [labels, v] of series(s, name)) {
    if (where && Object.entries(where).some(([k, want]) => labels[k] !== want)) continue
    sum += v
  }
  return sum
}

function byLabel(s: MetricsSnapshot, name: string, label: string): Record<string, number> {
  const out: Record<string, number> = {}
  for (const [labels, v] of series(s, name)) {
    const key = labels[label] ?? ''
    out[key] = (out[key] ?? 0) + v
  }
  return out
}

/** The totals the sparklines follow, per sample. */
const TRACKED = {
  events_in: (s: MetricsSnapshot) => total(s, 'input_events_total'),
  events_out: (s: MetricsSnapshot) => total(s, 'pipeline_events_out_total'),
  indexed: (s: MetricsSnapshot) => total(s, 'es_docs_indexed_total') + total(s, 'es_docs_duplicate_total') + total(s, 'file_events_total') + total(s, 'blackhole_events_total'),
  failed: (s: MetricsSnapshot) => total(s, 'pipeline_stage_events_failed_total'),
  dead_lettered: (s: MetricsSnapshot) => total(s, 'dlq_records_total'),
  collectd_datagrams: (s: MetricsSnapshot) => total(s, 'collectd_datagrams_total'),
} as const
type Tracked = keyof typeof TRACKED

interface Sample {
  at: number
  totals: Record<Tracked, number>
}

export interface StatusSource {
  snapshot(): MetricsSnapshot | Promise<MetricsSnapshot>
  health(): Health | Promise<Health>
  senders?(): SenderInfo[] | Promise<SenderInfo[]>
}

/** How many senders /status lists (the busiest; the rest are counted). */
export const STATUS_MAX_SENDERS = 20

export class StatusBoard {
  readonly #source: StatusSource
  readonly #interval: number
  readonly #samples: Sample[] = []
  readonly #started = Date.now()
  #timer: NodeJS.Timeout | undefined

  constructor(source: StatusSource, interval = 5000) {
    this.#source = source
    this.#interval = interval
  }

  /** Takes a first sample, then one every `interval` ms (the timer never keeps the process alive). */
  async start(): Promise<void> {
    await this.sample()
    this.#timer = setInterval(() => void this.sample().catch(() => {}), this.#interval)
    this.#timer.unref()
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer)
    this.#timer = undefined
  }

  async sample(): Promise<void> {
    const s = await this.#source.snapshot()
    this.#push(s, Date.now())
  }

  #push(s: MetricsSnapshot, at: number): void {
    const totals = {} as Record<Tracked, number>
    for (const k of Object.keys(TRACKED) as Tracked[]) totals[k] = TRACKED[k](s)
    this.#samples.push({ at, totals })
    if (this.#samples.length > STATUS_SAMPLES + 1) this.#samples.shift()
  }

  /** Per-second rates between consecutive samples, oldest first (a counter that went back — a worker restarted — counts as 0). */
  rates(): Record<Tracked, number[]> {
    const out = {} as Record<Tracked, number[]>
    for (const k of Object.keys(TRACKED) as Tracked[]) out[k] = []
    for (let i = 1; i < this.#samples.length; i++) {
      const a = this.#samples[i - 1]!
      const b = this.#samples[i]!
      const secs = (b.at - a.at) / 1000
      for (const k of Object.keys(TRACKED) as Tracked[]) out[k].push(secs > 0 ? Math.max(0, (b.totals[k] - a.totals[k]) / secs) : 0)
    }
    return out
  }

  async status(): Promise<Record<string, unknown>> {
    const [s, health, allSenders] = await Promise.all([this.#source.snapshot(), this.#source.health(), this.#source.senders?.() ?? []])
    const senders = [...allSenders].sort((a, b) => b.events - a.events).slice(0, STATUS_MAX_SENDERS)
    // The freshest totals against the last sample: "now" rates that move every poll.
    const last = this.#samples.at(-1)
    const now = Date.now()
    const current: Record<string, number> = {}
    for (const k of Object.keys(TRACKED) as Tracked[]) {
      const v = TRACKED[k](s)
      current[k] = last && now - last.at >= 250 ? Math.max(0, (v - last.totals[k]) / ((now - last.at) / 1000)) : (this.rates()[k].at(-1) ?? 0)
    }
    const requests = byLabel(s, 'es_bulk_requests_total', 'outcome')
    const hasEs = series(s, 'es_healthy').length > 0
    const hasFile = series(s, 'file_events_total').length > 0
    const hasCollectd = series(s, 'collectd_datagrams_total').length > 0
    const stageIn = byLabel(s, 'pipeline_stage_events_in_total', 'stage')
    const stageOut = byLabel(s, 'pipeline_stage_events_out_total', 'stage')
    const stageFailed = byLabel(s, 'pipeline_stage_events_failed_total', 'stage')
    const stageDropped = byLabel(s, 'pipeline_stage_events_dropped_total', 'stage')
    return {
      time: new Date(now).toISOString(),
      uptime_s: Math.round((now - this.#started) / 1000),
      health,
      workers: total(s, 'cluster_workers') || 1,
      sample_interval_s: this.#interval / 1000,
      rates: current,
      history: this.rates(),
      inputs: Object.entries(byLabel(s, 'input_events_total', 'input')).map(([input, events]) => ({
        input,
        events_total: events,
        batches_total: total(s, 'input_batches_total', { input }),
        batches_failed_total: total(s, 'input_batches_failed_total', { input }),
        ...(input === 'beats' ? { connections: total(s, 'lumberjack_connections'), decoded_bytes: total(s, 'lumberjack_decoded_bytes'), ids_derived_total: total(s, 'input_ids_derived_total', { input }) } : {}),
      })),
      inputs_paused: total(s, 'inputs_paused') > 0,
      senders,
      senders_total: total(s, 'lumberjack_connections'),
      pipeline: {
        in_total: total(s, 'pipeline_events_in_total'),
        out_total: total(s, 'pipeline_events_out_total'),
        dropped_total: total(s, 'pipeline_events_dropped_total'),
        batches_failed_total: total(s, 'pipeline_batches_failed_total'),
        batches_in_flight: total(s, 'pipeline_batches_in_flight'),
        grok_timeouts_total: total(s, 'grok_timeouts_total'),
        stages: Object.keys(stageIn).map((stage) => ({ stage, in: stageIn[stage] ?? 0, out: stageOut[stage] ?? 0, failed: stageFailed[stage] ?? 0, dropped: stageDropped[stage] ?? 0 })),
      },
      outputs: {
        ...(hasEs
          ? {
              elasticsearch: {
                healthy: total(s, 'es_healthy') > 0 && total(s, 'es_healthy') >= (total(s, 'cluster_workers') || 1),
                indexed_total: total(s, 'es_docs_indexed_total'),
                duplicate_total: total(s, 'es_docs_duplicate_total'),
                retried_total: total(s, 'es_docs_retried_total'),
                dead_lettered_total: total(s, 'es_docs_dead_lettered_total'),
                pending_docs: total(s, 'es_pending_docs'),
                in_flight_requests: total(s, 'es_in_flight_requests'),
                requests: requests,
                bytes_total: total(s, 'es_bulk_bytes_total'),
              },
            }
          : {}),
        ...(hasFile ? { file: { events_total: total(s, 'file_events_total'), bytes_total: total(s, 'file_bytes_total'), path_values_escaped_total: total(s, 'file_path_values_escaped_total') } } : {}),
      },
      dlq: { records_total: total(s, 'dlq_records_total'), bytes: total(s, 'dlq_bytes'), write_failures_total: total(s, 'dlq_write_failures_total'), dropped_total: total(s, 'dlq_dropped_total') },
      ...(hasCollectd
        ? {
            collectd: {
              datagrams_total: total(s, 'collectd_datagrams_total'),
              values_total: total(s, 'collectd_values_total'),
              events_total: total(s, 'collectd_events_total'),
              decode_errors_total: total(s, 'collectd_decode_errors_total'),
              unknown_types_total: total(s, 'collectd_unknown_types_total'),
              datagrams_dropped: byLabel(s, 'collectd_datagrams_dropped_total', 'reason'),
              queue_events: total(s, 'collectd_queue_events'),
            },
          }
        : {}),
    }
  }
}
