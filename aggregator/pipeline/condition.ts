import { ConfigError } from '../../core/errors.ts'
import { getField, hasTag, parseFieldRef, type FieldPath } from '../../core/fields.ts'
import type { LogEvent } from '../../core/event.ts'

// `when:` conditions on pipeline items, compiled once into a predicate.
//
//   when: {tags: nginx}                          every listed tag present
//   when: {exists: '[fields][service]'}          every listed field present
//   when: {equals: {'[fields][service]': web}}   field === value (string compare for scalars)
//   when: {matches: {message: '^\{'}}            field is a string matching the regex
//   when: {not: {...}}  {any: [...]}  {all: [...]}
//
// Several keys in one mapping must all hold. Compiled predicates are plain
// closures built at config time; evaluating one allocates nothing.

export type Condition = (event: LogEvent) => boolean

const knownKeys = ['tags', 'exists', 'equals', 'matches', 'not', 'any', 'all'] as const

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

function stringList(value: unknown, path: string): string[] {
  const list = Array.isArray(value) ? value : [value]
  if (list.length === 0) throw new ConfigError(path, 'needs at least one item')
  return list.map((v, i) => {
    if (typeof v !== 'string' || v === '') throw new ConfigError(Array.isArray(value) ? `${path}[${i}]` : path, `must be a non-empty string, got ${JSON.stringify(v)}`)
    return v
  })
}

function fieldRef(ref: string, path: string): FieldPath {
  try {
    return parseFieldRef(ref)
  } catch (err) {
    throw new ConfigError(path, `${(err as Error).message}; write fields as [a][b] or a.b`)
  }
}

function allOf(parts: Condition[]): Condition {
  if (parts.length === 1) return parts[0]!
  return (e) => {
    for (let i = 0; i < parts.length; i++) if (!parts[i]!(e)) return false
    return true
  }
}

function scalarEquals(actual: unknown, expected: unknown): boolean {
  if (actual === expected) return true
  if (actual === null || expected === null || typeof actual === 'object' || typeof expected === 'object') return false
  return actual !== undefined && String(actual) === String(expected)
}

/** Compiles a `when:` mapping. Throws ConfigError naming the key path. */
export function compileCondition(spec: unknown, path: string): Condition {
  if (!isMapping(spec)) throw new ConfigError(path, `must be a mapping with one of ${knownKeys.join(', ')}, got ${JSON.stringify(spec)}`)
  const keys = Object.keys(spec)
  if (keys.length === 0) throw new ConfigError(path, `is empty; use one of ${knownKeys.join(', ')}`)
  const parts: Condition[] = []
  for (const key of keys) {
    const value = spec[key]
    const p = `${path}.${key}`
    switch (key) {
      case 'tags': {
        const tags = stringList(value, p)
        parts.push(tags.length === 1 ? (e) => hasTag(e, tags[0]!) : (e) => tags.every((t) => hasTag(e, t)))
        break
      }
      case 'exists': {
        const refs = stringList(value, p).map((r, i) => fieldRef(r, `${p}[${i}]`))
        parts.push((e) => refs.every((r) => getField(e, r) !== undefined))
        break
      }
      case 'equals': {
        if (!isMapping(value) || Object.keys(value).length === 0) throw new ConfigError(p, 'must be a mapping of field → value, e.g. {"[fields][service]": web}')
        for (const [ref, expected] of Object.entries(value)) {
          const fp = fieldRef(ref, `${p}.${ref}`)
          parts.push((e) => scalarEquals(getField(e, fp), expected))
        }
        break
      }
      case 'matches': {
        if (!isMapping(value) || Object.keys(value).length === 0) throw new ConfigError(p, 'must be a mapping of field → regex, e.g. {message: "^\\\\{"}')
        for (const [ref, source] of Object.entries(value)) {
          const fp = fieldRef(ref, `${p}.${ref}`)
          if (typeof source !== 'string') throw new ConfigError(`${p}.${ref}`, `must be a regular expression string, got ${JSON.stringify(source)}`)
          let re: RegExp
          try {
            re = new RegExp(source)
          } catch (err) {
            throw new ConfigError(`${p}.${ref}`, `invalid regular expression: ${(err as Error).message}`)
          }
          parts.push((e) => {
            const v = getField(e, fp)
            return typeof v === 'string' && re.test(v)
          })
        }
        break
      }
      case 'not': {
        const inner = compileCondition(value, p)
        parts.push((e) => !inner(e))
        break
      }
      case 'any':
      case 'all': {
        if (!Array.isArray(value) || value.length === 0) throw new ConfigError(p, 'must be a non-empty list of conditions')
        const inner = value.map((v, i) => compileCondition(v, `${p}[${i}]`))
        parts.push(key === 'all' ? allOf(inner) : (e) => inner.some((c) => c(e)))
        break
      }
      default:
        throw new ConfigError(p, `unknown condition; use one of ${knownKeys.join(', ')}`)
    }
  }
  return allOf(parts)
}
