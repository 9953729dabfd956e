import tap from 'tap'
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseAggregatorConfig } from '../../../../aggregator/config.ts'
import { buildPipeline, validatePipeline } from '../../../../aggregator/pipeline/pipeline.ts'
import { stageComponents } from '../../../../aggregator/stages/index.ts'
import { MemoryDeadLetter } from '../../../../aggregator/outputs/dead-letter.ts'
import { createDecoderContext, decodeCollectd } from '../../../../aggregator/inputs/collectd/decoder.ts'
import { defaultTypesDbPath, loadTypesDb } from '../../../../aggregator/inputs/collectd/types-db.ts'
import { StaticCredentials } from '../../../../aggregator/inputs/collectd/auth-file.ts'
import type { LogEvent } from '../../../../core/event.ts'
import { silentLogger } from '../../../../core/logger.ts'
import { MetricsRegistry } from '../../../../core/metrics.ts'
import { startElasticsearch, testIndexName } from '../../../helpers/elasticsearch.ts'
import { makeSink } from './sink-fixtures.ts'

// Issue 15: every event logyard produces must index with logyard's own
// templates. Real samples of each shipped format go through the real code
// (the example config's pipeline, grok with legacy names, the collectd
// decoder on real collectd datagrams) into a real Elasticsearch through the
// Elasticsearch output, with the templates it installs (the example config's
// index and legacy_index, under a unique prefix): not one document may be
// refused, so the dead-letter queue stays empty.

const es = await startElasticsearch()
tap.teardown(() => es.stop())

const root = join(import.meta.dirname, '..', '..', '..', '..')
const example = parseAggregatorConfig(readFileSync(join(root, 'configs', 'aggregator.yml'), 'utf8'), 'aggregator.yml', {})
const exampleEs = example.config.output.elasticsearch!
const logger = silentLogger()

/** A logyard-forwarder event (as forwarder/ ships it) carrying `message`. */
function shipped(i: number, message: string, tags: string[], service: string): LogEvent {
  return {
    '@timestamp': new Date(Date.UTC(2024, 4, 1, 12, 0, 0, i)).toISOString(),
    '@metadata': { _id: `${service}-${i}` },
    message,
    log: { offset: i * 200, file: { path: `/var/log/${service}.log` } },
    host: { name: 'app-1' },
    agent: { type: 'logyard-forwarder', version: '0.1.0', name: 'app-1', id: 'a5d3c1e2-0000-4000-8000-000000000001' },
    input: { type: 'log' },
    ecs: { version: '8.0.0' },
    fields: { service },
    tags,
  }
}

/** Writes the events through a fresh output with the example's index names under `prefix`; returns it and its DLQ. */
async function index(events: LogEvent[], prefix: string) {
  const dlq = new MemoryDeadLetter()
  const { sink } = await makeSink({
    hosts: [es.url],
    index: `${prefix}-${exampleEs.index}`,
    legacy_index: `${prefix}-${exampleEs.legacy_index}`,
    template: { name: prefix },
    compression: 'none',
  }, dlq)
  await sink.ready()
  await sink.write(events.slice()) // write() takes its array (it empties it once encoded); the test keeps its own
  await sink.close(10_000)
  await es.client.indices.refresh({ index: `${prefix}-*` })
  return { sink, dlq }
}

const refused = (dlq: MemoryDeadLetter) => dlq.records.map((r) => JSON.stringify(r).slice(0, 400))

tap.test('the example config indexes with two templates: ECS for index, Logstash legacy for legacy_index', async (t) => {
  t.equal(exampleEs.index, 'logs-%{[fields][service]}-%{+yyyy.MM.dd}')
  t.equal(exampleEs.legacy_index, 'logstash-%{+yyyy.MM.dd}')
  const prefix = testIndexName('tpl')
  await index([shipped(0, 'hello', [], 'web')], prefix)
  const ecs = await es.client.indices.getIndexTemplate({ name: prefix })
  t.same(ecs.index_templates[0]?.index_template.index_patterns, [`${prefix}-logs-*-*`])
  const legacy = await es.client.indices.getIndexTemplate({ name: `${prefix}-legacy` })
  t.same(legacy.index_templates[0]?.index_template.index_patterns, [`${prefix}-logstash-*`])
})

