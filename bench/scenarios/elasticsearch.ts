import { measure, result, type BenchResult, type Scenario } from '../harness.ts'
import type { LogEvent } from '../../core/event.ts'
import { silentLogger } from '../../core/logger.ts'
import { MetricsRegistry } from '../../core/metrics.ts'
import { validate } from '../../core/config/schema.ts'
import { BulkEncoder, writeBulkBody, type BulkDoc } from '../../aggregator/outputs/elasticsearch/es-encoder.ts'
import { elasticsearchOutputSpec, opensearchOutputSpec } from '../../aggregator/outputs/elasticsearch/es-config.ts'
import { ElasticsearchOutput } from '../../aggregator/outputs/elasticsearch/es-sink.ts'
import { MemoryDeadLetter } from '../../aggregator/outputs/dead-letter.ts'
import { startElasticsearch, type ElasticsearchInstance } from '../../test/helpers/elasticsearch.ts'
import type { Product } from '../../aggregator/outputs/elasticsearch/bulk-transport.ts'
import type { Client as OsClient } from '@opensearch-project/opensearch'
import type { Client as EsClient } from '@elastic/elasticsearch'

// elasticsearch.encode: the bulk encoder (action line + source without
//   @metadata, per document, with UTF-8 byte counts) on Filebeat-shaped
//   events, against JSON.stringify alone of the same events (the limit: the
//   encoder cannot serialize faster than V8's serializer).
// elasticsearch.sink (full mode only): our output into a real Elasticsearch
//   8.19 (the integ-test-zip node from the test helper) against a direct
//   bulk load of the same documents through the client's transport, with
//   the NDJSON bodies built before the clock starts — ES's own ceiling on
//   this machine. Target: ≥ 0.9 of the ceiling. Both without gzip and
//   without the index template, into fresh indices. (A first version used
//   client.bulk({operations}) as the limit; our sink ran at 2.6x that,
//   because the client serializes every operation and parses every item.)
// opensearch.sink (bench/scenarios/opensearch.ts) runs the same comparison
//   against OpenSearch, the direct POSTs through the OpenSearch client.

function filebeatEvents(n: number): LogEvent[] {
  const out: LogEvent[] = []
  const paths = ['/var/log/nginx/access.log', '/srv/app/log/production.log', '/var/log/syslog']
  for (let i = 0; i < n; i++) {
    out.push({
      '@timestamp': new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 0) + i).toISOString(),
      '@metadata': { beat: 'filebeat', type: '_doc', version: '8.19.0', _id: `a1b2c3d4-${i}` },
      message: `10.0.${i % 256}.${(i * 7) % 256} - - [01/May/2024:12:00:00 +0000] "GET /api/v1/items/${i}?page=${i % 50} HTTP/1.1" 200 ${100 + (i % 9000)} "https://example.com/" "Mozilla/5.0 (X11; Linux x86_64) AppleWebKit/537.36 (KHTML, like Gecko) Chrome/124.0 Safari/537.36"`,
      log: { offset: i * 231, file: { path: paths[i % 3]! } },
      host: { name: 'web-1' },
      agent: { type: 'filebeat', version: '8.19.0', name: 'web-1', id: '7f0c1d5e-0000-4000-8000-000000000001', ephemeral_id: '2b6f0a7e-1111-4000-8000-000000000002' },
      input: { type: 'filestream' },
      ecs: { version: '8.0.0' },
      fields: { service: 'web' },
      tags: ['nginx', 'prod'],
    })
  }
  return out
}

/** Best (shortest wall) of several alternating rounds: the box is shared, so single runs are noisy. */
async function best<T>(rounds: number, fns: (() => T | Promise<T>)[]): Promise<Awaited<ReturnType<typeof measure<T>>>[]> {
  const out: Awaited<ReturnType<typeof measure<T>>>[] = []
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < fns.length; i++) {
      const m = await measure(fns[i]!)
      if (!out[i] || m.wall_s < out[i]!.wall_s) out[i] = m
    }
  }
  return out
}

