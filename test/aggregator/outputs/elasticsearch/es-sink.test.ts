import tap, { test } from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { until } from '../../../helpers/until.ts'
import { silentLogger } from '../../../../core/logger.ts'
import { MetricsRegistry } from '../../../../core/metrics.ts'
import { execFileSync } from 'node:child_process'
import { DeadLetterQueue, listDeadLetterFiles, MemoryDeadLetter } from '../../../../aggregator/outputs/dead-letter.ts'
import { replayDeadLetters } from '../../../../aggregator/dlq-replay.ts'
import { testIndexName } from '../../../helpers/elasticsearch.ts'
import { events, makeSink, writeAll } from './sink-fixtures.ts'
import { count, rest, servers, watchBulkEncodings } from './server-matrix.ts'

// The output against real servers, as one matrix (server-matrix.ts):
// Elasticsearch 8.19, OpenSearch 2.19 and OpenSearch 3.x, one node at a time.
// For each: bulk + ids + no @metadata, idempotent replay (409 = success),
// mapping conflicts into the DLQ, gzip bodies, the index template, and an
// outage in the middle of a stream. The same loop runs for each; only the
// client under it differs (bulk-transport.ts).

// three nodes one after the other, each restarted once on 2 shared cores: more than .taprc's 300 s per file.
tap.setTimeout(2_400_000)

