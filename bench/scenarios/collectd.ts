import { createDecipheriv, createHash, createHmac } from 'node:crypto'
import { measure, result, type BenchResult, type Scenario } from '../harness.ts'
import { credentials, StaticCredentials } from '../../aggregator/inputs/collectd/auth-file.ts'
import { createDecoderContext, decodeCollectd, type DecoderContext } from '../../aggregator/inputs/collectd/decoder.ts'
import { encodeValueLists, encryptPacket, signPacket, type ValueListSpec } from '../../aggregator/inputs/collectd/packet-builder.ts'
import { parseTypesDb } from '../../aggregator/inputs/collectd/types-db.ts'

// collectd decode throughput in values/s on one core, for a datagram like the
// ones collectd's network plugin sends (1452 bytes: cpu, interface, load,
// memory and df value lists, only changed fields written). Limits measured in
// the same run: a bare DataView loop walking the same parts and reading every
// value (no strings, no events); HMAC-SHA-256 alone for the signed case and
// AES-256-OFB + SHA-1 alone for the encrypted case, on the same datagrams.

const TYPES = `cpu value:DERIVE:0:U
if_octets rx:DERIVE:0:U, tx:DERIVE:0:U
if_packets rx:DERIVE:0:U, tx:DERIVE:0:U
if_errors rx:DERIVE:0:U, tx:DERIVE:0:U
load shortterm:GAUGE:0:5000, midterm:GAUGE:0:5000, longterm:GAUGE:0:5000
memory value:GAUGE:0:281474976710656
df_complex value:GAUGE:0:U
`

function collectdLikeLists(host: string, time: number): ValueListSpec[] {
  const lists: ValueListSpec[] = []
  const base = { host, time, interval: 10 }
  lists.push({ ...base, plugin: 'load', type: 'load', values: [{ type: 'GAUGE', value: 0.42 }, { type: 'GAUGE', value: 0.37 }, { type: 'GAUGE', value: 0.31 }] })
  for (const t of ['used', 'buffered', 'cached', 'free', 'slab_recl', 'slab_unrecl']) lists.push({ ...base, plugin: 'memory', type: 'memory', typeInstance: t, values: [{ type: 'GAUGE', value: 1.5e9 + t.length * 1e7 }] })
  for (const ifc of ['lo', 'eth0', 'eth1']) {
    for (const type of ['if_octets', 'if_packets', 'if_errors']) lists.push({ ...base, plugin: 'interface', pluginInstance: ifc, type, values: [{ type: 'DERIVE', value: 123456789 }, { type: 'DERIVE', value: 987654321 }] })
  }
  for (const mount of ['root', 'var', 'boot']) {
    for (const t of ['free', 'reserved', 'used']) lists.push({ ...base, plugin: 'df', pluginInstance: mount, type: 'df_complex', typeInstance: t, values: [{ type: 'GAUGE', value: 5.5e10 }] })
  }
  for (let cpu = 0; cpu < 16; cpu++) {
    for (const state of ['user', 'system', 'idle', 'wait', 'nice', 'interrupt', 'softirq', 'steal']) lists.push({ ...base, plugin: 'cpu', pluginInstance: String(cpu), type: 'cpu', typeInstance: state, values: [{ type: 'DERIVE', value: 1000000 + cpu * 1000 }] })
  }
  return lists
}

/** Fills a datagram up to `max` bytes with whole value lists, as collectd's sender does. */
function datagram(host: string, time: number, max: number): { buf: Buffer; values: number } {
  const all = collectdLikeLists(host, time)
  let n = 1
  while (n < all.length && encodeValueLists(all.slice(0, n + 1)).length <= max) n++
  const lists = all.slice(0, n)
  return { buf: encodeValueLists(lists), values: lists.reduce((a, l) => a + l.values.length, 0) }
}

/** The reference: walk the TLV parts and read every value with a DataView, nothing else. */
function bareWalk(buf: Buffer): number {
  const dv = new DataView(buf.buffer, buf.byteOffset, buf.byteLength)
  let off = 0
  let sum = 0
  let values = 0
  const end = buf.length
  while (end - off > 4) {
    const type = dv.getUint16(off)
    const len = dv.getUint16(off + 2)
    if (len < 4 || len > end - off) break
    if (type === 6) {
      const count = dv.getUint16(off + 4)
      let at = off + 6 + count
      for (let i = 0; i < count; i++, at += 8) {
        const code = dv.getUint8(off + 6 + i)
        sum += code === 1 ? dv.getFloat64(at, true) : dv.getUint32(at) * 4294967296 + dv.getUint32(at + 4)
      }
      values += count
    } else if (type === 8 || type === 9) {
      sum += dv.getUint32(off + 4)
    } else {
      sum += dv.getUint8(off + len - 1) // touch the string's NUL
    }
    off += len
  }
  return values + (sum === -1 ? 1 : 0)
}

function runFor(ms: number, fn: () => number): { values: number } {
  let values = 0
  const end = performance.now() + ms
  while (performance.now() < end) for (let i = 0; i < 50; i++) values += fn()
  return { values }
}

async function bench(name: string, ms: number, fn: () => number) {
  const m = await measure(() => runFor(ms, fn))
  // Per core = per CPU-second of this (single-threaded) process: the bench machine is shared,
  // so wall-clock rates swing with other load while CPU time does not. GC helper threads count too.
  return { name, values: m.value.values, wall_s: m.wall_s, cpu_s: m.cpu_s, peak_rss_mib: m.peak_rss_mib, rate: m.value.values / Math.max(m.cpu_s, 1e-6), wallRate: m.value.values / m.wall_s }
}

