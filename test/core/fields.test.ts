import t from 'tap'
import { addTag, deleteField, getField, hasTag, parseFieldRef, setField } from '../../core/fields.ts'

t.test('field references in both spellings', async (t) => {
  t.same(parseFieldRef('[http][response][status_code]'), ['http', 'response', 'status_code'])
  t.same(parseFieldRef('log.file.path'), ['log', 'file', 'path'])
  t.same(parseFieldRef('@metadata'), ['@metadata'])
  t.throws(() => parseFieldRef('[a]b'), /bad field reference/)
  t.throws(() => parseFieldRef('a..b'), /bad field reference/)
  t.equal(parseFieldRef('[x][y]'), parseFieldRef('[x][y]'), 'cached: same frozen array')
})

t.test('get, set, delete nested fields', async (t) => {
  const e: Record<string, unknown> = { log: { file: { path: '/var/log/a' } }, message: 'm' }
  t.equal(getField(e, parseFieldRef('log.file.path')), '/var/log/a')
  t.equal(getField(e, parseFieldRef('message.length')), undefined, 'no walking into strings')
  setField(e, parseFieldRef('[http][response][status_code]'), 200)
  t.same(e.http, { response: { status_code: 200 } })
  setField(e, parseFieldRef('message.x'), 1)
  t.same(e.message, { x: 1 }, 'a scalar in the way is replaced by an object')
  t.equal(deleteField(e, parseFieldRef('log.file.path')), '/var/log/a')
  t.same(e.log, { file: {} })
  t.equal(deleteField(e, parseFieldRef('nope.deeper')), undefined)
})

t.test('a deleted field is gone for every reader and from the JSON; deleting an absent one adds nothing', async (t) => {
  const e: Record<string, unknown> = { a: 1, timestamp: '22/Nov/2026:04:00:00 +0000', b: { c: 2, d: 3 }, list: ['x', 'y'] }
  t.equal(deleteField(e, parseFieldRef('timestamp')), '22/Nov/2026:04:00:00 +0000')
  t.equal(getField(e, parseFieldRef('timestamp')), undefined)
  t.equal(deleteField(e, parseFieldRef('timestamp')), undefined, 'a second delete finds nothing')
  t.equal(deleteField(e, parseFieldRef('b.c')), 2)
  t.equal(deleteField(e, parseFieldRef('[list][0]')), 'x')
  t.equal(JSON.stringify(e), '{"a":1,"b":{"d":3},"list":[null,"y"]}')
  deleteField(e, parseFieldRef('never'))
  deleteField(e, parseFieldRef('b.never'))
  t.notOk('never' in e, 'no key added for an absent field')
  t.notOk('never' in (e.b as object))
  setField(e, parseFieldRef('timestamp'), 'again')
  t.equal(getField(e, parseFieldRef('timestamp')), 'again', 'set again after a delete')
})

t.test('tags', async (t) => {
  const e: Record<string, unknown> = {}
  addTag(e, 'a')
  addTag(e, 'a')
  t.same(e.tags, ['a'])
  e.tags = 'x'
  addTag(e, 'y')
  t.same(e.tags, ['x', 'y'])
  t.ok(hasTag(e, 'y'))
  t.notOk(hasTag({ tags: 'z' }, 'y'))
})
