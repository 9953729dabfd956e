import { ConfigError } from '../errors.ts'
import { formatBytes, formatDuration, parseDuration, parseSize } from './units.ts'

// One declarative table per program: every option with its type, default and
// a one-line doc. The same table validates, fills defaults, prints --help and
// generates the README's configuration reference.

interface Base {
  doc: string
  /** Absent → this value. Without a default, an absent key is `undefined` (or built from fields for objects). */
  default?: unknown
  /** How the default reads in --help and the README when the value depends on the machine (e.g. `<install dir>/patterns`). */
  shownDefault?: string
  required?: boolean
  /** Objects only: absent → undefined instead of an object of defaults. */
  optional?: boolean
  /** Extra check after type validation; throw a ConfigError or return a message. */
  check?: (value: any, path: string) => string | void
  /**
   * Environment variable that, when set and not empty, replaces the file's
   * value (validated the same way; an error names the variable). Applies
   * where an environment is given: parseConfig/loadConfigFile, not a bare
   * validate() without `options.env`.
   */
  env?: string
}

export interface StringSpec extends Base { type: 'string'; pattern?: RegExp; nonEmpty?: boolean }
export interface IntSpec extends Base { type: 'int'; min?: number; max?: number }
export interface NumberSpec extends Base { type: 'number'; min?: number; max?: number }
export interface BoolSpec extends Base { type: 'bool' }
export interface SizeSpec extends Base { type: 'size'; min?: number; max?: number }
export interface DurationSpec extends Base { type: 'duration'; min?: number; max?: number }
export interface EnumSpec extends Base { type: 'enum'; values: readonly (string | number | boolean)[] }
export interface ListSpec extends Base { type: 'list'; of: Spec; minItems?: number; maxItems?: number; /** a lone scalar becomes a one-item list */ coerce?: boolean }
export interface ObjectSpec extends Base { type: 'object'; fields: Record<string, Spec> }
export interface MapSpec extends Base { type: 'map'; of: Spec }
/**
 * A value the table cannot describe (a stage's condition, `workers: auto|N`).
 * `parse` converts and checks it (throw a ConfigError or return the value);
 * its return type is the option's type. Without `parse` the value is `unknown`.
 */
export interface AnySpec extends Base { type: 'any'; parse?: (value: unknown, path: string) => unknown }

export type Spec = StringSpec | IntSpec | NumberSpec | BoolSpec | SizeSpec | DurationSpec | EnumSpec | ListSpec | ObjectSpec | MapSpec | AnySpec

// ---- The TypeScript type of a validated value, derived from its spec ----
//
// Declare a table `as const satisfies Spec` and `Infer<typeof table>` is the
// type `validate()` returns for it: no hand-kept twin interface to drift.
// A key is always present when the spec has a default, is required, or is a
// non-optional object (built from its fields' defaults); otherwise it may be
// absent. Validated values are deep-frozen, hence readonly.

type Has<S, K extends string> = S extends { readonly [P in K]: infer V } ? ([V] extends [undefined] ? false : true) : false

type Present<S> = Has<S, 'default'> extends true ? true
  : S extends { readonly required: true } ? true
    : S extends { readonly type: 'object' } ? (S extends { readonly optional: true } ? false : true)
      : false

type Fields<F> = {
  readonly [K in keyof F as Present<F[K]> extends true ? K : never]: Infer<F[K]>
} & {
  readonly [K in keyof F as Present<F[K]> extends true ? never : K]?: Infer<F[K]>
}

type Simplify<T> = { [K in keyof T]: T[K] } & {}

export type Infer<S> =
  S extends { readonly type: 'string' } ? string
    : S extends { readonly type: 'int' | 'number' | 'size' | 'duration' } ? number
      : S extends { readonly type: 'bool' } ? boolean
        : S extends { readonly type: 'enum'; readonly values: readonly (infer V)[] } ? V
          : S extends { readonly type: 'list'; readonly of: infer O } ? readonly Infer<O>[]
            : S extends { readonly type: 'map'; readonly of: infer O } ? { readonly [key: string]: Infer<O> }
              : S extends { readonly type: 'object'; readonly fields: infer F } ? Simplify<Fields<F>>
                : S extends { readonly type: 'any'; readonly parse: (...args: never[]) => infer R } ? R
                  : unknown

function typeName(v: unknown): string {
  if (v === null) return 'null'
  if (Array.isArray(v)) return 'a list'
  if (typeof v === 'object') return 'a mapping'
  return `${typeof v} ${JSON.stringify(v)}`
}

function fail(path: string, message: string): never {
  throw new ConfigError(path || '(root)', message)
}

function range(path: string, n: number, min: number | undefined, max: number | undefined, show: (n: number) => string): void {
  if (min !== undefined && n < min) fail(path, `must be at least ${show(min)}, got ${show(n)}`)
  if (max !== undefined && n > max) fail(path, `must be at most ${show(max)}, got ${show(n)}`)
}

