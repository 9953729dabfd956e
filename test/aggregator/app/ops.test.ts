import t from 'tap'
import { combineHealth, combineMetrics, startAggregatorOps } from '../../../aggregator/ops.ts'
import { silentLogger } from '../../../core/logger.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'

function worker(n: number, events: number, ok = true, status = 'ok') {
  const m = new MetricsRegistry()
  m.counter('pipeline_events_in_total', 'in').inc(events)
  m.counter('input_events_total', 'in', { input: 'beats' }).inc(events)
  return { worker: n, health: { ok, status }, snapshot: m.snapshot() }
}

t.test('metrics of the workers are summed series by series, with the primary\'s own', async (t) => {
  const own = new MetricsRegistry()
  own.counter('cluster_worker_restarts_total', 'restarts').inc(2)
  const text = combineMetrics([worker(0, 10), worker(1, 32)], own.snapshot())
  t.match(text, /^logyard_pipeline_events_in_total 42$/m)
  t.match(text, /^logyard_input_events_total\{input="beats"\} 42$/m)
  t.match(text, /^logyard_cluster_worker_restarts_total 2$/m)
  t.equal(text.match(/^# TYPE logyard_pipeline_events_in_total counter$/gm)?.length, 1)
})

t.test('cluster health: every configured worker answers and is healthy, not draining', async (t) => {
  t.match(combineHealth([worker(0, 0), worker(1, 0)], 2, false), { ok: true, status: 'ok' })
  t.match(combineHealth([worker(0, 0)], 2, false), { ok: false, status: '1/2 workers serving' }, 'a worker down or restarting: 503')
  t.match(combineHealth([worker(0, 0), worker(1, 0, false, 'starting')], 2, false), { ok: false, status: 'starting' }, 'a worker still starting: 503')
  t.match(combineHealth([worker(0, 0), worker(1, 0, false, 'output unhealthy')], 2, false), { ok: false, status: 'output unhealthy' })
  t.match(combineHealth([], 2, false), { ok: false, status: 'no worker running' })
  t.match(combineHealth([worker(0, 0)], 1, true), { ok: false, status: 'draining' })
})

t.test('the single-process endpoint answers /healthz with 200/503 and /metrics', async (t) => {
  let ok = true
  const m = new MetricsRegistry()
  m.counter('pipeline_events_in_total', 'in').inc(5)
  const server = await startAggregatorOps('127.0.0.1:0', { health: () => ({ ok, status: ok ? 'ok' : 'draining' }), metrics: () => m.render(), snapshot: () => m.snapshot() }, silentLogger())
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const addr = server.address() as { port: number }
  const url = `http://127.0.0.1:${addr.port}`
  t.equal((await fetch(`${url}/healthz`)).status, 200)
  ok = false
  const res = await fetch(`${url}/healthz`)
  t.equal(res.status, 503)
  t.match(await res.json(), { status: 'draining' })
  t.match(await (await fetch(`${url}/metrics`)).text(), /logyard_pipeline_events_in_total 5/)
})

t.test('status page: GET / is one self-contained page; GET /status rates and history move with the counters', async (t) => {
  const m = new MetricsRegistry()
  const inBeats = m.counter('input_events_total', 'in', { input: 'beats' })
  const out = m.counter('pipeline_events_out_total', 'out')
  const grokIn = m.counter('pipeline_stage_events_in_total', 'in', { stage: '0:grok' })
  const grokFailed = m.counter('pipeline_stage_events_failed_total', 'failed', { stage: '0:grok' })
  m.counter('es_docs_indexed_total', 'indexed')
  m.observe('es_healthy', 'up', 'gauge', () => 1)
  m.observe('lumberjack_connections', 'conns', 'gauge', () => 3)
  const senders = Array.from({ length: 30 }, (_, i) => ({ address: `10.0.0.${i}`, tls_subject: `CN=web-${i}`, events: i * 10, connected_s: 5, last_ack_age_s: 0.1, windows_pending: 0 }))
  const server = await startAggregatorOps('127.0.0.1:0', { health: () => ({ ok: true, status: 'ok' }), metrics: () => m.render(), snapshot: () => m.snapshot(), senders: () => senders }, silentLogger(), 100)
  t.teardown(() => new Promise<void>((r) => server.close(() => r())))
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  const page = await fetch(`${url}/`)
  t.equal(page.status, 200)
  t.match(page.headers.get('content-type'), /text\/html/)
  const html = await page.text()
  t.ok(html.length < 16 * 1024, `small (${html.length} bytes)`)
  t.notMatch(html, /(src|href)=["']?(https?:)?\/\//, 'no external resource')
  const { until } = await import('../../helpers/until.ts')
  // Counters move between samples: the history gets non-zero rates.
  const timer = setInterval(() => {
    inBeats.inc(100)
    out.inc(90)
    grokIn.inc(100)
    grokFailed.inc(5)
  }, 20)
  t.teardown(() => clearInterval(timer))
  const s = await until(async () => {
    const body = (await (await fetch(`${url}/status`)).json()) as { history: Record<string, number[]> }
    return (body.history.events_in ?? []).filter((r) => r > 0).length >= 2 && body
  }, 10_000, 'two non-zero samples of events in') as Record<string, any>
  clearInterval(timer)
  t.ok(s.rates.events_in > 0, `events in: ${s.rates.events_in}/s`)
  t.ok(s.history.failed.some((r: number) => r > 0), 'parse failures per second in the history')
  t.match(s.inputs, [{ input: 'beats', connections: 3 }])
  t.match(s.pipeline.stages, [{ stage: '0:grok' }])
  t.ok(s.pipeline.stages[0].failed > 0)
  t.match(s.outputs, { elasticsearch: { healthy: true } })
  t.equal(s.collectd, undefined, 'no collectd block without a collectd input')
  t.equal(s.senders.length, 20, 'top 20 senders of 30')
  t.match(s.senders[0], { address: '10.0.0.29', tls_subject: 'CN=web-29', events: 290 }, 'busiest first')
  t.ok(s.history.events_in.length <= 120, 'bounded history')
  t.equal((await fetch(`${url}/status`, { method: 'POST' })).status, 405, 'read-only')
})
