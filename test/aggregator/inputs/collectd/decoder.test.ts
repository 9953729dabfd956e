import { test } from 'tap'
import { fileURLToPath } from 'node:url'
import { createDecoderContext, decodeCollectd, type DecoderOptions } from '../../../../aggregator/inputs/collectd/decoder.ts'
import { loadTypesDb } from '../../../../aggregator/inputs/collectd/types-db.ts'
import { StaticCredentials } from '../../../../aggregator/inputs/collectd/auth-file.ts'
import { ExactInteger } from '../../../../aggregator/inputs/collectd/exact-integer.ts'
import { encodeValueLists, encryptPacket, signPacket } from '../../../../aggregator/inputs/collectd/packet-builder.ts'

// Test vectors from docs/protocols/collectd.md §12 (generated independently in Python).

const typesDbFile = fileURLToPath(new URL('../../../fixtures/collectd/types.db', import.meta.url))
const { db } = loadTypesDb([typesDbFile])
const alice = new StaticCredentials({ alice: 'secret' })
const ctx = (o: Partial<DecoderOptions> = {}) => createDecoderContext({ typesDb: db, ...o })
const hex = (h: string) => Buffer.from(h, 'hex')

const B1 = hex('0000000b6d79686f7374000008000c1954fc40000000000009000c0000000280000000000200096c6f616400000400096c6f616400000600210003010101000000000000e03f000000000000f03f000000000000f83f')
const B2 = hex('0000000b6d79686f7374000008000c1954fc40000000000009000c00000002800000000002000e696e74657266616365000003000965746830000004000e69665f6f637465747300000600180002020200000000000003e800000000000007d0')
const B2bTail = hex('00030009657468310000060018000202020000000000000005ffffffffffffffff')
const B3 = hex('0000000b6d79686f7374000001000c000000006553f1000007000c000000000000000a0002000974657374000004000c636f756e746572000006000f000100ffffffffffffffff')
const B4 = hex('0000000b6d79686f7374000008000c1954fc40000000000002000970696e67000004000970696e67000005000b746172676574000006000f000101000000000000f87f')
const B5 = hex('0008000c1954fc40000000000101000c00000000000000020000000b6d79686f737400000200096c6f616400000400096c6f6164000100000e6c6f6164206869676800')
const B6 = hex('0000000b6d79686f7374000008000c1954fc400000000077770008deadbeef000200096c6f616400000400096c6f616400000600210003010101000000000000e03f000000000000f03f000000000000f83f')
const B7sig = hex('02000029f1301e95b4d2889e1be8056b67ee926d3a340d040ff8834e1e16e5374243f0a3616c696365')
const B7 = Buffer.concat([B7sig, B1])
const B8 = hex('021000850005616c696365000102030405060708090a0b0c0d0e0fb5f104ab3c653644847db0dd825aa55ccc688a20805ac938067e5f388a0a8727980eefd4f832aa0af2e98ba7497ca6e2b4a67e9f1ac25bc3cdbf2319c898b02235e63286cd57d3969cf2a87c30730e00208dcf798d59126147b4e4f2ae72c0889f731494896706c41e58')
const T = '2023-11-14T22:13:20.000Z'

const b1Ecs = {
  '@timestamp': T,
  host: { name: 'myhost' },
  event: { kind: 'metric', module: 'collectd', dataset: 'collectd' },
  collectd: { plugin: 'load', type: 'load', interval: 10, values: { load: { shortterm: 0.5, midterm: 1, longterm: 1.5 } } },
}
const LEGACY = { '@version': '1', '@metadata': { event_format: 'legacy' } }
const b1Legacy = { host: 'myhost', '@timestamp': T, plugin: 'load', collectd_type: 'load', shortterm: 0.5, midterm: 1, longterm: 1.5, ...LEGACY }
/** An event as its JSON says it (JsonFloat gauges become numbers again); `@metadata` kept. */
const plain = (e: unknown) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>

test('B1: three little-endian gauges, ECS layout', async (t) => {
  const r = decodeCollectd(B1, ctx())
  t.same(r.events, [b1Ecs])
  t.equal(r.values, 3)
  t.same(r.errors, [])
  t.same(r.rejections, [])
})

