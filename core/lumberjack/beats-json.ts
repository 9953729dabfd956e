// Compact JSON the way Beats writes it (go-structform's JSON visitor, see
// docs/protocols/lumberjack.md §10), so a Logstash beats input reads our events exactly as
// it reads Filebeat's:
//   - in the event (the top-level object) `@timestamp` first, `@metadata`
//     second, then the other keys in insertion order (nested objects: insertion
//     order; Go's map order is random anyway);
//   - `"` `\` → `\"` `\\`; \n \r \t short escapes; every other byte < 0x20 as
//     `\u00xx` (lower-case hex; JSON.stringify would write \b and \f);
//   - U+2028/U+2029 always escaped; `<>&` never escaped;
//   - invalid UTF-8 (bytes in a Buffer, lone surrogates in a string) → `\ufffd`
//     per bad byte/unit, as Go's range loop yields one RuneError per byte;
//   - NaN/±Inf → null; floats in Go's strconv 'g' shortest form (`1e+06`).
//
// JavaScript has one number type, so a whole-valued number is written as an
// integer. Wrap a value in `goFloat()` to get Go's float64 formatting for it
// (1000000.0 → `1e+06`, 2.0 → `2`).

const kMaxDepth = 64

/** Marks a number as a float64 for Go-style formatting. */
class GoFloat {
  readonly value: number
  constructor(value: number) {
    this.value = value
  }
}

export function goFloat(value: number): GoFloat {
  return new GoFloat(value)
}

