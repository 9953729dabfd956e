import t from 'tap'
import { Backoff } from '../../core/backoff.ts'

t.test('full jitter grows to the cap and resets', async (t) => {
  const b = new Backoff({ initial: 100, max: 1000, random: () => 0.999 })
  const seen = Array.from({ length: 6 }, () => b.next())
  t.same(seen, [99, 199, 399, 799, 999, 999])
  b.reset()
  t.equal(b.next(), 99)
  const low = new Backoff({ initial: 100, max: 1000, random: () => 0 })
  t.equal(low.next(), 25, 'floor keeps a minimum delay')
  t.throws(() => new Backoff({ initial: 0, max: 1 }))
})
