import { localeNames, monthOf, ampmOf, type LocaleNames } from './locale.ts'
import { parseFixedOffset, tryZone, type WallToInstant } from './timezone.ts'

// Date formats as Logstash's date filter takes them: ISO8601, UNIX, UNIX_MS,
// TAI64N and Joda-style patterns (dd/MMM/yyyy:HH:mm:ss Z, MMM  d HH:mm:ss,
// yyyy-MM-dd HH:mm:ss,SSS). Each pattern compiles once into one anchored
// RegExp plus a list of field setters; parsing is one exec and a Date.UTC.
// The zone for texts without an offset is passed per call, so it can come
// from the event (`timezone: "%{tz}"`). Month and day names follow the
// configured locale (./locale.ts). The rules are those of the Logstash date
// filter (logstash-plugins/logstash-filter-date, src/main/java/.../parser/):
//   - no year in the format: this year, except a December date read in
//     January (last year) and a January date read in December (next year);
//   - a local time that does not exist (DST gap) fails; an ambiguous one
//     (autumn overlap) is the earlier instant (./timezone.ts);
//   - UNIX refuses more than Integer.MAX_VALUE seconds (so UNIX, UNIX_MS
//     reads 1000000000123 as milliseconds) and keeps at most 3 decimals,
//     truncated; UNIX_MS takes integers; TAI64N is `@` + 24 hex digits.

/** Parses text to epoch ms, or NaN. `now` decides the year of formats without one; `zone` applies to texts without an offset. */
export type DateParser = (text: string, now: number, zone: WallToInstant) => number
/** Parses a number (an event field that is not a string): only UNIX and UNIX_MS do. */
export type NumberParser = (value: number) => number

interface CompiledFormat {
  text: DateParser
  number: NumberParser | undefined
}

const Field = { year: 0, year2: 1, month: 2, day: 3, hour: 4, hour12: 5, minute: 6, second: 7, fraction: 8, ampm: 9, offset: 10, zone: 11, monthText: 12, hour24: 13, shortZone: 14 } as const
type FieldKind = (typeof Field)[keyof typeof Field]

interface Token {
  re: string
  kind?: FieldKind
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')
}

const zoneNameRe = '([A-Za-z][A-Za-z0-9_+-]*(?:/[A-Za-z0-9_+-]+)*)'

function letterToken(letter: string, count: number, pattern: string, names: LocaleNames, nextNumeric: boolean): Token {
  switch (letter) {
    case 'y':
    case 'Y':
    case 'x':
    case 'u':
      // Joda: `yy` is two digits with a pivot, but when no number follows it a longer year ("2024") is taken as written;
      // other counts read up to 9 digits, or exactly `count` when a number follows (yyyyMMdd).
      if (count === 2) return nextNumeric ? { re: '(\\d{2})', kind: Field.year2 } : { re: '(\\d{2,9})', kind: Field.year2 }
      return nextNumeric ? { re: `(\\d{${count}})`, kind: Field.year } : { re: '(\\d{1,9})', kind: Field.year }
    case 'M':
      return count >= 3 ? { re: names.monthRe, kind: Field.monthText } : { re: '(\\d{1,2})', kind: Field.month }
    case 'd':
      return { re: '(\\d{1,2})', kind: Field.day }
    case 'H':
      return { re: '(\\d{1,2})', kind: Field.hour }
    case 'k':
      return { re: '(\\d{1,2})', kind: Field.hour24 }
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
      return { re: names.ampmRe, kind: Field.ampm }
    case 'E':
      return { re: names.dayRe }
    case 'Z':
      return count >= 3 ? { re: zoneNameRe, kind: Field.zone } : { re: '(Z|[+-]\\d{2}:?\\d{2})', kind: Field.offset }
    case 'z':
      return { re: zoneNameRe, kind: Field.shortZone }
    default:
      throw new RangeError(`unsupported letter "${letter}" in date pattern ${JSON.stringify(pattern)}; quote literal text with '…'`)
  }
}

/** Pattern letters Joda reads as numbers: a year followed by one of these has a fixed width. */
const numericLetters = 'yYxuMdHkhKmsSDwe'

function tokenize(pattern: string, names: LocaleNames): Token[] {
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
      tokens.push(letterToken(c, j - i, pattern, names, j < pattern.length && numericLetters.includes(pattern[j]!)))
      i = j
    } else {
      tokens.push({ re: escapeRe(c) })
      i++
    }
  }
  return tokens
}

/**
 * Two-digit years as Joda reads `yy` (pivot 30 years back, SimpleDateFormat's window): from 80 years back to
 * 19 years ahead of now. More digits (lenient `yy` with no number after it) are the year as written.
 */
function expandYear2(digits: string, now: number): number {
  const yy = Number(digits)
  if (digits.length !== 2) return yy
  const current = new Date(now).getUTCFullYear()
  let year = current - (current % 100) + yy
  if (year > current + 19) year -= 100
  else if (year < current - 80) year += 100
  return year
}

