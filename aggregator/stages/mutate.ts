import type { Infer, Spec } from '../../core/config/schema.ts'
import { addTag, deleteField, getField, parseFieldRef, setField, type FieldPath } from '../../core/fields.ts'
import type { LogEvent } from '../../core/event.ts'
import type { Counter } from '../../core/metrics.ts'
import type { Stage, StageContext, StageComponent } from '../component.ts'
import { failureCounter } from '../pipeline/pipeline.ts'
import { compileTemplate } from '../../core/template.ts'

// mutate: field surgery in a fixed order, whatever the order in the YAML
// (as Logstash's mutate): rename, update, replace, convert, gsub, lowercase,
// uppercase, strip, copy, add_field, remove_field, add_tag, remove_tag.
// Values may reference other fields with %{field}. A value that cannot be
// converted is left as it was, the event tagged `_mutate_error`.

const convertTypes = ['integer', 'float', 'string', 'boolean'] as const
type ConvertType = (typeof convertTypes)[number]

interface GsubRule {
  field: string
  pattern: string
  replacement: string
}


function checkRef(ref: string): string | void {
  try {
    parseFieldRef(ref)
  } catch (err) {
    return `${(err as Error).message}; write fields as [a][b] or a.b`
  }
}

function checkRefKeys(map: Record<string, unknown>): string | void {
  for (const key of Object.keys(map)) {
    const bad = checkRef(key)
    if (bad) return `key ${JSON.stringify(key)}: ${bad}`
  }
}

function checkTemplate(text: string): string | void {
  try {
    compileTemplate(text)
  } catch (err) {
    return (err as Error).message
  }
}

const refMap = (doc: string) => ({ type: 'map', doc, of: { type: 'string', doc: 'field', check: checkRef }, default: {}, check: checkRefKeys }) as const satisfies Spec
const templateMap = (doc: string) => ({ type: 'map', doc, of: { type: 'string', doc: 'value, may hold %{field}', check: checkTemplate }, default: {}, check: checkRefKeys }) as const satisfies Spec
const refList = (doc: string) => ({ type: 'list', doc, of: { type: 'string', doc: 'field', check: checkRef }, default: [], coerce: true }) as const satisfies Spec

/** gsub takes [{field, pattern, replacement}] or Logstash's flat list [field, pattern, replacement, …]. */
function normalizeGsub(value: unknown, path: string): GsubRule[] | string {
  if (!Array.isArray(value)) return 'must be a list of {field, pattern, replacement} or a flat list [field, pattern, replacement, …]'
  const rules: GsubRule[] = []
  if (value.every((v) => typeof v === 'string')) {
    if (value.length % 3 !== 0) return `flat form needs triples [field, pattern, replacement], got ${value.length} strings`
    for (let i = 0; i < value.length; i += 3) rules.push({ field: value[i] as string, pattern: value[i + 1] as string, replacement: value[i + 2] as string })
  } else {
    for (const [i, v] of value.entries()) {
      if (typeof v !== 'object' || v === null || typeof v.field !== 'string' || typeof v.pattern !== 'string' || typeof v.replacement !== 'string' || Object.keys(v).length !== 3) {
        return `[${i}] must be {field, pattern, replacement} (all strings)`
      }
      rules.push({ field: v.field, pattern: v.pattern, replacement: v.replacement })
    }
  }
  for (const r of rules) {
    const bad = checkRef(r.field) ?? checkTemplate(r.replacement)
    if (bad) return bad
    try {
      new RegExp(r.pattern, 'g')
    } catch (err) {
      return `bad pattern ${JSON.stringify(r.pattern)}: ${(err as Error).message}`
    }
  }
  void path
  return rules
}

