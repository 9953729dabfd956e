import { getField, parseFieldRef, type FieldPath } from '../../core/fields.ts'
import type { LogEvent } from '../../core/event.ts'

// `%{field}` references in strings (Logstash sprintf): `%{[fields][service]}`,
// `%{host.name}`, and `%{+yyyy.MM.dd}` for @timestamp in UTC. Compiled once
// into literal and reference parts. A missing field leaves `%{ref}` as
// written, as Logstash does, so the operator sees which reference failed.

type Part = string | { path: FieldPath; raw: string } | { date: string }

export interface Template {
  readonly constant: boolean
  render(event: LogEvent): string
}

function pad(n: number, width: number): string {
  return String(n).padStart(width, '0')
}

function formatDate(pattern: string, ms: number): string {
  const d = new Date(ms)
  return pattern.replace(/yyyy|YYYY|MM|dd|HH|mm|ss|SSS/g, (tok) => {
    switch (tok) {
      case 'yyyy': case 'YYYY': return pad(d.getUTCFullYear(), 4)
      case 'MM': return pad(d.getUTCMonth() + 1, 2)
      case 'dd': return pad(d.getUTCDate(), 2)
      case 'HH': return pad(d.getUTCHours(), 2)
      case 'mm': return pad(d.getUTCMinutes(), 2)
      case 'ss': return pad(d.getUTCSeconds(), 2)
      default: return pad(d.getUTCMilliseconds(), 3)
    }
  })
}

function show(v: unknown): string {
  if (typeof v === 'string') return v
  if (Array.isArray(v)) return v.map(show).join(',') // Logstash joins lists with commas
  if (typeof v === 'object' && v !== null) return JSON.stringify(v)
  return String(v)
}

/** Compiles `text`; throws RangeError for a malformed field reference. */
export function compileTemplate(text: string): Template {
  const parts: Part[] = []
  const re = /%\{([^}]+)\}/g
  let last = 0
  for (let m = re.exec(text); m !== null; m = re.exec(text)) {
    if (m.index > last) parts.push(text.slice(last, m.index))
    const ref = m[1]!
    parts.push(ref.startsWith('+') ? { date: ref.slice(1) } : { path: parseFieldRef(ref), raw: m[0] })
    last = re.lastIndex
  }
  if (last < text.length) parts.push(text.slice(last))
  if (parts.every((p) => typeof p === 'string')) {
    return { constant: true, render: () => text }
  }
  return {
    constant: false,
    render(event) {
      let out = ''
      for (let i = 0; i < parts.length; i++) {
        const p = parts[i]!
        if (typeof p === 'string') out += p
        else if ('path' in p) {
          const v = getField(event, p.path)
          out += v === undefined || v === null ? p.raw : show(v)
        } else {
          const ts = event['@timestamp']
          const ms = typeof ts === 'string' ? Date.parse(ts) : typeof ts === 'number' ? ts : Date.now()
          out += formatDate(p.date, Number.isNaN(ms) ? Date.now() : ms)
        }
      }
      return out
    },
  }
}
