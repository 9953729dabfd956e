// The demo's aggregator pipeline and the pieces of its summary that compute
// something (kept apart from demo/run.ts so test/demo/summary.test.ts checks
// them without starting Elasticsearch).

/** The demo's `pipeline:` lines (YAML), one parse per sample kind; every kind gets its own @timestamp from the line. */
export const demoPipeline: readonly string[] = [
  'pipeline:',
  '  - when: {tags: nginx}',
  "    grok: {field: message, patterns: ['%{COMBINEDAPACHELOG}']}",
  '  - when: {tags: nginx}',
  "    date: {field: timestamp, formats: ['dd/MMM/yyyy:HH:mm:ss Z']}",
  '  - when: {tags: syslog}',
  "    grok: {field: message, patterns: ['%{SYSLOGLINE}'], overwrite: [message]}",
  '  - when: {tags: syslog}',
  "    date: {field: timestamp, formats: ['MMM  d HH:mm:ss', 'MMM dd HH:mm:ss']}",
  '  - when: {tags: rails}',
  '    json: {field: message, target: rails}',
  '  - when: {tags: rails}',
  '    date: {field: rails.time, formats: [ISO8601]}',
  // Java: "2024-05-01 12:00:00.123 ERROR [main] c.e.shop.OrderService - order failed" + the stack trace (multiline joins it).
  '  - when: {tags: java}',
  "    grok: {field: message, patterns: ['^%{TIMESTAMP_ISO8601:timestamp} %{LOGLEVEL:[log][level]} \\[%{DATA:[process][thread][name]}\\] %{JAVACLASS:[log][logger]} - %{DATA:[error][message]}(?:\\n|$)']}  # the first line: GREEDYDATA would take the stack trace too (. matches newlines, as in Logstash)",
  '  - when: {tags: java}',
  "    date: {field: timestamp, formats: ['yyyy-MM-dd HH:mm:ss.SSS'], timezone: UTC}",
  '  - mutate: {remove_field: [timestamp]}',
]

/** Documents Elasticsearch refused and the aggregator dead-lettered: the sum over every label set of `logyard_es_docs_dead_lettered_total`. */
export function deadLettered(metricsText: string): number {
  let sum = 0
  for (const m of metricsText.matchAll(/^logyard_es_docs_dead_lettered_total(?:\{[^}]*\})? (\d+(?:\.\d+)?(?:e\+?\d+)?)$/gm)) sum += Number(m[1])
  return sum
}

/** Fields the forwarder adds to every event: not what parsing gave. */
const noise = [/^agent\./, /^ecs\./, /^input\./, /^log\.file\./, /^log\.offset$/, /^host\.(name|id)$/, /^fields\./, /^tags(\[|$)/, /^@metadata/, /^@version$/, /^event\.original$/]

function flatten(value: unknown, path: string, out: [string, unknown][]): void {
  if (value !== null && typeof value === 'object' && !Array.isArray(value)) {
    for (const [k, v] of Object.entries(value)) flatten(v, path ? `${path}.${k}` : k, out)
  } else if (value !== undefined) {
    // undefined: a field a stage removed (core/fields.ts deleteField), absent as in the indexed JSON
    out.push([path, value])
  }
}

/**
 * A few fields of one indexed document, as `key=value` (values cut at
 * `maxValue` characters): @timestamp first, then what the pipeline parsed,
 * the raw message last, without the forwarder's own fields — instead of a JSON blob cut somewhere.
 */
export function sampleFields(doc: Record<string, unknown>, max = 8, maxValue = 60): string {
  const leaves: [string, unknown][] = []
  flatten(doc, '', leaves)
  const kept = leaves.filter(([k]) => !noise.some((re) => re.test(k)))
  // @timestamp first, the raw message last: the parsed fields are the point.
  const rank = (k: string): number => (k === '@timestamp' ? 0 : k === 'message' ? 2 : 1)
  kept.sort(([a], [b]) => rank(a) - rank(b))
  const show = (v: unknown): string => {
    const s = typeof v === 'string' ? v.split('\n')[0]! : JSON.stringify(v)
    return s.length > maxValue ? `${s.slice(0, maxValue - 1)}…` : s
  }
  const parts = kept.slice(0, max).map(([k, v]) => `${k}=${show(v)}`)
  if (kept.length > max) parts.push(`(+${kept.length - max} more)`)
  return parts.join('  ')
}

/**
 * The steady rate line, only when it means something: at least two polls
 * apart and one second of flow. Otherwise (everything arrived between two
 * polls, as the file output's single flush does) says so instead of a
 * rate computed over no time.
 */
export function flowRate(first: { at: number; n: number } | undefined, last: { at: number; n: number }, pollMs: number): string {
  if (!first || last.n <= first.n || last.at - first.at < 1000) {
    return `the events arrived within ${first ? Math.max(pollMs, last.at - first.at) : pollMs} ms of each other (no steady rate to show; see npm run bench for throughput)`
  }
  const s = (last.at - first.at) / 1000
  return `once flowing: ${Math.round((last.n - first.n) / s)} events/s (from the first stored event to the last; the demo's logs are small, see npm run bench for throughput)`
}