interface ValidateOptions {
  /**
   * A configuration file (YAML) is being validated: a bare number as a
   * duration is refused unless it is 0 — `timeout: 30` is 30 seconds in
   * Filebeat and Logstash and 30 ms in plain JavaScript, so a unit is required
   * (`30s`, `500ms`). Programmatic callers (tests, defaults in the specs)
   * pass milliseconds as numbers.
   */
  durationsNeedUnit?: boolean
  /** Environment for options that name a variable (`env`); without it no option is overridden. */
  env?: NodeJS.ProcessEnv
}

interface Context {
  strict: boolean
  env: NodeJS.ProcessEnv | undefined
}

/**
 * Validates `value` against `spec`, returning a defaulted, deep-frozen copy
 * typed from the spec (declare it `as const satisfies Spec`). Throws
 * ConfigError with the key path.
 */
export function validate<S extends Spec>(spec: S, value: unknown, path = '', options: ValidateOptions = {}): Infer<S> {
  return deepFreeze(check(spec, value, path, { strict: options.durationsNeedUnit === true, env: options.env })) as Infer<S>
}

function check(spec: Spec, value: unknown, path: string, ctx: Context): unknown {
  const override = spec.env === undefined ? undefined : ctx.env?.[spec.env]
  if (override !== undefined && override !== '') {
    value = override
    path = `${spec.env} (overrides ${path})`
  }
  let fromDefault = false
  if (value === undefined || value === null) {
    if (spec.required) fail(path, `is required: ${spec.doc}`)
    if (spec.default !== undefined) {
      value = structuredClone(spec.default)
      fromDefault = true
    } else if (spec.type === 'object' && !spec.optional) value = {}
    else return undefined
  }
  // A default is written in the program's own terms (bare milliseconds allowed), all the way down.
  const out = convert(spec, value, path, fromDefault && ctx.strict ? { ...ctx, strict: false } : ctx)
  if (spec.check) {
    const message = spec.check(out, path)
    if (typeof message === 'string') fail(path, message)
  }
  return out
}

function convert(spec: Spec, value: unknown, path: string, ctx: Context): unknown {
  switch (spec.type) {
    case 'string': {
      if (typeof value === 'number' || typeof value === 'boolean') value = String(value)
      if (typeof value !== 'string') fail(path, `must be a string, got ${typeName(value)}`)
      if (spec.nonEmpty && value === '') fail(path, 'must not be empty')
      if (spec.pattern && !spec.pattern.test(value)) fail(path, `must match ${spec.pattern}, got ${JSON.stringify(value)}`)
      return value
    }
    case 'int':
    case 'number': {
      const n = typeof value === 'string' && value.trim() !== '' ? Number(value) : value
      if (typeof n !== 'number' || !Number.isFinite(n)) fail(path, `must be a number, got ${typeName(value)}`)
      if (spec.type === 'int' && !Number.isInteger(n)) fail(path, `must be a whole number, got ${n}`)
      range(path, n, spec.min, spec.max, String)
      return n
    }
    case 'bool': {
      if (value === 'true') return true
      if (value === 'false') return false
      if (typeof value !== 'boolean') fail(path, `must be true or false, got ${typeName(value)}`)
      return value
    }
    case 'size': {
      const n = parseSize(value)
      if (n === undefined) fail(path, `must be a size such as 512kb, 10mb or 1gb, got ${typeName(value)}`)
      range(path, n, spec.min, spec.max, formatBytes)
      return n
    }
    case 'duration': {
      if (ctx.strict && isBareNumber(value) && Number(value) !== 0) {
        fail(path, `needs a unit: write ${value}s for ${value} seconds (Filebeat's meaning of a bare number) or ${value}ms; units are ms, s, m, h, d`)
      }
      const n = parseDuration(value)
      if (n === undefined) fail(path, `must be a duration such as 500ms, 5s, 5m or 1h, got ${typeName(value)}`)
      range(path, n, spec.min, spec.max, formatDuration)
      return n
    }
    case 'enum': {
      const hit = spec.values.find((v) => v === value || String(v) === String(value))
      if (hit === undefined) fail(path, `must be one of ${spec.values.map((v) => JSON.stringify(v)).join(', ')}, got ${typeName(value)}`)
      return hit
    }
    case 'list': {
      if (!Array.isArray(value)) {
        if (spec.coerce && (typeof value !== 'object' || value === null)) value = [value]
        else fail(path, `must be a list, got ${typeName(value)}`)
      }
      const list = value as unknown[]
      if (spec.minItems !== undefined && list.length < spec.minItems) fail(path, `needs at least ${spec.minItems} item(s)`)
      if (spec.maxItems !== undefined && list.length > spec.maxItems) fail(path, `takes at most ${spec.maxItems} item(s)`)
      return list.map((item, i) => check(spec.of, item, `${path}[${i}]`, ctx))
    }
    case 'object': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, `must be a mapping, got ${typeName(value)}`)
      const input = value as Record<string, unknown>
      const known = Object.keys(spec.fields)
      for (const key of Object.keys(input)) {
        if (!(key in spec.fields)) {
          const near = nearest(key, known)
          fail(join(path, key), `unknown key${near ? `; did you mean "${near}"?` : `; known keys here: ${known.join(', ')}`}`)
        }
      }
      const out: Record<string, unknown> = {}
      for (const [key, fieldSpec] of Object.entries(spec.fields)) {
        const v = check(fieldSpec, input[key], join(path, key), ctx)
        if (v !== undefined) out[key] = v
      }
      return out
    }
    case 'map': {
      if (typeof value !== 'object' || value === null || Array.isArray(value)) fail(path, `must be a mapping, got ${typeName(value)}`)
      const out: Record<string, unknown> = {}
      for (const [key, v] of Object.entries(value as Record<string, unknown>)) out[key] = check(spec.of, v, join(path, key), ctx)
      return out
    }
    case 'any':
      return spec.parse ? spec.parse(value, path) : value
  }
}

