import { parseFixedOffset, zoneConverter, type WallToInstant } from './timezone.ts'

// Date formats as Logstash's date filter takes them: ISO8601, UNIX, UNIX_MS
// and Joda-style patterns (dd/MMM/yyyy:HH:mm:ss Z, MMM  d HH:mm:ss,
// yyyy-MM-dd HH:mm:ss,SSS). Each pattern compiles once into one anchored
// RegExp plus a list of field setters; parsing is one exec and a Date.UTC.
// Locale: English month and day names.

/** Parses text to epoch ms, or NaN. `now` is used for patterns without a year. */
export type DateParser = (text: string, now: number) => number

const months = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']
const monthIndex = new Map<string, number>()
months.forEach((m, i) => {
  monthIndex.set(m, i + 1)
  monthIndex.set(m.slice(0, 3), i + 1)
})
monthIndex.set('sept', 9)
const monthAlt = '(january|february|march|april|may|june|july|august|september|october|november|december|jan|feb|mar|apr|jun|jul|aug|sept|sep|oct|nov|dec)'
const dayAlt = '(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday|mon|tue|wed|thu|fri|sat|sun)'

const Field = { year: 0, year2: 1, month: 2, day: 3, hour: 4, hour12: 5, minute: 6, second: 7, fraction: 8, ampm: 9, offset: 10, zone: 11 } as const
type FieldKind = (typeof Field)[keyof typeof Field]

interface Token {
  re: string
  kind?: FieldKind
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

function letterToken(letter: string, count: number, pattern: string): Token {
  switch (letter) {
    case 'y':
    case 'Y':
    case 'x':
    case 'u':
      return count === 2 ? { re: '(\\d{2})', kind: Field.year2 } : { re: '(\\d{4})', kind: Field.year }
    case 'M':
      return count >= 3 ? { re: monthAlt, kind: Field.month } : { re: '(\\d{1,2})', kind: Field.month }
    case 'd':
      return { re: '(\\d{1,2})', kind: Field.day }
    case 'H':
    case 'k':
      return { re: '(\\d{1,2})', kind: Field.hour }
    case 'h':
    case 'K':
      return { re: '(\\d{1,2})', kind: Field.hour12 }
    case 'm':
      return { re: '(\\d{1,2})', kind: Field.minute }
    case 's':
      return { re: '(\\d{1,2})', kind: Field.second }
    case 'S':
      return { re: '(\\d{1,9})', kind: Field.fraction }
    case 'a':
      return { re: '(am|pm)', kind: Field.ampm }
    case 'E':
      return { re: dayAlt }
    case 'Z':
      return count >= 3 ? { re: '([A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*)', kind: Field.zone } : { re: '(Z|[+-]\\d{2}:?\\d{2})', kind: Field.offset }
    case 'z':
      return { re: '([A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*)', kind: Field.zone }
    default:
      throw new RangeError(`unsupported letter "${letter}" in date pattern ${JSON.stringify(pattern)}; quote literal text with '…'`)
  }
}

function tokenize(pattern: string): Token[] {
  const tokens: Token[] = []
  let i = 0
  while (i < pattern.length) {
    const c = pattern[i]!
    if (c === "'") {
      const end = pattern.indexOf("'", i + 1)
      if (end === -1) throw new RangeError(`unterminated quote in date pattern ${JSON.stringify(pattern)}`)
      tokens.push({ re: end === i + 1 ? "'" : escapeRe(pattern.slice(i + 1, end)) })
      i = end + 1
    } else if (/[A-Za-z]/.test(c)) {
      let j = i
      while (pattern[j] === c) j++
      tokens.push(letterToken(c, j - i, pattern))
      i = j
    } else {
      tokens.push({ re: escapeRe(c) })
      i++
    }
  }
  return tokens
}

/** Two-digit years pivot around the current year (Joda: within 50 years). */
function expandYear2(yy: number, now: number): number {
  const current = new Date(now).getUTCFullYear()
  let year = current - (current % 100) + yy
  if (year > current + 50) year -= 100
  else if (year <= current - 50) year += 100
  return year
}

function buildInstant(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 60) return NaN
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms)
  if (y >= 0 && y < 100) return NaN // Date.UTC maps 0..99 to 1900s; no log says year 0042
  // Reject 31 Feb and friends instead of rolling over.
  if (new Date(wall).getUTCDate() !== d && s !== 60) return NaN
  return wall
}

function fractionMs(digits: string): number {
  // "5" → 500, "12" → 120, "123456" → 123 (sub-millisecond precision is dropped).
  const n = digits.length >= 3 ? Number(digits.slice(0, 3)) : Number(digits) * (digits.length === 1 ? 100 : 10)
  return n
}