// Characters that force the slow path: quote, backslash, C0 controls,
// line/paragraph separators and any surrogate (pairs are re-checked there).
const needsEscape = /["\\\u0000-\u001f\u2028\u2029\ud800-\udfff]/
const hex = '0123456789abcdef'

function escapeString(s: string): string {
  if (!needsEscape.test(s)) return '"' + s + '"'
  let out = '"'
  let last = 0
  const n = s.length
  for (let i = 0; i < n; i++) {
    const c = s.charCodeAt(i)
    let rep: string
    if (c >= 0x20 && c !== 0x22 && c !== 0x5c && c < 0x2028) continue
    if (c === 0x22) rep = '\\"'
    else if (c === 0x5c) rep = '\\\\'
    else if (c === 0x0a) rep = '\\n'
    else if (c === 0x0d) rep = '\\r'
    else if (c === 0x09) rep = '\\t'
    else if (c < 0x20) rep = '\\u00' + hex[c >> 4]! + hex[c & 15]!
    else if (c === 0x2028) rep = '\\u2028'
    else if (c === 0x2029) rep = '\\u2029'
    else if (c >= 0xd800 && c <= 0xdbff) {
      const d = i + 1 < n ? s.charCodeAt(i + 1) : 0
      if (d >= 0xdc00 && d <= 0xdfff) {
        i++ // a valid pair stays raw
        continue
      }
      rep = '\\ufffd'
    } else if (c >= 0xdc00 && c <= 0xdfff) rep = '\\ufffd'
    else continue
    out += s.slice(last, i) + rep
    last = i + 1
  }
  return out + s.slice(last) + '"'
}

/** Decodes bytes as UTF-8 the way Go's `for range` does: one U+FFFD per invalid byte, marked for `\ufffd` output. */
function escapeBytes(b: Uint8Array): string {
  let ascii = true
  for (let i = 0; i < b.length; i++) {
    if (b[i]! >= 0x80) {
      ascii = false
      break
    }
  }
  const text = Buffer.from(b.buffer, b.byteOffset, b.byteLength)
  if (ascii) return escapeString(text.toString('latin1'))
  let out = '"'
  let runStart = 0
  let i = 0
  const n = b.length
  while (i < n) {
    const c = b[i]!
    let size = 0
    if (c < 0x80) size = 1
    else if (c >= 0xc2 && c <= 0xdf) size = i + 1 < n && (b[i + 1]! & 0xc0) === 0x80 ? 2 : 0
    else if (c >= 0xe0 && c <= 0xef) {
      const c1 = b[i + 1] ?? 0
      const lo = c === 0xe0 ? 0xa0 : 0x80
      const hi = c === 0xed ? 0x9f : 0xbf
      size = i + 2 < n && c1 >= lo && c1 <= hi && (b[i + 2]! & 0xc0) === 0x80 ? 3 : 0
    } else if (c >= 0xf0 && c <= 0xf4) {
      const c1 = b[i + 1] ?? 0
      const lo = c === 0xf0 ? 0x90 : 0x80
      const hi = c === 0xf4 ? 0x8f : 0xbf
      size = i + 3 < n && c1 >= lo && c1 <= hi && (b[i + 2]! & 0xc0) === 0x80 && (b[i + 3]! & 0xc0) === 0x80 ? 4 : 0
    }
    if (size === 0) {
      const run = escapeString(text.toString('utf8', runStart, i))
      out += run.slice(1, -1) + '\\ufffd'
      i++
      runStart = i
    } else i += size
  }
  const rest = escapeString(text.toString('utf8', runStart, n))
  return out + rest.slice(1, -1) + '"'
}

/** Go strconv.AppendFloat(f, 'g', -1, 64). */
export function formatGoFloat(f: number): string {
  if (!Number.isFinite(f)) return 'null'
  if (f === 0) return Object.is(f, -0) ? '-0' : '0'
  const e = f.toExponential() // shortest round-trip digits, like Go's shortest mode
  const at = e.indexOf('e')
  const exp = Number(e.slice(at + 1))
  const neg = f < 0
  const mantissa = e.slice(neg ? 1 : 0, at)
  const digits = mantissa.length > 1 ? mantissa[0]! + mantissa.slice(2) : mantissa
  const sign = neg ? '-' : ''
  if (exp < -4 || exp >= 6) {
    const frac = digits.length > 1 ? '.' + digits.slice(1) : ''
    const ae = Math.abs(exp)
    return sign + digits[0]! + frac + 'e' + (exp < 0 ? '-' : '+') + (ae < 10 ? '0' + ae : String(ae))
  }
  // %f with exactly the significant digits
  if (exp < 0) return sign + '0.' + '0'.repeat(-exp - 1) + digits
  if (digits.length <= exp + 1) return sign + digits + '0'.repeat(exp + 1 - digits.length)
  return sign + digits.slice(0, exp + 1) + '.' + digits.slice(exp + 1)
}

function formatNumber(n: number): string {
  if (Number.isInteger(n) && Math.abs(n) <= Number.MAX_SAFE_INTEGER) return Object.is(n, -0) ? '0' : String(n)
  return formatGoFloat(n)
}

function encodeValue(v: unknown, depth: number): string | undefined {
  switch (typeof v) {
    case 'string':
      return escapeString(v)
    case 'number':
      return formatNumber(v)
    case 'boolean':
      return v ? 'true' : 'false'
    case 'bigint':
      return v.toString()
    case 'undefined':
    case 'function':
    case 'symbol':
      return undefined
    case 'object':
      break // null, arrays, objects: below
  }
  if (v === null) return 'null'
  if (depth > kMaxDepth) throw new RangeError(`beats-json: nesting deeper than ${kMaxDepth} (cycle?)`)
  if (Array.isArray(v)) {
    let out = '['
    for (let i = 0; i < v.length; i++) {
      if (i > 0) out += ','
      out += encodeValue(v[i], depth + 1) ?? 'null'
    }
    return out + ']'
  }
  if (v instanceof GoFloat) return formatGoFloat(v.value)
  if (v instanceof Uint8Array) return escapeBytes(v)
  if (v instanceof Date) return Number.isNaN(v.getTime()) ? 'null' : '"' + v.toISOString() + '"'
  if (v instanceof Map) return encodeObject(Object.fromEntries(v), depth)
  return encodeObject(v as Record<string, unknown>, depth)
}

// Keys repeat across events (`message`, `log`, `offset` …): escape each once.
const keyCache = new Map<string, string>()
const kKeyCacheMax = 4096

function encodeKey(key: string): string {
  let k = keyCache.get(key)
  if (k === undefined) {
    k = escapeString(key) + ':'
    if (keyCache.size < kKeyCacheMax && key.length <= 64) keyCache.set(key, k)
  }
  return k
}

function encodeObject(o: Record<string, unknown>, depth: number): string {
  let out = '{'
  let first = true
  const keys = Object.keys(o)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    const enc = encodeValue(o[key], depth + 1)
    if (enc === undefined) continue
    out += (first ? '' : ',') + encodeKey(key) + enc
    first = false
  }
  return out + '}'
}

/** The event itself: `@timestamp` first and `@metadata` second, as libbeat writes them. */
function encodeEvent(o: Record<string, unknown>): string {
  let out = '{'
  let first = true
  const ts = o['@timestamp']
  const meta = o['@metadata']
  if (ts !== undefined) {
    const enc = encodeValue(ts, 1)
    if (enc !== undefined) {
      out += '"@timestamp":' + enc
      first = false
    }
  }
  if (meta !== undefined) {
    const enc = encodeValue(meta, 1)
    if (enc !== undefined) {
      out += (first ? '' : ',') + '"@metadata":' + enc
      first = false
    }
  }
  const keys = Object.keys(o)
  for (let i = 0; i < keys.length; i++) {
    const key = keys[i]!
    if (key === '@timestamp' || key === '@metadata') continue
    const enc = encodeValue(o[key], 1)
    if (enc === undefined) continue
    out += (first ? '' : ',') + encodeKey(key) + enc
    first = false
  }
  return out + '}'
}

/** go-structform-compatible compact JSON (see the header for the rules). */
export function encodeBeatsJson(value: unknown): string {
  if (typeof value === 'object' && value !== null && !Array.isArray(value) && Object.getPrototypeOf(value) === Object.prototype) {
    return encodeEvent(value as Record<string, unknown>)
  }
  return encodeValue(value, 0) ?? 'null'
}
