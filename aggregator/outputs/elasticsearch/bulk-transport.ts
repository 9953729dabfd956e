import { readFileSync } from 'node:fs'
import { Client as EsClient } from '@elastic/elasticsearch'
import { Client as OsClient } from '@opensearch-project/opensearch'
import { ConfigError } from '../../../core/errors.ts'
import type { ElasticsearchOutputConfig } from './es-config.ts'
import { checkHttpUrl, redactUrls } from '../../../core/config/url.ts'

// The three calls the bulk loop (es-sink.ts) makes, behind one small
// interface, so that ONE loop serves Elasticsearch and OpenSearch:
//
//   bulk(body)            POST /_bulk?filter_path=…  (body already ndjson, maybe gzip)
//   health()              GET /_cluster/health
//   putIndexTemplate()    PUT /_index_template/<name>[?create=true]
//
// Elasticsearch goes through the official 8.x client (@elastic/elasticsearch);
// OpenSearch through the official OpenSearch client
// (@opensearch-project/opensearch), because the 8.x client's product check
// refuses any server that does not answer `X-Elastic-Product: Elasticsearch`.
// Both clients run with their own retries off (the loop owns retries) and both
// reject an HTTP error with an error whose `meta.statusCode` / `meta.body` carry
// the answer; that is the contract the loop reads (statusOf in es-sink.ts).

export type Product = 'elasticsearch' | 'opensearch'

export interface CallOptions {
  timeout: number
  signal: AbortSignal
}

export interface BulkTransport {
  readonly product: Product
  /** "Elasticsearch" / "OpenSearch", for logs. */
  readonly title: string
  /** POST /_bulk; resolves with the (filtered) response body of a 2xx answer. */
  bulk(body: string | Buffer, headers: Record<string, string>, filterPath: string, o: CallOptions): Promise<unknown>
  /** GET /_cluster/health; resolves on a 2xx answer. */
  health(o: CallOptions): Promise<void>
  /** PUT /_index_template/<name> (composable index template: both products take the same body). */
  putIndexTemplate(name: string, body: Record<string, unknown>, create: boolean, signal: AbortSignal): Promise<void>
  close(): Promise<void>
  /** The client underneath (tests watch its request events). */
  readonly client: EsClient | OsClient
}

function readCa(config: ElasticsearchOutputConfig, key: string): string | undefined {
  if (!config.tls.ca) return undefined
  try {
    return readFileSync(config.tls.ca, 'utf8')
  } catch (err) {
    throw new ConfigError(`${key}.tls.ca`, `cannot read ${config.tls.ca}: ${err instanceof Error ? err.message : String(err)}`, { cause: err })
  }
}

function basicAuth(config: ElasticsearchOutputConfig): { username: string; password: string } | undefined {
  return config.auth.username ? { username: config.auth.username, password: config.auth.password ?? '' } : undefined
}

/** The 8.x client for the configured hosts, auth and TLS. No transport-level retries: the loop owns them. */
function createElasticsearchClient(config: ElasticsearchOutputConfig, key = 'output.elasticsearch'): EsClient {
  const auth = config.auth.api_key ? { apiKey: config.auth.api_key } : basicAuth(config)
  const ca = readCa(config, key)
  const tls = config.hosts.some((h) => h.startsWith('https:')) ? { ca, rejectUnauthorized: config.tls.verify } : undefined
  return new EsClient({
    nodes: [...config.hosts],
    auth,
    tls,
    maxRetries: 0,
    requestTimeout: config.request_timeout,
    compression: false,
    name: 'logyard',
  })
}

/** The OpenSearch client for the configured hosts, basic auth and TLS. No transport-level retries. */
function createOpenSearchClient(config: ElasticsearchOutputConfig, key = 'output.opensearch'): OsClient {
  const ca = readCa(config, key)
  const ssl = config.hosts.some((h) => h.startsWith('https:')) ? { ca, rejectUnauthorized: config.tls.verify } : undefined
  return new OsClient({
    nodes: [...config.hosts],
    auth: basicAuth(config),
    ssl,
    maxRetries: 0,
    requestTimeout: config.request_timeout,
    name: 'logyard',
  })
}

class ElasticsearchTransport implements BulkTransport {
  readonly product = 'elasticsearch'
  readonly title = 'Elasticsearch'
  readonly client: EsClient

  constructor(config: ElasticsearchOutputConfig) {
    this.client = createElasticsearchClient(config)
  }

