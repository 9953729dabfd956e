import t, { type Test } from 'tap'
import { deflateSync, gzipSync, inflateSync } from 'node:zlib'
import { LimitError, ProtocolError } from '../../../core/errors.ts'
import { FrameDecoder, type DecodedBatch } from '../../../core/lumberjack/frame-decoder.ts'
import { encodeWindow } from '../../../core/lumberjack/frame-encoder.ts'
import { compressedFrame, jsonFrame, L1, L2, L3, L4, L7, windowFrame } from './vectors.ts'

const hello = { message: 'hello' }

function decodeAll(chunks: Buffer[], limits = {}): DecodedBatch[] {
  const d = new FrameDecoder(limits)
  return chunks.flatMap((c) => d.push(c))
}

t.test('L1+L2 in one chunk', async (t) => {
  t.same(decodeAll([Buffer.concat([L1, L2])]), [{ version: 2, events: [hello], highestSeq: 1, bytes: 19 }])
})

t.test('L1+L2 one byte per chunk', async (t) => {
  const all = Buffer.concat([L1, L2])
  const d = new FrameDecoder()
  const got: DecodedBatch[] = []
  for (let i = 0; i < all.length; i++) {
    const out = d.push(all.subarray(i, i + 1))
    if (i < all.length - 1) t.equal(out.length, 0)
    got.push(...out)
  }
  t.same(got, [{ version: 2, events: [hello], highestSeq: 1, bytes: 19 }])
  t.equal(d.buffered, 0)
})

t.test('L1+L2 and L1+L4 split at every offset', async (t) => {
  for (const tail of [L2, L4]) {
    const all = Buffer.concat([L1, tail])
    let ok = 0
    for (let i = 1; i < all.length; i++) {
      const got = decodeAll([all.subarray(0, i), all.subarray(i)])
      if (got.length === 1 && got[0]!.events.length === 1 && (got[0]!.events[0] as { message?: string }).message === 'hello') ok++
    }
    t.equal(ok, all.length - 1, `${tail === L2 ? 'raw' : 'compressed'}: every split point decodes the event`)
  }
})

t.test('L4 inflates to L2 with our zlib; L1+L4 gives the same event', async (t) => {
  t.same(inflateSync(L4.subarray(6)), L2)
  t.same(decodeAll([Buffer.concat([L1, L4])])[0]?.events, [hello])
})

t.test('W 2 then one C holding L2+L3: two events, highest seq 2', async (t) => {
  const [b] = decodeAll([windowFrame(2), compressedFrame(deflateSync(Buffer.concat([L2, L3]), { level: 3 }))])
  t.same(b?.events, [hello, { message: 'world' }])
  t.equal(b?.highestSeq, 2)
})

t.test('W 2 then raw L2 and a C with only L3: mixing works', async (t) => {
  const [b] = decodeAll([Buffer.concat([windowFrame(2), L2, compressedFrame(deflateSync(L3))])])
  t.same(b?.events, [hello, { message: 'world' }])
  t.equal(b?.highestSeq, 2)
})

t.test('W 0 yields an empty batch (answered with A 0)', async (t) => {
  t.same(decodeAll([windowFrame(0)]), [{ version: 2, events: [], highestSeq: 0, bytes: 0 }])
})

t.test('two pipelined batches back to back', async (t) => {
  const got = decodeAll([Buffer.concat([L1, L2, L1, L2])])
  t.equal(got.length, 2)
  t.same(got.map((b) => b.highestSeq), [1, 1])
})

t.test('sequence numbers 101 and 102 in a window of 2: highest seq 102', async (t) => {
  const [b] = decodeAll([Buffer.concat([windowFrame(2), jsonFrame(101, '{"a":1}'), jsonFrame(102, '{"a":2}')])])
  t.equal(b?.highestSeq, 102)
  t.equal(b?.events.length, 2)
})

