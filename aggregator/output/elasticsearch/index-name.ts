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
// names (\ / * ? " < > | space , # :) become `_`.

const forbidden = /[\\/*?"<>| ,#:]/g

export function sanitizeIndexName(name: string): string {
  let out = name.toLowerCase().replace(forbidden, '_')
  // Must not start with - _ +
  while (out.length > 0 && (out[0] === '-' || out[0] === '_' || out[0] === '+')) out = out.slice(1)
  return out || 'logyard'
}

export class IndexName {
  readonly template: string
  /** The sanitized name when the template has no reference. */
  readonly constant: string | undefined
  readonly #template: Template

  constructor(template: string, missing = 'unknown') {
    this.template = template
    this.#template = new Template(template, { missing, scalarsOnly: true })
    this.constant = this.#template.constant ? sanitizeIndexName(template) : undefined
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