  async bulk(body: string | Buffer, headers: Record<string, string>, filterPath: string, o: CallOptions): Promise<unknown> {
    const res = await this.client.transport.request(
      { method: 'POST', path: '/_bulk', querystring: { filter_path: filterPath }, bulkBody: body },
      { headers, maxRetries: 0, requestTimeout: o.timeout, signal: o.signal, meta: true },
    )
    return res.body
  }

  async health(o: CallOptions): Promise<void> {
    await this.client.transport.request({ method: 'GET', path: '/_cluster/health' }, { maxRetries: 0, requestTimeout: o.timeout, signal: o.signal })
  }

  async putIndexTemplate(name: string, body: Record<string, unknown>, create: boolean, signal: AbortSignal): Promise<void> {
    await this.client.transport.request({ method: 'PUT', path: `/_index_template/${encodeURIComponent(name)}`, querystring: { create }, body }, { maxRetries: 0, signal })
  }

  close(): Promise<void> {
    return this.client.close()
  }
}

class OpenSearchTransport implements BulkTransport {
  readonly product = 'opensearch'
  readonly title = 'OpenSearch'
  readonly client: OsClient

  constructor(config: ElasticsearchOutputConfig) {
    this.client = createOpenSearchClient(config)
  }

  /**
   * The OpenSearch client takes no AbortSignal. Its request promise has an
   * abort(), but aborting a request to a node the pool marked dead (a refused
   * TLS handshake, a probe in flight) threw a RequestAbortedError out of an
   * event handler as an uncaught exception (opensearch-js 3.9.0). So an abort
   * only stops waiting: the request runs out by itself (request_timeout at
   * most) and its outcome is dropped.
   */
  #request(params: Parameters<OsClient['transport']['request']>[0], options: { headers?: Record<string, string>; requestTimeout?: number }, signal: AbortSignal): Promise<unknown> {
    if (signal.aborted) return Promise.reject(signal.reason)
    const p = this.client.transport.request(params, { ...options, maxRetries: 0 })
    return new Promise((resolve, reject) => {
      const onAbort = (): void => reject(signal.reason)
      signal.addEventListener('abort', onAbort, { once: true })
      p.then(
        (res) => {
          signal.removeEventListener('abort', onAbort)
          resolve(res.body)
        },
        (err: unknown) => {
          signal.removeEventListener('abort', onAbort)
          reject(err)
        },
      )
    })
  }

  bulk(body: string | Buffer, headers: Record<string, string>, filterPath: string, o: CallOptions): Promise<unknown> {
    return this.#request({ method: 'POST', path: '/_bulk', querystring: { filter_path: filterPath }, bulkBody: body }, { headers, requestTimeout: o.timeout }, o.signal)
  }

  async health(o: CallOptions): Promise<void> {
    await this.#request({ method: 'GET', path: '/_cluster/health' }, { requestTimeout: o.timeout }, o.signal)
  }

  async putIndexTemplate(name: string, body: Record<string, unknown>, create: boolean, signal: AbortSignal): Promise<void> {
    await this.#request({ method: 'PUT', path: `/_index_template/${encodeURIComponent(name)}`, querystring: { create }, body }, {}, signal)
  }

  /** The client's close() waits (polling every second) until requests in flight are done: give it 2 s, then let it finish alone. */
  async close(): Promise<void> {
    const done = this.client.close()
    let timer: NodeJS.Timeout | undefined
    await Promise.race([done, new Promise<void>((resolve) => (timer = setTimeout(resolve, 2000)))])
    clearTimeout(timer)
  }
}

export function createTransport(product: Product, config: ElasticsearchOutputConfig): BulkTransport {
  // The config check has vetted each URL; a config built some other way gets
  // the same coded, redacted error here instead of the client's raw TypeError.
  const key = product === 'opensearch' ? 'output.opensearch' : 'output.elasticsearch'
  for (const [i, h] of config.hosts.entries()) {
    const problem = checkHttpUrl(h)
    if (problem !== undefined) throw new ConfigError(`${key}.hosts[${i}]`, problem)
  }
  try {
    return product === 'opensearch' ? new OpenSearchTransport(config) : new ElasticsearchTransport(config)
  } catch (err) {
    if (err instanceof ConfigError) throw err
    throw new ConfigError(`${key}.hosts`, `the ${product} client refused the configuration: ${redactUrls(err instanceof Error ? err.message : String(err))}`)
  }
}