export const mutateSpec = {
  type: 'object',
  doc: 'rename, convert, rewrite, add and remove fields and tags',
  fields: {
    rename: refMap('old field → new field'),
    update: templateMap('field → new value, only when the field exists'),
    replace: templateMap('field → new value, set whether or not it exists'),
    convert: { type: 'map', doc: 'field → integer | float | string | boolean', of: { type: 'enum', doc: 'type', values: convertTypes }, default: {}, check: checkRefKeys },
    gsub: { type: 'any', doc: 'regex replacements: [{field, pattern, replacement}] ($1 or \\1 for groups, %{field} allowed)', default: [], check: (v, path) => { const r = normalizeGsub(v, path); return typeof r === 'string' ? r : undefined } },
    lowercase: refList('fields to lowercase'),
    uppercase: refList('fields to uppercase'),
    strip: refList('fields to trim of surrounding whitespace'),
    copy: refMap('source field → destination field (deep copy)'),
    add_field: templateMap('field → value; an existing field becomes a list'),
    remove_field: refList('fields to remove'),
    add_tag: { type: 'list', doc: 'tags to add (may hold %{field})', of: { type: 'string', doc: 'tag', check: checkTemplate }, default: [], coerce: true },
    remove_tag: { type: 'list', doc: 'tags to remove', of: { type: 'string', doc: 'tag' }, default: [], coerce: true },
    tag_on_failure: { type: 'list', doc: 'tags added when a convert fails', of: { type: 'string', doc: 'tag' }, default: ['_mutate_error'], coerce: true },
  },
} as const satisfies Spec

type MutateOptions = Infer<typeof mutateSpec>

type Op = (event: LogEvent) => boolean // false → failure (tag + count)

const ok = true

/** A number wrapped for exact JSON (collectd's ExactInteger, JsonFloat) as its number; anything else as it is. */
function unwrapNumber(v: unknown): unknown {
  if (typeof v !== 'object' || v === null) return v
  const p = v.valueOf()
  return typeof p === 'number' ? p : v
}

function convertOne(raw: unknown, to: ConvertType): unknown {
  const v = to === 'string' ? raw : unwrapNumber(raw)
  switch (to) {
    case 'string':
      return typeof v === 'string' ? v : typeof v === 'object' && v !== null ? JSON.stringify(v) : String(v)
    case 'integer': {
      if (typeof v === 'boolean') return v ? 1 : 0
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim().replace(/_/g, '')) : NaN
      return Number.isFinite(n) ? Math.trunc(n) : undefined
    }
    case 'float': {
      if (typeof v === 'boolean') return v ? 1 : 0
      const n = typeof v === 'number' ? v : typeof v === 'string' && v.trim() !== '' ? Number(v.trim()) : NaN
      return Number.isFinite(n) ? n : undefined
    }
    case 'boolean': {
      if (typeof v === 'boolean') return v
      const s = String(v).trim().toLowerCase()
      if (s === 'true' || s === 't' || s === 'yes' || s === 'y' || s === '1' || s === '1.0') return true
      if (s === 'false' || s === 'f' || s === 'no' || s === 'n' || s === '0' || s === '0.0' || s === '') return false
      return undefined
    }
  }
}

function mapStrings(event: LogEvent, path: FieldPath, fn: (s: string) => string): void {
  const v = getField(event, path)
  if (typeof v === 'string') setField(event, path, fn(v))
  else if (Array.isArray(v)) setField(event, path, v.map((x) => (typeof x === 'string' ? fn(x) : x)))
}

