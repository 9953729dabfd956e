import type { Infer, Spec } from '../../core/config/schema.ts'
import { addTag, deleteField, getField, parseFieldRef, setField, type FieldPath } from '../../core/fields.ts'
import type { LogEvent } from '../../core/event.ts'
import type { Counter } from '../../core/metrics.ts'
import type { Stage, StageContext, StageComponent } from '../component.ts'
import { failureCounter } from '../pipeline/pipeline.ts'

// json: parses a string field as JSON. Without `target` an object result is
// merged into the event root (Logstash's json filter); with it the value goes
// there. A field that is not JSON is tagged `_jsonparsefailure` (unless
// skip_on_invalid) and passed on untouched.


function checkRef(ref: string): string | void {
  try {
    parseFieldRef(ref)
  } catch (err) {
    return `${(err as Error).message}; write fields as [a][b] or a.b`
  }
}

export const jsonSpec = {
  type: 'object',
  doc: 'parse a field as JSON',
  fields: {
    field: { type: 'string', doc: 'the field holding the JSON text', default: 'message', nonEmpty: true, check: checkRef },
    target: { type: 'string', doc: 'where to put the parsed value; unset merges an object into the event root', nonEmpty: true, check: checkRef },
    tag_on_failure: { type: 'list', doc: 'tags added when the field is not valid JSON', of: { type: 'string', doc: 'tag' }, default: ['_jsonparsefailure'], coerce: true },
    skip_on_invalid: { type: 'bool', doc: 'leave invalid JSON alone without tagging it', default: false },
    remove_field: { type: 'bool', doc: 'remove the source field after a successful parse (not when it is the target)', default: false },
  },
} as const satisfies Spec

type JsonOptions = Infer<typeof jsonSpec>

const kOpen = 0x7b // {
const kClose = 0x7d // }
const kOpenList = 0x5b // [
const kCloseList = 0x5d // ]

function isSpace(c: number): boolean {
  return c === 0x20 || c === 0x0a || c === 0x0d || c === 0x09
}

/** Cheap shape test so most non-JSON lines fail without JSON.parse throwing (and allocating an Error). */
function looksLikeJson(text: string, allowScalars: boolean): boolean {
  let a = 0
  let b = text.length - 1
  while (a <= b && isSpace(text.charCodeAt(a))) a++
  while (b >= a && isSpace(text.charCodeAt(b))) b--
  if (a > b) return false
  const first = text.charCodeAt(a)
  const last = text.charCodeAt(b)
  if (first === kOpen) return last === kClose
  if (first === kOpenList) return last === kCloseList
  return allowScalars
}

export class JsonStage implements Stage {
  readonly type = 'json'
  readonly #source: FieldPath
  readonly #target: FieldPath | undefined
  readonly #tags: readonly string[]
  readonly #skip: boolean
  readonly #remove: boolean
  readonly #failed: Counter

  constructor(options: JsonOptions, ctx: StageContext) {
    this.#source = parseFieldRef(options.field)
    this.#target = options.target === undefined ? undefined : parseFieldRef(options.target)
    this.#tags = options.tag_on_failure
    this.#skip = options.skip_on_invalid
    this.#remove = options.remove_field && options.target !== options.field
    this.#failed = failureCounter(ctx.metrics, ctx.id)
  }

  run(events: LogEvent[]): LogEvent[] {
    for (let i = 0; i < events.length; i++) this.#one(events[i]!)
    return events
  }

  #one(event: LogEvent): void {
    const text = getField(event, this.#source)
    if (typeof text !== 'string') return // absent or not text: nothing to parse
    const target = this.#target
    if (!looksLikeJson(text, target !== undefined)) return this.#fail(event)
    let value: unknown
    try {
      value = JSON.parse(text)
    } catch {
      return this.#fail(event)
    }
    if (target === undefined) {
      if (value === null || typeof value !== 'object' || Array.isArray(value)) return this.#fail(event)
      if (this.#remove) deleteField(event, this.#source)
      const obj = value as Record<string, unknown>
      for (const key in obj) event[key] = obj[key]
      return
    }
    if (this.#remove) deleteField(event, this.#source)
    setField(event, target, value)
  }

  #fail(event: LogEvent): void {
    if (this.#skip) return
    this.#failed.inc()
    for (let i = 0; i < this.#tags.length; i++) addTag(event, this.#tags[i]!)
  }
}

export const jsonStage: StageComponent<typeof jsonSpec, 'json'> = {
  kind: 'stage',
  type: 'json',
  spec: jsonSpec,
  create: (options, ctx) => new JsonStage(options, ctx),
}
