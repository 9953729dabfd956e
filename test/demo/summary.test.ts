import t from 'tap'
import { parseAggregatorConfig } from '../../aggregator/config.ts'
import { buildPipeline } from '../../aggregator/pipeline/pipeline.ts'
import { silentLogger } from '../../core/logger.ts'
import { MetricsRegistry } from '../../core/metrics.ts'
import { javaTrace, nginxLine, railsLine, syslogLine } from '../../demo/generate.ts'
import { deadLettered, demoPipeline, flowRate, sampleFields } from '../../demo/summary.ts'

// The demo's summary (issue 20 item 7): the dead-lettered count from the
// metric the aggregator really exports, the demo pipeline giving every kind
// of sample (Java included) its own @timestamp, a few parsed fields per
// sample instead of a cut JSON blob, and no rate computed over no time.

t.test('dead-lettered: summed from logyard_es_docs_dead_lettered_total as the aggregator renders it', async (t) => {
  const m = new MetricsRegistry()
  m.counter('es_docs_dead_lettered_total', 'refused', { output: 'elasticsearch' }).inc(7)
  m.counter('es_docs_dead_lettered_total', 'refused', { output: 'elasticsearch_2' }).inc(5)
  m.counter('dlq_dropped_total', 'dropped').inc(100)
  m.counter('es_docs_indexed_total', 'indexed', { output: 'elasticsearch' }).inc(1000)
  const text = m.render()
  t.match(text, /logyard_es_docs_dead_lettered_total/, 'the metric name the demo reads is the one rendered')
  t.equal(deadLettered(text), 12)
  t.equal(deadLettered(''), 0)
})

async function runDemoPipeline(events: Record<string, unknown>[]) {
  const { config, stages } = parseAggregatorConfig(['inputs:', "  beats: {listen: '127.0.0.1:0'}", ...demoPipeline, 'output:', '  blackhole: {}'].join('\n') + '\n', 'demo', {})
  const pipeline = await buildPipeline(stages, { logger: silentLogger(), metrics: new MetricsRegistry(), patternsDir: config.patterns_dir })
  try {
    return await pipeline.run(events)
  } finally {
    await pipeline.close()
  }
}

const forwarderFields = { agent: { name: 'web1', id: 'x', type: 'logyard-forwarder' }, host: { name: 'web1' }, log: { file: { path: '/var/log/x' }, offset: 0 }, input: { type: 'log' }, ecs: { version: '8.0.0' }, fields: { service: 'app' } }

t.test('the demo pipeline: every kind gets @timestamp from its line, Java included; samples show parsed fields', async (t) => {
  const d = new Date('2024-05-01T12:34:56.789Z')
  const read = '2030-01-01T00:00:00.000Z' // the time of reading: must be replaced
  const out = await runDemoPipeline([
    { ...structuredClone(forwarderFields), '@timestamp': read, message: javaTrace(d).join('\n'), tags: ['java'] },
    { ...structuredClone(forwarderFields), '@timestamp': read, message: nginxLine(3, d), tags: ['nginx'] },
    { ...structuredClone(forwarderFields), '@timestamp': read, message: railsLine(10, d), tags: ['rails'] },
    { ...structuredClone(forwarderFields), '@timestamp': read, message: syslogLine(1, d), tags: ['syslog'] },
  ])
  const [java, nginx, rails, syslog] = out as Record<string, any>[]
  t.equal(java!['@timestamp'], '2024-05-01T12:34:56.789Z', 'Java: @timestamp from the line, not the read time')
  t.equal(java!.log.level, 'ERROR')
  t.equal(java!.error.message, 'order failed')
  t.notOk(java!.tags.includes('_grokparsefailure'))
  t.equal(nginx!['@timestamp'], '2024-05-01T12:34:56.000Z')
  t.equal(rails!['@timestamp'], '2024-05-01T12:34:56.789Z')
  t.equal(rails!.rails.status, 422)
  t.not(syslog!['@timestamp'], read, 'syslog: @timestamp from the line')
  for (const e of out) t.equal((e as Record<string, unknown>).timestamp, undefined, 'the helper field is removed')

  const javaLine = sampleFields(java!)
  t.match(javaLine, /^@timestamp=2024-05-01T12:34:56\.789Z /)
  t.match(javaLine, /log\.level=ERROR/)
  t.match(javaLine, /error\.message=order failed/)
  t.notMatch(javaLine, /agent\.|ecs\.|log\.file|fields\.service|input\./, 'the forwarder\'s own fields are left out')
  t.notMatch(javaLine, /\n/, 'one line: multi-line values show their first line')
  const railsSample = sampleFields(rails!)
  t.match(railsSample, /rails\.status=422/)
  t.match(railsSample, /rails\.method=/)
  const nginxSample = sampleFields(nginx!, 8, 40)
  t.ok(nginxSample.split('  ').length <= 9, 'at most 8 fields and a "+N more"')
  for (const part of nginxSample.split('  ')) t.ok(part.length <= 40 + 40, `bounded: ${part}`)
})

t.test('flowRate: no rate over no time; a real rate when the flow lasted', async (t) => {
  t.match(flowRate(undefined, { at: 1000, n: 0 }, 250), /no steady rate/)
  const once = flowRate({ at: 5000, n: 15_050 }, { at: 5000, n: 15_050 }, 250)
  t.match(once, /arrived within 250 ms/)
  t.notMatch(once, /events\/s/, 'not "1 events/s"')
  t.match(flowRate({ at: 0, n: 1000 }, { at: 2000, n: 5000 }, 250), /^once flowing: 2000 events\/s/)
})
