import t from 'tap'
import { GrokWorkerPool } from '../../../../aggregator/parse/grok/pool.ts'
import type { PlanSpec } from '../../../../aggregator/parse/grok/plan.ts'

const spec = (patterns: string[], breakOnMatch = true): PlanSpec => ({ library: {}, compile: {}, entries: [{ field: 'message', patterns }], breakOnMatch })

t.test('batches come back as flat hits in order; empty batches; close is idempotent', async (t) => {
  const pool = new GrokWorkerPool(spec(['%{INT:n:int}', '%{WORD:w}']), { size: 1, timeoutMs: 1000 })
  await pool.ready()
  const out = await pool.run(['a 12', 'word', '!!!', null], 4)
  t.same(out.timedOut, [])
  // per event: count, then entry, pattern, values
  t.same(out.hits, [1, 0, 0, 12, 1, 0, 1, 'word', 0, 0])
  t.same(await pool.run([], 0), { hits: [], timedOut: [] })
  t.equal(pool.started, 2, 'one worker and one spare')
  await pool.close()
  await pool.close()
  await t.rejects(pool.run(['x'], 1), { code: 'LY_CLOSED' })
})

t.test('a worker that cannot start breaks the pool with a coded error instead of respawning forever', async (t) => {
  // The main thread would reject this at config time; here the worker is the
  // first to compile it, throws during start-up and exits.
  const pool = new GrokWorkerPool(spec(['%{NOPE}']), { size: 1, timeoutMs: 1000 })
  await t.rejects(pool.ready(), { code: 'LY_CONFIG', message: /failed to start three times/ })
  await t.rejects(pool.run(['x'], 1), { code: 'LY_CONFIG' })
  t.ok(pool.started <= 6, `gave up after ${pool.started} starts`)
  await pool.close()
})

t.test('a batch queued while the workers start is run once they are ready', async (t) => {
  const pool = new GrokWorkerPool(spec(['%{WORD:w}']), { size: 2, timeoutMs: 500 })
  t.teardown(() => pool.close())
  const results = await Promise.all([pool.run(['one'], 1), pool.run(['two'], 1), pool.run(['three'], 1)])
  t.same(results.map((r) => r.hits), [[1, 0, 0, 'one'], [1, 0, 0, 'two'], [1, 0, 0, 'three']])
})
