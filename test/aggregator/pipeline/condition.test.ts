import t from 'tap'
import { compileCondition } from '../../../aggregator/pipeline/condition.ts'
import { LogyardError } from '../../../core/errors.ts'

const nginx = { message: 'GET / 200', tags: ['nginx', 'prod'], fields: { service: 'web', code: 200 } }
const rails = { message: '{"a":1}', tags: 'rails', fields: { service: 'api' } }

t.test('tags: one, several, string-valued tags', async (t) => {
  t.equal(compileCondition({ tags: 'nginx' }, 'w')(nginx), true)
  t.equal(compileCondition({ tags: 'nginx' }, 'w')(rails), false)
  t.equal(compileCondition({ tags: ['nginx', 'prod'] }, 'w')(nginx), true)
  t.equal(compileCondition({ tags: ['nginx', 'staging'] }, 'w')(nginx), false)
  t.equal(compileCondition({ tags: 'rails' }, 'w')(rails), true)
})

t.test('exists, equals, matches', async (t) => {
  t.equal(compileCondition({ exists: '[fields][code]' }, 'w')(nginx), true)
  t.equal(compileCondition({ exists: 'fields.code' }, 'w')(rails), false)
  t.equal(compileCondition({ equals: { '[fields][service]': 'web' } }, 'w')(nginx), true)
  t.equal(compileCondition({ equals: { 'fields.code': '200' } }, 'w')(nginx), true, 'scalars compare as text')
  t.equal(compileCondition({ equals: { 'fields.service': 'web' } }, 'w')(rails), false)
  t.equal(compileCondition({ equals: { 'fields.missing': 'undefined' } }, 'w')(rails), false, 'absent never equals')
  t.equal(compileCondition({ matches: { message: '^\\{' } }, 'w')(rails), true)
  t.equal(compileCondition({ matches: { message: '^\\{' } }, 'w')(nginx), false)
  t.equal(compileCondition({ matches: { 'fields.code': '200' } }, 'w')(nginx), false, 'only strings match')
})

t.test('not, any, all and implicit and', async (t) => {
  t.equal(compileCondition({ not: { tags: 'nginx' } }, 'w')(rails), true)
  t.equal(compileCondition({ not: { tags: 'nginx' } }, 'w')(nginx), false)
  const either = compileCondition({ any: [{ tags: 'nginx' }, { tags: 'rails' }] }, 'w')
  t.equal(either(nginx), true)
  t.equal(either(rails), true)
  t.equal(either({ message: 'x' }), false)
  const both = compileCondition({ all: [{ tags: 'nginx' }, { equals: { 'fields.service': 'web' } }] }, 'w')
  t.equal(both(nginx), true)
  t.equal(both({ ...nginx, fields: { service: 'db' } }), false)
  const implicit = compileCondition({ tags: 'nginx', matches: { message: 'POST' } }, 'w')
  t.equal(implicit(nginx), false, 'every key of one mapping must hold')
})

t.test('bad conditions are ConfigErrors naming the path', async (t) => {
  const cases: [unknown, RegExp][] = [
    [{ tagz: 'x' }, /^pipeline\[0\]\.when\.tagz: unknown condition/],
    [{ matches: { message: '(' } }, /^pipeline\[0\]\.when\.matches\.message: invalid regular expression/],
    [{ any: [] }, /when\.any: must be a non-empty list/],
    [{ not: { exists: '' } }, /when\.not\.exists: must be a non-empty string/],
    ['nginx', /when: must be a mapping/],
    [{ exists: '[a' }, /when\.exists\[0\]: bad field reference/],
  ]
  for (const [spec, re] of cases) {
    try {
      compileCondition(spec, 'pipeline[0].when')
      t.fail(`accepted ${JSON.stringify(spec)}`)
    } catch (err) {
      t.ok(LogyardError.is(err) && err.code === 'LY_CONFIG', 'coded LY_CONFIG')
      t.match((err as Error).message, re)
    }
  }
})
