import t from 'tap'
import { writeDecimal, writeHex, writeJsonStringBody } from '../../forwarder/json-bytes.ts'
import { EventEncoder } from '../../forwarder/event-encoder.ts'

t.test('byte-level JSON string bodies parse back to the same text', async (t) => {
  const out = Buffer.alloc(4096)
  for (const [i, s] of ['plain', 'tab\there "q" back\\slash', 'ctl\x01\x1f\x7f end', 'crlf\r\n', 'é€😀 \u2028', ''].entries()) {
    const src = Buffer.from(`xx${s}yy`)
    const n = writeJsonStringBody(src, 2, src.length - 2, out, 3)
    t.equal(JSON.parse('"' + out.toString('utf8', 3, n) + '"'), s, `case ${i}`)
  }
  const n = writeJsonStringBody(Buffer.from('\x08'), 0, 1, out, 0)
  t.equal(out.toString('latin1', 0, n), '\\u0008', 'Beats-style lower-case \\u00XX, not \\b')
  t.equal(writeJsonStringBody(Buffer.from([0x61, 0xff, 0x62]), 0, 3, out, 0), -1, 'invalid UTF-8 → string path')
  t.equal(writeJsonStringBody(Buffer.from([0xe2, 0x82]), 0, 2, out, 0), -1, 'a cut multi-byte character is invalid too')
})

t.test('integers', async (t) => {
  const out = Buffer.alloc(64)
  for (const v of [0, 7, 10, 255, 4096, 123456789, 2 ** 45 + 3]) {
    t.equal(out.toString('latin1', 0, writeDecimal(v, out, 0)), String(v))
    t.equal(out.toString('latin1', 0, writeHex(v, out, 0)), v.toString(16))
  }
})

t.test('the byte path and the string path encode the same event', async (t) => {
  const enc = new EventEncoder({ name: 'h', id: 'agent-1', version: '0.1.0' }, { fields: { a: 1 }, tags: ['x'] }, '/var/log/a "b".log', '0123456789abcdef')
  const ts = '2026-11-22T04:00:00.123Z'
  for (const [line, truncated] of [['GET /x "ok"\tdone', false], ['naïve ☃', true]] as const) {
    const src = Buffer.from(line)
    const out = Buffer.alloc(enc.bound(src.length))
    const end = enc.encodeLine(out, 0, ts, src, 0, src.length, 123456, truncated)
    const bytes = out.toString('utf8', 0, end)
    t.same(JSON.parse(bytes), JSON.parse(enc.encode(ts, line, 123456, false, truncated)))
    t.match(JSON.parse(bytes), { '@timestamp': ts, message: line, log: { offset: 123456, file: { path: '/var/log/a "b".log' } }, '@metadata': { _id: '0123456789abcdef-1e240' } })
    t.ok(bytes.startsWith('{"@timestamp":"2026-11-22T04:00:00.123Z","@metadata":{'), '@timestamp first, @metadata second')
  }
})
