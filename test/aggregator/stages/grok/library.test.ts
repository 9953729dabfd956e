import t from 'tap'
import { mkdtempSync, mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GrokLibrary } from '../../../../aggregator/stages/grok/library.ts'

const lib = GrokLibrary.load({ ecs: 'disabled', definitions: { KV: '%{WORD:key}=%{WORD:value}' } })

t.test('%{SYNTAX}, %{SYNTAX:SEMANTIC}, %{SYNTAX:SEMANTIC:int|float}', async (t) => {
  const m = lib.compile('%{WORD} %{WORD:name} %{INT:count:int} %{NUMBER:ratio:float} %{NUMBER:raw}')
  t.same(m.match('hello bob 42 -0.25 7.5'), { name: 'bob', count: 42, ratio: -0.25, raw: '7.5' })
  t.same(m.fields.map((f) => [f.name, f.type]), [['name', 'string'], ['count', 'int'], ['ratio', 'float'], ['raw', 'string']])
  t.equal(m.match('hello bob x 1 2'), null)
  t.equal(m.pattern, '%{WORD} %{WORD:name} %{INT:count:int} %{NUMBER:ratio:float} %{NUMBER:raw}')
  t.ok(m.regex instanceof RegExp)
})

t.test('nested ECS semantics build nested objects; dotted names stay one key', async (t) => {
  const m = lib.compile('%{WORD:[http][request][method]} %{INT:[http][response][status_code]:int} %{WORD:a.b}')
  t.same(m.match('GET 200 x'), { http: { request: { method: 'GET' }, response: { status_code: 200 } }, 'a.b': 'x' })
})

t.test('inline (?<name>…) captures are fields; \\k<name> follows the renaming', async (t) => {
  const m = lib.compile('(?<queue_id>[0-9A-F]{10,11}): (?<word>\\w+) \\k<word>')
  t.same(m.match('4A5B6C7D8E: hey hey'), { queue_id: '4A5B6C7D8E', word: 'hey' })
  t.equal(m.match('4A5B6C7D8E: hey you'), null)
})

t.test('same semantic in an alternation: the branch that matched wins', async (t) => {
  const m = lib.compile('(?:%{INT:v:int}|%{WORD:v})!')
  t.same(m.match('12!'), { v: 12 })
  t.same(m.match('abc!'), { v: 'abc' })
})

t.test('nested definitions capture, bare references do not (named_captures_only)', async (t) => {
  t.same(lib.compile('%{KV}').match('a=b'), { key: 'a', value: 'b' })
  t.same(lib.compile('%{KV:pair}').match('a=b'), { pair: 'a=b', key: 'a', value: 'b' })
  t.same(lib.compile('%{KV}', { namedCapturesOnly: false }).match('a=b'), { KV: 'a=b', key: 'a', value: 'b' })
})

t.test('empty captures are dropped unless kept; non-numbers keep their text', async (t) => {
  t.same(lib.compile('a(?<x>\\d*)b').match('ab'), {})
  t.same(lib.compile('a(?<x>\\d*)b', { keepEmptyCaptures: true }).match('ab'), { x: '' })
  t.same(lib.compile('%{NOTSPACE:n:int}').match('abc'), { n: 'abc' })
})

t.test('Oniguruma syntax: atomic groups, possessive quantifiers, lookbehind, POSIX classes, \\h', async (t) => {
  // atomic: (?>a+) never gives back an a, so "aaa" + "a" cannot match
  t.equal(lib.compile('^(?>a+)a$').match('aaaa'), null)
  t.same(lib.compile('^(?<all>(?>a+)b)$').match('aaab'), { all: 'aaab' })
  t.equal(lib.compile('^a++a$').match('aaaa'), null)
  // captures after emulated atomic groups still land on the right field
  t.same(lib.compile('(?>x+)(?<one>\\d)(?>y++)(?<two>\\d)').match('xx1yy2'), { one: '1', two: '2' })
  t.same(lib.compile('(?<=\\$)(?<amount>\\d+)').match('cost $42'), { amount: '42' })
  t.same(lib.compile('(?<w>[[:alpha:]]+)').match('12abc3'), { w: 'abc' })
  t.same(lib.compile('(?<hex>\\h+)').match('zz0fA9zz'), { hex: '0fA9' })
  t.same(lib.compile('(?i)(?<w>hello)').match('HeLLo'), { w: 'HeLLo' })
})