/**
 * Zone names a `z` pattern reads, as Joda's default table has them (Logstash's date filter uses Joda): the
 * North American abbreviations stand for the region's zone, daylight saving time included, so "EST" in
 * July is read as New York's summer offset, as Logstash does. Other names are tried as zone ids.
 */
const jodaShortZones: Record<string, string> = {
  UT: 'UTC', UTC: 'UTC', GMT: 'UTC',
  EST: 'America/New_York', EDT: 'America/New_York', CST: 'America/Chicago', CDT: 'America/Chicago',
  MST: 'America/Denver', MDT: 'America/Denver', PST: 'America/Los_Angeles', PDT: 'America/Los_Angeles',
}

function isLeap(y: number): boolean {
  return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0
}

/** Wall-clock ms for the fields, NaN when they are out of range (31 Feb, 25:00). */
function buildWall(y: number, mo: number, d: number, h: number, mi: number, s: number, ms: number): number {
  if (mo < 1 || mo > 12 || d < 1 || d > 31 || h > 23 || mi > 59 || s > 59) return NaN
  if (y >= 0 && y < 100) return NaN // Date.UTC maps 0..99 to the 1900s; no log says year 0042
  const wall = Date.UTC(y, mo - 1, d, h, mi, s, ms)
  // Reject 31 Feb and friends instead of rolling over.
  if (new Date(wall).getUTCDate() !== d) return NaN
  return wall
}

function fractionMs(digits: string): number {
  // "5" → 500, "12" → 120, "123456" → 123 (sub-millisecond precision is dropped).
  return digits.length >= 3 ? Number(digits.slice(0, 3)) : Number(digits) * (digits.length === 1 ? 100 : 10)
}

/** Compiles one Joda-style pattern. Throws RangeError for bad patterns. */
function compileJoda(pattern: string, locale = 'en'): DateParser {
  const names = localeNames(locale)
  const tokens = tokenize(pattern, names)
  const kinds: FieldKind[] = []
  let source = '^'
  for (const t of tokens) {
    source += t.re
    if (t.kind !== undefined) kinds.push(t.kind)
  }
  // The u flag only when the pattern holds non-ASCII (month names in fr, ru…): it makes V8's matcher slower.
  const re = new RegExp(source + '$', /[^\x00-\x7f]/.test(source) ? 'iu' : 'i')
  const hasYear = kinds.includes(Field.year) || kinds.includes(Field.year2)
  const hasMonth = kinds.includes(Field.month) || kinds.includes(Field.monthText)
  const timeOnly = !hasYear && !hasMonth && !kinds.includes(Field.day)
  return (text, now, zone) => {
    const m = re.exec(text)
    if (m === null) return NaN
    let year = 0
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
        case Field.year2: year = expandYear2(v, now); break
        case Field.month: month = Number(v); break
        case Field.monthText: month = monthOf(names, v); break
        case Field.day: day = Number(v); break
        case Field.hour: hour = Number(v); break
        case Field.hour24: hour = Number(v); if (hour === 24) hour = 0; else if (hour === 0) return NaN; break
        case Field.hour12: hour = Number(v); if (hour > 12) return NaN; hour %= 12; break
        case Field.minute: minute = Number(v); break
        case Field.second: second = Number(v); break
        case Field.fraction: ms = fractionMs(v); break
        case Field.ampm: pm = ampmOf(names, v); break
        case Field.offset: offset = parseFixedOffset(v); if (offset === undefined) return NaN; break
        case Field.shortZone:
        case Field.zone: {
          const mapped = kinds[i] === Field.shortZone ? jodaShortZones[v.toUpperCase()] : undefined
          if (mapped !== undefined) {
            zoneFn = tryZone(mapped)!
            break
          }
          const fixed = parseFixedOffset(v)
          if (fixed !== undefined) offset = fixed
          else {
            const z = tryZone(v)
            if (z === undefined) return NaN // unknown zone name in the text: a parse failure
            zoneFn = z
          }
          break
        }
      }
    }
    if (pm === 1) hour += 12
    if (timeOnly) {
      // A time alone (HH:mm:ss) is today's (UTC) — Logstash would say 1 January; see README's date section.
      const d = new Date(now)
      year = d.getUTCFullYear(); month = d.getUTCMonth() + 1; day = d.getUTCDate()
    } else if (!hasYear) {
      // Logstash's rule: this year, but December read in January is last year's and January read in December is next year's.
      const today = new Date(now)
      const nowYear = today.getUTCFullYear()
      const nowMonth = today.getUTCMonth() + 1
      year = month === 12 && nowMonth === 1 ? nowYear - 1 : month === 1 && nowMonth === 12 ? nowYear + 1 : nowYear
      if (month === 2 && day === 29 && !isLeap(year)) day = 28 // Joda sets the year on a leap-year date: 29 Feb becomes 28 Feb
    }
    const wall = buildWall(year, month, day, hour, minute, second, ms)
    if (wall !== wall) return NaN
    return offset === undefined ? zoneFn(wall) : wall - offset * 60_000
  }
}

