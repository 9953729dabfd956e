import { LRUCache } from 'lru-cache'
import type { Infer, Spec } from '../../../core/config/schema.ts'
import { addTag, getField, parseFieldRef, setField, type FieldPath } from '../../../core/fields.ts'
import type { LogEvent } from '../../../core/event.ts'
import type { Counter } from '../../../core/metrics.ts'
import { compileTemplate, type Template } from '../../../core/template.ts'
import type { Stage, StageContext, StageComponent } from '../../component.ts'
import { failureCounter } from '../../pipeline/pipeline.ts'
import { compileFormat, type DateParser, type NumberParser } from './joda-format.ts'
import { checkLocale, normalizeLocale } from './locale.ts'
import { tryZone, zoneConverter, type WallToInstant } from './timezone.ts'
import { ConfigError } from '../../../core/errors.ts'
import { isoString } from '../../../core/iso-time.ts'

// date: parses a field with the first matching format and writes the
// instant to `target` (default @timestamp) as an ISO 8601 UTC string.
// Formats compile once; results are cached by input text (log lines from
// one second share their timestamp text), and by zone too when the zone
// comes from the event (`timezone: "%{tz}"`). Strings go through every
// format; numbers only through UNIX and UNIX_MS (as in Logstash). Failures
// tag `_dateparsefailure`; `add_tag` is applied on success only.


const dynamic = (zone: string): boolean => zone.includes('%{')

function checkZone(zone: string): string | void {
  if (dynamic(zone)) {
    try {
      if (compileTemplate(zone).constant) return `${JSON.stringify(zone)} holds no complete %{field} reference; write %{field} to take the zone from the event`
      return
    } catch (err) {
      return (err as Error).message
    }
  }
  try {
    zoneConverter(zone)
  } catch {
    return `unknown time zone ${JSON.stringify(zone)}; use UTC, an offset such as +02:00, an IANA name such as Europe/Paris, or %{field} to take it from the event`
  }
}

function checkRef(ref: string): string | void {
  try {
    parseFieldRef(ref)
  } catch (err) {
    return `${(err as Error).message}; write fields as [a][b] or a.b`
  }
}

function checkDate(v: { formats: readonly string[]; locale: string }, path: string): string | void {
  for (const f of v.formats) {
    try {
      compileFormat(f, v.locale)
    } catch (err) {
      throw new ConfigError(`${path}.formats`, (err as Error).message)
    }
  }
}

export const dateSpec = {
  type: 'object',
  doc: 'parse a date field into @timestamp',
  fields: {
    field: { type: 'string', doc: 'the field holding the date text', required: true, check: checkRef },
    formats: { type: 'list', doc: 'formats tried in order: ISO8601, UNIX, UNIX_MS, TAI64N or Joda patterns such as dd/MMM/yyyy:HH:mm:ss Z', of: { type: 'string', doc: 'format', nonEmpty: true }, required: true, minItems: 1, coerce: true },
    target: { type: 'string', doc: 'where the parsed instant is written', default: '@timestamp', check: checkRef },
    timezone: { type: 'string', doc: 'zone for texts without an offset: UTC, +02:00, an IANA name, or %{field} from the event', default: 'UTC', check: checkZone },
    locale: { type: 'string', doc: 'language of month and day names: a BCP 47 or POSIX tag (en, fr, de-DE, es_ES)', default: 'en', check: checkLocale },
    tag_on_failure: { type: 'list', doc: 'tags added when no format matches', of: { type: 'string', doc: 'tag' }, default: ['_dateparsefailure'], coerce: true },
    add_tag: { type: 'list', doc: 'tags added when a format matched (may hold %{field})', of: { type: 'string', doc: 'tag' }, default: [], coerce: true },
    cache_size: { type: 'int', doc: 'parsed results cached by input text (0 disables)', default: 10000, min: 0 },
  },
  check: checkDate,
} as const satisfies Spec

export type DateOptions = Infer<typeof dateSpec>

export class DateStage implements Stage {
  readonly type = 'date'
  readonly #source: FieldPath
  readonly #target: FieldPath
  readonly #parsers: DateParser[]
  readonly #numberParsers: NumberParser[]
  /** The configured zone, or undefined when it comes from the event. */
  readonly #zone: WallToInstant | undefined
  readonly #zoneTemplate: Template | undefined
  readonly #tags: readonly string[]
  readonly #addTags: readonly Template[]
  readonly #cache: LRUCache<string, number> | undefined
  readonly #failed: Counter

  constructor(options: DateOptions, ctx: StageContext) {
    const locale = normalizeLocale(options.locale)
    if (dynamic(options.timezone)) this.#zoneTemplate = compileTemplate(options.timezone)
    else this.#zone = zoneConverter(options.timezone)
    this.#source = parseFieldRef(options.field)
    this.#target = parseFieldRef(options.target)
    const compiled = options.formats.map((f) => compileFormat(f, locale))
    this.#parsers = compiled.map((c) => c.text)
    this.#numberParsers = compiled.flatMap((c) => (c.number === undefined ? [] : [c.number]))
    this.#tags = options.tag_on_failure
    this.#addTags = options.add_tag.map((t) => compileTemplate(t))
    this.#cache = options.cache_size > 0 ? new LRUCache<string, number>({ max: options.cache_size }) : undefined
    this.#failed = failureCounter(ctx.metrics, ctx.id)
  }

  /**
   * Epoch ms for `text`, or NaN; exposed for tests and the bench. `zone` is a
   * zone name for a stage whose timezone comes from the event (ignored
   * otherwise; an unknown name fails the parse).
   */
  parse(text: string, now = Date.now(), zone?: string): number {
    let conv = this.#zone
    let key = text
    if (conv === undefined) {
      conv = zone === undefined ? undefined : tryZone(zone)
      if (conv === undefined) return NaN
      key = zone + '\u0000' + text
    }
    const cache = this.#cache
    if (cache !== undefined) {
      const hit = cache.get(key)
      if (hit !== undefined) return hit
    }
    let ms = NaN
    for (let i = 0; i < this.#parsers.length && ms !== ms; i++) ms = this.#parsers[i]!(text, now, conv)
    // A result depends on `now` only for formats without a year; a cached one is reused for at most the cache's life, as before.
    cache?.set(key, ms)
    return ms
  }

  /** Epoch ms for a number field: UNIX and UNIX_MS only (Joda patterns and ISO8601 want text, as in Logstash). */
  parseNumber(value: number): number {
    let ms = NaN
    for (let i = 0; i < this.#numberParsers.length && ms !== ms; i++) ms = this.#numberParsers[i]!(value)
    return ms
  }

  run(events: LogEvent[], now = Date.now()): LogEvent[] {
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!
      let value = getField(event, this.#source)
      if (Array.isArray(value)) value = value[0]
      if (value === undefined || value === null) continue // nothing to parse is not a failure
      const ms = typeof value === 'string'
        ? this.parse(value, now, this.#zoneTemplate === undefined ? undefined : this.#zoneTemplate.render(event))
        : typeof value === 'number' ? this.parseNumber(value) : NaN
      if (ms !== ms || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
        this.#failed.inc()
        for (let j = 0; j < this.#tags.length; j++) addTag(event, this.#tags[j]!)
        continue
      }
      setField(event, this.#target, isoString(ms))
      for (let j = 0; j < this.#addTags.length; j++) addTag(event, this.#addTags[j]!.render(event))
    }
    return events
  }
}

export const dateStage: StageComponent<typeof dateSpec, 'date'> = {
  kind: 'stage',
  type: 'date',
  spec: dateSpec,
  create: (options, ctx) => new DateStage(options, ctx),
}
