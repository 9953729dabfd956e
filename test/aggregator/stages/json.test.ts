import t from 'tap'
import { JsonStage, jsonSpec } from '../../../aggregator/stages/json.ts'
import { validate } from '../../../core/config/schema.ts'
import { silentLogger } from '../../../core/logger.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'

function make(options: Record<string, unknown> = {}) {
  const metrics = new MetricsRegistry()
  const stage = new JsonStage(validate(jsonSpec, options), { logger: silentLogger(), metrics, id: '0:json', patternsDir: '' })
  return { stage, metrics }
}

t.test('merges an object into the root', async (t) => {
  const { stage } = make()
  const [e] = stage.run([{ message: ' {"user":{"id":7},"level":"info"} ', tags: ['rails'] }])
  t.same(e!.user, { id: 7 })
  t.equal(e!.level, 'info')
  t.same(e!.tags, ['rails'])
})

t.test('target, scalars, remove_field', async (t) => {
  const { stage } = make({ field: '[raw]', target: 'doc.body', remove_field: true })
  const out = stage.run([{ raw: '[1,2]' }, { raw: '42' }])
  t.same(out[0]!.doc, { body: [1, 2] })
  t.equal(out[0]!.raw, undefined)
  t.same(out[1]!.doc, { body: 42 }, 'scalars are fine with a target')
})

t.test('invalid JSON is tagged and counted, never thrown; absent fields are ignored', async (t) => {
  const { stage, metrics } = make()
  const out = stage.run([{ message: 'GET / HTTP/1.1' }, { message: '{"a":' }, { message: '{"a":1}x}' }, { message: '[1]' }, { other: 1 }, { message: 7 }])
  t.same(out[0]!.tags, ['_jsonparsefailure'])
  t.same(out[1]!.tags, ['_jsonparsefailure'])
  t.same(out[2]!.tags, ['_jsonparsefailure'])
  t.same(out[3]!.tags, ['_jsonparsefailure'], 'a list cannot merge into the root')
  t.equal(out[4]!.tags, undefined)
  t.equal(out[5]!.tags, undefined)
  t.match(metrics.render(), /logyard_pipeline_stage_events_failed_total\{stage="0:json"\} 4/)
})

t.test('skip_on_invalid and custom tags', async (t) => {
  t.equal(make({ skip_on_invalid: true }).stage.run([{ message: 'nope' }])[0]!.tags, undefined)
  t.same(make({ tag_on_failure: 'bad_json' }).stage.run([{ message: 'nope', tags: ['a'] }])[0]!.tags, ['a', 'bad_json'])
})
