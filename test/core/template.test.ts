import t from 'tap'
import { compileTemplate } from '../../core/template.ts'

t.test('literal, refs in both syntaxes, lists, objects, missing refs, dates', async (t) => {
  t.equal(compileTemplate('plain').constant, true)
  const e = { fields: { service: 'web' }, host: { name: 'a1' }, tags: ['x', 'y'], obj: { k: 1 }, n: 0, '@timestamp': '2024-05-01T23:59:59.000Z' }
  t.equal(compileTemplate('%{[fields][service]}-%{host.name}').render(e), 'web-a1')
  t.equal(compileTemplate('t=%{tags} o=%{obj} n=%{n}').render(e), 't=x,y o={"k":1} n=0')
  t.equal(compileTemplate('%{missing}!').render(e), '%{missing}!', 'left as written')
  t.equal(compileTemplate('logs-%{+yyyy.MM.dd}').render(e), 'logs-2024.05.01', 'UTC date of @timestamp')
  t.throws(() => compileTemplate('%{[bad}'), RangeError)
})

t.test('options: a replacement for missing fields, scalars only, counting; day cache across days', async (t) => {
  const idx = compileTemplate('logs-%{[fields][service]}-%{+yyyy.MM.dd}', { missing: 'unknown', scalarsOnly: true })
  t.equal(idx.render({ '@timestamp': '2024-05-01T10:00:00.000Z', fields: { service: '' } }), 'logs-unknown-2024.05.01', "'' is missing for scalars-only")
  t.equal(idx.render({ '@timestamp': '2024-05-02T00:00:00.000Z', fields: { service: ['a'] } }), 'logs-unknown-2024.05.02', 'a list is missing; the cached day moves on')
  t.equal(idx.render({ '@timestamp': '2024-05-02T01:00:00.000Z', fields: { service: true } }), 'logs-true-2024.05.02')
  t.equal(idx.missingCount, 2)
  t.equal(idx.pattern, 'logs-*-*')
  const plain = compileTemplate('[%{x}]')
  t.equal(plain.render({ x: '' }), '[]', "'' renders empty without scalarsOnly (Logstash)")
  t.equal(plain.render({}), '[%{x}]')
  t.equal(plain.missingCount, 1)
  t.equal(compileTemplate('%{+HH:mm:ss.SSS}').render({ '@timestamp': '2024-05-01T23:30:00.5-01:00' }), '00:30:00.500', 'non-UTC timestamps go through Date')
})
