import { getField, parseFieldRef, type FieldPath } from './fields.ts'
import type { LogEvent } from './event.ts'

// `%{…}` references in strings, as Logstash's sprintf has them, compiled once
// into literal, field and date parts:
//   %{[a][b]} / %{a.b}   a field of the event
//   %{+pattern}          the event's @timestamp in UTC, Joda-style tokens
//                        yyyy YYYY yy MM dd HH mm ss SSS (other text is literal)
// Used by mutate (add_field, replace, add_tag …), the Elasticsearch index
// name and the file output's path.
//
// A missing field (undefined or null) is left as written (`%{ref}`, as
// Logstash does) unless `missing` names a replacement; `scalarsOnly` also
// treats '' and lists and objects as missing (an index name cannot hold them);
// otherwise lists are joined with commas and objects written as JSON.
// `missingCount` counts renders that hit a missing field.
//
// Per event the work is one string concatenation: date parts are cut out of
// the ISO timestamp string when it is UTC (`…Z`), and day-only patterns reuse
// the previous text while events stay on the same day — no Date objects.

interface TemplateOptions {
  /** Replacement for a missing field; unset → the reference is left as written. */
  missing?: string
  /** Treat lists and objects as missing instead of formatting them. */
  scalarsOnly?: boolean
  /** Applied to every field value (never to the template's own text), e.g. pathSafeValue. */
  escape?: (value: string) => string
}

/**
 * A field value made safe inside a file path: `/`, `\`, NUL and control
 * characters become `_`, a leading `.` becomes `_` (no `..` step, no hidden
 * file, whatever values are next to each other), and it is cut to 200 bytes
 * (a file name holds 255).
 */
export function pathSafeValue(v: string): string {
  let out = v.replace(/[/\\\x00-\x1f\x7f]/g, '_')
  if (out.charCodeAt(0) === 46 /* . */) out = '_' + out.slice(1)
  if (out.length > 50 && Buffer.byteLength(out) > 200) {
    out = Buffer.from(out).subarray(0, 200).toString('utf8').replace(/\uFFFD+$/, '')
  }
  return out
}

interface DatePart {
  kind: 'date'
  tokens: DateToken[]
  dayOnly: boolean
  lastDay: string
  lastText: string
}
type Part = { kind: 'text'; text: string } | { kind: 'field'; path: FieldPath; raw: string } | DatePart
type DateToken = string | { tok: string }

const reference = /%\{([^}]+)\}/g

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

function show(v: unknown): string {
  if (typeof v === 'string') return v
  if (Array.isArray(v)) return v.map(show).join(',') // Logstash joins lists with commas
  if (typeof v === 'object' && v !== null) return JSON.stringify(v)
  return String(v)
}

export class Template {
  readonly text: string
  /** True when the text has no reference: render() returns it as is. */
  readonly constant: boolean
  /** Renders that met a missing field. */
  missingCount = 0
  /** Field values the `escape` option changed. */
  escapedCount = 0
  readonly #parts: Part[]
  readonly #missing: string | undefined
  readonly #scalarsOnly: boolean
  readonly #escape: ((value: string) => string) | undefined

  /** Compiles `text`; throws RangeError for a malformed field reference. */
  constructor(text: string, options: TemplateOptions = {}) {
    this.text = text
    this.#missing = options.missing
    this.#scalarsOnly = options.scalarsOnly ?? false
    this.#escape = options.escape
    const parts: Part[] = []
    let last = 0
    reference.lastIndex = 0
    for (let m = reference.exec(text); m !== null; m = reference.exec(text)) {
      if (m.index > last) parts.push({ kind: 'text', text: text.slice(last, m.index) })
      const ref = m[1]!.trim()
      if (ref.startsWith('+')) {
        const tokens = splitDate(ref.slice(1))
        const dayOnly = tokens.every((t) => typeof t === 'string' || /^(yyyy|YYYY|yy|MM|dd)$/.test(t.tok))
        parts.push({ kind: 'date', tokens, dayOnly, lastDay: '', lastText: '' })
      } else {
        parts.push({ kind: 'field', path: parseFieldRef(ref), raw: m[0] })
      }
      last = reference.lastIndex
    }
    if (last < text.length) parts.push({ kind: 'text', text: text.slice(last) })
    this.#parts = parts
    this.constant = parts.every((p) => p.kind === 'text')
  }

  /** The wildcard pattern matching every text this template makes: `%{…}` → `*`. */
  get pattern(): string {
    return this.text.split(/%\{[^}]+\}/).join('*').replace(/\*+/g, '*')
  }

  render(event: LogEvent): string {
    if (this.constant) return this.text
    let out = ''
    let missed = false
    const parts = this.#parts
    for (let i = 0; i < parts.length; i++) {
      const p = parts[i]!
      if (p.kind === 'text') out += p.text
      else if (p.kind === 'field') {
        const v = getField(event, p.path)
        if (v === undefined || v === null || (this.#scalarsOnly && (v === '' || typeof v === 'object'))) {
          out += this.#missing ?? p.raw
          missed = true
        } else if (this.#escape === undefined) out += show(v)
        else {
          const s = show(v)
          const e = this.#escape(s)
          if (e !== s) this.escapedCount++
          out += e
        }
      } else out += dateText(event['@timestamp'], p)
    }
    if (missed) this.missingCount++
    return out
  }
}

function dateText(ts: unknown, p: DatePart): string {
  const tokens = p.tokens
  let out = ''
  if (typeof ts === 'string' && isoUtc(ts)) {
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

/** Compiles `text` once (see Template). */
export function compileTemplate(text: string, options?: TemplateOptions): Template {
  return new Template(text, options)
}
