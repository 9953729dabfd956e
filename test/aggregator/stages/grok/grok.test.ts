import t from 'tap'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { GrokStage, grokSpec } from '../../../../aggregator/stages/grok/grok.ts'
import grokModule from '../../../../aggregator/stages/grok/grok.ts'
import { defaultPatternsDir } from '../../../../aggregator/stages/grok/library.ts'
import { validate } from '../../../../core/config/schema.ts'
import { LogyardError } from '../../../../core/errors.ts'
import { silentLogger } from '../../../../core/logger.ts'
import { MetricsRegistry } from '../../../../core/metrics.ts'
import type { LogEvent } from '../../../../core/event.ts'

const access = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08 [en] (Win98; I ;Nav)"'

function make(options: Record<string, unknown>) {
  const metrics = new MetricsRegistry()
  const stage = new GrokStage(validate(grokSpec, options), { logger: silentLogger(), metrics, id: '3:grok', patternsDir: defaultPatternsDir })
  return { stage, metrics }
}

t.test('module contract: create() resolves with workers ready', async (t) => {
  t.equal(grokModule.type, 'grok')
  const stage = await grokModule.create(validate(grokSpec, { patterns: ['%{INT:n:int}'] }), { logger: silentLogger(), metrics: new MetricsRegistry(), id: '0:grok', patternsDir: defaultPatternsDir })
  const out = await stage.run([{ message: 'n=12' }])
  t.equal(out[0]!.n, 12)
  await stage.close?.()
})

t.test('shorthand: inline (timeout 0) ECS captures', async (t) => {
  const { stage } = make({ field: 'message', patterns: ['%{COMBINEDAPACHELOG}'], timeout_millis: 0 })
  const out = stage.run([{ message: access }, { message: 'nope' }]) as LogEvent[]
  t.same(out[0]!.http, { request: { method: 'GET', referrer: 'http://www.example.com/start.html' }, version: '1.0', response: { status_code: 200, body: { bytes: 2326 } } })
  t.same(out[0]!.source, { address: '127.0.0.1' })
  t.equal(out[0]!.message, access, 'message untouched')
  t.equal(out[0]!.tags, undefined)
  t.same(out[1]!.tags, ['_grokparsefailure'])
  await stage.close()
})

t.test('match map, several fields and patterns, break_on_match, worker mode', async (t) => {
  const { stage, metrics } = make({
    match: { message: ['%{NGINX_ERRORLOG}', '%{COMMONAPACHELOG}'], '[log][origin]': ['%{WORD:origin_word}'] },
    ecs_compatibility: 'disabled',
  })
  t.teardown(() => stage.close())
  const out = await stage.run([
    { message: '127.0.0.1 - - [10/Oct/2000:13:55:36 -0700] "GET / HTTP/1.1" 404 -', log: { origin: 'nginx' } },
    { message: 'garbage', log: { origin: 'apache' } },
    { other: 1 },
  ])
  t.equal(out[0]!.clientip, '127.0.0.1')
  t.equal(out[0]!.response, '404')
  t.equal(out[0]!.bytes, undefined, '"-" leaves bytes absent')
  t.equal(out[0]!.origin_word, undefined, 'break_on_match stops after the first match')
  t.equal(out[1]!.origin_word, 'apache', 'second field tried when the first fails')
  t.same(out[2]!.tags, ['_grokparsefailure'], 'absent fields are a failure')
  t.match(metrics.render(), /pipeline_stage_events_failed_total\{stage="3:grok"\} 1/)
})

t.test('break_on_match false applies every matching pattern', async (t) => {
  const { stage } = make({ match: { message: ['%{WORD:first}', '%{INT:num:int}'] }, break_on_match: false, timeout_millis: 0 })
  const [e] = stage.run([{ message: 'abc 42' }]) as LogEvent[]
  t.equal(e!.first, 'abc')
  t.equal(e!.num, 42)
})

t.test('overwrite, merge into arrays, target, keep_empty_captures, named_captures_only', async (t) => {
  const a = make({ patterns: ['%{WORD:message} %{WORD:level} %{WORD:tags}'], overwrite: ['message'], timeout_millis: 0 })
  const [e1] = a.stage.run([{ message: 'hello info x', level: 'old', tags: ['t1'] }]) as LogEvent[]
  t.equal(e1!.message, 'hello', 'overwrite replaces')
  t.same(e1!.level, ['old', 'info'], 'existing string becomes an array')
  t.same(e1!.tags, ['t1', 'x'], 'existing array is appended to')

  const b = make({ patterns: ['%{WORD:[a][b]}=(?<v>\\w*)'], target: 'parsed', timeout_millis: 0 })
  const [e2] = b.stage.run([{ message: 'key=' }]) as LogEvent[]
  t.same(e2!.parsed, { a: { b: 'key' } }, 'empty capture dropped, target nests')
  const c = make({ patterns: ['%{WORD:[a][b]}=(?<v>\\w*)'], keep_empty_captures: true, timeout_millis: 0 })
  const [e3] = c.stage.run([{ message: 'key=' }]) as LogEvent[]
  t.equal(e3!.v, '')
  const d = make({ patterns: ['%{WORD} %{INT:n}'], named_captures_only: false, timeout_millis: 0 })
  const [e4] = d.stage.run([{ message: 'abc 7' }]) as LogEvent[]
  t.equal(e4!.WORD, 'abc')
  t.equal(e4!.n, '7')
})

