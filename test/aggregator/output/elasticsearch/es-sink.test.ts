import tap, { test } from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { silentLogger } from '../../../../core/logger.ts'
import { MetricsRegistry } from '../../../../core/metrics.ts'
import { execFileSync } from 'node:child_process'
import { DeadLetterQueue, listDeadLetterFiles, MemoryDeadLetter } from '../../../../aggregator/output/dead-letter.ts'
import { replayDeadLetters } from '../../../../aggregator/dlq-replay.ts'
import { startElasticsearch, testIndexName } from '../../../helpers/elasticsearch.ts'
import { events, makeSink, writeAll } from './sink-fixtures.ts'

// The Elasticsearch output against a real Elasticsearch 8.19 (one node for
// this file): bulk + ids + no @metadata, idempotent replay (409 = success),
// mapping conflicts into the DLQ, gzip bodies, the index template, and an
// outage in the middle of a stream.

const es = await startElasticsearch({ private: true }) // halted and restarted below
tap.teardown(() => es.stop())

async function count(index: string): Promise<number> {
  await es.client.indices.refresh({ index, allow_no_indices: true, ignore_unavailable: true })
  return (await es.client.count({ index, allow_no_indices: true, ignore_unavailable: true })).count
}

test('bulk of N events → N documents with their _id, without @metadata; replay → still N (409 = success); gzip bodies', async (t) => {
  const service = testIndexName('svc')
  const { sink } = await makeSink({ hosts: [es.url], index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}', max_bulk_docs: 300, compression: 'gzip' })
  const encodings: string[] = []
  sink.client.diagnostic.on('request', (_err, result) => {
    if (result?.meta.request.params.path === '/_bulk') encodings.push(String(result.meta.request.params.headers?.['content-encoding']))
  })
  await sink.ready()
  const N = 2500
  const all = events('doc', 0, N, service)
  await writeAll(sink, all, 250)
  const index = `logs-${service}-2024.05.01`
  t.equal(await count(index), N, 'N documents')
  // Under heavy load a request can time out after Elasticsearch stored it; its resend then gets 409s.
  t.equal(sink.stats.indexed + sink.stats.duplicates, N, `all stored (${sink.stats.indexed} created, ${sink.stats.duplicates} resent after a timeout)`)
  t.equal(sink.pendingDocs, 0)
  t.ok(encodings.length >= Math.ceil(N / 300), 'requests were capped at max_bulk_docs')
  t.ok(encodings.every((e) => e === 'gzip'), 'every bulk body was gzip-encoded')
  const doc = await es.client.get<Record<string, unknown>>({ index, id: 'doc-1234' })
  t.equal(doc._id, 'doc-1234')
  t.notOk('@metadata' in doc._source!, '@metadata is not indexed')
  t.same(doc._source, (({ '@metadata': _m, ...rest }) => rest)(all[1234]!))

  // the index template was installed and applied
  const tpl = await es.client.indices.getIndexTemplate({ name: 'logyard' })
  t.same(tpl.index_templates[0]?.index_template.index_patterns, ['logs-*-*'])
  const mapping = await es.client.indices.getMapping({ index })
  const props = mapping[index]!.mappings.properties as Record<string, { type?: string; properties?: Record<string, { type?: string }> }>
  t.equal(props.log?.properties?.offset?.type, 'long', 'log.offset long')
  t.equal(props.tags?.type, 'keyword', 'tags keyword')
  t.equal(props['@timestamp']?.type, 'date')
  t.equal(props.message?.type, 'text', 'message falls back to text (no mapper-extras in the integ-test-zip)')

  // replay the same events: 409s count as success, nothing new
  const before = sink.stats.duplicates
  const createdBefore = sink.stats.indexed
  await writeAll(sink, all, 500)
  t.equal(sink.stats.duplicates - before, N, 'every replayed document is a duplicate')
  t.equal(sink.stats.indexed, createdBefore, 'nothing created by the replay')
  t.equal(await count(index), N, 'still N documents')
  await sink.close(5000)
})

test('mapping conflict: refused documents go to the DLQ with the reason, the rest is indexed', async (t) => {
  const index = testIndexName('conflict')
  await es.client.index({ index, id: 'seed', document: { x: 5, '@timestamp': '2024-05-01T00:00:00Z' }, refresh: true })
  const dir = mkdtempSync(join(tmpdir(), 'logyard-dlq-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dlq = await DeadLetterQueue.open({ path: dir, max_bytes: 1024 ** 2, max_file_bytes: 1024 ** 2, when_full: 'drop_oldest' }, { logger: silentLogger(), metrics: new MetricsRegistry() })
  const { sink } = await makeSink({ hosts: [es.url], index, compression: 'none', template: { enabled: false } }, dlq)
  const all = events('c', 0, 100, 'conflict', (i) => ({ x: i % 10 === 0 ? { nested: i } : i }))
  await sink.write(all)
  t.equal(sink.stats.deadLettered, 10)
  t.equal(sink.stats.indexed, 90)
  t.equal(await count(index), 91, '90 good events + the seed document')
  await dlq.close()
  const files = await listDeadLetterFiles(dir)
  t.equal(files.length, 1)
  const records = readFileSync(files[0]!.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  t.equal(records.length, 10)
  t.same(records.map((r) => r.event['@metadata']._id), ['c-0', 'c-10', 'c-20', 'c-30', 'c-40', 'c-50', 'c-60', 'c-70', 'c-80', 'c-90'], 'the refused events, whole (with @metadata)')
  t.equal(records[0].status, 400)
  t.equal(records[0].index, index)
  t.equal(records[0].output, 'elasticsearch')
  t.match(records[0].reason, /^400 document_parsing_exception: .*\[x\]/)
  t.ok(Date.parse(records[0]['@timestamp']) > Date.now() - 60_000, '@timestamp is the time of failure')
  await sink.close(1000)

  // The CLI prints the records.
  const printed = execFileSync(process.execPath, ['aggregator/dlq-replay.ts', '--dlq', dir, '--print'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
  t.equal(printed.trim().split('\n').length, 10, 'dlq-replay --print prints every record')

  // Replay after the operator fixed things: into the original index it fails again …
  const again = await replayDeadLetters({ dlq: dir, es: es.url })
  t.same({ ...again }, { files: 1, records: 10, indexed: 0, duplicates: 0, failed: 10, unreadable: 0, deleted_files: 0 }, 'same conflict: failed again, files kept')
  // … into a new index whose mapping takes objects, they are stored; a second replay stores nothing twice.
  const fixed = `${index}-fixed`
  const first = await replayDeadLetters({ dlq: dir, es: es.url, index: fixed })
  t.equal(first.indexed, 10)
  const second = await replayDeadLetters({ dlq: dir, es: es.url, index: fixed, delete: true })
  t.equal(second.duplicates, 10, 'replaying again: 409 = duplicate')
  t.equal(second.deleted_files, 1)
  t.equal(await count(fixed), 10)
  t.same((await listDeadLetterFiles(dir)).length, 0, '--delete removed the replayed file')
})

test('Elasticsearch stopped mid-stream and restarted: write() resolves after the restart, nothing lost, no duplicates', async (t) => {
  const index = testIndexName('outage')
  const { sink } = await makeSink({ hosts: [es.url], index, max_bulk_docs: 200, compression: 'gzip' })
  await sink.ready()
  t.ok(sink.healthy(), 'healthy before')
  const N = 6000
  const all = events('o', 0, N, 'outage')
  // first third while up
  await writeAll(sink, all.slice(0, 2000), 200)
  // the rest is written while the node goes down
  const rest = writeAll(sink, all.slice(2000), 200, 8)
  let settled = false
  void rest.finally(() => {
    settled = true
  })
  await es.halt('SIGKILL')
  await sleep(1500)
  t.notOk(sink.healthy(), 'unhealthy while the node is down')
  t.notOk(settled, 'writes wait while the node is down')
  t.ok(sink.pendingDocs > 0, 'documents are pending, not dropped')
  await es.resume()
  await rest
  t.ok(sink.stats.retriedDocs > 0, 'documents were retried')
  t.equal(await count(index), N, 'exactly N documents: nothing lost, nothing twice')
  const ids = await es.client.search({ index, size: 0, aggs: { ids: { cardinality: { field: '_id', precision_threshold: 40000 } } } }).catch(() => undefined)
  if (ids) t.ok(ids.hits, 'search works after the restart')
  await sleep(400)
  t.ok(sink.healthy(), 'healthy again')
  await sink.close(5000)
})

test('close() with Elasticsearch gone rejects pending writes with ClosedError (never resolves them)', async (t) => {
  const { sink } = await makeSink({ hosts: ['http://127.0.0.1:1'], index: 'never', template: { enabled: false } }, new MemoryDeadLetter())
  t.notOk(sink.healthy())
  const p = t.rejects(sink.write(events('z', 0, 5, 'z')), { code: 'LY_CLOSED' })
  await sleep(300)
  await sink.close(200)
  await p
  await t.rejects(sink.write(events('z', 5, 6, 'z')), { code: 'LY_CLOSED' }, 'write after close')
})
