import { test } from 'tap'
import { readFileSync } from 'node:fs'
import { createDecoderContext, decodeCollectd, type DecoderOptions } from '../../../../aggregator/inputs/collectd/decoder.ts'
import { defaultTypesDbPath, loadTypesDb } from '../../../../aggregator/inputs/collectd/types-db.ts'
import { StaticCredentials } from '../../../../aggregator/inputs/collectd/auth-file.ts'

// Real collectd 5.x datagrams published with Logstash's collectd codec spec
// (docs/protocols/collectd.md §12 "external fixtures"), decoded with the system types.db.

const cap = JSON.parse(readFileSync(new URL('../../../fixtures/collectd/logstash-codec-captures.json', import.meta.url), 'utf8')) as Record<string, string>
const bytes = (k: string) => Buffer.from(cap[k] as string, 'hex')
const { db } = loadTypesDb([defaultTypesDbPath])
const pieter = new StaticCredentials({ pieter: 'aapje1234' })
const ctx = (o: Partial<DecoderOptions> = {}) => createDecoderContext({ typesDb: db, eventFormat: 'legacy', ...o })
const LEGACY = { '@version': '1', '@metadata': { event_format: 'legacy' } }
/** An event as its JSON says it (JsonFloat gauges become numbers again). */
const plain = (e: unknown) => JSON.parse(JSON.stringify(e)) as Record<string, unknown>

test('28-event plain capture', async (t) => {
  const r = decodeCollectd(bytes('plain28'), ctx())
  t.equal(r.events.length, 28)
  t.same(r.errors, [])
  t.equal(r.unknownTypes, 0)
  t.same(r.events[0], { host: 'lieters-klaptop.prot.plexis.eu', '@timestamp': '2013-12-31T10:14:47.811Z', plugin: 'interface', plugin_instance: 'wlan0', collectd_type: 'if_errors', rx: 0, tx: 0, ...LEGACY })
  t.same(plain(r.events[2]), { host: 'lieters-klaptop.prot.plexis.eu', '@timestamp': '2013-12-31T10:14:47.811Z', plugin: 'entropy', collectd_type: 'entropy', value: 157, ...LEGACY }, 'empty plugin_instance part cleared the field')
  t.match(JSON.stringify(r.events[2]), /"value":157\.0[,}]/, 'the codec spec\'s 157.0: a float in JSON')
  t.equal(Number(r.events[2]!.value), 157)
  const ecs = decodeCollectd(bytes('plain28'), ctx({ eventFormat: 'ecs' }))
  t.equal(ecs.values, r.values)
  t.same((ecs.events[0] as any).collectd.values, { if_errors: { rx: 0, tx: 0 } })
  t.equal((ecs.events[0] as any).collectd.interval, 10)
})

test('the same capture with one string part length corrupted: stops there, 27 events', async (t) => {
  const hex = cap.plain28 as string
  const at = hex.lastIndexOf('000500096e696365')
  const bad = Buffer.from(hex.slice(0, at) + '000500316e696365' + hex.slice(at + 16), 'hex')
  const r = decodeCollectd(bad, ctx())
  t.equal(r.events.length, 27)
  t.same(r.errors, ['truncated'])
})

test('NaN ping capture: replaced and tagged, or dropped', async (t) => {
  t.same(plain(decodeCollectd(bytes('nanPing'), ctx()).events[0]), { host: 'test.example.com', '@timestamp': '2014-05-12T20:41:42.048Z', plugin: 'ping', collectd_type: 'ping', type_instance: 'ping-target.example.com', value: 0, tags: ['_collectdNaN'], ...LEGACY })
  const custom = decodeCollectd(bytes('nanPing'), ctx({ nanValue: 1, nanTag: 'NaN_encountered' })).events[0] as any
  t.equal(Number(custom.value), 1)
  t.same(custom.tags, ['NaN_encountered'])
  t.notOk('tags' in decodeCollectd(bytes('nanPing'), ctx({ nanTag: '' })).events[0]!, "nan_tag '' adds no tag (the codec's documented way to turn it off)")
  t.equal(decodeCollectd(bytes('nanPing'), ctx({ nanHandling: 'drop' })).events.length, 0)
})

test('signed capture (pieter): 24 events at sign; tampered signature: none', async (t) => {
  const r = decodeCollectd(bytes('signed24'), ctx({ securityLevel: 'sign', credentials: pieter }))
  t.equal(r.events.length, 24)
  t.same(r.rejections, [])
  const tampered = bytes('signed24')
  tampered[7] = (tampered[7] as number) ^ 0x01 // 815d5d7e → 815d5d7f, as in the codec's negative test
  const bad = decodeCollectd(tampered, ctx({ securityLevel: 'sign', credentials: pieter }))
  t.equal(bad.events.length, 0)
  t.same(bad.rejections, ['bad_signature'])
})

test('1371-byte encrypted capture (pieter): 24 events at encrypt; the plain capture at encrypt: none', async (t) => {
  const enc = bytes('encrypted24')
  t.equal(enc.length, 1371)
  const r = decodeCollectd(enc, ctx({ securityLevel: 'encrypt', credentials: pieter }))
  t.equal(r.events.length, 24)
  t.same(r.events[0], { host: 'lieters-klaptop.prot.plexis.eu', '@timestamp': '2013-12-31T11:53:15.445Z', plugin: 'disk', plugin_instance: 'dm-2', collectd_type: 'disk_octets', read: 287953920, write: 3880914944, ...LEGACY })
  const plainAtEncrypt = decodeCollectd(bytes('plain28'), ctx({ securityLevel: 'encrypt', credentials: pieter }))
  t.equal(plainAtEncrypt.events.length, 0)
  t.same(plainAtEncrypt.rejections, ['unencrypted'])
})