tap.test('logstasher and lograge JSON through the example config: nothing refused', async (t) => {
  const lines = readFileSync(join(root, 'test', 'fixtures', 'samples', 'app-json.ndjson'), 'utf8').split('\n').filter(Boolean)
  const pipeline = await buildPipeline(example.stages, { logger, metrics: new MetricsRegistry(), patternsDir: example.config.patterns_dir })
  t.teardown(() => pipeline.close())
  // Twice over, the second time in another order: a first document must not decide a mapping the others break.
  const events = await pipeline.run([...lines, ...lines.toReversed()].map((l, i) => shipped(i, l, ['rails'], 'rails')))
  t.equal(events.length, lines.length * 2)
  t.notOk(events.some((e) => (e.tags as string[]).includes('_jsonparsefailure') || (e.tags as string[]).includes('_dateparsefailure')), 'every line parsed')
  t.equal(events[0]!['@timestamp'], '2017-07-19T09:29:05.970Z', "the application's time is the event's")
  t.equal((events[0]!.rails as Record<string, unknown>).source, 'unknown', "logstasher's source kept, under [rails]")
  t.same(events[0]!.host, { name: 'app-1' }, 'the ECS host is not overwritten')
  const prefix = testIndexName('rails')
  const { sink, dlq } = await index(events, prefix)
  t.same(refused(dlq), [], 'no document refused')
  t.equal(sink.stats.indexed, events.length)
  t.equal((await es.client.count({ index: `${prefix}-logs-rails-*` })).count, events.length)
})

tap.test('the same JSON merged into the root (no target) is refused: the reason for the example config', async (t) => {
  const stages = validatePipeline([{ json: { field: 'message' } }], stageComponents)
  const pipeline = await buildPipeline(stages, { logger, metrics: new MetricsRegistry(), patternsDir: example.config.patterns_dir })
  t.teardown(() => pipeline.close())
  const line = readFileSync(join(root, 'test', 'fixtures', 'samples', 'app-json.ndjson'), 'utf8').split('\n')[0]!
  const events = await pipeline.run([shipped(0, line, ['rails'], 'rails')])
  const { dlq } = await index(events, testIndexName('rootjson'))
  t.equal(dlq.records.length, 1, 'source as a string at the root collides with ECS source')
  t.match(JSON.stringify(dlq.records[0]), /source/)
})

const legacyLines: [pattern: string, line: string, options?: Record<string, unknown>][] = [
  ['%{HTTPD_COMMONLOG}', '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326'],
  // agent (the user agent) collides with the shipper's agent object in any index: legacy captures go under a target
  ['%{COMBINEDAPACHELOG}', '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"', { target: 'apache' }],
  ['%{SYSLOGLINE}', 'Mar 16 00:01:25 evita postfix/smtpd[1713]: connect from camomile.cloud9.net[168.100.1.3]'],
  ['%{NGINX_ERRORLOG}', '2016/04/20 03:15:28 [error] 5413#0: *1 open() "/usr/share/nginx/html/favicon.ico" failed (2: No such file or directory), client: 127.0.0.1, server: localhost'],
  ['%{HAPROXYHTTP}', 'Jul 30 09:03:52 localhost haproxy[32450]: 1.2.3.4:38862 [30/Jul/2018:09:03:52.726] incoming~ docs_microservice/docs 0/0/1/0/2 304 168 - - ---- 6/6/0/0/0 0/0 {docs.example.com|} {|} "GET /index.html HTTP/1.1"'],
  ['%{POSTGRESQL}', '2024-05-01 12:00:00 UTC [1234] app@db ERROR:  relation "x" does not exist'],
  ['%{REDISLOG}', '[4018] 14 Nov 07:01:22.119 * Background saving terminated with success'],
  ['%{MONGO3_LOG}', '2020-08-13T11:58:09.909+0000 I NETWORK  [listener] connection accepted from 127.0.0.1:54702 #1 (1 connection now open)'],
  ['%{RUBY_LOGGER}', 'I, [2024-05-01T12:00:00.000000 #4242]  INFO -- : Completed 200 OK in 12ms'],
  // url and user: ECS objects in logyard's template
  ['%{SQUID3}', '1525344856.899  16867 10.170.72.111 TCP_TUNNEL/200 6256 CONNECT logs.example.com:443 - HIER_DIRECT/10.0.0.1 -', { target: 'squid' }],
]