function buildOps(o: MutateOptions): Op[] {
  const ops: Op[] = []
  for (const [from, to] of Object.entries(o.rename)) {
    const a = parseFieldRef(from)
    const b = parseFieldRef(to)
    ops.push((e) => {
      const v = getField(e, a)
      if (v !== undefined) {
        deleteField(e, a)
        setField(e, b, v)
      }
      return ok
    })
  }
  for (const [field, value] of Object.entries(o.update)) {
    const p = parseFieldRef(field)
    const t = compileTemplate(value)
    ops.push((e) => {
      if (getField(e, p) !== undefined) setField(e, p, t.render(e))
      return ok
    })
  }
  for (const [field, value] of Object.entries(o.replace)) {
    const p = parseFieldRef(field)
    const t = compileTemplate(value)
    ops.push((e) => {
      setField(e, p, t.render(e))
      return ok
    })
  }
  for (const [field, to] of Object.entries(o.convert)) {
    const p = parseFieldRef(field)
    ops.push((e) => {
      const v = getField(e, p)
      if (v === undefined || v === null) return ok
      if (Array.isArray(v)) {
        const out = v.map((x) => convertOne(x, to))
        if (out.includes(undefined)) return false
        setField(e, p, out)
        return ok
      }
      const c = convertOne(v, to)
      if (c === undefined) return false
      setField(e, p, c)
      return ok
    })
  }
  const gsub = normalizeGsub(o.gsub, 'gsub') as GsubRule[]
  for (const rule of gsub) {
    const p = parseFieldRef(rule.field)
    const re = new RegExp(rule.pattern, 'g')
    const t = compileTemplate(rule.replacement.replace(/\\(\d)/g, '$$$1'))
    ops.push((e) => {
      const v = getField(e, p)
      if (typeof v === 'string' || Array.isArray(v)) {
        const replacement = t.render(e)
        mapStrings(e, p, (s) => s.replace(re, replacement))
      }
      return ok
    })
  }
  for (const field of o.lowercase) {
    const p = parseFieldRef(field)
    ops.push((e) => (mapStrings(e, p, (s) => s.toLowerCase()), ok))
  }
  for (const field of o.uppercase) {
    const p = parseFieldRef(field)
    ops.push((e) => (mapStrings(e, p, (s) => s.toUpperCase()), ok))
  }
  for (const field of o.strip) {
    const p = parseFieldRef(field)
    ops.push((e) => (mapStrings(e, p, (s) => s.trim()), ok))
  }
  for (const [from, to] of Object.entries(o.copy)) {
    const a = parseFieldRef(from)
    const b = parseFieldRef(to)
    ops.push((e) => {
      const v = getField(e, a)
      if (v !== undefined) setField(e, b, typeof v === 'object' && v !== null ? structuredClone(v) : v)
      return ok
    })
  }
  for (const [field, value] of Object.entries(o.add_field)) {
    const p = parseFieldRef(field)
    const t = compileTemplate(value)
    ops.push((e) => {
      const v = t.render(e)
      const old = getField(e, p)
      if (old === undefined) setField(e, p, v)
      else if (Array.isArray(old)) old.push(v)
      else setField(e, p, [old, v])
      return ok
    })
  }
  for (const field of o.remove_field) {
    const p = parseFieldRef(field)
    ops.push((e) => (deleteField(e, p), ok))
  }
  for (const tag of o.add_tag) {
    const t = compileTemplate(tag)
    ops.push((e) => (addTag(e, t.render(e)), ok))
  }
  if (o.remove_tag.length > 0) {
    const remove = new Set(o.remove_tag)
    ops.push((e) => {
      const tags = e.tags
      if (Array.isArray(tags)) e.tags = tags.filter((t) => !remove.has(t))
      else if (typeof tags === 'string' && remove.has(tags)) delete e.tags
      return ok
    })
  }
  return ops
}

export class MutateStage implements Stage {
  readonly type = 'mutate'
  readonly #ops: Op[]
  readonly #tags: readonly string[]
  readonly #failed: Counter

  constructor(options: MutateOptions, ctx: StageContext) {
    this.#ops = buildOps(options)
    this.#tags = options.tag_on_failure
    this.#failed = failureCounter(ctx.metrics, ctx.id)
  }

  run(events: LogEvent[]): LogEvent[] {
    const ops = this.#ops
    for (let i = 0; i < events.length; i++) {
      const event = events[i]!
      let good = true
      for (let j = 0; j < ops.length; j++) if (!ops[j]!(event)) good = false
      if (!good) {
        this.#failed.inc()
        for (let k = 0; k < this.#tags.length; k++) addTag(event, this.#tags[k]!)
      }
    }
    return events
  }
}

export const mutateStage: StageComponent<typeof mutateSpec, 'mutate'> = {
  kind: 'stage',
  type: 'mutate',
  spec: mutateSpec,
  create: (options, ctx) => new MutateStage(options, ctx),
}
