import { Template } from '../../../core/template.ts'
import type { LogEvent } from '../../../core/event.ts'

// The target index of an event, from a template such as
// `logs-%{[fields][service]}-%{+yyyy.MM.dd}` (core/template.ts: field
// references and UTC dates of @timestamp).
// A field that is missing (or not a scalar) is replaced by `missing` (option
// `index_missing_field`, default "unknown") and counted in `missingFields`:
// Logstash would leave `%{[fields][service]}` in the name, which makes an
// index nobody asked for; a named fallback index is easier to find and fix.
// The result is lowercased and characters Elasticsearch forbids in index
// names (\ / * ? " < > | space , # :) and control characters become `_`;
// it may not start with - _ +, be `.` or `..`, or exceed 255 bytes
// (Elasticsearch's rules for index names). A field value's leading `.`
// becomes `_` (indexValueSafe): an event cannot steer its documents into a
// hidden or system index (`.kibana…`, `.security…`) through a field.

const forbidden = /[\\/*?"<>| ,#:\x00-\x1f\x7f]/g

export function sanitizeIndexName(name: string): string {
  let out = name.toLowerCase().replace(forbidden, '_')
  // Must not start with - _ +; dots that stripping bares go too (a configured
  // leading `.` is kept, `_.` from an escaped value does not become `.`).
  let i = 0
  while (i < out.length && (out[i] === '-' || out[i] === '_' || out[i] === '+')) i++
  if (i > 0) while (i < out.length && (out[i] === '-' || out[i] === '_' || out[i] === '+' || out[i] === '.')) i++
  out = out.slice(i)
  if (out === '.' || out === '..') out = ''
  if (out.length > 63 && Buffer.byteLength(out) > 255) out = Buffer.from(out).subarray(0, 255).toString('utf8').replace(/\uFFFD+$/, '')
  return out || 'logyard'
}

/** A field value inside an index name: a leading `.` becomes `_`. */
export function indexValueSafe(v: string): string {
  return v.charCodeAt(0) === 46 /* . */ ? '_' + v.slice(1) : v
}

export class IndexName {
  readonly template: string
  /** The sanitized name when the template has no reference. */
  readonly constant: string | undefined
  readonly #template: Template

  constructor(template: string, missing = 'unknown') {
    this.template = template
    this.#template = new Template(template, { missing, scalarsOnly: true, escape: indexValueSafe })
    this.constant = this.#template.constant ? sanitizeIndexName(template) : undefined
  }

  /** Field values whose leading `.` was escaped. */
  get escapedValues(): number {
    return this.#template.escapedCount
  }

  /** Events whose template referenced a missing field. */
  get missingFields(): number {
    return this.#template.missingCount
  }

  /** The wildcard pattern matching every index this template makes (for the index template): `%{…}` → `*`. */
  get pattern(): string {
    return this.#template.pattern.toLowerCase().replace(forbidden, (c) => (c === '*' ? '*' : '_')).replace(/^[-_+]+/, '') || '*'
  }

  /** The raw (unsanitized) name for `event`; callers cache sanitized names by it. */
  raw(event: LogEvent): string {
    return this.#template.render(event)
  }
}