test('B1: legacy Logstash names', async (t) => {
  const r = decodeCollectd(B1, ctx({ eventFormat: 'legacy' }))
  t.same(r.events.map(plain), [b1Legacy])
  t.notOk('interval' in (r.events[0] ?? {}), 'prune_intervals: no interval field')
  const { '@metadata': _m, ...source } = r.events[0]!
  t.equal(JSON.stringify(source), `{"@timestamp":"${T}","@version":"1","host":"myhost","plugin":"load","collectd_type":"load","shortterm":0.5,"midterm":1.0,"longterm":1.5}`, 'whole gauges written as floats (1.0), as Logstash does')
})

test('B2: DERIVE pair named rx/tx', async (t) => {
  const r = decodeCollectd(B2, ctx({ eventFormat: 'legacy' }))
  t.same(r.events, [{ host: 'myhost', '@timestamp': T, plugin: 'interface', plugin_instance: 'eth0', collectd_type: 'if_octets', rx: 1000, tx: 2000, ...LEGACY }])
  t.match(JSON.stringify(r.events[0]), /"rx":1000,"tx":2000/, 'DERIVE values stay integers')
  const e = decodeCollectd(B2, ctx()).events[0] as any
  t.same(e.collectd.values, { if_octets: { rx: 1000, tx: 2000 } })
  t.equal(e.collectd.plugin_instance, 'eth0')
})

test('B2b: state carries over within a datagram', async (t) => {
  const r = decodeCollectd(Buffer.concat([B2, B2bTail]), ctx({ eventFormat: 'legacy' }))
  t.equal(r.events.length, 2)
  t.same(r.events[1], { host: 'myhost', '@timestamp': T, plugin: 'interface', plugin_instance: 'eth1', collectd_type: 'if_octets', rx: 5, tx: -1, ...LEGACY })
  t.equal(r.values, 4)
})

test('B3: low-resolution time/interval and COUNTER 2^64-1 kept exact', async (t) => {
  const r = decodeCollectd(B3, ctx({ eventFormat: 'legacy' }))
  const e = r.events[0] as any
  t.equal(e['@timestamp'], T)
  t.ok(e.value instanceof ExactInteger)
  t.equal(e.value.value, 18446744073709551615n)
  const { '@metadata': meta, ...source } = e
  t.same(meta, { event_format: 'legacy' })
  t.equal(JSON.stringify(source), `{"@timestamp":"${T}","@version":"1","host":"myhost","plugin":"test","collectd_type":"counter","value":18446744073709551615}`)
  const ecs = decodeCollectd(B3, ctx()).events[0] as any
  t.equal(ecs.collectd.interval, 10)
  t.match(JSON.stringify(ecs), /"counter":\{"value":18446744073709551615\}/)
})

test('64-bit integers: numbers when safe, exact wrappers beyond 2^53', async (t) => {
  const lists = [
    { host: 'h', plugin: 'p', type: 'counter', time: 1700000000, values: [{ type: 'COUNTER' as const, value: 2n ** 53n - 1n }] },
    { host: 'h', plugin: 'p', type: 'counter', time: 1700000000, typeInstance: 'b', values: [{ type: 'COUNTER' as const, value: 2n ** 53n }] },
    { host: 'h', plugin: 'p', type: 'cpu', time: 1700000000, values: [{ type: 'DERIVE' as const, value: -(2n ** 63n) }] },
    { host: 'h', plugin: 'p', type: 'cpu', time: 1700000000, typeInstance: 'c', values: [{ type: 'DERIVE' as const, value: -(2n ** 53n) + 1n }] },
    { host: 'h', plugin: 'p', type: 'absolute', time: 1700000000, values: [{ type: 'ABSOLUTE' as const, value: 12345678901234567890n }] },
  ]
  const r = decodeCollectd(encodeValueLists(lists), ctx({ eventFormat: 'legacy' }))
  const v = r.events.map((e) => e.value)
  t.equal(v[0], 2 ** 53 - 1)
  t.equal(typeof v[0], 'number')
  t.equal(JSON.stringify(v[1]), '9007199254740992')
  t.ok(v[1] instanceof ExactInteger)
  t.equal(JSON.stringify(v[2]), '-9223372036854775808')
  t.equal(v[3], -(2 ** 53) + 1)
  t.equal(JSON.stringify(v[4]), '12345678901234567890')
})

test('B4: NaN gauge with change_value becomes nan_value and is tagged', async (t) => {
  const r = decodeCollectd(B4, ctx({ eventFormat: 'legacy' }))
  t.same(r.events.map(plain), [{ host: 'myhost', '@timestamp': T, plugin: 'ping', collectd_type: 'ping', type_instance: 'target', value: 0, tags: ['_collectdNaN'], ...LEGACY }])
  t.match(JSON.stringify(r.events[0]), /"value":0\.0/, 'the replacement is a float too')
  t.equal(r.nanReplaced, 1)
  const custom = decodeCollectd(B4, ctx({ nanValue: -1, nanTag: 'nan!' })).events[0] as any
  t.equal(custom.collectd.values.ping.value, -1)
  t.same(custom.tags, ['nan!'])
})

