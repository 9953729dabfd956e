import tap, { test } from 'tap'
import { testIndexName } from '../../../helpers/elasticsearch.ts'
import { events, makeSink, writeAll } from './sink-fixtures.ts'
import { count, rest, servers } from './server-matrix.ts'

// A REAL 429, on each server of the matrix (Elasticsearch 8.19, OpenSearch
// 2.19, OpenSearch 3.x; one node at a time): a node whose write thread pool
// has one thread and a queue of one, pushed by four concurrent bulk requests
// into a multi-shard index. The node rejects shard-level writes with
// (es|opensearch)_rejected_execution_exception (item status 429); the output
// retries only those items with backoff until every document is stored
// exactly once.

// three nodes one after the other on 2 shared cores: more than .taprc's 300 s per file.
tap.setTimeout(1_800_000)

for (const server of servers()) {
  test(`${server.name}: item-level 429 from a saturated write pool: retried, nothing lost, nothing twice`, { timeout: 900_000 }, async (t) => {
    const es = await server.start({ settings: { 'thread_pool.write.size': 1, 'thread_pool.write.queue_size': 1 } })
    t.teardown(() => es.stop())
    const index = testIndexName('pressure')
    const { sink, metrics } = await makeSink(
      {
        hosts: [es.url],
        index,
        concurrency: 4,
        max_bulk_docs: 40,
        compression: 'none',
        retry_initial: '20ms',
        retry_max: '300ms',
        template: { name: 'pressure', shards: 6, replicas: 0 },
      },
      undefined,
      server.product,
    )
    await sink.ready()
    const N = 2500
    await writeAll(sink, events('p', 0, N, 'pressure'), 200, 16)
    t.ok(sink.stats.retriedDocs > 0, `documents were retried after 429s (${sink.stats.retriedDocs})`)
    // A resend whose first attempt was stored after all (e.g. a request that timed out under load) comes back as 409 = duplicate.
    t.equal(sink.stats.indexed + sink.stats.duplicates, N, `every document stored (${sink.stats.indexed} created, ${sink.stats.duplicates} already there)`)
    t.equal(sink.stats.deadLettered, 0)
    t.equal(await count(es, index), N, 'count equals')
    const pools = await rest(es, 'GET', '/_nodes/stats/thread_pool')
    const rejected = Object.values(pools.nodes as Record<string, { thread_pool?: { write?: { rejected?: number } } }>).reduce((s, n) => s + (n.thread_pool?.write?.rejected ?? 0), 0)
    t.ok(rejected > 0, `the node really rejected writes (${rejected})`)
    t.match(metrics.render(), new RegExp(`logyard_es_docs_retried_total\\{output="${server.product}"\\} [1-9]`))
    await sink.close(5000)
  })
}
