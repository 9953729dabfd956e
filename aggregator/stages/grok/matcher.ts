import { toRegExpDetails, EmulatedRegExp } from 'oniguruma-to-es'
import { ConfigError } from '../../../core/errors.ts'
import { parseFieldRef, setField } from '../../../core/fields.ts'
import type { FieldPath } from '../../../core/fields.ts'
import { engineCaptureCount, scanCaptures } from './capture-index.ts'
import type { CaptureType, Expansion } from './expand.ts'

// A compiled grok pattern: ONE RegExp plus a table of fields. Per match the
// work is regex.exec() and copying the captures out by index.

export interface GrokMatcher {
  readonly pattern: string
  /** One native RegExp (an EmulatedRegExp subclass only when oniguruma-to-es needs one). */
  readonly regex: RegExp
  /** The distinct fields this pattern can capture, in order of first appearance. */
  readonly fields: readonly GrokField[]
  /** Static-analysis findings (catastrophic backtracking risks); empty when clean. */
  readonly warnings: readonly string[]
  /** Nested captures, or null when the pattern does not match. */
  match(text: string): Record<string, unknown> | null
  /** Captures aligned with `fields` (undefined where nothing was captured), or null. */
  values(text: string): unknown[] | null
  /** Like values(), appending the `fields.length` values to `out`; false (nothing appended) when no match. */
  appendValues(text: string, out: unknown[]): boolean
}

export interface GrokField {
  /** The field as written in the pattern: `clientip`, `[http][version]`. */
  readonly name: string
  /** Where it lands: `['http','version']`. Bracket references nest; other names stay one key. */
  readonly path: FieldPath
  readonly type: CaptureType
}

interface MatcherOptions {
  keepEmptyCaptures: boolean
}

/** `[a][b]` nests; anything else (including `a.b`, like Logstash) is one literal key. */
export function fieldPath(name: string): FieldPath {
  if (name.startsWith('[')) {
    try {
      return parseFieldRef(name)
    } catch {
      throw new ConfigError('grok', `bad field reference ${JSON.stringify(name)}: expected [a][b] form`)
    }
  }
  return Object.freeze([name])
}

// Oniguruma options: ASCII \d \s \w and word boundaries, as in Ruby/Joni (what
// Logstash runs); `m` (Ruby's MULTILINE, which Logstash's grok compiles with)
// lets `.` match a newline, so GREEDYDATA runs to the end of a multiline
// event such as a Java stack trace; `singleline` makes ^ mean start of text, $ end of text
// (optionally before a final newline), so a multiline event is matched as one
// text rather than line by line.
const kTranspile = { flags: 'mDSW', rules: { singleline: true, asciiWordBoundaries: true } } as const

function transpile(source: string, pattern: string): { regex: RegExp; emulated: boolean } {
  let details: ReturnType<typeof toRegExpDetails>
  try {
    details = toRegExpDetails(source, kTranspile)
  } catch (err) {
    throw new ConfigError('grok', `bad regex in pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`)
  }
  const o = details.options
  const emulated = o !== undefined && (o.strategy != null || (o.transfers !== undefined && o.transfers.length > 0) || o.lazyCompile === true)
  try {
    if (emulated) return { regex: new EmulatedRegExp(details.pattern, details.flags, o), emulated }
    const legacy = details.flags.includes('v') && unicodeFree(details.pattern) ? tryRegExp(details.pattern, details.flags.replace('v', '')) : undefined
    return { regex: legacy ?? new RegExp(details.pattern, details.flags), emulated }
  } catch (err) {
    throw new ConfigError('grok', `bad regex in pattern ${JSON.stringify(pattern)}: ${(err as Error).message}`)
  }
}

/**
 * True when `source` means the same with and without the `v` flag: no
 * property escapes, code point escapes, nested classes or class set
 * operations, no inline case-insensitivity (case folding differs), and no
 * characters outside the BMP. V8 runs such a regex without the Unicode
 * flag markedly faster (bench/scenarios/grok.ts: ~1.3–1.5× on
 * COMBINEDAPACHELOG). The one remaining difference: a single `[^…]` or
 * `x{n}` counts an astral-plane character (emoji) as two units; runs like
 * `[^"]*` and `.*` consume it whole either way.
 */