test('NaN: every NaN bit pattern is NaN (canonical f87f, x86 f8ff, payload NaN)', async (t) => {
  for (const tail of ['000000000000f87f', '000000000000f8ff', '010000000000f07f']) {
    const b = Buffer.from(B4)
    b.write(tail, b.length - 8, 'hex')
    t.equal(decodeCollectd(b, ctx()).nanReplaced, 1, tail)
  }
})

test('NaN drop: one value list, or the rest of the datagram as Logstash does', async (t) => {
  const good = hex('0004000970696e670000060018000202020000000000000001' + '0000000000000002')
  // after B4's NaN ping: a second, valid value list (type ping, two DERIVE values)
  const lists = Buffer.concat([B4, good])
  const keep = decodeCollectd(lists, ctx({ nanHandling: 'drop' }))
  t.equal(keep.events.length, 1, 'value_list scope keeps the following list')
  t.ok(keep.errors.includes('nan_dropped'))
  const all = decodeCollectd(lists, ctx({ nanHandling: 'drop', nanDropScope: 'datagram' }))
  t.equal(all.events.length, 0, 'datagram scope drops the rest (Logstash compat)')
})

test('B5: notification', async (t) => {
  const r = decodeCollectd(B5, ctx())
  t.same(r.events, [
    {
      '@timestamp': T,
      message: 'load high',
      log: { level: 'warning' },
      event: { kind: 'alert', module: 'collectd', dataset: 'collectd' },
      collectd: { plugin: 'load', type: 'load', severity: 'warning' },
      host: { name: 'myhost' },
    },
  ])
  const l = decodeCollectd(B5, ctx({ eventFormat: 'legacy' })).events[0] as any
  t.equal(l.message, 'load high')
  t.equal(l.severity, 2)
})

test('B6: unknown part type is skipped by its length', async (t) => {
  // B6 has no interval part, otherwise it is B1
  const { interval: _unused, ...collectd } = b1Ecs.collectd
  t.same(decodeCollectd(B6, ctx()).events, [{ ...b1Ecs, collectd }])
})

test('B7: signed datagram verified at sign and none (with credentials)', async (t) => {
  for (const level of ['sign', 'none'] as const) {
    const r = decodeCollectd(B7, ctx({ securityLevel: level, credentials: alice }))
    t.equal(r.events.length, 1, level)
    t.equal((r.events[0] as any).collectd.username, 'alice')
    t.same(r.rejections, [])
  }
  const unverified = decodeCollectd(B7, ctx())
  t.equal(unverified.events.length, 1, 'no auth file at none: accepted unverified')
  t.equal((unverified.events[0] as any).collectd.username, undefined)
})

test('B7 tampered: zero events at sign and at none with an auth file', async (t) => {
  const bad = Buffer.from(B7)
  bad[bad.length - 3] = (bad[bad.length - 3] as number) ^ 0x01
  for (const level of ['sign', 'none'] as const) {
    const r = decodeCollectd(bad, ctx({ securityLevel: level, credentials: alice }))
    t.equal(r.events.length, 0, level)
    t.same(r.rejections, ['bad_signature'])
  }
  const wrong = decodeCollectd(B7, ctx({ securityLevel: 'sign', credentials: new StaticCredentials({ alice: 'Secret' }) }))
  t.same(wrong.rejections, ['bad_signature'], 'wrong password')
  const unknown = decodeCollectd(B7, ctx({ securityLevel: 'sign', credentials: new StaticCredentials({ bob: 'secret' }) }))
  t.same(unknown.rejections, ['unknown_user'])
})

test('B8: encrypted datagram decrypts at every level with credentials', async (t) => {
  for (const level of ['none', 'sign', 'encrypt'] as const) {
    const r = decodeCollectd(B8, ctx({ securityLevel: level, credentials: alice }))
    t.equal(r.events.length, 1, level)
    t.same((r.events[0] as any).collectd.values, b1Ecs.collectd.values)
  }
  t.same(decodeCollectd(B8, ctx()).rejections, ['no_credentials'])
  const bad = Buffer.from(B8)
  bad[60] = (bad[60] as number) ^ 0x10
  t.same(decodeCollectd(bad, ctx({ securityLevel: 'encrypt', credentials: alice })).rejections, ['bad_checksum'])
  t.same(decodeCollectd(B8, ctx({ securityLevel: 'encrypt', credentials: new StaticCredentials({ alice: 'wrong' }) })).rejections, ['bad_checksum'])
  t.same(decodeCollectd(B8, ctx({ securityLevel: 'encrypt', credentials: new StaticCredentials({ carol: 'secret' }) })).rejections, ['unknown_user'])
})

