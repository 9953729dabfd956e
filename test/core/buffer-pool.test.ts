import t from 'tap'
import { FixedBufferPool, SizedBufferPool } from '../../core/buffer-pool.ts'

t.test('FixedBufferPool: reuses up to `keep` buffers of its size; larger requests get their own, never kept', async (t) => {
  const p = new FixedBufferPool(1024, 2)
  const a = p.take()
  const b = p.take(1000)
  const c = p.take()
  t.equal(a.length, 1024)
  t.not(a.buffer, b.buffer)
  p.give(a)
  p.give(b)
  p.give(c) // over keep: dropped
  const big = p.take(5000)
  t.equal(big.length, 5000)
  p.give(big) // not its size: dropped
  const again = new Set([p.take().buffer, p.take().buffer])
  t.same(again, new Set([a.buffer, b.buffer]), 'the two kept buffers come back')
  t.notOk(again.has(c.buffer))
  t.not(p.take().buffer, big.buffer, 'the oversize buffer was not kept')
})

t.test('SizedBufferPool: best fit, sizes rounded to the step, keeps the larger buffers when full, none over maxBytes', async (t) => {
  const p = new SizedBufferPool(2, 100, 1000)
  const small = p.take(150)
  const mid = p.take(450)
  const large = p.take(900)
  t.same([small.length, mid.length, large.length], [200, 500, 900])
  p.give(small)
  p.give(mid)
  p.give(large) // full: replaces the smallest
  t.equal(p.take(100), mid, 'best fit among the kept: 500 for 100 (200 was let go for the 900)')
  t.equal(p.take(100), large)
  t.not(p.take(100), small)
  const huge = p.take(5000)
  p.give(huge)
  t.not(p.take(5000), huge, 'over maxBytes: not kept')
})
