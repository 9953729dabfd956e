import type { Infer, Spec } from '../../../core/config/schema.ts'
import { checkHttpUrl } from '../../../core/config/url.ts'
import { allowedBulkOps } from './es-encoder.ts'
import { IndexName } from './index-name.ts'

// `output.elasticsearch`: one option table, validated into a frozen object
// whose keys are exactly the config keys.

const Compression = { gzip: 'gzip', none: 'none' } as const
type Compression = (typeof Compression)[keyof typeof Compression]
const allowedCompressions = Object.values(Compression)


const defaultLegacyIndex = 'logstash-%{+yyyy.MM.dd}'

/** legacy_index as configured, else Logstash's default name — or logstash-legacy-… when `index` already makes logstash-* names. */
export function resolveLegacyIndex(config: { index: string; legacy_index?: string | undefined }): string {
  if (config.legacy_index !== undefined) return config.legacy_index
  return new IndexName(config.index).pattern === new IndexName(defaultLegacyIndex).pattern ? 'logstash-legacy-%{+yyyy.MM.dd}' : defaultLegacyIndex
}

export const elasticsearchOutputSpec = {
  type: 'object',
  optional: true,
  doc: 'Bulk-index events into Elasticsearch (8.x or 9.x)',
  fields: {
    hosts: {
      type: 'list', coerce: true, minItems: 1, default: ['http://127.0.0.1:9200'],
      of: { type: 'string', doc: 'http(s)://host:port', check: checkHttpUrl },
      doc: 'Elasticsearch nodes (http:// or https://, host required, port 1-65535: checked by --check-config); requests go round-robin and skip nodes that fail. Credentials in a URL (https://user:password@host:9200) work, but every message shows the password as ***; prefer auth',
    },
    index: { type: 'string', nonEmpty: true, default: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}', doc: 'Index name template: %{[field]} refs and %{+yyyy.MM.dd} (event @timestamp, UTC); lowercased. @metadata.raw_index overrides it per event' },
    legacy_index: { type: 'string', nonEmpty: true, doc: "Index for events in Logstash's legacy layout (@metadata.event_format: legacy, e.g. collectd event_format: legacy), whose host is a string where the ECS template maps an object; template <template.name>-legacy gives it Logstash's legacy mappings. Unset: logstash-%{+yyyy.MM.dd} (logstash-legacy-%{+yyyy.MM.dd} when index makes logstash-* names)" },
    index_missing_field: { type: 'string', nonEmpty: true, default: 'unknown', doc: 'Stands in for a field the index template references but the event lacks (counted in logyard_es_index_missing_field_total)' },
    action: { type: 'enum', values: allowedBulkOps, default: 'create', doc: 'Bulk action: create (a replayed @metadata._id gives 409 = already stored; required for data streams) or index (overwrite)' },
    pipeline: { type: 'string', nonEmpty: true, doc: 'Ingest pipeline to run on every document' },
    auth: {
      type: 'object', doc: 'Credentials: basic (username + password) or api_key',
      fields: {
        username: { type: 'string', doc: 'Basic auth user' },
        password: { type: 'string', doc: 'Basic auth password' },
        api_key: { type: 'string', doc: 'API key (the base64 "id:key" form Elasticsearch returns as `encoded`)' },
      },
      check: (v: { username?: string; password?: string; api_key?: string }) => {
        if (v.api_key && (v.username || v.password)) return 'use either api_key or username/password, not both'
        if ((v.username && v.password === undefined) || (v.password && !v.username)) return 'basic auth needs both username and password'
      },
    },
    tls: {
      type: 'object', doc: 'TLS for https:// hosts',
      fields: {
        ca: { type: 'string', nonEmpty: true, doc: 'PEM file with the CA that signed the Elasticsearch certificate' },
        verify: { type: 'bool', default: true, doc: 'Verify the server certificate and host name (turn off only for tests)' },
      },
    },
    max_bulk_bytes: { type: 'size', default: 10 * 1024 ** 2, min: 1024, max: 100 * 1024 ** 2, doc: 'Upper bound of one _bulk request body (uncompressed)' },
    max_bulk_docs: { type: 'int', default: 5000, min: 1, doc: 'Upper bound of documents in one _bulk request' },
    concurrency: { type: 'int', default: 2, min: 1, max: 64, doc: '_bulk requests in flight at once' },
    compression: { type: 'enum', values: allowedCompressions, default: 'gzip', doc: 'Request body encoding: gzip or none' },
    compression_level: { type: 'int', default: 1, min: 1, max: 9, doc: 'gzip level (1 = fastest)' },
    flush_interval: { type: 'duration', default: 0, max: 60_000, doc: 'How long a partial batch may wait for more events while a request slot is free; 0 sends at once (while all slots are busy, events batch up anyway)' },
    request_timeout: { type: 'duration', default: 60_000, min: 100, doc: 'A _bulk request without a response after this long is retried' },
    retry_initial: { type: 'duration', default: 100, min: 1, doc: 'First retry delay (capped exponential backoff, full jitter)' },
    retry_max: { type: 'duration', default: 30_000, min: 1, doc: 'Longest retry delay' },
    auth_retry_interval: { type: 'duration', default: 30_000, min: 100, doc: 'Retry delay after 401/403 on a request (credentials or privileges wrong)' },
    max_pending_bytes: { type: 'size', default: 64 * 1024 ** 2, min: 1024, doc: 'Accepted but not yet stored bytes; at this bound write() waits and the output reports busy' },
    max_pending_docs: { type: 'int', default: 100_000, min: 1, doc: 'Accepted but not yet stored documents; at this bound write() waits and the output reports busy' },
    health_check_interval: { type: 'duration', default: 5000, min: 100, doc: 'How often GET _cluster/health probes the cluster (drives /healthz)' },
    template: {
      type: 'object', doc: 'The composable index template with ECS mappings, installed at start',
      fields: {
        enabled: { type: 'bool', default: true, doc: 'Install the index template at start' },
        name: { type: 'string', nonEmpty: true, default: 'logyard', doc: 'Template name' },
        priority: { type: 'int', default: 200, min: 0, doc: 'Template priority (above the built-in logs-*-* template at 100)' },
        shards: { type: 'int', min: 1, doc: 'index.number_of_shards (unset: cluster default)' },
        replicas: { type: 'int', min: 0, doc: 'index.number_of_replicas (unset: cluster default)' },
        overwrite: { type: 'bool', default: true, doc: 'Replace an existing template of that name' },
      },
    },
  },
  check: (v: { retry_initial: number; retry_max: number; index: string; legacy_index?: string }) => {
    if (v.retry_max < v.retry_initial) return 'retry_max must be at least retry_initial'
    if (v.legacy_index !== undefined && new IndexName(v.legacy_index).pattern === new IndexName(v.index).pattern) return 'legacy_index must name other indices than index: legacy documents (host as a string) cannot share an index with ECS ones (host as an object)'
  },
} as const satisfies Spec

