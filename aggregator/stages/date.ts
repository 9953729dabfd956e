import { LRUCache } from 'lru-cache'
import type { Spec } from '../../core/config/schema.ts'
import { addTag, getField, parseFieldRef, setField, type FieldPath } from '../../core/fields.ts'
import type { LogEvent } from '../../core/event.ts'
import type { Counter } from '../../core/metrics.ts'
import type { Stage, StageContext, StageModule } from '../pipeline/stage.ts'
import { failureCounter } from '../pipeline/pipeline.ts'
import { compileFormat, type DateParser } from './date/joda-format.ts'
import { zoneConverter } from './date/timezone.ts'

// date: parses a field with the first matching format and writes the
// instant to `target` (default @timestamp) as an ISO 8601 UTC string.
// Formats compile once; results are cached by input text (log lines from
// one second share their timestamp text). Failures tag `_dateparsefailure`.

export interface DateOptions {
  field: string
  formats: string[]
  target: string
  timezone: string
  locale: string
  tag_on_failure: string[]
  cache_size: number
}

function checkZone(zone: string): string | void {
  try {
    zoneConverter(zone)
  } catch {
    return `unknown time zone ${JSON.stringify(zone)}; use UTC, an offset such as +02:00, or an IANA name such as Europe/Paris`
  }
}

function checkFormats(formats: string[]): string | void {
  for (const f of formats) {
    try {
      compileFormat(f, zoneConverter('UTC'))
    } catch (err) {
      return (err as Error).message
    }
  }
}

function checkRef(ref: string): string | void {
  try {
    parseFieldRef(ref)
  } catch (err) {
    return `${(err as Error).message}; write fields as [a][b] or a.b`
  }
}

export const dateSpec: Spec = {
  type: 'object',
  doc: 'parse a date field into @timestamp',
  fields: {
    field: { type: 'string', doc: 'the field holding the date text', required: true, check: checkRef },
    formats: { type: 'list', doc: 'formats tried in order: ISO8601, UNIX, UNIX_MS or Joda patterns such as dd/MMM/yyyy:HH:mm:ss Z', of: { type: 'string', doc: 'format', nonEmpty: true }, required: true, minItems: 1, coerce: true, check: checkFormats },
    target: { type: 'string', doc: 'where the parsed instant is written', default: '@timestamp', check: checkRef },
    timezone: { type: 'string', doc: 'zone for texts without an offset: UTC, +02:00 or an IANA name', default: 'UTC', check: checkZone },
    locale: { type: 'enum', doc: 'language of month and day names', values: ['en', 'en-US', 'en_US', 'en-GB'], default: 'en' },
    tag_on_failure: { type: 'list', doc: 'tags added when no format matches', of: { type: 'string', doc: 'tag' }, default: ['_dateparsefailure'], coerce: true },
    cache_size: { type: 'int', doc: 'parsed results cached by input text (0 disables)', default: 10000, min: 0 },
  },
}

export class DateStage implements Stage {
  readonly type = 'date'
  readonly #source: FieldPath
  readonly #target: FieldPath
  readonly #parsers: DateParser[]
  readonly #tags: readonly string[]
  readonly #cache: LRUCache<string, number> | undefined
  readonly #failed: Counter

  constructor(options: DateOptions, ctx: StageContext) {
    const zone = zoneConverter(options.timezone)
    this.#source = parseFieldRef(options.field)
    this.#target = parseFieldRef(options.target)
    this.#parsers = options.formats.map((f) => compileFormat(f, zone))
    this.#tags = options.tag_on_failure
    this.#cache = options.cache_size > 0 ? new LRUCache<string, number>({ max: options.cache_size }) : undefined
    this.#failed = failureCounter(ctx.metrics, ctx.id)
  }

  /** Epoch ms for `text`, or NaN; exposed for tests and the bench. */
  parse(text: string, now = Date.now()): number {
    const cache = this.#cache
    if (cache !== undefined) {
      const hit = cache.get(text)
      if (hit !== undefined) return hit
    }
    let ms = NaN
    for (let i = 0; i < this.#parsers.length && Number.isNaN(ms); i++) ms = this.#parsers[i]!(text, now)
    cache?.set(text, ms)
    return ms
  }

  run(events: LogEvent[]): LogEvent[] {
    const now = Date.now()
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!
      let value = getField(event, this.#source)
      if (Array.isArray(value)) value = value[0]
      if (value === undefined || value === null) continue // nothing to parse is not a failure
      const ms = typeof value === 'number' ? this.#parseNumber(value) : typeof value === 'string' ? this.parse(value, now) : NaN
      if (Number.isNaN(ms) || !Number.isFinite(ms) || Math.abs(ms) > 8.64e15) {
        this.#failed.inc()
        for (let j = 0; j < this.#tags.length; j++) addTag(event, this.#tags[j]!)
        continue
      }
      setField(event, this.#target, new Date(ms).toISOString())
    }
    return events
  }

  #parseNumber(n: number): number {
    return this.parse(String(n))
  }
}

export const dateStage: StageModule<DateOptions> = {
  type: 'date',
  spec: dateSpec,
  create: (options, ctx) => new DateStage(options, ctx),
}
