import type { Infer, Spec } from '../../../core/config/schema.ts'
import { codeOf, ConfigError, LogyardError } from '../../../core/errors.ts'
import { addTag, ensureParent, getField, parseFieldRef } from '../../../core/fields.ts'
import type { FieldPath } from '../../../core/fields.ts'
import type { LogEvent } from '../../../core/event.ts'
import type { Logger } from '../../../core/logger.ts'
import type { Counter } from '../../../core/metrics.ts'
import { GrokLibrary, ecsCompatibilities } from './library.ts'
import { fieldPath } from './matcher.ts'
import { buildPlan, runBatch } from './plan.ts'
import type { BatchHits, Plan, PlanSpec } from './plan.ts'
import { GrokWorkerPool } from './pool.ts'
import type { Stage, StageContext, StageComponent } from '../../component.ts'
import { failureCounter } from '../../pipeline/pipeline.ts'

// grok: parses text fields with named patterns into structured fields, with
// Logstash's grok options.
//
//   grok: {field: message, patterns: ['%{COMBINEDAPACHELOG}']}       shorthand
//   grok: {match: {message: ['%{HTTPD_ERRORLOG}', '%{NGINX_ERRORLOG}']}}
//
// Several fields and several patterns per field are tried in order; with
// break_on_match (default) the first match ends the event's work.
// A capture into a field that already holds a value replaces it only when the
// field is listed in `overwrite`; otherwise both are kept, as an array
// ([old, new], or new appended to an existing array) — Logstash's merge.
// An event nothing matched (or whose fields are absent, not strings, or longer
// than max_field_bytes) gets tag_on_failure.
//
// Safety: matching runs in worker threads (`workers`, default 1, plus one
// idle spare; shared by the grok stages of the process that ask for the
// same number) with a watchdog: a regex attempt that runs longer than timeout_millis (default
// 1000) is stopped by terminating its thread; that event gets tag_on_timeout
// and the batch goes on. timeout_millis: 0 runs inline on the event loop,
// without that protection (only for trusted patterns).


function checkRef(ref: string): string | void {
  try {
    parseFieldRef(ref)
  } catch (err) {
    return `${(err as Error).message}; write fields as [a][b] or a.b`
  }
}

const patternList = { type: 'list', doc: 'grok patterns tried in order', of: { type: 'string', doc: 'a grok pattern', nonEmpty: true }, minItems: 1, coerce: true } as const satisfies Spec

export const grokSpec = {
  type: 'object',
  doc: 'parse text fields with grok patterns',
  check: (o: { match?: Readonly<Record<string, unknown>>; field?: string; patterns?: readonly string[] }) => {
    const hasMatch = o.match !== undefined && Object.keys(o.match).length > 0
    const hasShort = o.field !== undefined || o.patterns !== undefined
    if (hasMatch && hasShort) return 'use either match: {field: [patterns]} or field + patterns, not both'
    if (!hasMatch && o.patterns === undefined) return 'needs patterns: set match: {message: [\'%{PATTERN}\']} or patterns: [\'%{PATTERN}\']'
    for (const f of Object.keys(o.match ?? {})) {
      const bad = checkRef(f)
      if (bad) return `match.${f}: ${bad}`
    }
  },
  fields: {
    match: { type: 'map', doc: 'field → list of patterns tried in order', of: patternList },
    field: { type: 'string', doc: 'shorthand with patterns: the field to parse (default message)', nonEmpty: true, check: checkRef },
    patterns: { ...patternList, doc: 'shorthand with field: the patterns to try' },
    break_on_match: { type: 'bool', doc: 'stop at the first matching pattern (of any field)', default: true },
    named_captures_only: { type: 'bool', doc: 'capture only %{NAME:field} and (?<name>…); false also captures bare %{NAME}', default: true },
    keep_empty_captures: { type: 'bool', doc: 'keep captures that matched an empty string', default: false },
    overwrite: { type: 'list', doc: 'fields a capture may replace (else an existing value and the capture become an array)', of: { type: 'string', doc: 'field', nonEmpty: true }, default: [], coerce: true },
    target: { type: 'string', doc: 'nest every capture under this field', nonEmpty: true, check: checkRef },
    tag_on_failure: { type: 'list', doc: 'tags added when no pattern matched', of: { type: 'string', doc: 'tag' }, default: ['_grokparsefailure'], coerce: true },
    tag_on_timeout: { type: 'string', doc: 'tag added when matching an event ran past timeout_millis', default: '_groktimeout' },
    timeout_millis: { type: 'int', doc: 'budget of one regex attempt in ms; 0 runs inline without a watchdog', default: 1000, min: 0, max: 3_600_000 },
    ecs_compatibility: { type: 'enum', doc: 'pattern field names: disabled (legacy names) or v1/v8 (ECS)', values: ecsCompatibilities, default: 'v8' },
    patterns_dir: { type: 'list', doc: 'extra directories of pattern files (NAME regex per line)', of: { type: 'string', doc: 'directory', nonEmpty: true }, default: [], coerce: true },
    pattern_definitions: { type: 'map', doc: 'extra patterns defined inline: NAME → regex', of: { type: 'string', doc: 'regex' }, default: {} },
    max_field_bytes: { type: 'size', doc: 'longer field values are not matched (tagged as failures)', default: 65536, min: 1 },
    workers: { type: 'int', doc: 'worker threads matching batches', default: 1, min: 1, max: 16 },
  },
} as const satisfies Spec

