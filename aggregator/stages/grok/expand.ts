import { ConfigError } from '../../../core/errors.ts'

// Expands grok syntax into one Oniguruma pattern. Every capture the matcher
// reports becomes a group with a generated name (`g0`, `g1`, …); the table
// `captures` maps those names back to the field the operator asked for. This
// way semantics that are no valid group names ([http][response][status_code],
// @metadata, names used twice in an alternation) never reach the regex engine.

export const captureTypes = ['string', 'int', 'float'] as const
export type CaptureType = (typeof captureTypes)[number]

export interface CaptureSpec {
  /** Generated group name in the expanded regex. */
  group: string
  /** Field as written: `clientip`, `[http][version]`, or an inline `(?<name>…)`. */
  field: string
  type: CaptureType
}

export interface Expansion {
  /** The Oniguruma source. */
  source: string
  captures: CaptureSpec[]
}

interface ExpandOptions {
  namedCapturesOnly: boolean
}

type PatternLookup = (name: string) => string | undefined

const kReference = /^([A-Za-z0-9_]+)(?::([@[\]A-Za-z0-9_:.-]+))?/

class Expander {
  readonly #lookup: PatternLookup
  readonly #options: ExpandOptions
  readonly #top: string
  readonly captures: CaptureSpec[] = []
  /** Inline group name → generated name, for `\k<name>` back references. */
  readonly #inline = new Map<string, string>()

  constructor(lookup: PatternLookup, options: ExpandOptions, top: string) {
    this.#lookup = lookup
    this.#options = options
    this.#top = top
  }

  #fail(message: string): never {
    throw new ConfigError('grok', `${message} in pattern ${JSON.stringify(this.#top)}`)
  }

  #newCapture(field: string, type: CaptureType): string {
    const group = `g${this.captures.length}`
    this.captures.push({ group, field, type })
    return group
  }

  expand(text: string, stack: string[]): string {
    let out = ''
    let i = 0
    const n = text.length
    while (i < n) {
      const c = text[i]!
      if (c === '\\') {
        // \k<name> back reference to an inline capture: follow the renaming
        if (text[i + 1] === 'k' && text[i + 2] === '<') {
          const end = text.indexOf('>', i + 3)
          const name = end < 0 ? '' : text.slice(i + 3, end)
          const renamed = this.#inline.get(name)
          if (renamed !== undefined) {
            out += `\\k<${renamed}>`
            i = end + 1
            continue
          }
        }
        out += text.slice(i, i + 2)
        i += 2
        continue
      }
      if (c === '[') {
        const end = classEnd(text, i)
        if (end < 0) this.#fail(`unterminated character class at offset ${i}`)
        out += text.slice(i, end + 1)
        i = end + 1
        continue
      }
      if (c === '%' && text[i + 1] === '{') {
        const end = text.indexOf('}', i + 2)
        if (end < 0) this.#fail(`unterminated %{ at offset ${i}`)
        out += this.#reference(text.slice(i + 2, end), stack)
        i = end + 1
        continue
      }
      if (c === '(' && text[i + 1] === '?') {
        const open = text[i + 2]
        let close = ''
        if (open === '<' && text[i + 3] !== '=' && text[i + 3] !== '!') close = '>'
        else if (open === "'") close = "'"
        else if (open === 'P' && text[i + 3] === '<') close = '>'
        if (close !== '') {
          const start = open === 'P' ? i + 4 : i + 3
          const end = text.indexOf(close, start)
          if (end < 0) this.#fail(`unterminated group name at offset ${i}`)
          const field = text.slice(start, end)
          if (field === '') this.#fail(`empty group name at offset ${i}`)
          const group = this.#newCapture(field, 'string')
          this.#inline.set(field, group)
          out += `(?<${group}>`
          i = end + 1
          continue
        }
      }
      out += c
      i++
    }
    return out
  }

  #reference(body: string, stack: string[]): string {
    // Logstash (jls-grok) reads `NAME`, then `:SUBNAME` of [@[]A-Za-z0-9_:.-],
    // and ignores whatever else precedes the `}`; SUBNAME splits on `:` into
    // field and type, further parts are ignored too. Unlike Logstash, an
    // unknown type is an error rather than silently a string.
    const ref = kReference.exec(body)
    if (ref === null) this.#fail(`bad pattern reference %{${body}}: the name must be letters, digits and _`)
    const name = ref[1]!
    const parts = ref[2] === undefined ? [] : ref[2].split(':')
    const semantic = parts[0]
    let type: CaptureType = 'string'
    if (parts.length >= 2 && parts[1] !== '') {
      const t = parts[1]!
      if (t !== 'int' && t !== 'float' && t !== 'string') this.#fail(`bad type ${JSON.stringify(t)} in %{${body}}: use int or float`)
      type = t
    }
    if (stack.includes(name)) this.#fail(`recursive pattern ${[...stack, name].join(' → ')}`)
    const def = this.#lookup(name)
    if (def === undefined) {
      const where = stack.length > 0 ? ` (used by ${stack[stack.length - 1]})` : ''
      this.#fail(`unknown pattern %{${name}}${where}`)
    }
    let field: string | undefined
    if (semantic !== undefined && semantic !== '') field = semantic
    else if (!this.#options.namedCapturesOnly) field = name
    // Number the capture before expanding the body so outer groups come first.
    const group = field === undefined ? undefined : this.#newCapture(field, type)
    stack.push(name)
    const inner = this.expand(def, stack)
    stack.pop()
    return group === undefined ? `(?:${inner})` : `(?<${group}>${inner})`
  }
}

/** Index of the `]` closing the class opened at `start` (Oniguruma classes nest), or -1. */
function classEnd(text: string, start: number): number {
  let depth = 0
  let i = start
  while (i < text.length) {
    const c = text[i]
    if (c === '\\') {
      i += 2
      continue
    }
    if (c === '[') {
      depth++
      // a `]` right after `[` or `[^` is a literal
      if (text[i + 1] === '^') i++
      if (text[i + 1] === ']') i++
    } else if (c === ']') {
      depth--
      if (depth === 0) return i
    }
    i++
  }
  return -1
}

export function expandGrok(pattern: string, lookup: PatternLookup, options: ExpandOptions): Expansion {
  const expander = new Expander(lookup, options, pattern)
  const source = expander.expand(pattern, [])
  return { source, captures: expander.captures }
}
