// The composable index template logyard installs at start (unless
// `template.enabled: false`): mappings for the ECS fields the forwarder,
// Filebeat and the collectd input write, for every index the `index`
// template can produce (its `%{…}` parts become `*`).
//
// Priority 200 by default: above Elasticsearch's built-in `logs-*-*` template
// (priority 100, a data-stream template), which would otherwise catch the
// default `logs-<service>-<date>` names. `message` is `match_only_text`; on
// clusters without the mapper-extras module (the integ-test-zip, some
// minimal builds) it falls back to `text` (the installer retries once).

interface TemplateOptions {
  name: string
  pattern: string
  priority: number
  shards?: number | undefined
  replicas?: number | undefined
  messageType: 'match_only_text' | 'text'
  /** ecs (default): logyard's ECS mappings; legacy: Logstash's legacy (ecs_compatibility disabled) mappings. */
  layout?: 'ecs' | 'legacy'
}

const keyword = { type: 'keyword', ignore_above: 1024 } as const

function props(names: string[], mapping: object = keyword): Record<string, object> {
  const out: Record<string, object> = {}
  for (const n of names) out[n] = mapping
  return out
}

function ecsMappings(messageType: 'match_only_text' | 'text'): Record<string, unknown> {
  return {
    dynamic_templates: [
      // collectd.values.<type>.<data source>: counters, gauges, derives → double
      { collectd_longs: { path_match: 'collectd.values.*', match_mapping_type: 'long', mapping: { type: 'double' } } },
      { collectd_doubles: { path_match: 'collectd.values.*', match_mapping_type: 'double', mapping: { type: 'double' } } },
      // free-form strings: keyword (searchable, aggregatable) — the message is mapped explicitly
      { strings_as_keyword: { match_mapping_type: 'string', mapping: { type: 'keyword', ignore_above: 1024 } } },
    ],
    properties: {
      '@timestamp': { type: 'date' },
      message: { type: messageType },
      tags: keyword,
      labels: { type: 'object' },
      fields: { type: 'object' },
      log: {
        properties: {
          offset: { type: 'long' },
          level: keyword,
          logger: keyword,
          file: { properties: { path: keyword } },
          flags: keyword,
        },
      },
      host: { properties: { ...props(['name', 'hostname', 'id', 'architecture']), ip: { type: 'ip' } } },
      agent: { properties: props(['type', 'version', 'name', 'id', 'ephemeral_id']) },
      input: { properties: props(['type']) },
      ecs: { properties: props(['version']) },
      event: { properties: { ...props(['dataset', 'module', 'kind', 'category', 'type', 'outcome']), original: { type: 'keyword', index: false, doc_values: false }, duration: { type: 'long' } } },
      service: { properties: props(['name', 'type', 'version']) },
      error: { properties: { message: { type: 'text' }, type: keyword, stack_trace: { type: 'keyword', index: false, doc_values: false } } },
      process: { properties: { pid: { type: 'long' }, name: keyword, thread: { properties: { name: keyword, id: { type: 'long' } } } } },
      source: { properties: { address: keyword, ip: { type: 'ip' }, port: { type: 'long' } } },
      client: { properties: { address: keyword, ip: { type: 'ip' } } },
      url: { properties: props(['original', 'path', 'query', 'domain']) },
      http: {
        properties: {
          version: keyword,
          request: { properties: { method: keyword, referrer: keyword, bytes: { type: 'long' } } },
          response: { properties: { status_code: { type: 'long' }, body: { properties: { bytes: { type: 'long' } } } } },
        },
      },
      user_agent: { properties: { original: keyword } },
      user: { properties: props(['name', 'id']) },
      collectd: {
        properties: {
          ...props(['plugin', 'plugin_instance', 'type', 'type_instance', 'severity', 'username']),
          interval: { type: 'double' },
          values: { type: 'object' },
        },
      },
    },
  }
}

/**
 * Mappings for documents in Logstash's legacy layout (`legacy_index`): what Logstash's own template for
 * ecs_compatibility disabled gives (logstash-plugins/logstash-output-elasticsearch, templates/ecs-disabled):
 * strings are text with a `.keyword` sub-field (ignore_above 256), `message` text (norms off) without it,
 * `@version` keyword; everything else — `host` as a string, collectd's `value`, grok's `clientip` — is
 * mapped dynamically, as in the Logstash indices operators already have dashboards on.
 */
function legacyMappings(): Record<string, unknown> {
  return {
    dynamic_templates: [
      { message_field: { path_match: 'message', match_mapping_type: 'string', mapping: { type: 'text', norms: false } } },
      { string_fields: { match: '*', match_mapping_type: 'string', mapping: { type: 'text', norms: false, fields: { keyword: { type: 'keyword', ignore_above: 256 } } } } },
    ],
    properties: {
      '@timestamp': { type: 'date' },
      '@version': { type: 'keyword' },
      tags: keyword,
    },
  }
}

/** The body of `PUT _index_template/<name>`. */
export function indexTemplateBody(o: TemplateOptions): Record<string, unknown> {
  const settings: Record<string, unknown> = {}
  if (o.shards !== undefined) settings['index.number_of_shards'] = o.shards
  if (o.replicas !== undefined) settings['index.number_of_replicas'] = o.replicas
  const legacy = o.layout === 'legacy'
  return {
    index_patterns: [o.pattern],
    priority: o.priority,
    template: { settings, mappings: legacy ? legacyMappings() : ecsMappings(o.messageType) },
    _meta: { managed_by: 'logyard', description: legacy ? "Logstash's legacy mappings for logyard events in the legacy layout" : 'ECS mappings for logyard events' },
  }
}

/** True when a template error says a mapper type is unknown (no mapper-extras module). */
export function unknownMapperType(reason: string): boolean {
  return /mapper type \[match_only_text\]|No handler for type \[match_only_text\]|match_only_text.*does not exist/i.test(reason)
}