test('security matrix (B.8): plain and signed at each level', async (t) => {
  const plainSign = decodeCollectd(B1, ctx({ securityLevel: 'sign', credentials: alice }))
  t.equal(plainSign.events.length, 0, 'unsigned rejected at sign (stricter than Logstash)')
  t.same(plainSign.rejections, ['unsigned'])
  const plainEnc = decodeCollectd(B1, ctx({ securityLevel: 'encrypt', credentials: alice }))
  t.same(plainEnc.rejections, ['unencrypted'])
  t.equal(plainEnc.events.length, 0)
  const signedEnc = decodeCollectd(B7, ctx({ securityLevel: 'encrypt', credentials: alice }))
  t.equal(signedEnc.events.length, 0, 'a signature does not satisfy encrypt')
  t.same(signedEnc.rejections, ['unencrypted'])
  const plainNone = decodeCollectd(B1, ctx({ credentials: alice }))
  t.equal(plainNone.events.length, 1)
  // parts before a signature are unsigned: at sign they are ignored, the signed rest counts
  const lead = hex('0000000b6f746865726800')
  const mixed = Buffer.concat([lead, signPacket(B1, 'alice', 'secret')])
  const m = decodeCollectd(mixed, ctx({ securityLevel: 'sign', credentials: alice }))
  t.equal(m.events.length, 1)
  t.same(m.rejections, ['unsigned'])
})

test('round trip through the packet builder: signed and encrypted', async (t) => {
  const payload = encodeValueLists([
    { host: 'web1', plugin: 'cpu', pluginInstance: '0', type: 'cpu', typeInstance: 'user', time: 1700000000.5, interval: 1, values: [{ type: 'DERIVE', value: 123456 }] },
    { host: 'web1', plugin: 'memory', type: 'memory', typeInstance: 'used', time: 1700000000.5, interval: 1, values: [{ type: 'GAUGE', value: 1.25e9 }] },
  ])
  const s = decodeCollectd(signPacket(payload, 'bob', 'pw'), ctx({ securityLevel: 'sign', credentials: new StaticCredentials({ bob: 'pw' }) }))
  t.equal(s.events.length, 2)
  const e = decodeCollectd(encryptPacket(payload, 'bob', 'pw'), ctx({ securityLevel: 'encrypt', credentials: new StaticCredentials({ bob: 'pw' }) }))
  t.equal(e.events.length, 2)
  const second = e.events[1] as any
  t.equal(second['@timestamp'], '2023-11-14T22:13:20.500Z')
  t.same(second.collectd, { plugin: 'memory', type: 'memory', type_instance: 'used', interval: 1, username: 'bob', values: { memory: { value: 1.25e9 } } })
})

test('empty plugin_instance part clears the field', async (t) => {
  const clear = hex('000300050000060018000202020000000000000005ffffffffffffffff')
  const r = decodeCollectd(Buffer.concat([B2, clear]), ctx({ eventFormat: 'legacy' }))
  t.equal(r.events.length, 2)
  t.notOk('plugin_instance' in (r.events[1] as object))
  t.equal((r.events[0] as any).plugin_instance, 'eth0')
})

test('prune_intervals false (legacy): B1 emits the interval event then the values event', async (t) => {
  const r = decodeCollectd(B1, ctx({ eventFormat: 'legacy', pruneIntervals: false }))
  t.equal(r.events.length, 2)
  t.same(r.events[0], { host: 'myhost', '@timestamp': T, interval: 10, ...LEGACY }, 'empty plugin and collectd_type are left out, as the codec does')
  t.same(plain(r.events[1]), b1Legacy)
})

