import { test } from 'tap'
import { fileURLToPath } from 'node:url'
import type { LogEvent } from '../../../../core/event.ts'
import { createDecoderContext, decodeCollectd, type DecoderOptions } from '../../../../aggregator/inputs/collectd/decoder.ts'
import { collectdMetricJson } from '../../../../aggregator/inputs/collectd/ecs-json.ts'
import { loadTypesDb } from '../../../../aggregator/inputs/collectd/types-db.ts'
import { StaticCredentials } from '../../../../aggregator/inputs/collectd/auth-file.ts'
import { encodeValueLists, signPacket, type ValueListSpec } from '../../../../aggregator/inputs/collectd/packet-builder.ts'
import { senderDatagrams } from '../../../../bench/collectd-sender.ts'

// collectdMetricJson must write exactly JSON.stringify's bytes for the
// decoder's ecs value lists, and give up (undefined) for anything else.

const { db } = loadTypesDb([fileURLToPath(new URL('../../../fixtures/collectd/types.db', import.meta.url))])
const decode = (buf: Buffer, o: Partial<DecoderOptions> = {}): LogEvent[] => decodeCollectd(buf, createDecoderContext({ typesDb: db, ...o })).events
const base = { host: 'h', time: 1700000000.25, plugin: 'p' }
const loadValues = (e: LogEvent): Record<string, unknown> => ((e.collectd as Record<string, unknown>).values as Record<string, Record<string, unknown>>).load!

test('byte for byte JSON.stringify on decoded value lists', async (t) => {
  const lists: ValueListSpec[] = [
    { ...base, type: 'load', values: [{ type: 'GAUGE', value: 0.5 }, { type: 'GAUGE', value: 1 }, { type: 'GAUGE', value: -0 }] },
    { ...base, pluginInstance: 'eth0', type: 'if_octets', typeInstance: 'x', interval: 0.5, values: [{ type: 'DERIVE', value: -5n }, { type: 'DERIVE', value: 2n ** 53n - 1n }] },
    { ...base, type: 'gauge', values: [{ type: 'GAUGE', value: 1e21 }] },
    { ...base, type: 'gauge', values: [{ type: 'GAUGE', value: 1.5e-7 }] },
    { ...base, type: 'gauge', values: [{ type: 'GAUGE', value: Number.NaN }] }, // replaced and tagged
    { ...base, type: 'not_in_types_db', values: [{ type: 'GAUGE', value: 1 }, { type: 'COUNTER', value: 2n }] }, // positional names
    { ...base, host: 'hôst-ü "quoted" \\ back', plugin: 'tab\there', typeInstance: '\u0001ctl', type: 'gauge', values: [{ type: 'GAUGE', value: 3 }] },
    { ...base, host: '😀 emoji', type: 'gauge', values: [{ type: 'GAUGE', value: 3 }] },
  ]
  const events = [...decode(encodeValueLists(lists)), ...senderDatagrams().slice(0, 4).flatMap((d) => decode(d.buf))]
  t.ok(events.length > 100, `${events.length} events`)
  let fast = 0
  for (const e of events) {
    const json = collectdMetricJson(e)
    t.equal(json, JSON.stringify(e))
    if (json !== undefined) fast++
  }
  t.equal(fast, events.length, 'every decoded ecs value list takes the fast path')
  t.ok(events.some((e) => Array.isArray(e.tags)), 'a NaN-tagged event was among them')

  // a signed datagram: collectd.username is written too
  const signed = decode(signPacket(encodeValueLists([lists[0]!]), 'alice', 'secret'), { securityLevel: 'sign', credentials: new StaticCredentials({ alice: 'secret' }) })
  t.equal((signed[0]!.collectd as Record<string, unknown>).username, 'alice')
  t.equal(collectdMetricJson(signed[0]!), JSON.stringify(signed[0]))
})

test('anything else: undefined (the caller uses JSON.stringify)', async (t) => {
  const fresh = (): LogEvent => decode(encodeValueLists([{ ...base, pluginInstance: 'i', type: 'load', values: [{ type: 'GAUGE', value: 1 }, { type: 'GAUGE', value: 2 }, { type: 'GAUGE', value: 3 }] }]))[0]!
  t.type(collectdMetricJson(fresh()), 'string')
  const cases: [string, (e: LogEvent) => void][] = [
    ['a field added by a stage', (e) => { e.metric = 'x' }],
    ['@metadata', (e) => { e['@metadata'] = { _id: 'a' } }],
    ['a field set to undefined', (e) => { e.message = undefined }],
    ['host removed', (e) => { delete e.host }],
    ['host.ip added', (e) => { (e.host as Record<string, unknown>).ip = '10.0.0.1' }],
    ['event.kind changed', (e) => { (e.event as Record<string, unknown>).kind = 'alert' }],
    ['event.outcome added', (e) => { (e.event as Record<string, unknown>).outcome = 'success' }],
    ['@timestamp a Date', (e) => { e['@timestamp'] = new Date(0) }],
    ['keys reordered', (e) => { const ts = e['@timestamp']; delete e['@timestamp']; e['@timestamp'] = ts }],
    ['collectd key unknown', (e) => { (e.collectd as Record<string, unknown>).extra = 1 }],
    ['collectd keys reordered', (e) => { const c = e.collectd as Record<string, unknown>; const p = c.plugin; delete c.plugin; c.plugin = p }],
    ['a value a string', (e) => { loadValues(e).midterm = '2' }],
    ['a value an ExactInteger-like toJSON object', (e) => { loadValues(e).midterm = { toJSON: () => 2 } }],
    ['a value Infinity', (e) => { loadValues(e).midterm = Infinity }],
    ['tags not an array', (e) => { e.tags = 'x' }],
    ['a tag not a string', (e) => { e.tags = ['a', 1] }],
  ]
  for (const [name, change] of cases) {
    const e = fresh()
    change(e)
    t.equal(collectdMetricJson(e), undefined, name)
  }
  // tags added by a stage at the end are the layout's own optional key: still exact
  const tagged = fresh()
  tagged.tags = ['a', 'b"c']
  t.equal(collectdMetricJson(tagged), JSON.stringify(tagged), 'tags')
  // an optional collectd key holding undefined is left out, as JSON.stringify does
  const hole = fresh()
  ;(hole.collectd as Record<string, unknown>).plugin_instance = undefined
  t.equal(collectdMetricJson(hole), JSON.stringify(hole), 'undefined optional key')
  // legacy events and notifications are not this layout
  t.equal(collectdMetricJson(decode(encodeValueLists([{ ...base, type: 'gauge', values: [{ type: 'GAUGE', value: 1 }] }]), { eventFormat: 'legacy' })[0]!), undefined, 'legacy')
  t.equal(collectdMetricJson({ '@timestamp': 'x', message: 'm', event: { kind: 'alert', module: 'collectd', dataset: 'collectd' } }), undefined, 'notification')
})
