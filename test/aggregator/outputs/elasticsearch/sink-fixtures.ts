import { validate } from '../../../../core/config/schema.ts'
import { silentLogger } from '../../../../core/logger.ts'
import { MetricsRegistry } from '../../../../core/metrics.ts'
import type { LogEvent } from '../../../../core/event.ts'
import { elasticsearchOutputSpec, opensearchOutputSpec, type ElasticsearchOutputConfig } from '../../../../aggregator/outputs/elasticsearch/es-config.ts'
import type { Product } from '../../../../aggregator/outputs/elasticsearch/bulk-transport.ts'
import { ElasticsearchOutput } from '../../../../aggregator/outputs/elasticsearch/es-sink.ts'
import type { DeadLetterSink } from '../../../../aggregator/outputs/dead-letter.ts'
import { MemoryDeadLetter } from '../../../../aggregator/outputs/dead-letter.ts'

// Shared by the Elasticsearch output tests: a validated config with fast
// retries, Filebeat-shaped events with deterministic ids, and a sink factory.

function esConfig(overrides: Record<string, unknown>, product: Product = 'elasticsearch'): ElasticsearchOutputConfig {
  return validate(product === 'opensearch' ? opensearchOutputSpec : elasticsearchOutputSpec, {
    retry_initial: '50ms',
    retry_max: '1s',
    auth_retry_interval: '200ms',
    health_check_interval: '200ms',
    request_timeout: '60s',
    ...overrides,
  })
}

/** An output for `product` (default elasticsearch: the same loop, the product's client). */
export async function makeSink(overrides: Record<string, unknown>, deadLetter: DeadLetterSink = new MemoryDeadLetter(), product: Product = 'elasticsearch'): Promise<{ sink: ElasticsearchOutput; dlq: DeadLetterSink; metrics: MetricsRegistry }> {
  const metrics = new MetricsRegistry()
  const sink = await ElasticsearchOutput.create(esConfig(overrides, product), { logger: silentLogger(), metrics, deadLetter, product })
  return { sink, dlq: deadLetter, metrics }
}

/** Filebeat-shaped events with `@metadata._id` = `${prefix}-${i}`. */
export function events(prefix: string, from: number, to: number, service: string, extra: (i: number) => Record<string, unknown> = () => ({})): LogEvent[] {
  const out: LogEvent[] = []
  for (let i = from; i < to; i++) {
    out.push({
      '@timestamp': new Date(Date.UTC(2024, 4, 1, 12, 0, 0, i)).toISOString(),
      '@metadata': { beat: 'filebeat', type: '_doc', version: '8.19.0', _id: `${prefix}-${i}` },
      message: `127.0.0.1 - - [01/May/2024:12:00:00 +0000] "GET /item/${i} HTTP/1.1" 200 ${100 + (i % 900)} "-" "curl/8.0"`,
      log: { offset: i * 97, file: { path: '/var/log/nginx/access.log' } },
      host: { name: 'web-1' },
      agent: { type: 'filebeat', version: '8.19.0', name: 'web-1', id: '7f0c1d5e-0000-4000-8000-000000000001' },
      input: { type: 'filestream' },
      ecs: { version: '8.0.0' },
      fields: { service },
      tags: ['nginx'],
      ...extra(i),
    })
  }
  return out
}

/** Writes `all` in chunks of `chunk`, `parallel` writes at a time; resolves when every write resolved. */
export async function writeAll(sink: { write(e: LogEvent[]): Promise<void> }, all: LogEvent[], chunk: number, parallel = 4): Promise<void> {
  const pending = new Set<Promise<void>>()
  for (let i = 0; i < all.length; i += chunk) {
    const p: Promise<void> = sink.write(all.slice(i, i + chunk)).finally(() => pending.delete(p))
    pending.add(p)
    if (pending.size >= parallel) await Promise.race(pending)
  }
  await Promise.all(pending)
}
