import { readdirSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import { isDeepStrictEqual } from 'node:util'
import t from 'tap'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'
import type { EcsCompatibility } from '../../aggregator/stages/grok/library.ts'

// Logstash's own pattern suite as a contract: test/fixtures/grok-corpus/*.json
// hold the cases of logstash-plugins/logstash-patterns-core spec/patterns/*_spec.rb
// (pattern, input line, ecs mode, expected fields, values and types), one
// file per spec file. Each case runs the way that suite's helper does: the
// grok filter matches `%{NAME}` (unanchored) against an event
// `{ message: input }` and the captures are merged into the event as Logstash
// merges them (a capture into a field that already holds a string makes an
// array: `message` becomes [input, captured]).
//
// Assertions per case (all must hold for the case to pass):
//   include      top-level keys deep-equal (rspec `include`)
//   partial      deep subset (rspec `hash_including`)
//   exact        dotted path → deep-equal value
//   absent       dotted paths that must not exist
//   contains     dotted path → string (substring, or element of an array)
//   startsWith   dotted path → prefix
//   notEndsWith  dotted path → suffix it must not have
//   asString     dotted path → String(value)
//   match:false  the line must not match; anchored: match `^%{NAME}$`
// "$INPUT" anywhere in an expectation stands for the input line. A path
// segment -1 is the last array element (a string that is no array: itself).
//
// The pass rate must stay at or above kThreshold; every case that fails is
// listed (and patterns/README.md says why each remaining one differs).

const kThreshold = 0.98

interface Case {
  pattern: string
  ecs: EcsCompatibility
  input: string
  name?: string
  match?: boolean
  anchored?: boolean
  include?: Record<string, unknown>
  partial?: Record<string, unknown>
  exact?: Record<string, unknown>
  absent?: string[]
  contains?: Record<string, string>
  startsWith?: Record<string, string>
  notEndsWith?: Record<string, string>
  asString?: Record<string, string>
}

const dir = new URL('../fixtures/grok-corpus/', import.meta.url)
const files = readdirSync(dir).filter((f) => f.endsWith('.json')).sort()
const libs = new Map<string, GrokLibrary>()
const lib = (ecs: EcsCompatibility): GrokLibrary => {
  let l = libs.get(ecs)
  if (l === undefined) libs.set(ecs, (l = GrokLibrary.load({ ecs })))
  return l
}

function subst(v: unknown, input: string): unknown {
  if (v === '$INPUT') return input
  if (Array.isArray(v)) return v.map((x) => subst(x, input))
  if (v !== null && typeof v === 'object') return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, subst(x, input)]))
  return v
}

/** Logstash's grok filter: a capture into a field holding a string (or array) appends, else sets. */
function merge(event: Record<string, unknown>, captures: Record<string, unknown>): void {
  for (const [k, v] of Object.entries(captures)) {
    const cur = event[k]
    if (cur === undefined) event[k] = v
    else if (typeof cur === 'string') event[k] = Array.isArray(v) ? [cur, ...v] : [cur, v]
    else if (Array.isArray(cur)) cur.push(...(Array.isArray(v) ? v : [v]))
    else if (cur !== null && typeof cur === 'object' && v !== null && typeof v === 'object' && !Array.isArray(v)) merge(cur as Record<string, unknown>, v as Record<string, unknown>)
    else event[k] = v
  }
}

const kMissing = Symbol('missing')
function get(obj: unknown, path: string): unknown {
  let cur: unknown = obj
  for (const seg of path.split('.')) {
    if (typeof cur === 'string' && seg === '-1') continue // `.last if is_a?(Array)`: a lone string is its own last element
    if (Array.isArray(cur)) {
      const i = Number(seg)
      cur = i < 0 ? cur[cur.length + i] : cur[i]
    } else if (cur !== null && typeof cur === 'object' && Object.hasOwn(cur, seg)) cur = (cur as Record<string, unknown>)[seg]
    else return kMissing
    if (cur === undefined) return kMissing
  }
  return cur
}

function subset(actual: unknown, expected: unknown): boolean {
  if (expected !== null && typeof expected === 'object' && !Array.isArray(expected)) {
    if (actual === null || typeof actual !== 'object' || Array.isArray(actual)) return false
    return Object.entries(expected).every(([k, v]) => subset((actual as Record<string, unknown>)[k], v))
  }
  return isDeepStrictEqual(actual, expected)
}

