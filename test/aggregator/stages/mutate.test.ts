import t from 'tap'
import { MutateStage, mutateSpec } from '../../../aggregator/stages/mutate.ts'
import { DropStage } from '../../../aggregator/stages/drop.ts'
import { validate } from '../../../core/config/schema.ts'
import { LogyardError } from '../../../core/errors.ts'
import { silentLogger } from '../../../core/logger.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'

function make(options: Record<string, unknown>) {
  const metrics = new MetricsRegistry()
  const stage = new MutateStage(validate(mutateSpec, options), { logger: silentLogger(), metrics, id: '2:mutate', patternsDir: '' })
  return { stage, metrics }
}

t.test('rename, copy, add_field with refs, remove_field, tags', async (t) => {
  const { stage } = make({
    rename: { clientip: '[source][ip]' },
    copy: { '[source][ip]': 'orig_ip' },
    add_field: { service_env: '%{[fields][service]}-%{env}', 'fields.service': 'extra' },
    remove_field: ['junk', 'nested.gone'],
    add_tag: ['parsed', 'svc_%{[fields][service]}'],
    remove_tag: ['raw'],
  })
  const [e] = stage.run([{ clientip: '10.0.0.1', fields: { service: 'web' }, junk: 1, nested: { gone: 1, kept: 2 }, tags: ['raw', 'nginx'] }])
  t.same(e, {
    source: { ip: '10.0.0.1' },
    orig_ip: '10.0.0.1',
    fields: { service: ['web', 'extra'] },
    service_env: 'web-%{env}',
    nested: { kept: 2 },
    tags: ['nginx', 'parsed', 'svc_web,extra'],
  }, 'add_field merges into a list, lists render comma-joined, a missing ref stays as written')
})

t.test('convert, with failures tagged and counted', async (t) => {
  const { stage, metrics } = make({ convert: { bytes: 'integer', ratio: 'float', ok: 'boolean', code: 'string', list: 'integer', bad: 'integer' } })
  const [e] = stage.run([{ bytes: '1024', ratio: '0.5', ok: 'yes', code: 200, list: ['1', '2.9'], bad: 'lots' }])
  t.equal(e!.bytes, 1024)
  t.equal(e!.ratio, 0.5)
  t.equal(e!.ok, true)
  t.equal(e!.code, '200')
  t.same(e!.list, [1, 2])
  t.equal(e!.bad, 'lots', 'unconvertible value left alone')
  t.same(e!.tags, ['_mutate_error'])
  t.match(metrics.render(), /events_failed_total\{stage="2:mutate"\} 1/)
})

t.test('gsub (both forms), replace, update, case, strip', async (t) => {
  const { stage } = make({
    gsub: ['path', '/', '_', 'msg', '(\\d+)ms', '\\1 ms'],
    replace: { message: '%{verb} %{path}' },
    update: { missing: 'x', verb: 'was %{verb}' },
    lowercase: ['host'],
    uppercase: 'lvl',
    strip: ['pad'],
  })
  const [e] = stage.run([{ path: '/a/b', msg: 'took 12ms', verb: 'GET', host: 'WEB-1', lvl: ['info', 'warn'], pad: '  x ' }])
  t.equal(e!.path, '_a_b')
  t.equal(e!.msg, 'took 12 ms')
  t.equal(e!.message, 'was GET /a/b', 'fixed order: update, replace, then gsub')
  t.equal(e!.verb, 'was GET')
  t.equal(e!.missing, undefined, 'update never creates')
  t.equal(e!.host, 'web-1')
  t.same(e!.lvl, ['INFO', 'WARN'])
  t.equal(e!.pad, 'x')
  const objects = make({ gsub: [{ field: 'm', pattern: 'a+', replacement: '<%{who}>' }] }).stage
  t.equal(objects.run([{ m: 'baaad', who: 'me' }])[0]!.m, 'b<me>d')
})

t.test('config errors', async (t) => {
  for (const [opts, re] of [
    [{ convert: { a: 'int' } }, /convert\.a: must be one of/],
    [{ gsub: ['a', 'b'] }, /gsub: flat form needs triples/],
    [{ gsub: ['a', '(', 'b'] }, /gsub: bad pattern/],
    [{ rename: { '[a': 'b' } }, /rename: key "\[a": bad field reference/],
    [{ add_fields: {} }, /add_fields: unknown key; did you mean "add_field"/],
  ] as const) {
    try {
      validate(mutateSpec, opts)
      t.fail('accepted')
    } catch (err) {
      t.ok(LogyardError.is(err))
      t.match((err as Error).message, re)
    }
  }
})

t.test('drop: all, none, a share', async (t) => {
  t.same(new DropStage({ percentage: 100 }).run([{ a: 1 }]), [])
  t.same(new DropStage({ percentage: 0 }).run([{ a: 1 }]), [{ a: 1 }])
  const seq = [0.1, 0.9, 0.2, 0.8]
  let i = 0
  const half = new DropStage({ percentage: 50 }, () => seq[i++]!)
  t.same(half.run([{ n: 1 }, { n: 2 }, { n: 3 }, { n: 4 }]), [{ n: 2 }, { n: 4 }])
})

t.test('convert reads collectd numbers kept exact for JSON (JsonFloat 157.0, ExactInteger)', async (t) => {
  const { JsonFloat } = await import('../../../aggregator/inputs/collectd/json-float.ts')
  const { ExactInteger } = await import('../../../aggregator/inputs/collectd/exact-integer.ts')
  const { stage } = make({ convert: { value: 'integer', g: 'float', s: 'string', big: 'float' } })
  const [e] = stage.run([{ value: new JsonFloat(157), g: new JsonFloat(2), s: new JsonFloat(3), big: new ExactInteger(2n ** 60n) }])
  t.equal(e!.value, 157)
  t.equal(e!.g, 2)
  t.equal(e!.s, '3.0', "to string as Logstash's Float#to_s writes it")
  t.equal(e!.big, 2 ** 60)
  t.equal(e!.tags, undefined, 'no conversion failed')
})