test('unknown type kept with positional names and counted', async (t) => {
  const p = encodeValueLists([{ host: 'h', plugin: 'x', type: 'nosuchtype', time: 1700000000, values: [{ type: 'GAUGE', value: 1 }, { type: 'GAUGE', value: 2 }] }])
  const r = decodeCollectd(p, ctx())
  t.equal(r.unknownTypes, 1)
  t.same((r.events[0] as any).collectd.values, { nosuchtype: { value0: 1, value1: 2 } })
  const mismatch = encodeValueLists([{ host: 'h', plugin: 'x', type: 'load', time: 1700000000, values: [{ type: 'GAUGE', value: 1 }] }])
  const m = decodeCollectd(mismatch, ctx())
  t.equal(m.unknownTypes, 1, 'value count differs from types.db')
  t.same((m.events[0] as any).collectd.values, { load: { value0: 1 } })
})

test('truncation: B1 cut at every length never throws and dispatches at most once', async (t) => {
  let dispatched = 0
  for (let n = 0; n < B1.length; n++) {
    const r = decodeCollectd(B1.subarray(0, n), ctx())
    t.ok(r.events.length <= 1)
    dispatched += r.events.length
    if (n > 0) t.ok(r.errors.length > 0 || r.events.length === 0, `cut ${n}`)
  }
  t.equal(dispatched, 0, 'the only value list ends at the last byte')
  t.same(decodeCollectd(Buffer.alloc(0), ctx()).errors, ['empty'])
  t.same(decodeCollectd(B1.subarray(0, 80), ctx()).errors, ['truncated'])
})

test('malformed parts stop cleanly with a counted reason', async (t) => {
  const host = hex('0000000b6d79686f737400')
  t.same(decodeCollectd(hex('00000004' + '0000000b6d79686f737400'), ctx()).errors, ['bad_string'], 'string part with length 4')
  t.same(decodeCollectd(Buffer.concat([host, hex('00020003aabbccdd')]), ctx()).errors, ['bad_length'], 'part length below 4')
  t.same(decodeCollectd(Buffer.concat([host, hex('00020040aabbccdd')]), ctx()).errors, ['truncated'], 'length beyond the end')
  t.same(decodeCollectd(hex('0000000b6d79686f737401'), ctx()).errors, ['bad_string'], 'no NUL')
  const long = Buffer.alloc(4 + 129)
  long.writeUInt16BE(2, 0)
  long.writeUInt16BE(long.length, 2)
  long.fill(0x61, 4, long.length - 1)
  t.same(decodeCollectd(long, ctx()).errors, ['bad_string'], 'name longer than 127 bytes')
  t.same(decodeCollectd(hex('0008000d1954fc400000000000'), ctx()).errors, ['bad_length'], 'numeric part of length 13')
  const badCount = Buffer.from(B1)
  badCount.writeUInt16BE(4, B1.length - 33 + 4)
  t.same(decodeCollectd(badCount, ctx()).errors, ['bad_length'], 'values length ≠ 6 + 9n')
  const badType = Buffer.from(B1)
  badType[B1.length - 33 + 6] = 9
  t.same(decodeCollectd(badType, ctx()).errors, ['bad_value_type'])
  t.same(decodeCollectd(Buffer.concat([B1, hex('00000000000000000000')]), ctx()).errors, [], 'zero padding is ignored')
  t.same(decodeCollectd(Buffer.concat([B1, hex('01')]), ctx()).errors, ['trailing_bytes'])
  t.same(decodeCollectd(hex('0200002400'), ctx()).errors, ['truncated'])
  t.same(decodeCollectd(hex('020000240000000000000000000000000000000000000000000000000000000000000000'), ctx({ credentials: alice })).rejections, ['malformed'])
  const noTime = hex('0000000b6d79686f737400000200096c6f616400000400096c6f616400000600210003010101000000000000e03f000000000000f03f000000000000f83f')
  t.same(decodeCollectd(noTime, ctx()).errors, ['incomplete_value_list'])
})

test('CVE-2016-6254 shape: skipped parts then a values part at the very end', async (t) => {
  const unknown = hex('7777000c0000000000000000')
  const p = Buffer.concat([B1.subarray(0, 53), unknown, unknown, B1.subarray(53)])
  t.equal(decodeCollectd(p, ctx()).events.length, 1)
  const ignored = decodeCollectd(p, ctx({ securityLevel: 'sign', credentials: alice }))
  t.equal(ignored.events.length, 0)
  t.same(ignored.errors, [])
})

