import t from 'tap'
import { OrderedAcks } from '../../../forwarder/ship/acker.ts'

t.test('the checkpoint advances only over a contiguous prefix of acknowledged batches', async (t) => {
  const acks = new OrderedAcks()
  const b1 = { done: false }
  const b2 = { done: false }
  const b3 = { done: false }
  t.equal(acks.add(b1, 100), true)
  t.equal(acks.add(b1, 150), false, 'same batch: the end moves')
  acks.add(b2, 200)
  acks.add(b3, 300)
  b2.done = true
  t.equal(acks.settle(), -1, 'b2 acked before b1: no movement')
  b3.done = true
  t.equal(acks.settle(), -1)
  b1.done = true
  t.equal(acks.settle(), 300, 'b1 closes the gap: all the way to b3')
  t.equal(acks.pending, 0)
})

t.test('after a truncation, acks of old batches do not move the new checkpoint', async (t) => {
  const acks = new OrderedAcks()
  const old = { done: false }
  acks.add(old, 5000)
  acks.reset()
  const fresh = { done: false }
  acks.add(fresh, 40)
  old.done = true
  t.equal(acks.settle(), -1)
  fresh.done = true
  t.equal(acks.settle(), 40)
})

t.test('long runs compact', async (t) => {
  const acks = new OrderedAcks()
  let last = -1
  for (let i = 1; i <= 1000; i++) {
    const b = { done: false }
    acks.add(b, i)
    b.done = true
    last = acks.settle()
  }
  t.equal(last, 1000)
  t.equal(acks.pending, 0)
})
