import t from 'tap'
import { histogramQuantile, MetricsRegistry, mergeSnapshots } from '../../../core/metrics.ts'
import { defaultPatternsDir } from '../../../aggregator/stages/grok/library.ts'
import { FailureSamples, FAILURE_LINE_CHARS } from '../../../aggregator/pipeline/failures.ts'
import { SENDERS_SHOWN, StatusBoard, HISTORY } from '../../../aggregator/status.ts'
import { GROK_LIMITS, statusRoutes } from '../../../aggregator/status-routes.ts'
import type { PeerStatus } from '../../../core/lumberjack/server-connection.ts'

// The pieces of the status page that need no process: the histogram metric
// type and its quantiles, the board's rates, bounds and summing, the failure
// samples' bounds, and the debugger's rate limit on a pinned clock.

t.test('histogram: Prometheus text and quantiles', async (t) => {
  const m = new MetricsRegistry()
  const h = m.histogram('x_seconds', 'test', [0.1, 1, 10])
  for (const v of [0.05, 0.05, 0.5, 0.5, 0.5, 5]) h.observe(v)
  const text = m.render()
  t.match(text, /# TYPE logyard_x_seconds histogram/)
  t.match(text, /logyard_x_seconds_bucket\{le="0.1"\} 2\n/)
  t.match(text, /logyard_x_seconds_bucket\{le="1"\} 5\n/)
  t.match(text, /logyard_x_seconds_bucket\{le="\+Inf"\} 6\n/)
  t.match(text, /logyard_x_seconds_count 6\n/)
  t.match(text, /logyard_x_seconds_sum 6.6/)
  // two workers' histograms sum bucket by bucket
  const merged = mergeSnapshots([m.snapshot(), m.snapshot()])
  const count = merged.logyard_x_seconds!.values.find(([l]) => l.__suffix === '_count')![1]
  t.equal(count, 12)
  const q = histogramQuantile([{ le: 0.1, count: 2 }, { le: 1, count: 5 }, { le: 10, count: 6 }, { le: Infinity, count: 6 }], 0.5)
  t.ok(q! > 0.1 && q! <= 1, `median in the (0.1, 1] bucket: ${q}`)
  t.equal(histogramQuantile([], 0.5), undefined)
})

t.test('failure samples are bounded and cut', async (t) => {
  const f = new FailureSamples()
  const long = 'x'.repeat(10_000)
  f.record('0:grok', [{ message: 'ok' }, { message: long, tags: ['_grokparsefailure'] }, { message: 'b', tags: ['_grokparsefailure', 'keep'] }])
  const s = f.snapshot()['0:grok']!
  t.equal(s.length, 2, 'only tagged events')
  t.ok(s[0]!.line.length <= FAILURE_LINE_CHARS + 1, 'line cut')
  t.same(s[1]!.tags, ['_grokparsefailure'], 'only failure tags (_…)')
})

function peer(id: number, events: number, now: number): PeerStatus {
  return { id, address: `10.0.0.${id}:5000`, tls_subject: null, agent: 'filebeat h', connected_at: now - 10_000, events, windows_acked: 1, last_ack_at: now - 1500, windows_in_flight: 1 }
}

t.test('board: rates over the last sample, summed workers, top-N senders, history bounded', async (t) => {
  const board = new StatusBoard()
  const w = (_worker: number, events: number) => {
    const m = new MetricsRegistry()
    m.counter('input_events_total', 'in', { input: 'beats' }).inc(events)
    m.counter('pipeline_events_out_total', 'out').inc(events)
    const h = m.histogram('es_bulk_duration_seconds', 'lat', [0.01, 0.1, 1], { output: 'elasticsearch' })
    for (let i = 0; i < events / 100; i++) h.observe(0.05)
    m.observe('es_healthy', 'h', 'gauge', () => 1, { output: 'elasticsearch' })
    m.counter('collectd_datagrams_total', 'd').inc(events)
    m.counter('collectd_datagrams_dropped_total', 'dd', { reason: 'kernel' }).inc(3)
    return m.snapshot()
  }
  const t0 = 1_000_000
  const peers0 = Array.from({ length: 30 }, (_, i) => peer(i + 1, 100 * i, t0))
  const s0 = [w(0, 1000), w(1, 1000)]
  board.sample(mergeSnapshots(s0), [{ worker: 0, snapshot: s0[0]!, status: { senders: peers0, failures: {} } }], t0)
  const s1 = [w(0, 3000), w(1, 3000)]
  const peers1 = peers0.map((p) => ({ ...p, events: p.events + p.id * 10 }))
  board.sample(mergeSnapshots(s1), [{ worker: 0, snapshot: s1[0]!, status: { senders: peers1, failures: {} } }], t0 + 2000)
  const s = board.build({ ok: true, status: 'ok' }, 2) as any
  t.equal(s.inputs[0].name, 'beats')
  t.equal(s.inputs[0].events_total, 6000, 'summed over both workers')
  t.equal(s.inputs[0].events_per_s, 2000, '(6000-2000)/2 s')
  t.same(s.inputs[0].history, [2000])
  t.equal(s.pipeline.events_out_per_s, 2000)
  t.equal(s.senders.list.length, SENDERS_SHOWN, 'top-N senders')
  t.equal(s.senders.list[0].address, '10.0.0.30:5000', 'fastest first')
  t.equal(s.senders.list[0].events_per_s, 150, '300 events in 2 s')
  t.ok(s.elasticsearch.healthy)
  t.equal(s.elasticsearch.bulk_latency_ms.window, 'last minute')
  t.ok(s.elasticsearch.bulk_latency_ms.p50 > 10 && s.elasticsearch.bulk_latency_ms.p50 <= 100, `p50 in the 10-100 ms bucket: ${s.elasticsearch.bulk_latency_ms.p50}`)
  t.same(s.collectd.datagrams_dropped, { kernel: 6 })
  for (let i = 2; i < HISTORY + 20; i++) board.sample(mergeSnapshots(s1), [], t0 + i * 1000)
  const later = board.build({ ok: true, status: 'ok' }, 2) as any
  t.equal(later.inputs[0].history.length, HISTORY, 'sparkline ring bounded')
  t.equal(later.inputs[0].events_per_s, 0, 'no new events: rate 0')
})

t.test('grok debugger: token bucket on a pinned clock', async (t) => {
  let now = 5_000
  const refusals: string[] = []
  const routes = statusRoutes({ status: () => ({}), grokStages: {}, patternsDir: defaultPatternsDir, now: () => now })
  const ctx = { peer: '127.0.0.1', refuse: (reason: string) => refusals.push(reason) }
  // An unknown stage costs a token and answers 400 without starting a grok
  // worker (a real match per request made this test take 6 s); the last ask
  // after the refill runs a real match.
  const ask = async (q: Record<string, string> = { stage: 'nope', lines: 'a' }) => (await routes['/grok']!(new URLSearchParams(q), ctx)).status
  const statuses: number[] = []
  for (let i = 0; i < GROK_LIMITS.burst + 1; i++) statuses.push(await ask())
  t.same(statuses, [...Array(GROK_LIMITS.burst).fill(400), 429], 'burst, then refused')
  t.same(refusals, ['grok_rate'])
  now += 1000 / GROK_LIMITS.rate
  t.equal(await ask({ pattern: '%{WORD:w}', lines: 'a' }), 200, 'a token back after 1/rate s')
})
