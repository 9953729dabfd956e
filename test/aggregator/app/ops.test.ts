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
  const server = await startAggregatorOps('127.0.0.1:0', { health: () => ({ ok, status: ok ? 'ok' : 'draining' }), metrics: () => m.render() }, silentLogger())
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
