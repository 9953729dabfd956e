// Month names, day names and AM/PM markers per locale, for the date stage's
// text fields (MMM, MMMM, EEE, EEEE, a). Logstash's date filter takes them from
// Java's locale data (CLDR); Node's Intl carries the same CLDR data, so the
// tables are built from Intl once per locale. Every form is accepted whatever
// the letter count (as Joda does when parsing): long and short, the
// formatting and the stand-alone forms (Russian "июля" / "июль"), and short
// forms with and without their final dot ("juil" for "juil.", "dic." for
// "dic": CLDR versions differ on it), case-insensitively.
// English names (and "Sept") are always known for `en`.

export interface LocaleNames {
  /** The BCP 47 tag Intl resolved. */
  tag: string
  /** Lower-cased, space-normalised name → month 1..12. */
  months: Map<string, number>
  /** Lower-cased name → day of week (0 = Sunday); the date stage matches but does not check it. */
  days: Map<string, number>
  /** Lower-cased marker → 0 (AM) or 1 (PM). */
  ampm: Map<string, number>
  /** RegExp alternations (capturing for months and AM/PM, non-capturing for days). */
  monthRe: string
  dayRe: string
  ampmRe: string
}

/** `fr_FR` → `fr-FR` (Logstash accepts POSIX tags and replaces `_` the same way). */
export function normalizeLocale(tag: string): string {
  return tag.trim().replace(/_/g, '-')
}

/** An error message when Intl has no data for `tag`. */
export function checkLocale(tag: string): string | void {
  const t = normalizeLocale(tag)
  let supported: string[]
  try {
    supported = Intl.DateTimeFormat.supportedLocalesOf([t])
  } catch {
    return `${JSON.stringify(tag)} is not a language tag; use a BCP 47 tag such as en, fr, de-DE or es_ES`
  }
  if (supported.length === 0) return `no month and day names for locale ${JSON.stringify(tag)}; use a BCP 47 tag such as en, fr, de-DE or es_ES`
}

const englishMonths = ['january', 'february', 'march', 'april', 'may', 'june', 'july', 'august', 'september', 'october', 'november', 'december']
const englishDays = ['sunday', 'monday', 'tuesday', 'wednesday', 'thursday', 'friday', 'saturday']

/** Spaces inside names (Spanish "p. m." has a no-break space) match any space. */
function norm(name: string): string {
  return name.replace(/[\s\u00a0\u202f]+/g, ' ').toLowerCase()
}

function escapeRe(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&').replace(/ /g, '[\\s\\u00a0\\u202f]')
}

function add(map: Map<string, number>, name: string | undefined, value: number): void {
  if (name === undefined || name === '' || /^\d+$/.test(name)) return
  const n = norm(name)
  // With and without a final dot: Java's CLDR and Node's differ on it ("dic." / "dic", "Sept." / "Sep").
  for (const k of n.endsWith('.') ? (n.length > 2 ? [n, n.slice(0, -1)] : [n]) : [n, n + '.']) {
    if (map.has(k)) continue
    map.set(k, value)
    // The capitalised form ("Nov", "Juil.") is how logs write names: found without lower-casing.
    const cap = k.charAt(0).toUpperCase() + k.slice(1)
    if (!map.has(cap)) map.set(cap, value)
  }
}

function alternation(map: Map<string, number>): string {
  // Lower-case keys only (the RegExp ignores case), longest first so "juillet" is not cut to "juil".
  const keys = [...map.keys()].filter((k) => k === k.toLowerCase())
  return keys.sort((a, b) => b.length - a.length || (a < b ? -1 : 1)).map(escapeRe).join('|')
}

function part(f: Intl.DateTimeFormat, t: number, type: Intl.DateTimeFormatPartTypes): string | undefined {
  return f.formatToParts(t).find((p) => p.type === type)?.value
}

const cache = new Map<string, LocaleNames>()

export function localeNames(tag: string): LocaleNames {
  const t = normalizeLocale(tag)
  let hit = cache.get(t)
  if (hit) return hit
  const opts = { timeZone: 'UTC' } as const
  const resolved = new Intl.DateTimeFormat(t, opts).resolvedOptions().locale
  const months = new Map<string, number>()
  const days = new Map<string, number>()
  const ampm = new Map<string, number>()
  const monthForms = [
    new Intl.DateTimeFormat(t, { ...opts, month: 'long', day: 'numeric' }),
    new Intl.DateTimeFormat(t, { ...opts, month: 'long' }),
    new Intl.DateTimeFormat(t, { ...opts, month: 'short', day: 'numeric' }),
    new Intl.DateTimeFormat(t, { ...opts, month: 'short' }),
  ]
  for (let m = 0; m < 12; m++) for (const f of monthForms) add(months, part(f, Date.UTC(2001, m, 15), 'month'), m + 1)
  const dayForms = [
    new Intl.DateTimeFormat(t, { ...opts, weekday: 'long', day: 'numeric' }),
    new Intl.DateTimeFormat(t, { ...opts, weekday: 'long' }),
    new Intl.DateTimeFormat(t, { ...opts, weekday: 'short', day: 'numeric' }),
    new Intl.DateTimeFormat(t, { ...opts, weekday: 'short' }),
  ]
  for (let d = 0; d < 7; d++) for (const f of dayForms) add(days, part(f, Date.UTC(2000, 0, 2 + d), 'weekday'), d) // 2000-01-02 was a Sunday
  const hours = new Intl.DateTimeFormat(t, { ...opts, hour: 'numeric', hour12: true })
  add(ampm, part(hours, Date.UTC(2000, 0, 1, 3), 'dayPeriod'), 0)
  add(ampm, part(hours, Date.UTC(2000, 0, 1, 15), 'dayPeriod'), 1)
  if (resolved === 'en' || resolved.startsWith('en-')) {
    englishMonths.forEach((m, i) => {
      add(months, m, i + 1)
      add(months, m.slice(0, 3), i + 1)
    })
    add(months, 'sept', 9)
    englishDays.forEach((d, i) => {
      add(days, d, i)
      add(days, d.slice(0, 3), i)
    })
  }
  // AM/PM as English writes them are understood everywhere (Java's data for many locales has them too).
  for (const [k, v] of [['am', 0], ['pm', 1], ['a.m.', 0], ['p.m.', 1]] as const) add(ampm, k, v)
  // Month names of plain ASCII letters (English, German without März…) match a cheap letter run, checked by the
  // table afterwards (an unknown word still fails): far faster than a 40-way alternation on the hot httpd/syslog path.
  const asciiMonths = [...months.keys()].every((k) => /^[A-Za-z]+\.?$/.test(k))
  hit = { tag: resolved, months, days, ampm, monthRe: asciiMonths ? '([A-Za-z]+\\.?)' : `(${alternation(months)})`, dayRe: `(?:${alternation(days)})`, ampmRe: `(${alternation(ampm)})` }
  cache.set(t, hit)
  return hit
}

/** Month number for a matched name, 0 when unknown. */
export function monthOf(names: LocaleNames, text: string): number {
  return names.months.get(text) ?? names.months.get(norm(text)) ?? 0
}

/** 0 for AM, 1 for PM, -1 when unknown. */
export function ampmOf(names: LocaleNames, text: string): number {
  return names.ampm.get(text) ?? names.ampm.get(norm(text)) ?? -1
}