export type GrokOptions = Infer<typeof grokSpec>

/** Where one capture of one matcher lands and whether it may replace a value. */
interface Destination {
  path: FieldPath
  overwrite: boolean
}

const kIdle = Promise.resolve()

export class GrokStage implements Stage {
  readonly type = 'grok'
  readonly #sources: FieldPath[]
  readonly #plan: Plan
  readonly #pool: GrokWorkerPool | undefined
  readonly #planId: number
  /** dest[entry][pattern][slot] */
  readonly #dest: Destination[][][]
  readonly #failTags: readonly string[]
  readonly #timeoutTag: string
  readonly #maxBytes: number
  readonly #logger: Logger
  readonly #failed: Counter
  readonly #timeouts: Counter
  readonly #tooLong: Counter
  #closed = false

  constructor(options: GrokOptions, ctx: StageContext) {
    const entries = options.match !== undefined && Object.keys(options.match).length > 0
      ? Object.entries(options.match).map(([field, patterns]) => ({ field, patterns: [...patterns] }))
      : [{ field: options.field ?? 'message', patterns: [...(options.patterns ?? [])] }]
    const spec: PlanSpec = {
      library: { patternsDir: ctx.patternsDir, ecs: options.ecs_compatibility, extraDirs: [...options.patterns_dir], definitions: { ...options.pattern_definitions } },
      compile: { namedCapturesOnly: options.named_captures_only, keepEmptyCaptures: options.keep_empty_captures },
      entries,
      breakOnMatch: options.break_on_match,
    }
    const library = GrokLibrary.load(spec.library)
    this.#plan = compilePlan(spec, library, options.match !== undefined && Object.keys(options.match).length > 0 ? (field) => `${ctx.id}.match.${field}` : () => `${ctx.id}.patterns`)
    this.#sources = entries.map((e) => parseFieldRef(e.field))
    const overwrite = new Set(options.overwrite.map((f) => fieldPath(f).join('\0')))
    const target = options.target === undefined ? [] : parseFieldRef(options.target)
    this.#dest = this.#plan.matchers.map((list) =>
      list.map((m) => m.fields.map((f) => ({ path: [...target, ...f.path], overwrite: overwrite.has(f.path.join('\0')) }))),
    )
    for (const list of this.#plan.matchers) {
      for (const m of list) if (m.warnings.length > 0) ctx.logger.warn({ code: 'LY_CONFIG', pattern: m.pattern, warnings: m.warnings }, 'grok pattern may backtrack catastrophically; bounded by timeout_millis')
    }
    this.#failTags = options.tag_on_failure
    this.#timeoutTag = options.tag_on_timeout
    this.#maxBytes = options.max_field_bytes
    this.#logger = ctx.logger
    this.#failed = failureCounter(ctx.metrics, ctx.id)
    const labels = { stage: ctx.id }
    this.#timeouts = ctx.metrics.counter('grok_timeouts_total', 'Events whose grok matching was stopped by the watchdog', labels)
    this.#tooLong = ctx.metrics.counter('grok_field_too_long_total', 'Field values longer than max_field_bytes (not matched)', labels)
    // Grok stages asking for the same number of workers share one pool.
    this.#pool = options.timeout_millis > 0 ? GrokWorkerPool.shared(options.workers) : undefined
    this.#planId = this.#pool?.register(spec, options.timeout_millis, () => this.#timeouts.inc()) ?? 0
  }

  run(events: LogEvent[]): LogEvent[] | Promise<LogEvent[]> {
    if (this.#closed) return Promise.reject(new LogyardError('LY_CLOSED', 'grok stage is closed'))
    const texts = this.#texts(events)
    if (this.#pool === undefined) {
      this.#apply(events, runBatch(this.#plan, texts, events.length), kNone)
      return events
    }
    return this.#pool.run(this.#planId, texts, events.length).then(
      (outcome) => {
        this.#apply(events, outcome.hits, outcome.timedOut)
        return events
      },
      (err: unknown) => {
        if (this.#closed) throw err
        // The pool could not match this batch (worker threads crashing):
        // tag every event rather than lose or block the batch.
        this.#logger.error({ code: codeOf(err, 'LY_WORKER'), err: err instanceof Error ? err.message : String(err) }, 'grok workers failed on a batch; tagging it as parse failures')
        this.#apply(events, new Array<number>(events.length).fill(0), kNone)
        return events
      },
    )
  }

  /** Row-major texts for the batch: null where a field is absent, not a string, or too long. */
  #texts(events: LogEvent[]): (string | null)[] {
    const sources = this.#sources
    const width = sources.length
    // filled by push: a packed array crosses postMessage densely (new Array(n) is holey and
    // is written key by key, measured ~3x the main thread's serialization CPU)
    const texts: (string | null)[] = []
    const max = this.#maxBytes
    for (let e = 0; e < events.length; e++) {
      for (let f = 0; f < width; f++) {
        const v = getField(events[e]!, sources[f]!)
        let text: string | null = typeof v === 'string' ? v : null
        // length counts UTF-16 units; a string can be up to 3 bytes per unit
        if (text !== null && text.length * 3 > max && (text.length > max || Buffer.byteLength(text) > max)) {
          this.#tooLong.inc()
          text = null
        }
        texts.push(text)
      }
    }
    return texts
  }

  #apply(events: LogEvent[], hits: BatchHits, timedOut: readonly number[]): void {
    let c = 0
    for (let e = 0; e < events.length; e++) {
      const event = events[e]!
      const count = hits[c++] as number
      if (count === 0) {
        if (timedOut.length > 0 && timedOut.includes(e)) {
          addTag(event, this.#timeoutTag)
          continue
        }
        this.#failed.inc()
        for (let t = 0; t < this.#failTags.length; t++) addTag(event, this.#failTags[t]!)
        continue
      }
      for (let h = 0; h < count; h++) {
        const dest = this.#dest[hits[c] as number]![hits[c + 1] as number]!
        c += 2
        for (let s = 0; s < dest.length; s++) {
          const v = hits[c++]
          if (v !== undefined) write(event, dest[s]!, v)
        }
      }
    }
  }

  /** Resolves when the worker threads are started and have compiled the patterns. */
  async ready(): Promise<void> {
    await this.#pool?.ready()
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await (this.#pool?.release(this.#planId) ?? kIdle)
  }
}

const kNone: readonly number[] = []

/** Sets a capture, merging with an existing value unless the field may be overwritten. */
function write(event: LogEvent, dest: Destination, value: unknown): void {
  const path = dest.path
  const cur = ensureParent(event, path)
  const key = path[path.length - 1]!
  const old = cur[key]
  if (dest.overwrite || old === undefined || old === null || old === '') cur[key] = value
  else if (Array.isArray(old)) old.push(value)
  else cur[key] = [old, value]
}

/** Compiles every pattern up front so a bad one is a ConfigError naming its key (`2:grok.patterns[0]`). */
function compilePlan(spec: PlanSpec, library: GrokLibrary, keyOf: (field: string) => string): Plan {
  for (let f = 0; f < spec.entries.length; f++) {
    const entry = spec.entries[f]!
    for (let p = 0; p < entry.patterns.length; p++) {
      try {
        library.compile(entry.patterns[p]!, spec.compile)
      } catch (err) {
        if (!(err instanceof ConfigError)) throw err
        const message = err.message.startsWith('grok: ') ? err.message.slice(6) : err.message
        throw new ConfigError(`${keyOf(entry.field)}[${p}]`, message)
      }
    }
  }
  return buildPlan(spec, library)
}

export const grokStage: StageComponent<typeof grokSpec, 'grok'> = {
  kind: 'stage',
  type: 'grok',
  spec: grokSpec,
  create: async (options, ctx) => {
    const stage = new GrokStage(options, ctx)
    try {
      await stage.ready()
    } catch (err) {
      await stage.close()
      throw err
    }
    return stage
  },
}

export default grokStage