/** Compiles one Joda-style pattern. `zone` is the default when the text has no offset. Throws RangeError for bad patterns. */
export function compileJoda(pattern: string, zone: WallToInstant): DateParser {
  const tokens = tokenize(pattern)
  const kinds: FieldKind[] = []
  let source = '^'
  for (const t of tokens) {
    source += t.re
    if (t.kind !== undefined) kinds.push(t.kind)
  }
  const re = new RegExp(source + '$', 'i')
  const hasYear = kinds.includes(Field.year) || kinds.includes(Field.year2)
  const timeOnly = !hasYear && !kinds.includes(Field.month) && !kinds.includes(Field.day)
  return (text, now) => {
    const m = re.exec(text)
    if (m === null) return NaN
    let year = hasYear ? 0 : new Date(now).getUTCFullYear()
    let month = 1
    let day = 1
    let hour = 0
    let minute = 0
    let second = 0
    let ms = 0
    let pm = -1
    let offset: number | undefined
    let zoneFn: WallToInstant = zone
    for (let i = 0; i < kinds.length; i++) {
      const v = m[i + 1]!
      switch (kinds[i]!) {
        case Field.year: year = Number(v); break
        case Field.year2: year = expandYear2(Number(v), now); break
        case Field.month: month = v.charCodeAt(0) <= 0x39 ? Number(v) : (monthIndex.get(v.toLowerCase()) ?? 0); break
        case Field.day: day = Number(v); break
        case Field.hour: hour = Number(v); break
        case Field.hour12: hour = Number(v) % 12; break
        case Field.minute: minute = Number(v); break
        case Field.second: second = Number(v); break
        case Field.fraction: ms = fractionMs(v); break
        case Field.ampm: pm = v.length > 0 && (v[0] === 'p' || v[0] === 'P') ? 1 : 0; break
        case Field.offset: offset = parseFixedOffset(v); if (offset === undefined) return NaN; break
        case Field.zone: {
          const fixed = parseFixedOffset(v)
          if (fixed !== undefined) offset = fixed
          else {
            try {
              zoneFn = zoneConverter(v)
            } catch {
              return NaN // unknown zone name in the text: counted as a parse failure
            }
          }
          break
        }
      }
    }
    if (pm === 1) hour += 12
    if (timeOnly) {
      // time-only pattern (HH:mm:ss): today's date, UTC
      const d = new Date(now)
      year = d.getUTCFullYear(); month = d.getUTCMonth() + 1; day = d.getUTCDate()
    }
    const wall = buildInstant(year, month, day, hour, minute, second, ms)
    if (Number.isNaN(wall)) return NaN
    let instant = offset === undefined ? zoneFn(wall) : wall - offset * 60_000
    // Syslog-style dates carry no year: a date far in the future is last year's (Dec 31 read on Jan 1).
    if (!hasYear && instant > now + 7 * 86_400_000) {
      const prev = buildInstant(year - 1, month, day, hour, minute, second, ms)
      if (!Number.isNaN(prev)) instant = offset === undefined ? zoneFn(prev) : prev - offset * 60_000
    }
    return instant
  }
}

const isoRe = /^(\d{4})-(\d{2})-(\d{2})(?:[T ](\d{2}):(\d{2})(?::(\d{2})(?:[.,](\d{1,9}))?)?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i

/** ISO 8601 as Logstash's date filter accepts it: `2024-03-01T12:00:00.123+01:00`, space separator allowed. */
export function compileIso8601(zone: WallToInstant): DateParser {
  return (text) => {
    const m = isoRe.exec(text)
    if (m === null) return NaN
    const wall = buildInstant(Number(m[1]), Number(m[2]), Number(m[3]), m[4] ? Number(m[4]) : 0, m[5] ? Number(m[5]) : 0, m[6] ? Number(m[6]) : 0, m[7] ? fractionMs(m[7]) : 0)
    if (Number.isNaN(wall)) return NaN
    const z = m[8]
    if (z === undefined) return zone(wall)
    const off = parseFixedOffset(z.length === 3 ? `${z}:00` : z)
    return off === undefined ? NaN : wall - off * 60_000
  }
}

const unixRe = /^-?\d+(?:\.\d+)?$/

export function compileUnix(scale: 1000 | 1): DateParser {
  return (text) => (unixRe.test(text) ? Math.round(Number(text) * scale) : NaN)
}

/** One parser per configured format: ISO8601, UNIX, UNIX_MS or a Joda pattern. */
export function compileFormat(format: string, zone: WallToInstant): DateParser {
  switch (format) {
    case 'ISO8601': return compileIso8601(zone)
    case 'UNIX': return compileUnix(1000)
    case 'UNIX_MS': return compileUnix(1)
    default: return compileJoda(format, zone)
  }
}