const scenario: Scenario = {
  name: 'collectd',
  description: 'collectd binary protocol decode, values/s on one core: plain (ecs, legacy), signed, encrypted, against a bare DataView walk and AES-256-OFB+SHA-1 alone',
  async run({ quick }): Promise<BenchResult[]> {
    const ms = quick ? 700 : 4000
    const typesDb = parseTypesDb(TYPES).db
    const creds = new StaticCredentials({ bench: 'bench-password' })
    const ecs = createDecoderContext({ typesDb })
    const legacy = createDecoderContext({ typesDb, eventFormat: 'legacy' })
    const signedCtx = createDecoderContext({ typesDb, securityLevel: 'sign', credentials: creds })
    const encCtx = createDecoderContext({ typesDb, securityLevel: 'encrypt', credentials: creds })

    // 64 distinct datagrams (different hosts and times) so nothing is cached across them
    const plain = Array.from({ length: 64 }, (_, i) => datagram(`web-${i}.example.com`, 1763780000 + i, 1452))
    const valuesPer = plain[0]!.values
    const bytesPer = plain[0]!.buf.length
    // security headers take their space out of the same 1452 bytes (collectd reserves 106)
    const secure = Array.from({ length: 64 }, (_, i) => datagram(`web-${i}.example.com`, 1763780000 + i, 1452 - 106))
    const signed = secure.map((d) => signPacket(d.buf, 'bench', 'bench-password'))
    const encrypted = secure.map((d) => encryptPacket(d.buf, 'bench', 'bench-password'))
    const secureValues = secure[0]!.values

    const check = (ctx: DecoderContext, bufs: Buffer[], expect: number) => {
      const r = decodeCollectd(bufs[0]!, ctx)
      if (r.values !== expect || r.errors.length || r.rejections.length) throw new Error(`bench datagram did not decode cleanly: ${JSON.stringify({ values: r.values, errors: r.errors, rejections: r.rejections })}`)
    }
    check(ecs, plain.map((d) => d.buf), valuesPer)
    check(signedCtx, signed, secureValues)
    check(encCtx, encrypted, secureValues)

    let k = 0
    const limitPlain = await bench('bare DataView walk, same datagrams', ms, () => bareWalk(plain[k++ & 63]!.buf))
    const key = credentials('bench-password').aesKey
    const aesOnly = await bench('AES-256-OFB + SHA-1 alone, same datagrams', ms, () => {
      const b = encrypted[k++ & 63]!
      const ulen = b.readUInt16BE(4)
      const iv = b.subarray(6 + ulen, 22 + ulen)
      const d = createDecipheriv('aes-256-ofb', key, iv)
      const plainBytes = Buffer.concat([d.update(b.subarray(22 + ulen)), d.final()])
      createHash('sha1').update(plainBytes.subarray(20)).digest()
      return secureValues
    })

    const pw = credentials('bench-password').password
    const user = Buffer.from('bench')
    const hmacOnly = await bench('HMAC-SHA-256 alone, same datagrams', ms, () => {
      const b = signed[k++ & 63]!
      createHmac('sha256', pw).update(user).update(b.subarray(41)).digest()
      return secureValues
    })

    const cases = [
      { id: 'plain.ecs', run: () => decodeCollectd(plain[k++ & 63]!.buf, ecs).values, limit: limitPlain, target: 500_000 },
      { id: 'plain.legacy', run: () => decodeCollectd(plain[k++ & 63]!.buf, legacy).values, limit: limitPlain, target: 500_000 },
      { id: 'signed.ecs', run: () => decodeCollectd(signed[k++ & 63]!, signedCtx).values, limit: hmacOnly, target: undefined },
      { id: 'encrypted.ecs', run: () => decodeCollectd(encrypted[k++ & 63]!, encCtx).values, limit: aesOnly, target: undefined },
    ]
    const results: BenchResult[] = []
    for (const c of cases) {
      const r = await bench(c.id, ms, c.run)
      const out: Omit<BenchResult, 'ratio'> = {
        scenario: `collectd.decode.${c.id}`,
        unit: 'values/s',
        throughput: r.rate,
        mib_per_s: (r.rate / (c.id.startsWith('plain') ? valuesPer : secureValues)) * (c.id.startsWith('plain') ? bytesPer : (signed[0]!.length + encrypted[0]!.length) / 2) / 2 ** 20,
        wall_s: r.wall_s,
        cpu_s: r.cpu_s,
        peak_rss_mib: r.peak_rss_mib,
        limit: { name: c.limit.name, throughput: Math.round(c.limit.rate), unit: 'values/s' },
        notes: `${c.id.startsWith('plain') ? bytesPer : c.id.startsWith('signed') ? signed[0]!.length : encrypted[0]!.length}-byte datagrams, ${c.id.startsWith('plain') ? valuesPer : secureValues} values each; events built (${c.id.includes('legacy') ? 'legacy' : 'ecs'} layout); values per CPU-second of one thread (wall-clock: ${Math.round(r.wallRate)}/s)`,
      }
      if (c.target !== undefined) out.target = c.target
      results.push(result(out))
    }
    return results
  },
}

export default scenario
