import type { Product } from '../../../../aggregator/outputs/elasticsearch/bulk-transport.ts'
import type { ElasticsearchOutput } from '../../../../aggregator/outputs/elasticsearch/es-sink.ts'
import { startElasticsearch, type ElasticsearchInstance, type ElasticsearchOptions } from '../../../helpers/elasticsearch.ts'
import { startOpenSearch } from '../../../helpers/opensearch.ts'

// The servers the output's real-server tests run against, as one matrix:
// Elasticsearch 8.19, OpenSearch 2.19 and OpenSearch 3.x (real nodes from the
// Maven Central integ-test-zips). A test file loops over them and starts ONE
// node at a time (2 cores shared). LOGYARD_SERVERS=opensearch-3 (comma list of
// ids) narrows the matrix while working on one of them; CI runs all three.

interface Server {
  id: 'elasticsearch-8' | 'opensearch-2' | 'opensearch-3'
  name: string
  product: Product
  start(options?: Pick<ElasticsearchOptions, 'settings'>): Promise<ElasticsearchInstance<unknown>>
  /** How the index template's `message` is mapped: the ES integ-test-zip lacks mapper-extras, OpenSearch has match_only_text in core. */
  messageType: 'text' | 'match_only_text'
  /** The error type of a mapping conflict in a bulk item. */
  conflictType: string
}

const all: Server[] = [
  { id: 'elasticsearch-8', name: 'Elasticsearch 8.19', product: 'elasticsearch', start: (o) => startElasticsearch({ ...o, private: true }) /* halted and restarted: never the shared node */, messageType: 'text', conflictType: 'document_parsing_exception' },
  { id: 'opensearch-2', name: 'OpenSearch 2.19', product: 'opensearch', start: (o) => startOpenSearch({ ...o, version: '2' }), messageType: 'match_only_text', conflictType: 'mapper_parsing_exception' },
  { id: 'opensearch-3', name: 'OpenSearch 3.x', product: 'opensearch', start: (o) => startOpenSearch({ ...o, version: '3' }), messageType: 'match_only_text', conflictType: 'mapper_parsing_exception' },
]

export function servers(): Server[] {
  const only = process.env.LOGYARD_SERVERS?.split(',').map((s) => s.trim()).filter(Boolean)
  return only?.length ? all.filter((s) => only.includes(s.id)) : all
}

async function ok(inst: ElasticsearchInstance<unknown>, method: string, path: string, body?: unknown): Promise<any> {
  const res = await inst.request(method, path, body)
  if (res.status < 200 || res.status > 299) throw new Error(`${method} ${path}: ${res.status} ${JSON.stringify(res.body)}`)
  return res.body
}

/** Refresh, then count the documents of `index` (0 when it does not exist). */
export async function count(inst: ElasticsearchInstance<unknown>, index: string): Promise<number> {
  await ok(inst, 'POST', `/${index}/_refresh?allow_no_indices=true&ignore_unavailable=true`)
  return (await ok(inst, 'GET', `/${index}/_count?allow_no_indices=true&ignore_unavailable=true`)).count
}

export const rest = ok

/** Calls `cb` with the content-encoding header of every _bulk request the sink's client sends. */
export function watchBulkEncodings(sink: ElasticsearchOutput, cb: (encoding: string) => void): void {
  type Result = { meta: { request: { params: { path?: string; headers?: Record<string, unknown> } } } } | null
  const onRequest = (_err: unknown, result: Result): void => {
    const params = result?.meta.request.params
    if (params?.path === '/_bulk') cb(String(params.headers?.['content-encoding']))
  }
  const client = sink.transport.client as unknown as { diagnostic?: { on(e: string, f: typeof onRequest): void }; on(e: string, f: typeof onRequest): void }
  // The 8.x client emits on `diagnostic`, the OpenSearch client on itself.
  if (client.diagnostic) client.diagnostic.on('request', onRequest)
  else client.on('request', onRequest)
}
