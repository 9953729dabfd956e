import t from 'tap'
import { MetricsRegistry, mergeSnapshots, renderSnapshot } from '../../core/metrics.ts'

t.test('renders Prometheus text and sums worker snapshots', async (t) => {
  const a = new MetricsRegistry()
  const b = new MetricsRegistry()
  for (const reg of [a, b]) {
    reg.counter('events_in_total', 'events received', { input: 'beats' }).inc(reg === a ? 3 : 4)
    reg.observe('queue_depth', 'events queued', 'gauge', () => (reg === a ? 10 : 5))
  }
  a.counter('events_in_total', 'events received', { input: 'collectd' }).inc(2)
  const text = a.render()
  t.match(text, /# TYPE logyard_events_in_total counter\nlogyard_events_in_total\{input="beats"\} 3\nlogyard_events_in_total\{input="collectd"\} 2\n/)
  t.match(text, /logyard_queue_depth 10\n/)
  const merged = renderSnapshot(mergeSnapshots([a.snapshot(), b.snapshot()]))
  t.match(merged, /logyard_events_in_total\{input="beats"\} 7\n/)
  t.match(merged, /logyard_events_in_total\{input="collectd"\} 2\n/)
  t.match(merged, /logyard_queue_depth 15\n/)
  t.throws(() => a.gauge('events_in_total', 'x'), /registered as counter and gauge/)
})

t.test('label values are escaped', async (t) => {
  const r = new MetricsRegistry()
  r.counter('x_total', 'x', { path: 'a"b\\c\nd' }).inc()
  t.match(r.render(), /x_total\{path="a\\"b\\\\c\\nd"\} 1/)
})
