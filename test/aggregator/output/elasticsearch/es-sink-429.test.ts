import tap, { test } from 'tap'
import { startElasticsearch, testIndexName } from '../../../helpers/elasticsearch.ts'
import { events, makeSink, writeAll } from './sink-fixtures.ts'

// A REAL 429: a node whose write thread pool has one thread and a queue of
// one, pushed by four concurrent bulk requests into a multi-shard index. The
// node rejects shard-level writes with es_rejected_execution_exception (item
// status 429); the output retries only those items with backoff until every
// document is stored exactly once.

const es = await startElasticsearch({ settings: { 'thread_pool.write.size': 1, 'thread_pool.write.queue_size': 1 } })
tap.teardown(() => es.stop())

test('item-level 429 from a saturated write pool: retried, nothing lost, nothing twice', async (t) => {
  const index = testIndexName('pressure')
  const { sink, metrics } = await makeSink({
    hosts: [es.url],
    index,
    concurrency: 4,
    max_bulk_docs: 40,
    compression: 'none',
    retry_initial: '20ms',
    retry_max: '300ms',
    template: { name: 'pressure', shards: 6, replicas: 0 },
  })
  await sink.ready()
  const N = 2500
  await writeAll(sink, events('p', 0, N, 'pressure'), 200, 16)
  t.ok(sink.stats.retriedDocs > 0, `documents were retried after 429s (${sink.stats.retriedDocs})`)
  // A resend whose first attempt was stored after all (e.g. a request that timed out under load) comes back as 409 = duplicate.
  t.equal(sink.stats.indexed + sink.stats.duplicates, N, `every document stored (${sink.stats.indexed} created, ${sink.stats.duplicates} already there)`)
  t.equal(sink.stats.deadLettered, 0)
  await es.client.indices.refresh({ index })
  t.equal((await es.client.count({ index })).count, N, 'count equals')
  const pools = await es.client.nodes.stats({ metric: 'thread_pool' })
  const rejected = Object.values(pools.nodes).reduce((s, n) => s + (n.thread_pool?.write?.rejected ?? 0), 0)
  t.ok(rejected > 0, `the node really rejected writes (${rejected})`)
  t.match(metrics.render(), /logyard_es_docs_retried_total\{output="elasticsearch"\} [1-9]/)
  await sink.close(5000)
})
