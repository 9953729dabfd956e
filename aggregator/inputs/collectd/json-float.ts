// A whole-number GAUGE in the legacy event format, written to JSON as a float
// (`157.0`) the way Logstash's collectd codec writes it (a Ruby Float), so the
// first document Elasticsearch sees maps the field as `float`, not `long` —
// a `long` mapping would truncate every later 0.5. JSON.stringify cannot write
// `157.0` for the number 157; Node 24's JSON.rawJSON can, through toJSON, as
// ExactInteger does for 64-bit integers (the Elasticsearch output, the file
// output and the dead-letter queue all serialise with JSON.stringify).
// Gauges with a fraction stay plain numbers: their JSON already has a dot.

import { rawJSON } from '../../../core/json.ts'

export class JsonFloat {
  readonly value: number

  constructor(value: number) {
    this.value = value
  }

  toJSON(): unknown {
    return rawJSON(floatText(this.value))
  }

  toString(): string {
    return floatText(this.value)
  }

  valueOf(): number {
    return this.value
  }
}

/** `157` → `157.0`; exponent forms (`1e+21`) are floats already. Only for finite numbers. */
function floatText(v: number): string {
  const s = Object.is(v, -0) ? '-0' : String(v)
  return s.includes('.') || s.includes('e') ? s : s + '.0'
}

/** A gauge for the legacy format: whole finite numbers wrapped, the rest as they are. */
export function legacyGauge(v: number): number | JsonFloat {
  return Number.isInteger(v) ? new JsonFloat(v) : v
}