test('random bytes never throw', async (t) => {
  let seed = 12345
  const rnd = () => ((seed = (seed * 1103515245 + 12345) & 0x7fffffff) / 0x7fffffff)
  let problems = 0
  t.doesNotThrow(() => {
    for (let i = 0; i < 3000; i++) {
      const b = Buffer.alloc(Math.floor(rnd() * 200))
      for (let j = 0; j < b.length; j++) b[j] = Math.floor(rnd() * 256)
      // bias toward plausible headers: sometimes keep a real prefix
      if (i % 3 === 0) B1.copy(b, 0, 0, Math.min(b.length, Math.floor(rnd() * B1.length)))
      const r = decodeCollectd(b, ctx({ securityLevel: i % 2 ? 'none' : 'sign', credentials: alice }))
      problems += r.errors.length + r.rejections.length
    }
  })
  t.ok(problems > 1000, 'garbage is reported as decode errors or rejections')
})

test('legacy: ±Infinity gauges get NaN handling (replaced and tagged, counted apart, or dropped)', async (t) => {
  const lists = (v: number) => encodeValueLists([{ host: 'h', plugin: 'p', type: 'ping', time: 1700000000, values: [{ type: 'GAUGE', value: v }] }])
  for (const inf of [Infinity, -Infinity]) {
    const r = decodeCollectd(lists(inf), ctx({ eventFormat: 'legacy', nanValue: -1 }))
    t.equal(r.infinities, 1)
    t.equal(r.nanReplaced, 0, 'not counted as NaN')
    t.match(JSON.stringify(r.events[0]), /"value":-1\.0/, `${inf} → nan_value, never null`)
    t.same(r.events[0]!.tags, ['_collectdNaN'])
    const ecs = decodeCollectd(lists(inf), ctx()).events[0] as any
    t.equal(ecs.collectd.values.ping.value, 0, 'ECS format too')
    const dropped = decodeCollectd(lists(inf), ctx({ nanHandling: 'drop' }))
    t.equal(dropped.events.length, 0)
    t.same(dropped.errors, ['nan_dropped'])
    t.equal(dropped.infinities, 1)
  }
  const finite = decodeCollectd(lists(Number.MAX_VALUE), ctx({ eventFormat: 'legacy' }))
  t.equal(finite.infinities, 0)
  t.notOk('tags' in finite.events[0]!, 'the largest finite double is a value like any other')
})

test('legacy: target nests the codec fields; @timestamp, @version, tags stay at the root', async (t) => {
  const r = decodeCollectd(B4, ctx({ eventFormat: 'legacy', target: '[metrics][collectd]' }))
  const e = plain(r.events[0])
  t.same(e, { '@timestamp': T, '@version': '1', metrics: { collectd: { host: 'myhost', plugin: 'ping', collectd_type: 'ping', type_instance: 'target', value: 0 } }, tags: ['_collectdNaN'], '@metadata': { event_format: 'legacy' } })
  const n = plain(decodeCollectd(B5, ctx({ eventFormat: 'legacy', target: 'collectd' })).events[0])
  t.same(n.collectd, { host: 'myhost', plugin: 'load', collectd_type: 'load', message: 'load high', severity: 2 })
  const iv = plain(decodeCollectd(B1, ctx({ eventFormat: 'legacy', pruneIntervals: false, target: 'c' })).events[0])
  t.same(iv.c, { host: 'myhost', interval: 10 })
})

test('legacy: a notification without plugin or type leaves them out; unknown multi-value types keep positional names', async (t) => {
  // B5 without its plugin and type parts: time, severity, host, message
  const bare = hex('0008000c1954fc40000000000101000c00000000000000020000000b6d79686f7374000100000e6c6f6164206869676800')
  const e = plain(decodeCollectd(bare, ctx({ eventFormat: 'legacy' })).events[0])
  t.same(e, { '@timestamp': T, '@version': '1', host: 'myhost', message: 'load high', severity: 2, '@metadata': { event_format: 'legacy' } })
  const p = encodeValueLists([{ host: 'h', plugin: 'x', type: 'nosuchtype', time: 1700000000, values: [{ type: 'GAUGE', value: 1 }, { type: 'DERIVE', value: 2n }] }])
  const r = decodeCollectd(p, ctx({ eventFormat: 'legacy' }))
  t.equal(r.unknownTypes, 1)
  t.match(JSON.stringify(r.events[0]), /"value0":1\.0,"value1":2[,}]/)
  const single = decodeCollectd(encodeValueLists([{ host: 'h', plugin: 'x', type: 'nosuchtype', time: 1700000000, values: [{ type: 'GAUGE', value: 3 }] }]), ctx({ eventFormat: 'legacy' }))
  t.equal(Number(single.events[0]!.value), 3, 'one value is `value` whatever the type, as in Logstash')
})