tap.test('legacy grok fields (ecs_compatibility: disabled) on shipped events: nothing refused', async (t) => {
  const items = legacyLines.map(([p, , o], i) => ({ when: { tags: `p${i}` }, grok: { field: 'message', patterns: [p], ecs_compatibility: 'disabled', ...o } }))
  const pipeline = await buildPipeline(validatePipeline(items, stageComponents), { logger, metrics: new MetricsRegistry(), patternsDir: example.config.patterns_dir })
  t.teardown(() => pipeline.close())
  const events = await pipeline.run(legacyLines.map(([, line], i) => shipped(i, line, [`p${i}`], 'legacy')))
  for (const [i, e] of events.entries()) t.notOk((e.tags as string[]).includes('_grokparsefailure'), `${legacyLines[i]![0]} matched`)
  t.equal(events[0]!.clientip, '127.0.0.1', 'legacy names at the root')
  const { sink, dlq } = await index(events, testIndexName('grok'))
  t.same(refused(dlq), [], 'no document refused')
  t.equal(sink.stats.indexed, events.length)
})

tap.test('legacy collectd (real collectd datagrams) next to ECS collectd: nothing refused, gauges mapped as floats', async (t) => {
  const cap = JSON.parse(readFileSync(join(root, 'test', 'fixtures', 'collectd', 'logstash-codec-captures.json'), 'utf8')) as Record<string, string>
  const { db } = loadTypesDb([defaultTypesDbPath])
  const pieter = new StaticCredentials({ pieter: 'aapje1234' })
  const events: LogEvent[] = []
  for (const format of ['legacy', 'ecs'] as const) {
    const ctx = createDecoderContext({ typesDb: db, eventFormat: format, securityLevel: 'none', credentials: pieter })
    for (const k of ['plain28', 'signed24', 'encrypted24', 'nanPing']) events.push(...decodeCollectd(Buffer.from(cap[k]!, 'hex'), ctx).events)
  }
  const legacy = events.filter((e) => typeof e.host === 'string')
  t.ok(legacy.length >= 70, `${legacy.length} legacy events`)
  t.ok(events.length - legacy.length >= 70, 'as many ECS events')
  const prefix = testIndexName('cd')
  const { sink, dlq } = await index(events, prefix)
  t.same(refused(dlq), [], 'no document refused')
  t.equal(sink.stats.indexed, events.length)
  const legacyCount = (await es.client.count({ index: `${prefix}-logstash-*` })).count
  t.equal(legacyCount, legacy.length, 'legacy events in legacy_index, with host as a string')
  const mapping = await es.client.indices.getMapping({ index: `${prefix}-logstash-*` })
  const props = Object.values(mapping)[0]!.mappings.properties as Record<string, { type?: string; fields?: Record<string, { type?: string }> }>
  t.equal(props.host?.type, 'text', "host: text with a keyword sub-field, as Logstash's legacy template maps it")
  t.equal(props.host?.fields?.keyword?.type, 'keyword')
  t.equal(props['@version']?.type, 'keyword')
  // memory's used/free/… and entropy's 157.0 are whole-number gauges: written as floats, mapped as floats
  t.equal(props.value?.type, 'float', 'value (gauges first) is a float, not a long that would truncate 0.5')
  const hit = await es.client.search({ index: `${prefix}-logstash-*`, query: { term: { collectd_type: 'entropy' } } })
  t.equal((hit.hits.hits[0]?._source as { value: number }).value, 157)

  // Without the routing (what logyard did before legacy_index), every legacy document lands in the ECS index and is refused.
  const unrouted = legacy.map((e) => ({ ...e, '@metadata': {} }))
  const before = await index(unrouted, testIndexName('cdecs'))
  t.equal(before.dlq.records.length, legacy.length, `without legacy_index: ${before.dlq.records.length}/${legacy.length} refused (host string vs ECS object)`)
  t.match(JSON.stringify(before.dlq.records[0]), /host/)
})