t.test('a window of 20,000 small events is accepted', async (t) => {
  const payloads = Array.from({ length: 20_000 }, (_, i) => `{"i":${i}}`)
  const [b] = decodeAll([encodeWindow(payloads, 3)])
  t.equal(b?.events.length, 20_000)
  t.equal(b?.highestSeq, 20_000)
})

t.test('v1: L7 gives one event with string fields', async (t) => {
  t.same(decodeAll([L7]), [{ version: 1, events: [{ line: 'hello', host: 'h1' }], highestSeq: 1, bytes: 31 }])
  const d = new FrameDecoder()
  let got: DecodedBatch[] = []
  for (const byte of L7) got = got.concat(d.push(Buffer.from([byte])))
  t.same(got[0]?.events, [{ line: 'hello', host: 'h1' }], 'D frames buffered byte by byte')
  const v1c = Buffer.concat([windowFrame(1, 0x31), Buffer.from([0x31, 0x43, 0, 0, 0, 0]), deflateSync(L7.subarray(6))])
  v1c.writeUInt32BE(v1c.length - 12, 8)
  t.same(decodeAll([v1c])[0]?.events, [{ line: 'hello', host: 'h1' }], 'v1 C frame')
})

t.test('nested C and W inside C are accepted (as Logstash does)', async (t) => {
  const inner = compressedFrame(deflateSync(L2))
  const [b] = decodeAll([compressedFrame(deflateSync(Buffer.concat([L1, inner])))])
  t.same(b?.events, [hello])
})

function fails(t: Test, chunks: Buffer[], type: typeof ProtocolError | typeof LimitError, pattern: RegExp, limits = {}): void {
  const d = new FrameDecoder(limits)
  let err: unknown
  try {
    for (const c of chunks) d.push(c)
  } catch (e) {
    err = e
  }
  t.type(err, type, pattern.source)
  t.match((err as Error)?.message ?? '', pattern)
  t.throws(() => d.push(L1), type, 'a failed decoder keeps failing')
}

t.test('invalid inputs raise ProtocolError', async (t) => {
  fails(t, [Buffer.from('33570000000 1', 'hex')], ProtocolError, /unsupported protocol version 51/)
  fails(t, [Buffer.from('3258', 'hex')], ProtocolError, /invalid frame type 'X'/)
  fails(t, [windowFrame(1), Buffer.from('324a0000000100000000', 'hex')], ProtocolError, /length 0/)
  fails(t, [windowFrame(1), jsonFrame(1, '[1,2]')], ProtocolError, /not a JSON object/)
  fails(t, [windowFrame(1), jsonFrame(1, '"str"')], ProtocolError, /not a JSON object/)
  fails(t, [windowFrame(1), jsonFrame(1, '{"a":')], ProtocolError, /not valid JSON/)
  fails(t, [windowFrame(1), compressedFrame(deflateSync(L2.subarray(0, 15)))], ProtocolError, /ends inside a frame/)
  fails(t, [windowFrame(1), compressedFrame(gzipSync(L2))], ProtocolError, /gzip stream/)
  fails(t, [windowFrame(1), compressedFrame(Buffer.from('not zlib at all'))], ProtocolError, /not a valid zlib stream/)
  fails(t, [Buffer.from([0x16, 0x03, 0x01, 0x02, 0x00])], ProtocolError, /TLS handshake reached a plain-text listener/)
  fails(t, [Buffer.from('GET / HTTP/1.1\r\n')], ProtocolError, /HTTP request/)
  fails(t, [L2], ProtocolError, /outside a window/)
  fails(t, [windowFrame(2), L2, windowFrame(1)], ProtocolError, /window frame after 1 of 2/)
  fails(t, [L6()], ProtocolError, /ACK frame/)
  fails(t, [windowFrame(1, 0x31), L2], ProtocolError, /JSON frame in a v1 batch/)
  fails(t, [windowFrame(1), L7.subarray(6)], ProtocolError, /D\) frame in a v2 batch/)
  fails(t, [windowFrame(1, 0x31), Buffer.from('31440000000100000000', 'hex')], ProtocolError, /0 key\/value pairs/)
})

