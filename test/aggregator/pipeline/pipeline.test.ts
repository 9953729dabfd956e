import t from 'tap'
import { buildPipeline, validatePipeline } from '../../../aggregator/pipeline/pipeline.ts'
import { stageComponents } from '../../../aggregator/stages/index.ts'
import type { StageComponent } from '../../../aggregator/component.ts'
import { LogyardError } from '../../../core/errors.ts'
import { silentLogger } from '../../../core/logger.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'

const ctx = () => ({ logger: silentLogger(), metrics: new MetricsRegistry(), patternsDir: 'patterns' })

t.test('stages run in order, when: selects, others keep their place', async (t) => {
  const defs = validatePipeline([
    { when: { tags: 'rails' }, json: { field: 'message' } },
    { mutate: { add_tag: ['seen'] } },
    { when: { equals: { level: 'debug' } }, drop: {} },
    { when: { exists: 'ts' }, date: { field: 'ts', formats: ['UNIX_MS'] } },
  ], stageComponents)
  const c = ctx()
  const pipeline = await buildPipeline(defs, c)
  const events = [
    { message: 'plain line', tags: ['nginx'] },
    { message: '{"level":"debug","x":1}', tags: ['rails'] },
    { message: '{"level":"info","ts":1700000000000}', tags: ['rails'] },
    { message: 'another', tags: [] },
  ]
  const out = await pipeline.run(events)
  t.equal(out.length, 3, 'the debug event was dropped')
  t.same(out.map((e) => e.message), ['plain line', '{"level":"info","ts":1700000000000}', 'another'], 'order kept')
  t.same(out[0]!.tags, ['nginx', 'seen'])
  t.equal(out[0]!.level, undefined, 'json only ran on rails events')
  t.equal(out[1]!['@timestamp'], '2023-11-14T22:13:20.000Z')
  const metrics = c.metrics.render()
  t.match(metrics, /logyard_pipeline_stage_events_in_total\{stage="0:json"\} 2/)
  t.match(metrics, /logyard_pipeline_stage_events_in_total\{stage="1:mutate"\} 4/)
  t.match(metrics, /logyard_pipeline_stage_events_dropped_total\{stage="2:drop"\} 1/)
  t.match(metrics, /logyard_pipeline_stage_events_in_total\{stage="3:date"\} 1/)
  await pipeline.close()
})

t.test('async stages are awaited and closed', async (t) => {
  let closed = false
  const slowSpec = { type: 'object', doc: 'x', fields: { suffix: { type: 'string', doc: 's', default: '!' } } } as const
  const slow: StageComponent<typeof slowSpec, 'slow'> = {
    kind: 'stage',
    type: 'slow',
    spec: slowSpec,
    create: (o) => ({
      type: 'slow',
      run: async (events) => {
        await new Promise((r) => setTimeout(r, 5)) // async work to await, not synchronisation
        for (const e of events) e.message = `${String(e.message)}${o.suffix}`
        return events
      },
      close: async () => {
        closed = true
      },
    }),
  }
  const pipeline = await buildPipeline(validatePipeline([{ slow: { suffix: '?' } }], { slow }), ctx())
  const out = await pipeline.run([{ message: 'a' }])
  t.equal(out[0]!.message, 'a?')
  await pipeline.close()
  t.ok(closed)
})

t.test('config errors name the index and list the known types', async (t) => {
  const cases: [unknown[], RegExp][] = [
    [[{ json: {} }, { grep: {} }], /^pipeline\[1\]\.grep: unknown stage type "grep"; known types: grok, json, date, mutate, drop/],
    [[{ when: { tags: 'x' } }], /^pipeline\[0\]: names no stage/],
    [[{ json: {}, date: { field: 'a', formats: ['ISO8601'] } }], /^pipeline\[0\]: names 2 stages/],
    [[{ date: { formats: ['ISO8601'] } }], /^pipeline\[0\]\.date\.field: is required/],
    [[{ json: { feild: 'x' } }], /^pipeline\[0\]\.json\.feild: unknown key; did you mean "field"/],
    [[{ date: { field: 'a', formats: ['yyyy-qq'] } }], /^pipeline\[0\]\.date\.formats: unsupported letter "q"/],
    [[{ when: { bogus: 1 }, drop: {} }], /^pipeline\[0\]\.when\.bogus: unknown condition/],
    [['json'], /^pipeline\[0\]: must be a mapping/],
  ]
  for (const [items, re] of cases) {
    try {
      validatePipeline(items, stageComponents)
      t.fail(`accepted ${JSON.stringify(items)}`)
    } catch (err) {
      t.ok(LogyardError.is(err) && err.code === 'LY_CONFIG')
      t.match((err as Error).message, re)
    }
  }
})

t.test('grok, date and mutate together; the pipeline closes grok workers', async (t) => {
  const defs = validatePipeline([
    { when: { tags: 'nginx' }, grok: { field: 'message', patterns: ['%{COMBINEDAPACHELOG}'], ecs_compatibility: 'disabled' } },
    { when: { exists: 'timestamp' }, date: { field: 'timestamp', formats: ['dd/MMM/yyyy:HH:mm:ss Z'] } },
    { when: { exists: 'response' }, mutate: { convert: { response: 'integer' } } },
  ], stageComponents)
  const pipeline = await buildPipeline(defs, { ...ctx(), patternsDir: new URL('../../../patterns', import.meta.url).pathname })
  t.teardown(() => pipeline.close())
  const out = await pipeline.run([
    { message: '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "http://www.example.com/start.html" "Mozilla/4.08"', tags: ['nginx'] },
    { message: 'not an access log', tags: ['nginx'] },
    { message: 'untouched', tags: ['app'] },
  ])
  t.equal(out[0]!['@timestamp'], '2000-10-10T20:55:36.000Z')
  t.equal(out[0]!.response, 200)
  t.equal(out[0]!.clientip, '127.0.0.1')
  t.same(out[1]!.tags, ['nginx', '_grokparsefailure'])
  t.same(out[2], { message: 'untouched', tags: ['app'] })
})