t.test('pattern_definitions, patterns_dir, custom tags, max_field_bytes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-grok-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'mine'), '# mine\nQUEUEID [0-9A-F]{10,11}\n')
  const { stage, metrics } = make({
    patterns: ['%{QUEUEID:queue_id}: %{GREETING:greet}'],
    pattern_definitions: { GREETING: 'hello|hi' },
    patterns_dir: [dir],
    tag_on_failure: ['bad', 'grok'],
    max_field_bytes: '40b',
    timeout_millis: 0,
  })
  const out = stage.run([{ message: '4A5B6C7D8E: hi' }, { message: 'x' }, { message: `4A5B6C7D8E: hi ${'y'.repeat(40)}` }]) as LogEvent[]
  t.equal(out[0]!.queue_id, '4A5B6C7D8E')
  t.equal(out[0]!.greet, 'hi')
  t.same(out[1]!.tags, ['bad', 'grok'])
  t.same(out[2]!.tags, ['bad', 'grok'], 'too long: not matched')
  t.match(metrics.render(), /grok_field_too_long_total\{stage="3:grok"\} 1/)
})

t.test('config errors name the stage, field and pattern', async (t) => {
  t.throws(() => make({ patterns: ['%{NOPE:x}'] }), { code: 'LY_CONFIG', message: /3:grok\.patterns\[0\]: unknown pattern %\{NOPE\}/ })
  t.throws(() => make({ match: { '[a][b]': ['%{WORD}', '%{NOPE2}'] } }), { code: 'LY_CONFIG', message: /3:grok\.match\.\[a\]\[b\]\[1\]: unknown pattern %\{NOPE2\}/ })
  t.throws(() => make({ patterns: ['%{A}'], pattern_definitions: { A: '%{B}', B: 'x%{A}' } }), { message: /recursive pattern A → B → A/ })
  t.throws(() => make({ patterns: ['(unclosed'] }), { message: /bad regex/ })
  t.throws(() => make({ patterns: ['^(a+)+$'] }), { message: /backtrack exponentially/ })
  t.throws(() => validate(grokSpec, {}), { message: /needs patterns/ })
  t.throws(() => validate(grokSpec, { match: { message: ['x'] }, patterns: ['y'] }), { message: /not both/ })
  t.throws(() => validate(grokSpec, { patterns: ['x'], ecs_compatibility: 'v2' }), { message: /ecs_compatibility: must be one of/ })
})

// ReDoS: (\w+\s?)+$ on a long word followed by '!' backtracks exponentially.
// The analyzer only warns about it (it is not "obviously" exponential), so it
// compiles, and the watchdog has to stop it.
const evil = `${'a'.repeat(40)}!`

t.test('watchdog: a runaway regex costs about the budget; the rest of the batch and later batches are matched', async (t) => {
  const budget = 300
  const { stage, metrics } = make({ patterns: ['^(\\w+\\s?)+$', '%{INT:n:int}'], timeout_millis: budget })
  t.teardown(() => stage.close())
  await stage.ready() // workers (and the spare) started
  await stage.run([{ message: 'warm 1' }])
  const batch: LogEvent[] = [{ message: 'before 1' }, { message: evil }, { message: 'after 2' }, { message: 'zzz' }]
  const t0 = performance.now()
  const out = await stage.run(batch)
  const elapsed = performance.now() - t0
  t.ok(elapsed < budget * 2 + 700, `batch took ${Math.round(elapsed)} ms, bounded by the ${budget} ms budget (a spare worker takes over)`)
  t.ok(elapsed >= budget * 0.9, 'and the watchdog did wait for the budget')
  t.same(out[1]!.tags, ['_groktimeout'])
  t.equal(out[0]!.n, undefined, '"before 1" matched the first pattern (no captures), not tagged')
  t.equal(out[0]!.tags, undefined)
  t.equal(out[2]!.tags, undefined)
  t.same(out[3]!.tags, undefined, '"zzz" matches ^(\\w+\\s?)+$')
  t.match(metrics.render(), /grok_timeouts_total\{stage="3:grok"\} 1/)
  const later = await stage.run([{ message: 'x-1' }, { message: 'y 5' }])
  t.equal(later[0]!.n, -1, 'later batches are processed by the restarted worker')
  t.equal(later[1]!.tags, undefined)
})

t.test('two runaway events in one batch and concurrent batches on two workers', async (t) => {
  const { stage } = make({ patterns: ['^(\\w+\\s?)+$'], timeout_millis: 150, workers: 2 })
  t.teardown(() => stage.close())
  const [a, b] = await Promise.all([
    stage.run([{ message: evil }, { message: 'ok' }, { message: evil }]),
    stage.run([{ message: 'fine' }, { message: '!!' }]),
  ])
  t.same(a.map((e) => e.tags), [['_groktimeout'], undefined, ['_groktimeout']])
  t.same(b.map((e) => e.tags), [undefined, ['_grokparsefailure']])
})

t.test('run after close is a LY_CLOSED rejection', async (t) => {
  const { stage } = make({ patterns: ['%{WORD:w}'] })
  await stage.close()
  await stage.close()
  let caught: unknown
  try {
    await stage.run([{ message: 'x' }])
  } catch (err) {
    caught = err
  }
  t.ok(LogyardError.is(caught) && caught.code === 'LY_CLOSED')
})
