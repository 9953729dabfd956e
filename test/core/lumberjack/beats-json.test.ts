import t from 'tap'
import { encodeBeatsJson, formatGoFloat, goFloat } from '../../../core/lumberjack/beats-json.ts'

// docs/protocols/lumberjack.md §12 "JSON encoding in Beats-compat mode" table.

t.test('string escapes follow go-structform', async (t) => {
  t.equal(encodeBeatsJson('a\bb'), '"a\\u0008b"', 'byte 0x08 → \\u0008, not \\b')
  t.equal(encodeBeatsJson('\f\u0001\u001f'), '"\\u000c\\u0001\\u001f"', 'other controls → lower-case \\u00xx')
  t.equal(encodeBeatsJson('<a&b>'), '"<a&b>"', 'HTML characters stay raw')
  t.equal(encodeBeatsJson('x\u2028y\u2029'), '"x\\u2028y\\u2029"')
  t.equal(encodeBeatsJson('q"\\\n\r\t'), '"q\\"\\\\\\n\\r\\t"')
  t.equal(encodeBeatsJson('é😀中'), '"é😀中"', 'valid non-ASCII is raw UTF-8')
  t.equal(encodeBeatsJson('a\ud800b\udc00'), '"a\\ufffdb\\ufffd"', 'lone surrogates are invalid → \\ufffd')
})

t.test('invalid UTF-8 bytes become \\ufffd one per byte', async (t) => {
  t.equal(encodeBeatsJson(Buffer.from([0x61, 0xff, 0x62])), '"a\\ufffdb"')
  t.equal(encodeBeatsJson(Buffer.from([0xe2, 0x82])), '"\\ufffd\\ufffd"', 'a truncated sequence: one per byte, as Go ranges')
  t.equal(encodeBeatsJson(Buffer.from([0xed, 0xa0, 0x80])), '"\\ufffd\\ufffd\\ufffd"', 'encoded surrogate is invalid')
  t.equal(encodeBeatsJson(Buffer.from('héllo\n', 'utf8')), '"héllo\\n"')
  t.equal(encodeBeatsJson(Buffer.from('plain')), '"plain"')
})

t.test('numbers follow Go strconv g / -1', async (t) => {
  t.equal(encodeBeatsJson(goFloat(1000000.0)), '1e+06')
  t.equal(encodeBeatsJson(goFloat(0.5)), '0.5')
  t.equal(encodeBeatsJson(goFloat(2.0)), '2')
  t.equal(encodeBeatsJson(goFloat(NaN)), 'null')
  t.equal(encodeBeatsJson(Infinity), 'null')
  t.equal(encodeBeatsJson(1000000), '1000000', 'integers stay integers')
  t.equal(formatGoFloat(1234567), '1.234567e+06')
  t.equal(formatGoFloat(123456), '123456')
  t.equal(formatGoFloat(0.00001), '1e-05')
  t.equal(formatGoFloat(1.5e-5), '1.5e-05')
  t.equal(formatGoFloat(0.0001), '0.0001')
  t.equal(formatGoFloat(-2.5e21), '-2.5e+21')
  t.equal(formatGoFloat(1e100), '1e+100')
  t.equal(formatGoFloat(3.14159), '3.14159')
  t.equal(encodeBeatsJson(0.1 + 0.2), '0.30000000000000004', 'non-integers use the float rule')
  t.equal(encodeBeatsJson(12345678.5), '1.23456785e+07')
  t.equal(encodeBeatsJson(10n ** 20n), '100000000000000000000')
})

t.test('@timestamp first, @metadata second, then insertion order; undefined skipped', async (t) => {
  const ev = { message: 'GET /', '@metadata': { beat: 'filebeat', type: '_doc', version: '8.13.4' }, log: { offset: 4096 }, gone: undefined, '@timestamp': '2024-05-01T12:00:00.123Z' }
  t.equal(
    encodeBeatsJson(ev),
    '{"@timestamp":"2024-05-01T12:00:00.123Z","@metadata":{"beat":"filebeat","type":"_doc","version":"8.13.4"},"message":"GET /","log":{"offset":4096}}',
  )
  t.equal(encodeBeatsJson({ a: [1, undefined, null, true], d: new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 5)) }), '{"a":[1,null,null,true],"d":"2024-05-01T12:00:00.005Z"}')
  t.equal(encodeBeatsJson({}), '{}')
})

t.test('output parses back to the same value', async (t) => {
  const v = { '@timestamp': '2024-01-01T00:00:00.000Z', s: 'x\u0000y\u007f\u2028', n: -0.25, nested: { list: ['a', { b: 'c' }] } }
  t.same(JSON.parse(encodeBeatsJson(v)), v)
})

t.test('cycles are refused with a RangeError, not a stack overflow', async (t) => {
  const a: Record<string, unknown> = {}
  a.self = a
  t.throws(() => encodeBeatsJson(a), RangeError)
})
