import t from 'tap'
import { readdirSync, readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { GrokLibrary } from '../../aggregator/stages/grok/library.ts'

// The pattern families come in two naming modes: patterns/legacy/<family>.grok
// (Logstash legacy field names) and patterns/ecs-v1/<family>.grok (ECS names).
// A config must port between modes, so both files of a family define the SAME
// pattern names; every name compiles in its mode without backtracking
// warnings; and every name is exercised by the family's test file (used
// directly in a compile() call there, or reached through a composite that is).

const families = [
  'syslog', 'java', 'haproxy', 'postgresql', 'redis', 'mongodb', 'rails',
  'ruby', 'aws', 'squid', 'exim', 'bind', 'bacula', 'firewalls',
] as const

const root = fileURLToPath(new URL('../../patterns/', import.meta.url))
const here = fileURLToPath(new URL('./', import.meta.url))

function definedNames(mode: 'legacy' | 'ecs-v1', family: string): string[] {
  const text = readFileSync(`${root}${mode}/${family}.grok`, 'utf8')
  const names: string[] = []
  for (const line of text.split('\n')) {
    const m = /^([A-Za-z0-9_]+)[ \t]/.exec(line)
    if (m !== null) names.push(m[1]!)
  }
  return names.sort()
}

/** Every pattern name reached from `pattern`, following the definitions in `lib`. */
function reached(lib: GrokLibrary, pattern: string, into: Set<string>): void {
  for (const m of pattern.matchAll(/%\{([A-Za-z0-9_]+)/g)) {
    const name = m[1]!
    if (into.has(name)) continue
    into.add(name)
    const def = lib.definition(name)
    if (def !== undefined) reached(lib, def.regex, into)
  }
}

/** The grok expressions a family test file compiles: compile('…') string literals. */
function testedPatterns(family: string): string[] {
  const text = readFileSync(`${here}${family}.test.ts`, 'utf8')
  const out: string[] = []
  for (const m of text.matchAll(/\.compile\('((?:[^'\\]|\\.)*)'\)/g)) out.push(m[1]!.replace(/\\\\/g, '\\'))
  return out
}

const legacy = GrokLibrary.load({ ecs: 'disabled' })
const ecs = GrokLibrary.load({ ecs: 'v1' })

t.test('legacy and ecs-v1 define the same names, family by family', (t) => {
  for (const family of families) {
    const a = definedNames('legacy', family)
    const b = definedNames('ecs-v1', family)
    t.ok(a.length > 0, `${family}: defines patterns`)
    t.strictSame(b, a, `${family}: same pattern names in both modes`)
    t.equal(new Set(a).size, a.length, `${family}: no name defined twice`)
  }
  t.end()
})

t.test('no family name is defined again by another bundled file of the same mode', (t) => {
  // The library lets a later file replace an earlier definition silently;
  // among the bundled files (core + one mode) that would be a bug.
  for (const mode of ['legacy', 'ecs-v1'] as const) {
    const owner = new Map<string, string>()
    for (const dir of ['core', mode]) {
      for (const file of readdirSync(`${root}${dir}`).filter((f) => f.endsWith('.grok')).sort()) {
        for (const line of readFileSync(`${root}${dir}/${file}`, 'utf8').split('\n')) {
          const m = /^([A-Za-z0-9_]+)[ \t]/.exec(line)
          if (m === null) continue
          if (!owner.has(m[1]!)) owner.set(m[1]!, `${dir}/${file}`)
        }
      }
    }
    for (const family of families) {
      for (const name of definedNames(mode, family)) {
        t.equal(owner.get(name), `${mode}/${family}.grok`, `${mode} ${name} is defined first (and only) in its family file`)
      }
    }
  }
  t.end()
})

t.test('every name compiles in both modes, without backtracking warnings', (t) => {
  for (const family of families) {
    for (const name of definedNames('legacy', family)) {
      for (const [mode, lib] of [['legacy', legacy], ['ecs-v1', ecs]] as const) {
        let warnings: readonly string[] = ['did not compile']
        try {
          warnings = lib.compile(`%{${name}}`).warnings
        } catch (err) {
          warnings = [(err as Error).message]
        }
        t.strictSame(warnings, [], `${mode} ${family} ${name}`)
      }
    }
  }
  t.end()
})

t.test('the two modes differ only in field names: same definition shape', (t) => {
  // Stripping the field part of every %{NAME:field[:type]} must leave the same
  // regex text in both files, except where a documented difference exists.
  const strip = (s: string): string => s.replace(/%\{([A-Za-z0-9_]+):[^}]*\}/g, '%{$1:_}')
  const differ = new Set([
    'HAPROXYHTTPBASE', 'HAPROXYTCP', 'HAPROXYURI', // ECS: integers without the logasap "+", url.path/query split
    'ELB_URI', // ECS: url.domain and url.port instead of one host:port
    'S3_ACCESS_LOG', // ECS: referrer and user agent without their quotes
    'CISCOFW710001_710002_710003_710005_710006', // ECS: numeric port vs service name
    'PFLOG', // ECS: ingress/egress interface by direction
    'CATALINALOG', 'TOMCATLOG', // ECS: also Tomcat 8.5+ OneLineFormatter lines and the level/method of the two-line layout, as Logstash's ECS patterns
    'EXIM_MESSAGE_ARRIVAL', 'EXIM_SUBJECT', // legacy also splits the date (exim_year…) and keeps the subject's quotes, as Logstash
    'SQUID3', // legacy keeps "-" for user and content type, ECS keeps it for the content type only, as Logstash
    'BIND9_QUERYLOGBASE', // legacy: query captured twice (an array) and querytype with the flags, as Logstash
    'ELB_ACCESS_LOG', 'S3_REQUEST_LINE', 'CLOUDFRONT_ACCESS_LOG', // as Logstash: ECS leaves out -1 processing times and keeps the raw S3 request line; legacy keeps "-" values
    'HAPROXYHTTPREQUESTLINE', // ECS: url.original next to its parts, as Logstash
    'MONGO3_LOG', // ECS leaves out a "-" component, legacy keeps it, as Logstash
    'SYSLOGPAMSESSION', // ECS: no field for "by", as Logstash's ECS pattern
  ])
  for (const family of families) {
    for (const name of definedNames('legacy', family)) {
      const a = legacy.definition(name)!.regex
      const b = ecs.definition(name)!.regex
      if (differ.has(name)) t.not(strip(a), strip(b), `${name} differs on purpose`)
      else t.equal(strip(b), strip(a), `${family} ${name}`)
    }
  }
  t.end()
})

t.test('every defined name is exercised by its family test file', (t) => {
  for (const family of families) {
    const patterns = testedPatterns(family)
    t.ok(patterns.length > 0, `${family}: test file compiles patterns`)
    for (const [mode, lib] of [['legacy', legacy], ['ecs-v1', ecs]] as const) {
      const seen = new Set<string>()
      for (const p of patterns) reached(lib, p, seen)
      const missing = definedNames(mode, family).filter((n) => !seen.has(n))
      t.strictSame(missing, [], `${mode} ${family}: names no test reaches`)
    }
  }
  t.end()
})
