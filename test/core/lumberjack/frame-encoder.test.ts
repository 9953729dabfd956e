import t from 'tap'
import { deflateSync, inflateSync } from 'node:zlib'
import { encodeJsonFrames, encodeWindow, encodedWindowFrames, encodedWindowParts, jsonFramePayloads, writeJsonFrameHeader, type EncodedWindow } from '../../../core/lumberjack/frame-encoder.ts'
import { deflatePooled, idleDeflaters, openDeflate } from '../../../core/lumberjack/deflater.ts'
import { FrameDecoder } from '../../../core/lumberjack/frame-decoder.ts'
import { L1, L2, L3 } from './vectors.ts'

t.test('level 0: W then raw J frames, byte-exact with the vectors', async (t) => {
  const w = encodeWindow(['{"message":"hello"}'], 0)
  t.same(w, Buffer.concat([L1, L2]))
  const two = encodeWindow(['{"message":"hello"}', Buffer.from('{"message":"world"}')], 0)
  t.same(two.subarray(6), Buffer.concat([L2, L3]))
  t.same(two.subarray(0, 6), Buffer.from('325700000002', 'hex'))
})

t.test('level 3: W then one C whose inflated bytes are exactly the J frames', async (t) => {
  const w = encodeWindow(['{"message":"hello"}', '{"message":"world"}'], 3)
  t.same(w.subarray(0, 6), Buffer.from('325700000002', 'hex'))
  t.equal(w[6], 0x32)
  t.equal(w[7], 0x43)
  const len = w.readUInt32BE(8)
  t.equal(len, w.length - 12, 'C length covers the rest')
  t.equal(w[12], 0x78, 'zlib header (RFC 1950), not gzip or raw deflate')
  t.same(inflateSync(w.subarray(12)), Buffer.concat([L2, L3]))
})

t.test('multi-byte UTF-8 lengths are byte lengths; seq runs 1..N', async (t) => {
  const frames = encodeJsonFrames(['{"m":"é😀"}', '{"m":"b"}', '{"m":"c"}'])
  t.equal(frames.readUInt32BE(6), Buffer.byteLength('{"m":"é😀"}'))
  const d = new FrameDecoder()
  const [batch] = d.push(encodeWindow(['{"m":"é😀"}', '{"m":"b"}', '{"m":"c"}'], 1))
  t.same(batch?.events, [{ m: 'é😀' }, { m: 'b' }, { m: 'c' }])
  t.equal(batch?.highestSeq, 3)
})

t.test('every level round-trips through the decoder', async (t) => {
  const payloads = Array.from({ length: 50 }, (_, i) => JSON.stringify({ message: `line ${i} `.repeat(i % 7), n: i }))
  for (const level of [0, 1, 3, 6, 9]) {
    const [batch] = new FrameDecoder().push(encodeWindow(payloads, level))
    t.same(batch?.events, payloads.map((p) => JSON.parse(p)), `level ${level}`)
  }
})

t.test('windows in wire form: writeJsonFrameHeader lays out what encodeJsonFrames does; a window deflated in pieces round-trips', async (t) => {
  const payloads = ['{"m":"é😀"}', '{"m":"b"}', '{"m":"' + 'x'.repeat(3000) + '"}']
  const out = Buffer.alloc(8192)
  let pos = 0
  payloads.forEach((p, i) => {
    const len = out.write(p, pos + 10)
    writeJsonFrameHeader(out, pos, i + 1, len)
    pos += 10 + len
  })
  const frames = out.subarray(0, pos)
  t.same(frames, encodeJsonFrames(payloads), 'byte for byte')
  t.same(jsonFramePayloads(frames).map(String), payloads)
  // The batcher's way: pieces to one stream as they fill, then finish.
  for (const cut of [0, 25, frames.length]) {
    const d = openDeflate(3)
    let consumed = 0
    if (cut > 0) d.write(frames.subarray(0, cut), () => consumed++)
    const [body, bodyBytes] = await new Promise<[Buffer[], number]>((resolve, reject) => d.finish(frames.subarray(cut), (err, b, n) => (err ? reject(err) : resolve([b, n])), () => consumed++))
    t.equal(consumed, cut > 0 ? 2 : 1, `cut at ${cut}: every piece handed back`)
    const w: EncodedWindow = { count: 3, body, bodyBytes, compressed: true, maxEventBytes: 3008 }
    t.same(encodedWindowFrames(w), frames, `cut at ${cut}: inflates to the frames`)
    const [batch] = new FrameDecoder().push(Buffer.concat(encodedWindowParts(w)))
    t.same(batch?.events, payloads.map((p) => JSON.parse(p)), `cut at ${cut}: decodes`)
  }
  t.equal(idleDeflaters(3) > 0, true, 'streams are kept for the next window')
  const raw: EncodedWindow = { count: 3, body: [frames.subarray(0, 7), frames.subarray(7)], bodyBytes: frames.length, compressed: false, maxEventBytes: 3008 }
  t.same(Buffer.concat(encodedWindowParts(raw)), encodeWindow(payloads, 0), 'raw: the same bytes as encodeWindow at level 0')
  t.throws(() => jsonFramePayloads(frames.subarray(0, frames.length - 1)), /runs past the end/)
  t.throws(() => jsonFramePayloads(Buffer.from('2W00000001', 'latin1')), /not a 2J frame/)
})

t.test('a reused stream gives the same bytes as zlib.deflateSync for every window', async (t) => {
  for (let i = 0; i < 5; i++) {
    const input = Buffer.from(`window ${i} `.repeat(20000 + i * 999))
    const [body] = await new Promise<[Buffer[], number]>((resolve, reject) => deflatePooled(input, 3, (err, b, n) => (err ? reject(err) : resolve([b, n]))))
    t.same(Buffer.concat(body), deflateSync(input, { level: 3 }), `window ${i}`)
  }
})
