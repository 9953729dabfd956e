import t from 'tap'
import { compileTemplate } from '../../../aggregator/pipeline/template.ts'

t.test('literal, refs in both syntaxes, lists, objects, missing refs, dates', async (t) => {
  t.equal(compileTemplate('plain').constant, true)
  const e = { fields: { service: 'web' }, host: { name: 'a1' }, tags: ['x', 'y'], obj: { k: 1 }, n: 0, '@timestamp': '2024-05-01T23:59:59.000Z' }
  t.equal(compileTemplate('%{[fields][service]}-%{host.name}').render(e), 'web-a1')
  t.equal(compileTemplate('t=%{tags} o=%{obj} n=%{n}').render(e), 't=x,y o={"k":1} n=0')
  t.equal(compileTemplate('%{missing}!').render(e), '%{missing}!', 'left as written')
  t.equal(compileTemplate('logs-%{+yyyy.MM.dd}').render(e), 'logs-2024.05.01', 'UTC date of @timestamp')
  t.throws(() => compileTemplate('%{[bad}'), RangeError)
})
