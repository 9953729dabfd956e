import { getField, parseFieldRef, type FieldPath } from '../../../core/fields.ts'
import type { LogEvent } from '../../../core/event.ts'

// The target index of an event, from a template such as
// `logs-%{[fields][service]}-%{+yyyy.MM.dd}`:
//   %{[a][b]} / %{a.b}   a field of the event (strings as is, numbers/booleans as text)
//   %{+pattern}          the event's @timestamp in UTC, Joda-style tokens
//                        yyyy YYYY yy MM dd HH mm ss SSS (others are literal text)
// A field that is missing (or not a scalar) is replaced by `missing` (option
// `index_missing_field`, default "unknown") and counted in `missingFields`:
// Logstash would leave `%{[fields][service]}` in the name, which makes an
// index nobody asked for; a named fallback index is easier to find and fix.
// The result is lowercased and characters Elasticsearch forbids in index
// names (\ / * ? " < > | space , # :) become `_`.
//
// Per event the work is one string concatenation: date parts are cut out of
// the ISO timestamp string when it is UTC (`…Z`), no Date objects.

type Part = { kind: 'text'; text: string } | { kind: 'field'; path: FieldPath } | { kind: 'date'; tokens: DateToken[]; dayOnly: boolean; lastDay: string; lastText: string }
type DateToken = string | { tok: string }

const forbidden = /[\\/*?"<>| ,#:]/g
/** `YYYY-MM-DDThh:mm:ss[.fff]Z` by shape (cheap character checks, no RegExp per event). */
function isoUtc(ts: string): boolean {
  return ts.length >= 20 && ts.charCodeAt(ts.length - 1) === 90 /* Z */ && ts.charCodeAt(10) === 84 /* T */ && ts.charCodeAt(4) === 45 && ts.charCodeAt(7) === 45 && ts.charCodeAt(13) === 58
}

function splitDate(pattern: string): DateToken[] {
  const out: DateToken[] = []
  const re = /yyyy|YYYY|yy|MM|dd|HH|mm|ss|SSS/g
  let last = 0
  for (let m = re.exec(pattern); m !== null; m = re.exec(pattern)) {
    if (m.index > last) out.push(pattern.slice(last, m.index))
    out.push({ tok: m[0] })
    last = re.lastIndex
  }
  if (last < pattern.length) out.push(pattern.slice(last))
  return out
}

function pad(n: number, w: number): string {
  return String(n).padStart(w, '0')
}

/** Date token from an ISO UTC string `2024-05-01T12:34:56.789Z` by position. */
function fromIso(iso: string, tok: string): string {
  switch (tok) {
    case 'yyyy': case 'YYYY': return iso.slice(0, 4)
    case 'yy': return iso.slice(2, 4)
    case 'MM': return iso.slice(5, 7)
    case 'dd': return iso.slice(8, 10)
    case 'HH': return iso.slice(11, 13)
    case 'mm': return iso.slice(14, 16)
    case 'ss': return iso.slice(17, 19)
    default: return iso.length > 20 ? (iso.slice(20, 23) + '00').slice(0, 3) : '000'
  }
}

function fromDate(d: Date, tok: string): string {
  switch (tok) {
    case 'yyyy': case 'YYYY': return pad(d.getUTCFullYear(), 4)
    case 'yy': return pad(d.getUTCFullYear() % 100, 2)
    case 'MM': return pad(d.getUTCMonth() + 1, 2)
    case 'dd': return pad(d.getUTCDate(), 2)
    case 'HH': return pad(d.getUTCHours(), 2)
    case 'mm': return pad(d.getUTCMinutes(), 2)
    case 'ss': return pad(d.getUTCSeconds(), 2)
    default: return pad(d.getUTCMilliseconds(), 3)
  }
}

export function sanitizeIndexName(name: string): string {
  let out = name.toLowerCase().replace(forbidden, '_')
  // Must not start with - _ +
  while (out.length > 0 && (out[0] === '-' || out[0] === '_' || out[0] === '+')) out = out.slice(1)
  return out || 'logyard'
}

export class IndexName {
  readonly template: string
  readonly constant: string | undefined
  readonly #parts: Part[]
  readonly #missing: string
  /** Events whose template referenced a missing field. */
  missingFields = 0

  constructor(template: string, missing = 'unknown') {
    this.template = template
    this.#missing = missing
    const parts: Part[] = []
    const re = /%\{([^}]+)\}/g
    let last = 0
    for (let m = re.exec(template); m !== null; m = re.exec(template)) {
      if (m.index > last) parts.push({ kind: 'text', text: template.slice(last, m.index) })
      const ref = m[1]!.trim()
      if (ref.startsWith('+')) {
        const tokens = splitDate(ref.slice(1))
        const dayOnly = tokens.every((t) => typeof t === 'string' || /^(yyyy|YYYY|yy|MM|dd)$/.test(t.tok))
        parts.push({ kind: 'date', tokens, dayOnly, lastDay: '', lastText: '' })
      }
      else parts.push({ kind: 'field', path: parseFieldRef(ref) })
      last = re.lastIndex
    }
    if (last < template.length) parts.push({ kind: 'text', text: template.slice(last) })
    this.#parts = parts
    this.constant = parts.every((p) => p.kind === 'text') ? sanitizeIndexName(template) : undefined
  }

  /** The wildcard pattern matching every index this template makes (for the index template): `%{…}` → `*`. */
  get pattern(): string {
    const pieces = this.template.split(/%\{[^}]+\}/).map((s) => s.toLowerCase().replace(forbidden, '_'))
    return pieces.join('*').replace(/\*+/g, '*').replace(/^[-_+]+/, '') || '*'
  }

  /** The raw (unsanitized) name for `event`; callers cache sanitized names by it. */
  raw(event: LogEvent): string {
    let out = ''
    const parts = this.#parts
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      if (p.kind === 'text') out += p.text
      else if (p.kind === 'field') {
        const v = getField(event, p.path)
        if (typeof v === 'string' && v !== '') out += v
        else if (typeof v === 'number' || typeof v === 'boolean') out += String(v)
        else {
          out += this.#missing
          this.missingFields++
        }
      } else out += this.#date(event['@timestamp'], p)
    }
    return out
  }

  #date(ts: unknown, p: { tokens: DateToken[]; dayOnly: boolean; lastDay: string; lastText: string }): string {
    const tokens = p.tokens
    let out = ''
    if (typeof ts === 'string' && isoUtc(ts)) {
      // Day patterns: reuse the text while events stay on the same UTC day.
      if (p.dayOnly && p.lastDay !== '' && ts.startsWith(p.lastDay)) return p.lastText
      for (const t of tokens) out += typeof t === 'string' ? t : fromIso(ts, t.tok)
      if (p.dayOnly) {
        p.lastDay = ts.slice(0, 10)
        p.lastText = out
      }
      return out
    }
    let ms = typeof ts === 'string' ? Date.parse(ts) : typeof ts === 'number' ? ts : NaN
    if (Number.isNaN(ms)) ms = Date.now()
    const d = new Date(ms)
    for (const t of tokens) out += typeof t === 'string' ? t : fromDate(d, t.tok)
    return out
  }
}