for (const server of servers()) {
  const product = server.product
  test(server.name, { timeout: 1_500_000 }, async (t) => {
    const es = await server.start()
    t.teardown(() => es.stop())

    await t.test('bulk of N events → N documents with their _id, without @metadata; replay → still N (409 = success); gzip bodies', async (t) => {
      const service = testIndexName('svc')
      const { sink } = await makeSink({ hosts: [es.url], index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}', max_bulk_docs: 300, compression: 'gzip' }, undefined, product)
      t.equal(sink.type, product)
      const encodings: string[] = []
      watchBulkEncodings(sink, (e) => encodings.push(e))
      await sink.ready()
      const N = 2500
      const all = events('doc', 0, N, service)
      await writeAll(sink, all, 250)
      const index = `logs-${service}-2024.05.01`
      t.equal(await count(es, index), N, 'N documents')
      // Under heavy load a request can time out after the server stored it; its resend then gets 409s.
      t.equal(sink.stats.indexed + sink.stats.duplicates, N, `all stored (${sink.stats.indexed} created, ${sink.stats.duplicates} resent after a timeout)`)
      t.equal(sink.pendingDocs, 0)
      t.ok(encodings.length >= Math.ceil(N / 300), 'requests were capped at max_bulk_docs')
      t.ok(encodings.every((e) => e === 'gzip'), 'every bulk body was gzip-encoded')
      const doc = await rest(es, 'GET', `/${index}/_doc/doc-1234`)
      t.equal(doc._id, 'doc-1234')
      t.notOk('@metadata' in doc._source, '@metadata is not indexed')
      t.same(doc._source, (({ '@metadata': _m, ...rest }) => rest)(all[1234]!))

      // the index template (composable format on both products) was installed and applied
      const tpl = await rest(es, 'GET', '/_index_template/logyard')
      t.same(tpl.index_templates[0]?.index_template.index_patterns, ['logs-*-*'])
      const mapping = await rest(es, 'GET', `/${index}/_mapping`)
      const props = mapping[index].mappings.properties as Record<string, { type?: string; properties?: Record<string, { type?: string }> }>
      t.equal(props.log?.properties?.offset?.type, 'long', 'log.offset long')
      t.equal(props.tags?.type, 'keyword', 'tags keyword')
      t.equal(props['@timestamp']?.type, 'date')
      t.equal(props.message?.type, server.messageType, `message is ${server.messageType} (text where the server lacks match_only_text)`)

      // replay the same events: 409s count as success, nothing new
      const before = sink.stats.duplicates
      const createdBefore = sink.stats.indexed
      await writeAll(sink, all, 500)
      t.equal(sink.stats.duplicates - before, N, 'every replayed document is a duplicate')
      t.equal(sink.stats.indexed, createdBefore, 'nothing created by the replay')
      t.equal(await count(es, index), N, 'still N documents')
      await sink.close(5000)
    })

    await t.test('mapping conflict: refused documents go to the DLQ with the reason, the rest is indexed', async (t) => {
      const index = testIndexName('conflict')
      await rest(es, 'PUT', `/${index}/_doc/seed?refresh=true`, { x: 5, '@timestamp': '2024-05-01T00:00:00Z' })
      const dir = mkdtempSync(join(tmpdir(), 'logyard-dlq-'))
      t.teardown(() => rmSync(dir, { recursive: true, force: true }))
      const dlq = await DeadLetterQueue.open({ path: dir, max_bytes: 1024 ** 2, max_file_bytes: 1024 ** 2, when_full: 'drop_oldest' }, { logger: silentLogger(), metrics: new MetricsRegistry() })
      const { sink } = await makeSink({ hosts: [es.url], index, compression: 'none', template: { enabled: false } }, dlq, product)
      // the refused ones also carry an integer a double cannot hold (2^53 + 1): it must stay exact through the DLQ and its replay
      const all = events('c', 0, 100, 'conflict', (i) => (i % 10 === 0 ? { x: { nested: i }, n: 9007199254740993n } : { x: i }))
      await sink.write(all)
      t.equal(sink.stats.deadLettered, 10)
      t.equal(sink.stats.indexed, 90)
      t.equal(await count(es, index), 91, '90 good events + the seed document')
      await dlq.close()
      const files = await listDeadLetterFiles(dir)
      t.equal(files.length, 1)
      const dlqText = readFileSync(files[0]!.path, 'utf8')
      t.equal(dlqText.match(/"n":9007199254740993[,}]/g)?.length, 10, 'the big integer is written exactly in every record (not rounded, not {"rawJSON":…})')
      const records = dlqText.trim().split('\n').map((l) => JSON.parse(l))
      t.equal(records.length, 10)
      t.same(records.map((r) => r.event['@metadata']._id), ['c-0', 'c-10', 'c-20', 'c-30', 'c-40', 'c-50', 'c-60', 'c-70', 'c-80', 'c-90'], 'the refused events, whole (with @metadata)')
      t.equal(records[0].status, 400)
      t.equal(records[0].index, index)
      t.equal(records[0].output, product, 'the output is named after the product')
      t.match(records[0].reason, new RegExp(`^400 ${server.conflictType}: .*\\[x\\]`))
      t.ok(Date.parse(records[0]['@timestamp']) > Date.now() - 60_000, '@timestamp is the time of failure')
      await sink.close(1000)

      // The CLI prints the records.
      const printed = execFileSync(process.execPath, ['aggregator/dlq-replay.ts', '--dlq', dir, '--print'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] })
      t.equal(printed.trim().split('\n').length, 10, 'dlq-replay --print prints every record')
      if (product !== 'elasticsearch') return // dlq-replay indexes through the Elasticsearch client only

      // Replay after the operator fixed things: into the original index it fails again …
      const again = await replayDeadLetters({ dlq: dir, es: es.url })
      t.same({ ...again }, { files: 1, records: 10, indexed: 0, duplicates: 0, failed: 10, unreadable: 0, deleted_files: 0 }, 'same conflict: failed again, files kept')
      // … into a new index whose mapping takes objects, they are stored; a second replay stores nothing twice.
      const fixed = `${index}-fixed`
      const first = await replayDeadLetters({ dlq: dir, es: es.url, index: fixed })
      t.equal(first.indexed, 10)
      const stored = await (await fetch(`${es.url}/${fixed}/_doc/c-0`)).text()
      t.match(stored, /"n":9007199254740993\b/, 'the replayed document holds the exact integer')
      const second = await replayDeadLetters({ dlq: dir, es: es.url, index: fixed, delete: true })
      t.equal(second.duplicates, 10, 'replaying again: 409 = duplicate')
      t.equal(second.deleted_files, 1)
      t.equal(await count(es, fixed), 10)
      t.same((await listDeadLetterFiles(dir)).length, 0, '--delete removed the replayed file')
    })

    await t.test(`${server.name} stopped mid-stream and restarted: write() resolves after the restart, nothing lost, no duplicates`, async (t) => {
      const index = testIndexName('outage')
      const { sink } = await makeSink({ hosts: [es.url], index, max_bulk_docs: 200, compression: 'gzip' }, undefined, product)
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
      // The health probe runs every 200 ms: wait (with a deadline) until it noticed.
      await until(() => !sink.healthy(), 30_000, 'the probe noticed the node down', 50)
      t.notOk(sink.healthy(), 'unhealthy while the node is down')
      t.notOk(settled, 'writes wait while the node is down')
      t.ok(sink.pendingDocs > 0, 'documents are pending, not dropped')
      await es.resume()
      await rest
      t.ok(sink.stats.retriedDocs > 0, 'documents were retried')
      t.equal(await count(es, index), N, 'exactly N documents: nothing lost, nothing twice')
      await until(() => sink.healthy(), 30_000, 'healthy again', 50)
      t.ok(sink.healthy(), 'healthy again')
      await sink.close(5000)
    })
  })
}

for (const product of ['elasticsearch', 'opensearch'] as const) {
  test(`${product}: close() with the server gone rejects pending writes with ClosedError (never resolves them)`, async (t) => {
    const { sink } = await makeSink({ hosts: ['http://127.0.0.1:1'], index: 'never', template: { enabled: false } }, new MemoryDeadLetter(), product)
    t.notOk(sink.healthy())
    t.equal(sink.unhealthyReason(), `${product} unreachable`)
    const p = t.rejects(sink.write(events('z', 0, 5, 'z')), { code: 'LY_CLOSED' })
    // barrier: the write was tried and refused (a retry is counted): close() meets it mid-retry
    await until(() => sink.stats.retriedRequests >= 1, 10_000, 'a refused attempt')
    await sink.close(200)
    await p
    await t.rejects(sink.write(events('z', 5, 6, 'z')), { code: 'LY_CLOSED' }, 'write after close')
  })
}