t.test('ASCII \\d \\w \\s like Ruby/Joni; ^ and $ are text anchors', async (t) => {
  t.equal(lib.compile('^\\d+$').match('١٢٣'), null, 'Arabic-Indic digits are not \\d')
  t.equal(lib.compile('^\\w+$').match('héllo'), null)
  t.equal(lib.compile('^b').match('a\nb'), null, '^ does not match after a newline')
  t.same(lib.compile('^(?<a>\\w*)$').match('line\n'), { a: 'line' }, '$ before a final newline')
  t.same(lib.compile('^(?<a>.*)$').match('line\n'), { a: 'line\n' }, '. matches a newline (Ruby MULTILINE, as Logstash compiles grok)')
})

t.test('errors are LY_CONFIG naming the pattern', async (t) => {
  t.throws(() => lib.compile('%{NOPE}'), { code: 'LY_CONFIG', message: /unknown pattern %\{NOPE\} in pattern "%\{NOPE\}"/ })
  const rec = GrokLibrary.load({ definitions: { A: 'x%{B}', B: '%{A}y' } })
  t.throws(() => rec.compile('%{A}'), { code: 'LY_CONFIG', message: /recursive pattern A → B → A/ })
  t.throws(() => rec.compile('%{A:x:bogus}'), { message: /bad type "bogus"/ })
  t.throws(() => lib.compile('a(b'), { code: 'LY_CONFIG', message: /bad regex in pattern "a\(b"/ })
  t.throws(() => lib.compile('[a-'), { code: 'LY_CONFIG' })
  t.throws(() => lib.compile('%{WORD'), { message: /unterminated %\{/ })
  t.throws(() => lib.compile('%{ WORD}'), { message: /bad pattern reference/ })
  t.throws(() => lib.compile('%{WO RD}'), { message: /unknown pattern %\{WO\}/ }, 'text after the name is ignored, as in Logstash')
  t.throws(() => lib.compile('(\\w+)+x'), { code: 'LY_CONFIG', message: /backtrack exponentially/ })
})

t.test('risky patterns compile with warnings', async (t) => {
  t.same(lib.compile('%{WORD:w}').warnings, [])
  t.match(lib.compile('^(?:\\w+\\s?)+$').warnings, [/repetition of repetitions/])
})

t.test('matchers are cached by pattern text and options', async (t) => {
  t.equal(lib.compile('%{WORD:w}'), lib.compile('%{WORD:w}'))
  t.not(lib.compile('%{WORD:w}'), lib.compile('%{WORD:w}', { keepEmptyCaptures: true }))
})

t.test('load: ecs chooses the family directory; extra dirs and definitions override', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-grok-lib-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  for (const sub of ['core', 'legacy', 'ecs-v1', 'extra']) mkdirSync(join(dir, sub))
  writeFileSync(join(dir, 'core', 'base.grok'), '# comment\n\nDIGITS [0-9]+\n')
  writeFileSync(join(dir, 'legacy', 'fam.grok'), 'FAM %{DIGITS:n}\n')
  writeFileSync(join(dir, 'ecs-v1', 'fam.grok'), 'FAM %{DIGITS:[x][n]:int}\n')
  writeFileSync(join(dir, 'extra', 'over'), 'DIGITS [0-9]{2}\n')
  t.same(GrokLibrary.load({ patternsDir: dir, ecs: 'disabled' }).compile('%{FAM}').match('123'), { n: '123' })
  t.same(GrokLibrary.load({ patternsDir: dir, ecs: 'v1' }).compile('%{FAM}').match('123'), { x: { n: 123 } })
  const v8 = GrokLibrary.load({ patternsDir: dir })
  t.equal(v8.ecs, 'v8')
  t.same(v8.compile('%{FAM}').match('123'), { x: { n: 123 } }, 'v8 uses the ecs-v1 names')
  t.same(v8.names(), ['DIGITS', 'FAM'])
  t.ok(v8.has('FAM'))
  t.notOk(v8.has('COMBINEDAPACHELOG'))
  t.same(GrokLibrary.load({ patternsDir: dir, extraDirs: [join(dir, 'extra')], ecs: 'disabled' }).compile('^%{FAM}$').match('123'), null, 'extra dir replaced DIGITS')
  t.same(GrokLibrary.load({ patternsDir: dir, definitions: { DIGITS: '1' } }).compile('%{DIGITS:d}').match('91'), { d: '1' })
  writeFileSync(join(dir, 'extra', 'bad'), 'ONLYNAME\n')
  t.throws(() => GrokLibrary.load({ patternsDir: dir, extraDirs: [join(dir, 'extra')] }), { code: 'LY_CONFIG', message: /bad:1: expected "NAME regex"/ })
  t.throws(() => GrokLibrary.load({ extraDirs: [join(dir, 'missing')] }), { code: 'LY_CONFIG', message: /cannot read pattern directory/ })
  t.throws(() => GrokLibrary.load({ ecs: 'v9' as 'v1' }), { message: /ecs_compatibility/ })
  t.throws(() => GrokLibrary.load({ definitions: { 'bad name': 'x' } }), { message: /letters, digits and _/ })
})