function L6(): Buffer {
  return Buffer.from('324100000000', 'hex')
}

t.test('limits raise LimitError before allocating', async (t) => {
  fails(t, [windowFrame(70_000)], LimitError, /exceeds max_window 65536/)
  fails(t, [windowFrame(10_001)], LimitError, /max_window 10000/, { maxWindow: 10_000 })
  fails(t, [windowFrame(1), Buffer.from('324a00000001ffffffff', 'hex')], LimitError, /max_frame_bytes/)
  fails(t, [windowFrame(1), Buffer.from('3243ffffff00', 'hex')], LimitError, /compressed frame of \d+ bytes exceeds max_frame_bytes/)
  // A decompression bomb: 64 MiB of one byte deflates to ~64 KiB.
  const bomb = deflateSync(Buffer.alloc(64 * 1024 * 1024, 0x7b), { level: 9 })
  t.ok(bomb.length < 100_000, `bomb is ${bomb.length} bytes`)
  fails(t, [windowFrame(1), compressedFrame(bomb)], LimitError, /max_inflated_bytes 1048576/, { maxInflatedBytes: 1024 * 1024 })
  const big = JSON.stringify({ message: 'x'.repeat(2000) })
  fails(t, [encodeWindow([big, big, big], 0)], LimitError, /max_batch_bytes/, { maxBatchBytes: 5000 })
  // nested C cannot multiply the inflate budget
  const inner = compressedFrame(deflateSync(jsonFrame(1, `{"m":"${' '.repeat(600 * 1024)}"}`)))
  fails(t, [windowFrame(2), compressedFrame(deflateSync(Buffer.concat([inner, inner])))], LimitError, /max_inflated_bytes/, { maxInflatedBytes: 1024 * 1024 })
})

t.test('error offsets point at the bad frame in the stream', async (t) => {
  const d = new FrameDecoder()
  d.push(Buffer.concat([L1, L2]))
  try {
    d.push(Buffer.from('3258', 'hex'))
    t.fail('should throw')
  } catch (err) {
    t.equal((err as ProtocolError).offset, L1.length + L2.length)
    t.equal((err as ProtocolError).code, 'LY_PROTOCOL')
  }
})

t.test('a v1 D frame trickled in 80,000 pieces decodes in linear work (was quadratic: 42 s of CPU for 4.5 MB)', async (t) => {
  const pairs = 40_000
  const parts: Buffer[] = []
  const head = Buffer.alloc(10)
  head.write('1D', 0, 'latin1')
  head.writeUInt32BE(1, 2)
  head.writeUInt32BE(pairs, 6)
  parts.push(Buffer.from('1W\0\0\0\x01', 'latin1'), head)
  for (let i = 0; i < pairs; i++) {
    const k = Buffer.from(`k${i}`)
    const v = Buffer.from('v'.repeat(100))
    const kl = Buffer.alloc(4)
    kl.writeUInt32BE(k.length)
    const vl = Buffer.alloc(4)
    vl.writeUInt32BE(v.length)
    parts.push(kl, k, vl, v)
  }
  const all = Buffer.concat(parts)
  const d = new FrameDecoder()
  const cpu0 = process.cpuUsage()
  const out = []
  const piece = Math.ceil(all.length / 80_000)
  for (let i = 0; i < all.length; i += piece) out.push(...d.push(all.subarray(i, i + piece)))
  const cpu = process.cpuUsage(cpu0)
  t.equal(out.length, 1)
  t.equal(Object.keys(out[0]!.events[0]!).length, pairs)
  t.equal(out[0]!.events[0]!.k39999, 'v'.repeat(100))
  const seconds = (cpu.user + cpu.system) / 1e6
  t.comment(`${(all.length / 1048576).toFixed(1)} MiB in ${Math.ceil(all.length / piece)} pieces: ${seconds.toFixed(2)} CPU-s`)
  t.ok(seconds < 15, `CPU ${seconds.toFixed(2)} s stays far below the quadratic 42 s (a generous bound for a loaded machine)`)
})
