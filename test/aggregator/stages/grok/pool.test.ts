import t from 'tap'
import { GrokWorkerPool } from '../../../../aggregator/stages/grok/pool.ts'
import type { PlanSpec } from '../../../../aggregator/stages/grok/plan.ts'

const spec = (patterns: string[], breakOnMatch = true): PlanSpec => ({ library: {}, compile: {}, entries: [{ field: 'message', patterns }], breakOnMatch })

t.test('batches come back as flat hits in order; empty batches; close is idempotent', async (t) => {
  const pool = new GrokWorkerPool(1)
  const plan = pool.register(spec(['%{INT:n:int}', '%{WORD:w}']), 1000)
  await pool.ready()
  const out = await pool.run(plan, ['a 12', 'word', '!!!', null], 4)
  t.same(out.timedOut, [])
  // per event: count, then entry, pattern, values
  t.same(out.hits, [1, 0, 0, 12, 1, 0, 1, 'word', 0, 0])
  t.same(await pool.run(plan, [], 0), { hits: [], timedOut: [] })
  t.equal(pool.started, 2, 'one worker and one spare')
  await pool.close()
  await pool.close()
  await t.rejects(pool.run(plan, ['x'], 1), { code: 'LY_CLOSED' })
})

t.test('stages share the threads: two plans, one pool; the last release closes it', async (t) => {
  const pool = GrokWorkerPool.shared(1)
  t.equal(GrokWorkerPool.shared(1), pool, 'same size, same pool')
  const words = pool.register(spec(['%{WORD:w}']), 1000)
  const ints = pool.register(spec(['%{INT:n:int}']), 1000)
  await pool.ready()
  const [a, b] = await Promise.all([pool.run(words, ['hello'], 1), pool.run(ints, ['n=5'], 1)])
  t.same(a.hits, [1, 0, 0, 'hello'])
  t.same(b.hits, [1, 0, 0, 5])
  t.equal(pool.started, 2, 'no threads per plan')
  await pool.release(words)
  await t.rejects(pool.run(words, ['x'], 1), { code: 'LY_CLOSED' })
  t.same((await pool.run(ints, ['7'], 1)).hits, [1, 0, 0, 7], 'the other plan still runs')
  await pool.release(ints)
  await t.rejects(pool.run(ints, ['7'], 1), { code: 'LY_CLOSED' })
  t.not(GrokWorkerPool.shared(1), pool, 'a closed shared pool is replaced')
  await GrokWorkerPool.shared(1).close()
})

t.test('a plan the worker cannot compile fails its batches with LY_CONFIG, not the pool', async (t) => {
  const pool = new GrokWorkerPool(1)
  t.teardown(() => pool.close())
  // The stage compiles on the main thread first and never sends such a plan.
  const bad = pool.register(spec(['%{NOPE}']), 1000)
  const good = pool.register(spec(['%{WORD:w}']), 1000)
  await t.rejects(pool.run(bad, ['x'], 1), { code: 'LY_CONFIG', message: /could not compile the plan: .*unknown pattern %\{NOPE\}/ })
  t.same((await pool.run(good, ['ok'], 1)).hits, [1, 0, 0, 'ok'])
})

t.test('batches queued while the workers start run once they are ready; plans need a budget', async (t) => {
  const pool = new GrokWorkerPool(2)
  t.teardown(() => pool.close())
  const plan = pool.register(spec(['%{WORD:w}']), 500)
  const results = await Promise.all([pool.run(plan, ['one'], 1), pool.run(plan, ['two'], 1), pool.run(plan, ['three'], 1)])
  t.same(results.map((r) => r.hits), [[1, 0, 0, 'one'], [1, 0, 0, 'two'], [1, 0, 0, 'three']])
  t.throws(() => pool.register(spec(['x']), 0), RangeError)
})