t.test('the bundled library compiles every pattern in both modes', async (t) => {
  for (const ecs of ['disabled', 'v8'] as const) {
    const l = GrokLibrary.load({ ecs })
    const bad: string[] = []
    for (const name of l.names()) {
      try {
        l.compile(`%{${name}}`)
      } catch (err) {
        bad.push(`${name}: ${(err as Error).message}`)
      }
    }
    t.same(bad, [], `${ecs}: ${l.names().length} patterns`)
    t.ok(l.has('COMBINEDAPACHELOG') && l.has('IPORHOST'))
  }
})

t.test('the v flag is dropped only when the source means the same without it', async (t) => {
  const { unicodeFree } = await import('../../../../aggregator/stages/grok/matcher.ts')
  t.ok(unicodeFree('(?<g0>[^"\\\\]*)\\d+'))
  t.notOk(unicodeFree('\\p{L}+'))
  t.notOk(unicodeFree('[a[b]]'))
  t.notOk(unicodeFree('[\\w--\\d]'))
  t.notOk(unicodeFree('(?i:abc)'))
  t.notOk(unicodeFree('😀+'))
  t.equal(lib.compile('%{COMBINEDAPACHELOG}').regex.flags, 's', 'httpd patterns run without the Unicode flag')
  t.equal(lib.compile('(?<w>\\p{Lu}+)').regex.flags, 'sv', 'property escapes keep it')
  t.same(lib.compile('(?<w>\\p{Lu}+)').match('abcÄÖdef'), { w: 'ÄÖ' })
  t.same(lib.compile('"%{DQCONTENT:ua}"').match('"emoji 😀 \\"quoted\\" ok"'), { ua: 'emoji 😀 \\"quoted\\" ok' }, 'astral characters stay whole in runs')
  t.same(lib.compile('(?i)(?<w>straße)').match('STRASSE straße'), { w: 'straße' })
})

t.test('Logstash engine semantics: multiline GREEDYDATA, repeated fields, text after the name', async (t) => {
  const trace = 'java.lang.IllegalStateException: boom\n\tat a.B.c(B.java:1)\n\tat a.B.main(B.java:9)'
  t.same(lib.compile('%{JAVACLASS:class}: %{GREEDYDATA:rest}').match(trace), { class: 'java.lang.IllegalStateException', rest: 'boom\n\tat a.B.c(B.java:1)\n\tat a.B.main(B.java:9)' }, 'GREEDYDATA runs to the end of a multiline event')
  t.same(lib.compile('%{WORD:w} %{WORD:w} %{INT:n:int} %{INT:n:int}').match('a b 1 2'), { w: ['a', 'b'], n: [1, 2] }, 'a field captured twice becomes an array, types kept')
  t.same(lib.compile('%{WORD:w}(?: %{WORD:w})?').match('a'), { w: 'a' }, 'a second capture that did not participate leaves a scalar')
  t.same(lib.compile('%{INT:n:int extra text}').match('42'), { n: 42 }, 'text after NAME:field:type is ignored')
  t.same(lib.compile('%{INT:n:int:more}').match('42'), { n: 42 }, 'parts after the type are ignored')
  t.same(lib.compile('%{INT junk}').match('42'), {}, 'text after a bare name is ignored')
  t.same(lib.compile('%{INT:[a][b]:int}').match('7'), { a: { b: 7 } })
})