export type ElasticsearchOutputConfig = Infer<typeof elasticsearchOutputSpec>

// `output.opensearch`: the same loop and the same option table (bulk-transport.ts
// picks the OpenSearch client), except `auth.api_key`: OpenSearch has no
// Elasticsearch-style API keys (its security plugin takes basic auth, client
// certificates or tokens from an identity provider).
const esFields = elasticsearchOutputSpec.fields
export const opensearchOutputSpec = {
  ...elasticsearchOutputSpec,
  doc: 'Bulk-index events into OpenSearch (2.x or 3.x): the same loop and options as output.elasticsearch, basic auth only',
  fields: {
    ...esFields,
    hosts: { ...esFields.hosts, doc: 'OpenSearch nodes (http:// or https://); requests go round-robin and skip nodes that fail' },
    auth: {
      type: 'object', doc: 'Basic auth credentials (the security plugin\'s internal users or LDAP)',
      fields: { username: esFields.auth.fields.username, password: esFields.auth.fields.password },
      check: (v: { username?: string; password?: string }) => {
        if ((v.username && v.password === undefined) || (v.password && !v.username)) return 'basic auth needs both username and password'
      },
    },
    tls: { ...esFields.tls, fields: { ...esFields.tls.fields, ca: { type: 'string', nonEmpty: true, doc: 'PEM file with the CA that signed the OpenSearch certificate' } } },
  },
} as const satisfies Spec