export function unicodeFree(source: string): boolean {
  if (/\\[pPu]\{|\(\?[a-z]*i|[\uD800-\uDFFF]/.test(source)) return false
  let depth = 0
  for (let i = 0; i < source.length; i++) {
    const c = source[i]
    if (c === '\\') {
      i++
      continue
    }
    if (c === '[') {
      if (depth > 0) return false // nested class
      depth = 1
    } else if (c === ']' && depth > 0) depth = 0
    else if (depth > 0 && (c === '&' || c === '-') && source[i + 1] === c) return false // && or -- set operation
  }
  return true
}

function tryRegExp(source: string, flags: string): RegExp | undefined {
  try {
    return new RegExp(source, flags)
  } catch {
    return undefined
  }
}

/** The same regex with `(?<gN>` turned into `(` and `\k<gN>` into a numbered reference; undefined if that changes the group count. */
function unnamed(regex: RegExp, names: Map<string, number>, count: number): RegExp | undefined {
  const source = regex.source
    .replace(/(?<!\\)\(\?<(g\d+)>/g, '(')
    .replace(/\\k<(g\d+)>/g, (whole, name: string) => {
      const idx = names.get(name)
      return idx === undefined ? whole : `(?:\\${idx})`
    })
  const plain = tryRegExp(source, regex.flags)
  return plain !== undefined && scanCaptures(plain.source).count === count && engineCaptureCount(plain) === count ? plain : undefined
}

export class CompiledGrok implements GrokMatcher {
  readonly pattern: string
  readonly regex: RegExp
  readonly fields: readonly GrokField[]
  readonly warnings: readonly string[]
  /** For capture k (in pattern order): its field slot. */
  readonly #slot: Int32Array
  /** For capture k: its 1-based index in the exec() array, or -1 to read m.groups. */
  readonly #index: Int32Array
  readonly #groupNames: string[]
  readonly #types: Uint8Array // per slot: 0 string, 1 int, 2 float
  readonly #keepEmpty: boolean
  readonly #sticky: boolean

  constructor(pattern: string, expansion: Expansion, warnings: string[], options: MatcherOptions) {
    this.pattern = pattern
    const { regex: named, emulated } = transpile(expansion.source, pattern)
    this.warnings = Object.freeze(warnings)
    this.#keepEmpty = options.keepEmptyCaptures
    this.#sticky = named.sticky || named.global

    const fields: GrokField[] = []
    const slotOf = new Map<string, number>()
    const n = expansion.captures.length
    this.#slot = new Int32Array(n)
    this.#index = new Int32Array(n)
    this.#groupNames = expansion.captures.map((c) => c.group)
    for (let k = 0; k < n; k++) {
      const c = expansion.captures[k]!
      let slot = slotOf.get(c.field)
      if (slot === undefined) {
        slot = fields.length
        slotOf.set(c.field, slot)
        fields.push(Object.freeze({ name: c.field, path: fieldPath(c.field), type: c.type }))
      } else if (fields[slot]!.type === 'string' && c.type !== 'string') {
        fields[slot] = Object.freeze({ ...fields[slot]!, type: c.type })
      }
      this.#slot[k] = slot
    }
    this.fields = Object.freeze(fields)
    this.#types = Uint8Array.from(fields, (f) => (f.type === 'int' ? 1 : f.type === 'float' ? 2 : 0))

    // Map generated group names to exec() indices; fall back to m.groups if
    // the scan and the engine disagree or the regex is an emulating subclass.
    const scan = scanCaptures(named.source)
    const indexed = !emulated && scan.count === engineCaptureCount(named)
    for (let k = 0; k < n; k++) {
      const idx = indexed ? scan.names.get(this.#groupNames[k]!) : undefined
      this.#index[k] = idx ?? -1
    }
    // Reading by index needs no names, and V8 builds a `groups` object on
    // every successful exec() of a regex with named groups: drop them.
    this.regex = indexed ? (unnamed(named, scan.names, scan.count) ?? named) : named
  }

  #exec(text: string): RegExpExecArray | null {
    if (this.#sticky) this.regex.lastIndex = 0
    return this.regex.exec(text)
  }

  appendValues(text: string, out: unknown[]): boolean {
    const m = this.#exec(text)
    if (m === null) return false
    const base = out.length
    const nf = this.fields.length
    for (let s = 0; s < nf; s++) out.push(undefined)
    const slots = this.#slot
    const index = this.#index
    const keepEmpty = this.#keepEmpty
    for (let k = 0; k < slots.length; k++) {
      const slot = slots[k]!
      const i = index[k]!
      const v = i >= 0 ? m[i] : m.groups?.[this.#groupNames[k]!]
      if (v === undefined || (v === '' && !keepEmpty)) continue
      const prev = out[base + slot]
      const value = convert(v, this.#types[slot]!)
      if (prev === undefined) out[base + slot] = value
      // A field captured twice holds both values in order, as in Logstash.
      else if (Array.isArray(prev)) prev.push(value)
      else out[base + slot] = [prev, value]
    }
    return true
  }

  values(text: string): unknown[] | null {
    const out: unknown[] = []
    return this.appendValues(text, out) ? out : null
  }

  match(text: string): Record<string, unknown> | null {
    const values = this.values(text)
    if (values === null) return null
    const out: Record<string, unknown> = {}
    for (let s = 0; s < values.length; s++) {
      const v = values[s]
      if (v === undefined) continue
      const path = this.fields[s]!.path
      if (path.length === 1) out[path[0]!] = v
      else setField(out, path, v)
    }
    return out
  }
}

function convert(v: string, type: number): unknown {
  if (type === 0) return v
  const n = type === 1 ? Number.parseInt(v, 10) : Number.parseFloat(v)
  // A value that is no number stays the string it was (Logstash would give 0).
  return Number.isNaN(n) ? v : n
}