// Joda's ISODateTimeFormat.dateTimeParser (date, or date 'T' time, each part
// optional from the right, fractions with . or ,) plus the "almost ISO"
// forms Logstash adds: a space instead of the 'T'.
const isoRe = /^([+-]?\d{4,9})(?:-(\d{2})(?:-(\d{2}))?)?(?:[T ](\d{2})(?::(\d{2})(?::(\d{2}))?)?(?:[.,](\d{1,9}))?)?\s*(Z|[+-]\d{2}(?::?\d{2})?)?$/i

/** ISO 8601 as Logstash's date filter accepts it: `2024-03-01T12:00:00.123+01:00`, a space separator allowed. */
function compileIso8601(): DateParser {
  return (text, _now, zone) => {
    const m = isoRe.exec(text)
    if (m === null) return NaN
    // A time needs a full date; a fraction needs seconds.
    if ((m[4] !== undefined && m[3] === undefined) || (m[7] !== undefined && m[6] === undefined)) return NaN
    const wall = buildWall(Number(m[1]), m[2] ? Number(m[2]) : 1, m[3] ? Number(m[3]) : 1, m[4] ? Number(m[4]) : 0, m[5] ? Number(m[5]) : 0, m[6] ? Number(m[6]) : 0, m[7] ? fractionMs(m[7]) : 0)
    if (wall !== wall) return NaN
    const z = m[8]
    if (z === undefined) return zone(wall)
    const off = parseFixedOffset(z)
    return off === undefined ? NaN : wall - off * 60_000
  }
}

/** Integer.MAX_VALUE: Logstash's UNIX parser refuses more seconds than this (a value that large is milliseconds). */
const MAX_EPOCH_SECONDS = 2147483647

/** `[+-]digits[.digits]` → ms, by character codes (no RegExp, no substrings: the hot path of UNIX). */
function parseUnixText(text: string): number {
  const n = text.length
  let i = 0
  let negative = false
  const c0 = text.charCodeAt(0)
  if (c0 === 43 /* + */ || c0 === 45 /* - */) {
    negative = c0 === 45
    i = 1
  }
  const digitsFrom = i
  let seconds = 0
  for (; i < n; i++) {
    const d = text.charCodeAt(i) - 48
    if (d < 0 || d > 9) break
    seconds = seconds * 10 + d
  }
  if (i === digitsFrom) return NaN
  if (!negative && seconds > MAX_EPOCH_SECONDS) return NaN
  let frac = 0
  if (i < n) {
    if (text.charCodeAt(i) !== 46 /* . */) return NaN
    i++
    // At most 3 decimals count (milliseconds, truncated); the rest must still be digits.
    for (let k = 0; i < n; i++, k++) {
      const d = text.charCodeAt(i) - 48
      if (d < 0 || d > 9) return NaN
      if (k < 3) frac += d * (k === 0 ? 100 : k === 1 ? 10 : 1)
    }
  }
  return negative ? -(seconds * 1000 + frac) : seconds * 1000 + frac
}

function compileUnix(): CompiledFormat {
  return {
    text: parseUnixText,
    number: (value) => (Math.trunc(value) > MAX_EPOCH_SECONDS ? NaN : Math.trunc(value * 1000)),
  }
}

const unixMsRe = /^[+-]?\d+$/

function compileUnixMs(): CompiledFormat {
  return {
    text: (text) => (unixMsRe.test(text) ? Number(text) : NaN),
    number: (value) => Math.trunc(value),
  }
}

const tai64nRe = /^@?([0-9a-f]{8})([0-9a-f]{8})([0-9a-f]{8})$/i

/** TAI64N: `@` (optional) + 16 hex digits of seconds (label 2^62 + TAI seconds) + 8 of nanoseconds; 10 s of TAI−UTC taken off, as Logstash does. */
function compileTai64n(): DateParser {
  return (text) => {
    const m = tai64nRe.exec(text)
    if (m === null) return NaN
    const hi = parseInt(m[1]!, 16)
    const nanos = parseInt(m[3]!, 16)
    if (hi > 0x7fffffff || nanos > 0x7fffffff) return NaN // beyond Java's signed long / int: Logstash fails these
    const seconds = (hi & 0x3fffffff) * 4294967296 + parseInt(m[2]!, 16)
    return (seconds - 10) * 1000 + Math.trunc(nanos / 1e6)
  }
}

/** One parser per configured format: ISO8601, UNIX, UNIX_MS, TAI64N or a Joda pattern. Throws RangeError for a bad pattern. */
export function compileFormat(format: string, locale = 'en'): CompiledFormat {
  switch (format) {
    case 'ISO8601': return { text: compileIso8601(), number: undefined }
    case 'UNIX': return compileUnix()
    case 'UNIX_MS': return compileUnixMs()
    case 'TAI64N': return { text: compileTai64n(), number: undefined }
    default: return { text: compileJoda(format, locale), number: undefined }
  }
}
