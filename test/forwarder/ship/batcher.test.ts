import t from 'tap'
import { silentLogger } from '../../../core/logger.ts'
import { OrderedAcks } from '../../../forwarder/ship/acker.ts'
import { Batcher } from '../../../forwarder/ship/batcher.ts'
import { MemoryPublisher, until } from '../helpers.ts'
import { fakeClock } from '../../helpers/clock.ts'

// Allocations are counted, not Buffers compared by identity: the batcher's
// pools (core/buffer-pool.ts) allocate with Buffer.allocUnsafeSlow, which
// nothing else on these paths calls; the sizes of the calls are recorded.
function countAllocations(t: { teardown(fn: () => void): void }): number[] {
  const real = Buffer.allocUnsafeSlow
  const sizes: number[] = []
  Buffer.allocUnsafeSlow = (n: number) => {
    sizes.push(n)
    return real(n)
  }
  t.teardown(() => {
    Buffer.allocUnsafeSlow = real
  })
  return sizes
}

const CHUNK = 128 << 10

function target() {
  const acked: number[] = []
  return { acks: new OrderedAcks(), acked: (end: number) => acked.push(end), ends: acked }
}

t.test('cuts at batch_size, blocks while the publisher is busy, unblocks on drain', async (t) => {
  const pub = new MemoryPublisher()
  pub.maxInflight = 1
  pub.down()
  const b = new Batcher(pub, { batchSize: 3, batchBytes: 1 << 20, linger: 1000, logger: silentLogger() })
  let unblocked = 0
  b.onUnblocked = () => unblocked++
  const f = target()
  for (let i = 1; i <= 3; i++) b.add(`{"n":${i}}`, f, i * 10)
  t.equal(b.inflight, 1, 'first batch sent')
  t.equal(b.blocked, false)
  for (let i = 4; i <= 6; i++) b.add(`{"n":${i}}`, f, i * 10)
  t.equal(b.blocked, true, 'second batch waits: reading must stop')
  t.equal(b.queued, 1)
  pub.up()
  await until(() => b.eventsAcked === 6, 10_000, 'both batches acknowledged')
  t.equal(unblocked, 1)
  t.equal(b.blocked, false)
  t.same(f.ends, [30, 60], 'checkpoints after each acknowledged batch')
  t.equal(b.eventsAcked, 6)
  t.same(pub.events.map((e) => e.n), [1, 2, 3, 4, 5, 6])
})

t.test('linger sends a partial batch; drain waits for acks', async (t) => {
  const pub = new MemoryPublisher()
  const b = new Batcher(pub, { batchSize: 100, batchBytes: 1 << 20, linger: 50, logger: silentLogger() })
  const f = target()
  b.add('{"a":1}', f, 8)
  b.tick(Date.now())
  t.equal(b.inflight, 0, 'not yet')
  b.tick(Date.now() + 60)
  t.equal(b.inflight, 1, 'lingered batch sent')
  t.equal(await b.drain(Date.now() + 1000), true)
  t.same(f.ends, [8])
})

t.test('the linger timer alone sends a partial batch after batch_linger, not at a coarse tick', async (t) => {
  const clock = fakeClock(t) // the linger is a setTimeout plus Date.now(): both faked, so the timing is exact
  const pub = new MemoryPublisher()
  const b = new Batcher(pub, { batchSize: 100, batchBytes: 1 << 20, linger: 40, logger: silentLogger() })
  t.teardown(() => b.close())
  const f = target()
  b.add('{"a":1}', f, 8)
  clock.tick(39)
  t.equal(b.inflight + pub.events.length, 0, 'held while younger than linger (39 of 40 ms)')
  clock.tick(1)
  t.equal(b.inflight, 1, 'sent by the timer at 40 ms, with no tick() call')
  t.equal(await b.drain(Date.now() + 1000), true, 'acknowledged (the ACK comes on setImmediate, which is not faked)')
  t.same(pub.events, [{ a: 1 }])
  t.same(f.ends, [8])
})

t.test('drain gives up at the deadline while the output is down', async (t) => {
  const pub = new MemoryPublisher()
  pub.down()
  const b = new Batcher(pub, { batchSize: 100, batchBytes: 1 << 20, linger: 50, logger: silentLogger() })
  const f = target()
  b.add('{"a":1}', f, 8)
  t.equal(await b.drain(Date.now() + 100), false)
  t.same(f.ends, [], 'nothing acknowledged, checkpoint unchanged')
})

t.test('batch_bytes (frame headers included: 28 B per event here) cuts before batch_size', async (t) => {
  const pub = new MemoryPublisher()
  const b = new Batcher(pub, { batchSize: 100, batchBytes: 50, linger: 1000, logger: silentLogger() })
  const f = target()
  b.add('{"x":"0123456789"}', f, 1)
  b.add('{"x":"0123456789"}', f, 2)
  t.equal(pub.windows, 1)
})