const show = (v: unknown): string => (v === kMissing ? '(absent)' : JSON.stringify(v))

/** The differences of one case; empty when it passes. */
function run(c: Case): string[] {
  const problems: string[] = []
  let grok
  try {
    grok = lib(c.ecs).compile(c.anchored === true ? `^%{${c.pattern}}$` : `%{${c.pattern}}`)
  } catch (err) {
    return [`does not compile: ${(err as Error).message}`]
  }
  const captures = grok.match(c.input)
  if (c.match === false) return captures === null ? [] : [`matched, expected no match: ${JSON.stringify(captures)}`]
  if (captures === null) return ['no match']
  const event: Record<string, unknown> = { message: c.input }
  merge(event, captures)
  const x = <T>(v: T): T => subst(v, c.input) as T
  for (const [k, v] of Object.entries(x(c.include ?? {}))) {
    if (!isDeepStrictEqual(event[k], v)) problems.push(`${k}: got ${show(event[k] ?? kMissing)}, want ${JSON.stringify(v)}`)
  }
  for (const [k, v] of Object.entries(x(c.partial ?? {}))) {
    if (!subset(event[k], v)) problems.push(`${k} ⊇ ${JSON.stringify(v)}: got ${show(event[k] ?? kMissing)}`)
  }
  for (const [p, v] of Object.entries(x(c.exact ?? {}))) {
    const got = get(event, p)
    if (!isDeepStrictEqual(got, v)) problems.push(`${p}: got ${show(got)}, want ${JSON.stringify(v)}`)
  }
  for (const p of c.absent ?? []) {
    const got = get(event, p)
    if (got !== kMissing) problems.push(`${p}: should be absent, got ${show(got)}`)
  }
  for (const [p, s] of Object.entries(x(c.contains ?? {}))) {
    const got = get(event, p)
    const ok = typeof got === 'string' ? got.includes(s) : Array.isArray(got) && got.includes(s)
    if (!ok) problems.push(`${p}: ${show(got)} should contain ${JSON.stringify(s)}`)
  }
  for (const [p, s] of Object.entries(x(c.startsWith ?? {}))) {
    const got = get(event, p)
    if (typeof got !== 'string' || !got.startsWith(s)) problems.push(`${p}: ${show(got)} should start with ${JSON.stringify(s)}`)
  }
  for (const [p, s] of Object.entries(x(c.notEndsWith ?? {}))) {
    const got = get(event, p)
    if (typeof got !== 'string' || got.endsWith(s)) problems.push(`${p}: ${show(got)} should be a string not ending with ${JSON.stringify(s)}`)
  }
  for (const [p, s] of Object.entries(x(c.asString ?? {}))) {
    const got = get(event, p)
    if (got === kMissing || String(got) !== s) problems.push(`${p}: got ${show(got)}, want ${JSON.stringify(s)} as text`)
  }
  return problems
}

let total = 0
let passed = 0
const failures: string[] = []
for (const file of files) {
  const { cases } = JSON.parse(readFileSync(join(dir.pathname, file), 'utf8')) as { cases: Case[] }
  for (const [i, c] of cases.entries()) {
    total++
    const problems = run(c)
    if (problems.length === 0) passed++
    else failures.push(`${file}#${i} ${c.pattern} [${c.ecs}]${c.name !== undefined ? ` (${c.name})` : ''}: ${problems.join('; ')}`)
  }
}

t.test('corpus is broad: every spec file of logstash-patterns-core, both modes', async (t) => {
  t.ok(files.length >= 23, `${files.length} spec files transcribed`)
  t.ok(total >= 200, `${total} cases`)
})

t.test(`pass rate ≥ ${kThreshold * 100} %`, async (t) => {
  const rate = passed / total
  t.comment(`grok corpus: ${passed}/${total} cases pass (${(rate * 100).toFixed(1)} %)`)
  for (const f of failures) t.comment(`FAIL ${f}`)
  t.ok(rate >= kThreshold, `pass rate ${(rate * 100).toFixed(1)} % (${passed}/${total}) ≥ ${kThreshold * 100} %`)
})