function isBareNumber(value: unknown): boolean {
  return typeof value === 'number' || (typeof value === 'string' && /^\s*\d+(?:\.\d+)?\s*$/.test(value))
}

/** The known key closest to a misspelt one (edit distance ≤ 2, ignoring case, `-` and `_`). */
function nearest(key: string, known: string[]): string | undefined {
  const norm = (s: string): string => s.toLowerCase().replace(/[-_]/g, '')
  const a = norm(key)
  let best: string | undefined
  let bestD = 3
  for (const k of known) {
    const b = norm(k)
    const d = editDistance(a, b)
    if (d < bestD) {
      bestD = d
      best = k
    }
  }
  return best
}

function editDistance(a: string, b: string): number {
  let prev = Array.from({ length: b.length + 1 }, (_, i) => i)
  for (let i = 1; i <= a.length; i++) {
    const cur = [i]
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1))
    prev = cur
  }
  return prev[b.length]!
}

function join(path: string, key: string): string {
  return path ? `${path}.${key}` : key
}

function deepFreeze<T>(value: T): T {
  if (value && typeof value === 'object' && !Object.isFrozen(value)) {
    Object.freeze(value)
    for (const v of Object.values(value)) deepFreeze(v)
  }
  return value
}

interface DocRow {
  key: string
  type: string
  default: string
  doc: string
}

/** Flattens a spec into reference rows (README, --help). */
export function docRows(spec: Spec, path = ''): DocRow[] {
  const rows: DocRow[] = []
  const walk = (s: Spec, p: string): void => {
    if (s.type === 'object') {
      if (p) rows.push({ key: p, type: 'mapping', default: s.optional ? '(unset)' : '', doc: s.doc })
      for (const [k, f] of Object.entries(s.fields)) walk(f, join(p, k))
      return
    }
    if (s.type === 'list' && s.of.type === 'object') {
      rows.push({ key: p, type: 'list of mappings', default: showDefault(s), doc: s.doc })
      for (const [k, f] of Object.entries(s.of.fields)) walk(f, `${p}[].${k}`)
      return
    }
    rows.push({ key: p, type: showType(s), default: showDefault(s), doc: s.env === undefined ? s.doc : `${s.doc}; the environment variable ${s.env} overrides it` })
  }
  walk(spec, path)
  return rows
}

function showType(s: Spec): string {
  switch (s.type) {
    case 'enum': return s.values.map((v) => String(v)).join(' | ')
    case 'list': return `list of ${showType(s.of)}`
    case 'map': return `mapping of ${showType(s.of)}`
    default: return s.type
  }
}

function showDefault(s: Spec): string {
  if (s.required) return '(required)'
  if (s.shownDefault !== undefined) return s.shownDefault
  if (s.default === undefined) return ''
  if (s.type === 'size' && typeof s.default === 'number') return formatBytes(s.default)
  if (s.type === 'duration' && typeof s.default === 'number') return formatDuration(s.default)
  return typeof s.default === 'string' ? s.default : JSON.stringify(s.default)
}

export function docMarkdown(spec: Spec): string {
  const lines = ['| key | type | default | meaning |', '|---|---|---|---|']
  for (const r of docRows(spec)) lines.push(`| \`${r.key}\` | ${r.type.replace(/\|/g, '\\|')} | ${r.default ? `\`${r.default}\`` : ''} | ${r.doc.replace(/\|/g, '\\|')} |`)
  return lines.join('\n')
}