t.test('compressed: 128 KiB chunks go to zlib as they fill and are reused once read; reading pauses while zlib lags', async (t) => {
  const pub = new MemoryPublisher()
  pub.maxInflight = 100
  pub.down()
  const b = new Batcher(pub, { batchSize: 5, batchBytes: 64 << 20, linger: 1000, compressionLevel: 3, logger: silentLogger() })
  const f = target()
  const pad = 'x'.repeat(100_000)
  const scratch = Buffer.alloc(200_000) // the events are written here first: Buffer.from() of a large string would count
  const allocs = countAllocations(t)
  let pauses = 0
  const feed = async (from: number, to: number): Promise<void> => {
    for (let n = from; n < to; n++) {
      // As the tailer does: no reading while blocked.
      while (b.blocked) {
        pauses++
        await new Promise((r) => setImmediate(r))
      }
      const len = scratch.write(`{"n":${n},"p":"${pad}${n}"}`)
      const out = b.reserve(len)
      scratch.copy(out, b.eventPos, 0, len)
      b.commit(b.eventPos + len, f, (n + 1) * 10)
    }
  }
  await feed(0, 80)
  b.cut()
  const chunks = allocs.filter((n) => n === CHUNK).length
  t.ok(chunks >= 1 && chunks <= 12, `80 events of 100 kB (16 windows, none acknowledged yet) were written through ${chunks} chunk allocations (one per event without reuse)`)
  t.ok(pauses > 0, `reading paused ${pauses} times`)
  pub.up()
  t.equal(await b.drain(Date.now() + 5000), true)
  t.equal(pub.events.length, 80)
  t.same(pub.events.map((e) => e.n), Array.from({ length: 80 }, (_, i) => i), 'every event arrives once, in order')
  t.ok(pub.events.every((e) => e.p === pad + e.n), 'no payload was overwritten before zlib read it')
  t.same(f.ends.at(-1), 800)
  t.equal(pub.windows, 16)
  // Now acknowledged as they come: compressed bodies are copied into kept buffers, reused once
  // settled, and the chunks come from the free list. Bounded, not exact: how many windows find a
  // settled body buffer free depends on when the ACKs land (a loaded machine gave 2 new for 8);
  // what must hold is that allocations do not grow with the windows (40 windows here).
  allocs.length = 0
  await feed(80, 280)
  b.cut()
  t.equal(await b.drain(Date.now() + 10_000), true)
  t.equal(pub.windows, 56)
  t.ok(allocs.length <= 6, `40 more windows allocated ${allocs.length} buffers [${allocs.join(', ')}] (at most the 6 kept bodies)`)
  t.same(pub.events.slice(80).map((e) => e.n), Array.from({ length: 200 }, (_, i) => 80 + i), 'and arrive once, in order')
  t.ok(pub.events.every((e) => e.p === pad + e.n), 'intact')
  t.same(f.ends.at(-1), 2800)
})

t.test('an event larger than a chunk gets a chunk of its own, in the same batch (raw and compressed)', async (t) => {
  for (const level of [0, 3]) {
    const pub = new MemoryPublisher()
    const b = new Batcher(pub, { batchSize: 100, batchBytes: 1024, linger: 1000, compressionLevel: level, logger: silentLogger() })
    const f = target()
    b.add('{"n":1}', f, 10)
    b.add('{"n":2}', f, 20)
    const big = JSON.stringify({ m: 'x'.repeat(200_000) })
    b.add(big, f, 30) // larger than a 128 KiB chunk; past batch_bytes, so the batch is cut after it
    b.add('{"n":4}', f, 40)
    b.cut()
    t.equal(await b.drain(Date.now() + 2000), true)
    t.same(pub.events.map((e) => e.n ?? e.m.length), [1, 2, 200_000, 4], `level ${level}`)
    t.equal(pub.windows, 2, `level ${level}: [1,2,big], [4]`)
    t.same(f.ends, [30, 40])
  }
})

t.test('level 0: the chunks are the window body until it is settled, then written again', async (t) => {
  const pub = new MemoryPublisher()
  pub.down()
  const b = new Batcher(pub, { batchSize: 4, batchBytes: 1 << 20, linger: 1000, logger: silentLogger() })
  const f = target()
  const allocs = countAllocations(t)
  for (let n = 0; n < 8; n++) b.add(`{"n":${n}}`, f, n)
  t.same(allocs, [CHUNK, CHUNK], 'two windows in flight, two chunks')
  pub.up()
  t.equal(await b.drain(Date.now() + 2000), true)
  for (let n = 8; n < 16; n++) b.add(`{"n":${n}}`, f, n)
  t.equal(await b.drain(Date.now() + 2000), true)
  t.same(allocs, [CHUNK, CHUNK], 'settled chunks were reused for the next windows: no new allocation')
  t.same(pub.events.map((e) => e.n), Array.from({ length: 16 }, (_, i) => i), 'each event once, intact (parsed at ACK time)')
})

t.test('max_pending_bytes: reading pauses while unsent batches hold more encoded bytes', async (t) => {
  const pub = new MemoryPublisher()
  pub.down()
  const b = new Batcher(pub, { batchSize: 1000, batchBytes: 1 << 20, linger: 1000, maxPendingBytes: 100, logger: silentLogger() })
  const f = target()
  for (let i = 0; i < 5; i++) b.add(`{"n":${i}}`, f, i)
  t.equal(b.blocked, false, '5 small events: under the bound')
  for (let i = 5; i < 12; i++) b.add(`{"n":${i}}`, f, i)
  t.equal(b.blocked, true, 'over 100 bytes held in the current batch')
  b.cut()
  pub.up()
  t.equal(await b.drain(Date.now() + 2000), true)
  t.equal(b.blocked, false)
  t.equal(pub.events.length, 12)
})