async function encodeBench(quick: boolean): Promise<BenchResult[]> {
  const n = quick ? 50_000 : 200_000
  const events = filebeatEvents(n)
  // Warm up both paths.
  const warm = new BulkEncoder({ index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}' })
  for (let i = 0; i < 20_000; i++) {
    warm.encode(events[i]!)
    JSON.stringify(events[i]!)
  }
  const encoder = new BulkEncoder({ index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}' })
  const [limit, enc] = await best(quick ? 3 : 5, [
    () => {
      let bytes = 0
      for (let i = 0; i < n; i++) bytes += JSON.stringify(events[i]!).length
      return bytes
    },
    () => {
      // as the output does: encode each event, then a request body per 2,000 documents
      let bytes = 0
      let docs: BulkDoc[] = []
      let body = 0
      for (let i = 0; i < n; i++) {
        const d = encoder.encode(events[i]!)
        if (typeof d === 'string') continue
        docs.push(d)
        body += d.bytes
        if (docs.length === 2000) {
          bytes += writeBulkBody(docs, body).length
          docs = []
          body = 0
        }
      }
      return bytes + writeBulkBody(docs, body).length
    },
  ])
  return [
    result({
      scenario: 'elasticsearch.encode',
      unit: 'events/s',
      throughput: n / enc!.wall_s,
      mib_per_s: enc!.value / 1048576 / enc!.wall_s,
      wall_s: enc!.wall_s,
      cpu_s: enc!.cpu_s,
      peak_rss_mib: enc!.peak_rss_mib,
      limit: { name: 'JSON.stringify alone, same events', throughput: n / limit!.wall_s, unit: 'events/s' },
      notes: `${n} Filebeat-shaped events, best of alternating rounds; bulk NDJSON incl. action line with _id, @metadata hidden during stringify, written as UTF-8 into request bodies of 2,000 documents`,
    }),
  ]
}

export interface SinkBenchTarget {
  scenario: string
  product: Product
  start(): Promise<ElasticsearchInstance<unknown>>
}

const elasticsearchTarget: SinkBenchTarget = { scenario: 'elasticsearch.sink', product: 'elasticsearch', start: () => startElasticsearch({ heap: '1g' }) }

/** POST one ready-made NDJSON body through the product's own client; resolves with the `errors` flag. */
async function directBulk(es: ElasticsearchInstance<unknown>, product: Product, body: string): Promise<boolean> {
  if (product === 'opensearch') {
    const res = await (es.client as OsClient).transport.request({ method: 'POST', path: '/_bulk', querystring: { filter_path: 'errors' }, bulkBody: body })
    return (res.body as { errors: boolean }).errors
  }
  const res = (await (es.client as EsClient).transport.request({ method: 'POST', path: '/_bulk', querystring: { filter_path: 'errors' }, bulkBody: body })) as { errors: boolean }
  return res.errors
}

export async function sinkBench(target: SinkBenchTarget = elasticsearchTarget): Promise<BenchResult[]> {
  // LOGYARD_BENCH_SINK_DOCS shrinks a round (a multiple of the batch) on a shared machine.
  const n = Number(process.env.LOGYARD_BENCH_SINK_DOCS ?? 100_000)
  const batch = 2000
  const concurrency = 2
  const rounds = 2
  const events = filebeatEvents(n)
  const es = await target.start()
  try {
    // Ceiling: the same documents as ready-made NDJSON bodies (built before the
    // clock starts), POSTed with the same batch size, concurrency and
    // filter_path: Elasticsearch's own ingest rate with zero client-side work.
    const bodies = (index: string): string[] => {
      const out: string[] = []
      for (let from = 0; from < n; from += batch) {
        let body = ''
        for (let i = from; i < Math.min(from + batch, n); i++) {
          const { '@metadata': meta, ...source } = events[i]!
          body += `{"create":{"_index":"${index}","_id":"${(meta as { _id: string })._id}"}}\n${JSON.stringify(source)}\n`
        }
        out.push(body)
      }
      return out
    }
    const prepared = Array.from({ length: rounds }, (_, r) => bodies(`bench-direct-${r}`))
    const direct = async (r: number): Promise<void> => {
      const queue = prepared[r]!
      let next = 0
      const worker = async (): Promise<void> => {
        while (next < queue.length) {
          const body = queue[next++]!
          if (await directBulk(es, target.product, body)) throw new Error('direct bulk had item errors')
        }
      }
      await Promise.all(Array.from({ length: concurrency }, worker))
    }
    const ours = async (index: string): Promise<void> => {
      const spec = target.product === 'opensearch' ? opensearchOutputSpec : elasticsearchOutputSpec
      const config = validate(spec, { hosts: [es.url], index, compression: 'none', concurrency, max_bulk_docs: batch, template: { enabled: false } })
      const sink = await ElasticsearchOutput.create(config, { logger: silentLogger(), metrics: new MetricsRegistry(), deadLetter: new MemoryDeadLetter(), product: target.product })
      const pending: Promise<void>[] = []
      for (let i = 0; i < n; i += batch) pending.push(sink.write(events.slice(i, i + batch)))
      await Promise.all(pending)
      await sink.close(10_000)
    }
    // Alternate (direct, ours, ours, direct …) into fresh indices so merges and contention hit both alike.
    let round = 0
    const [ceiling, sink] = await best(rounds, [() => direct(round), () => ours(`bench-sink-${round++}`)])
    await es.request('POST', '/bench-*/_refresh')
    for (let r = 0; r < rounds; r++) {
      const d = (await es.request('GET', `/bench-direct-${r}/_count`)).body.count
      const o = (await es.request('GET', `/bench-sink-${r}/_count`)).body.count
      if (d !== n || o !== n) throw new Error(`bench: expected ${n} documents, got direct ${d}, sink ${o}`)
    }
    return [
      result({
        scenario: target.scenario,
        unit: 'events/s',
        throughput: n / sink!.wall_s,
        wall_s: sink!.wall_s,
        cpu_s: sink!.cpu_s,
        peak_rss_mib: sink!.peak_rss_mib,
        limit: { name: 'pre-encoded NDJSON POSTed directly, same docs, batch, concurrency', throughput: n / ceiling!.wall_s, unit: 'events/s' },
        target: 0.9,
        notes: `${n} docs per round, best of ${rounds} alternating rounds, batches of ${batch}, concurrency ${concurrency}, no gzip, ${es.distribution.title} integ-test-zip on this machine (1g heap); target is the ratio`,
      }),
    ]
  } finally {
    await es.stop()
  }
}

const scenario: Scenario = {
  name: 'elasticsearch',
  description: 'Bulk encoder vs JSON.stringify; our _bulk output vs a direct client.bulk load into a real Elasticsearch (full mode)',
  async run({ quick }) {
    const out = await encodeBench(quick)
    if (!quick) out.push(...(await sinkBench()))
    return out
  },
}

export default scenario
