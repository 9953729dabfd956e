import { test } from 'tap'
import { createSocket } from 'node:dgram'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import cluster from 'node:cluster'
import { pino } from 'pino'
import { validate } from '../../../../core/config/schema.ts'
import { silentLogger } from '../../../../core/logger.ts'
import { MetricsRegistry } from '../../../../core/metrics.ts'
import type { LogEvent } from '../../../../core/event.ts'
import { CollectdInput, collectdInputSpec, type CollectdInputOptions } from '../../../../aggregator/inputs/collectd/collectd-input.ts'
import { encodeValueLists } from '../../../../aggregator/inputs/collectd/packet-builder.ts'
import { startCollectd } from '../../../helpers/collectd.ts'
import { until } from '../../../helpers/until.ts'

// The UDP input against the real collectd daemon (collectd-core) in plain,
// signed and encrypted modes, plus the failure cases, the bounded queue and
// cluster distribution.

const authDir = mkdtempSync(join(tmpdir(), 'collectd-input-'))
const authFile = join(authDir, 'passwd')
writeFileSync(authFile, '# test credentials\nalice: secret\nbob:hunter2\n')

function options(o: Record<string, unknown>): CollectdInputOptions {
  return validate(collectdInputSpec, { listen: '127.0.0.1:0', ...o })
}

interface Harness {
  input: CollectdInput
  events: LogEvent[]
  metrics: MetricsRegistry
  port: number
  address: string
  metric(name: string, reason?: string): number
  waitFor(pred: () => boolean, what: string, ms?: number): Promise<void>
}

async function harness(o: Record<string, unknown>, deliver?: (events: LogEvent[]) => Promise<void>): Promise<Harness> {
  const events: LogEvent[] = []
  const metrics = new MetricsRegistry()
  const input = new CollectdInput(options(o), {
    logger: silentLogger(),
    metrics,
    deliver:
      deliver ??
      (async (batch) => {
        for (const e of batch) events.push(e)
      }),
  })
  const { address, port } = await input.start()
  const metric = (name: string, reason?: string): number => {
    const fam = metrics.snapshot()[`logyard_${name}`]
    if (!fam) return 0
    return fam.values.filter(([l]) => reason === undefined || l.reason === reason).reduce((a, [, v]) => a + v, 0)
  }
  const waitFor = async (pred: () => boolean, what: string, ms = 15_000): Promise<void> => {
    await until(pred, ms, what, 50)
  }
  return { input, events, metrics, port, address, metric, waitFor }
}

const byPlugin = (events: LogEvent[], plugin: string) => events.filter((e) => (e.collectd as { plugin?: string } | undefined)?.plugin === plugin)

test('config: defaults, validation and the auth_file rule', async (t) => {
  const d = validate(collectdInputSpec, {})
  t.equal(d.listen, '0.0.0.0:25826')
  t.same(d.types_db, ['/usr/share/collectd/types.db'])
  t.equal(d.security_level, 'none')
  t.equal(d.event_format, 'ecs')
  t.equal(d.receive_buffer, 4 * 1024 * 1024)
  t.throws(() => validate(collectdInputSpec, { security_level: 'sign' }), /needs auth_file/)
  t.throws(() => validate(collectdInputSpec, { security_levle: 'sign' }), /did you mean "security_level"/)
  t.throws(() => validate(collectdInputSpec, { listen: 'nope' }), /host:port/)
  t.equal(validate(collectdInputSpec, undefined), undefined, 'absent input stays off')
})

test('real collectd, plain: load, memory, cpu, interface and exact PUTVAL values', async (t) => {
  const h = await harness({})
  const cd = await startCollectd({ port: h.port, hostname: 'plain-host', interval: 1 })
  t.teardown(async () => {
    await cd.stop()
    await h.input.close(1000)
  })
  t.match(await cd.command('PUTVAL "plain-host/exact/counter-big" interval=1 N:18446744073709551615'), /^0 /)
  t.match(await cd.command('PUTVAL "plain-host/exact/gauge-half" interval=1 N:0.5'), /^0 /)
  t.match(await cd.command('PUTVAL "plain-host/exact/derive-neg" interval=1 N:-9007199254740993'), /^0 /)
  const now = Math.floor(Date.now() / 1000)
  t.match(await cd.command(`PUTNOTIF host=plain-host plugin=exact type=gauge severity=warning time=${now} message="disk almost full"`), /^0 /)
  await h.waitFor(() => ['load', 'memory', 'cpu', 'interface'].every((p) => byPlugin(h.events, p).length > 0) && byPlugin(h.events, 'exact').length >= 4, 'events from every plugin', 20_000)
  t.ok(h.events.every((e) => (e.host as { name?: string }).name === 'plain-host'), 'every event carries the Hostname from collectd.conf')
  const load = byPlugin(h.events, 'load')[0] as any
  t.equal(load.collectd.type, 'load')
  t.same(Object.keys(load.collectd.values.load), ['shortterm', 'midterm', 'longterm'])
  t.equal(typeof load.collectd.values.load.shortterm, 'number')
  t.equal(load.collectd.interval, 1)
  t.equal(load.event.dataset, 'collectd')
  t.ok(Math.abs(Date.parse(load['@timestamp']) - Date.now()) < 60_000, '@timestamp is now-ish')
  const octets = byPlugin(h.events, 'interface').find((e: any) => e.collectd.type === 'if_octets') as any
  t.ok(octets.collectd.plugin_instance, 'interface name as plugin_instance')
  t.same(Object.keys(octets.collectd.values.if_octets), ['rx', 'tx'])
  const mem = byPlugin(h.events, 'memory').find((e: any) => e.collectd.type_instance === 'used') as any
  t.ok(mem.collectd.values.memory.value > 0)
  const cpu = byPlugin(h.events, 'cpu').find((e: any) => e.collectd.type === 'cpu') as any
  t.ok(Number.isInteger(cpu.collectd.values.cpu.value), 'DERIVE as integer')
  const exact = byPlugin(h.events, 'exact') as any[]
  const big = exact.find((e) => e.collectd.type_instance === 'big')
  // JSON.stringify is what the Elasticsearch output uses
  t.equal(JSON.stringify(big.collectd.values.counter), '{"value":18446744073709551615}', 'COUNTER 2^64-1 survives JSON.stringify exactly')
  t.equal(exact.find((e) => e.collectd.type_instance === 'half').collectd.values.gauge.value, 0.5)
  const note = exact.find((e) => e.message !== undefined)
  t.same(
    { message: note.message, level: note.log.level, severity: note.collectd.severity, host: note.host.name, type: note.collectd.type, ts: note['@timestamp'], kind: note.event.kind },
    { message: 'disk almost full', level: 'warning', severity: 'warning', host: 'plain-host', type: 'gauge', ts: new Date(now * 1000).toISOString(), kind: 'alert' },
    'a notification becomes an event',
  )
  const neg = exact.find((e) => e.collectd.type_instance === 'neg')
  t.equal(JSON.stringify(neg.collectd.values.derive.value), '-9007199254740993')
  t.ok(h.metric('collectd_datagrams_total') > 0)
  t.ok(h.metric('collectd_values_total') >= h.events.length)
  t.equal(h.metric('collectd_decode_errors_total'), 0)
})

test('real collectd, signed (Sign) over IPv6, legacy field names', async (t) => {
  const h = await harness({ listen: '[::1]:0', security_level: 'sign', auth_file: authFile, event_format: 'legacy' })
  t.equal(h.address, '::1')
  const cd = await startCollectd({ port: h.port, host: '::1', hostname: 'signed-host', securityLevel: 'Sign', username: 'alice', password: 'secret', plugins: ['load'] })
  t.teardown(async () => {
    await cd.stop()
    await h.input.close(1000)
  })
  await cd.command('PUTVAL "signed-host/exact/if_octets-x" interval=1 N:1000:2000')
  await h.waitFor(() => h.events.some((e) => e.plugin === 'load') && h.events.some((e) => e.plugin === 'exact'), 'signed events')
  const load = h.events.find((e) => e.plugin === 'load') as any
  t.equal(load.host, 'signed-host')
  t.equal(load.collectd_type, 'load')
  t.type(Number(load.shortterm), 'number')
  t.match(JSON.stringify(load), /"shortterm":-?\d+\.\d+/, 'gauges are written as floats (0.0), as Logstash does')
  t.equal(load['@version'], '1')
  const oct = h.events.find((e) => e.plugin === 'exact') as any
  t.same({ rx: oct.rx, tx: oct.tx, type_instance: oct.type_instance }, { rx: 1000, tx: 2000, type_instance: 'x' })
  t.equal(h.metric('collectd_security_rejected_total'), 0)
})

test('real collectd, encrypted (Encrypt) at level encrypt', async (t) => {
  const h = await harness({ security_level: 'encrypt', auth_file: authFile })
  const cd = await startCollectd({ port: h.port, hostname: 'enc-host', securityLevel: 'Encrypt', username: 'bob', password: 'hunter2', plugins: ['load', 'memory'] })
  t.teardown(async () => {
    await cd.stop()
    await h.input.close(1000)
  })
  await h.waitFor(() => byPlugin(h.events, 'load').length > 0 && byPlugin(h.events, 'memory').length > 0, 'encrypted events')
  const e = byPlugin(h.events, 'memory')[0] as any
  t.same(e.host, { name: 'enc-host' })
  t.equal(e.collectd.username, 'bob')
  t.equal(h.metric('collectd_security_rejected_total'), 0)
})

test('real collectd, wrong password: signed and encrypted datagrams are refused and counted', async (t) => {
  const h = await harness({ security_level: 'sign', auth_file: authFile })
  const signed = await startCollectd({ port: h.port, hostname: 'bad-sign', securityLevel: 'Sign', username: 'alice', password: 'wrong', plugins: ['load'] })
  const enc = await startCollectd({ port: h.port, hostname: 'bad-enc', securityLevel: 'Encrypt', username: 'alice', password: 'wrong', plugins: ['load'] })
  t.teardown(async () => {
    await signed.stop()
    await enc.stop()
    await h.input.close(1000)
  })
  await h.waitFor(() => h.metric('collectd_security_rejected_total', 'bad_signature') > 0 && h.metric('collectd_security_rejected_total', 'bad_checksum') > 0, 'rejections')
  t.equal(h.events.length, 0, 'nothing accepted')
})

test('real collectd, unsigned at level sign: refused (stricter than Logstash) and counted', async (t) => {
  const h = await harness({ security_level: 'sign', auth_file: authFile })
  const cd = await startCollectd({ port: h.port, hostname: 'plain-at-sign', plugins: ['load'] })
  t.teardown(async () => {
    await cd.stop()
    await h.input.close(1000)
  })
  await h.waitFor(() => h.metric('collectd_security_rejected_total', 'unsigned') > 0, 'unsigned rejections')
  t.equal(h.events.length, 0)
})

test('garbage, truncated, empty and overlong datagrams are counted and dropped; the input keeps working', async (t) => {
  const h = await harness({})
  t.teardown(() => h.input.close(1000))
  const good = encodeValueLists([{ host: 'g', plugin: 'load', type: 'load', time: 1700000000, interval: 10, values: [{ type: 'GAUGE', value: 0.5 }, { type: 'GAUGE', value: 1 }, { type: 'GAUGE', value: 1.5 }] }])
  const s = createSocket('udp4')
  t.teardown(() => s.close())
  const send = (b: Buffer) => new Promise<void>((resolve, reject) => s.send(b, h.port, '127.0.0.1', (err) => (err ? reject(err) : resolve())))
  await send(Buffer.alloc(0))
  await send(good.subarray(0, good.length - 5))
  await send(Buffer.from('GET / HTTP/1.1\r\nHost: x\r\n\r\n'))
  const overlong = Buffer.concat([good, Buffer.from('000200ff', 'hex')])
  await send(overlong)
  await send(Buffer.alloc(60000, 0xff))
  await send(good)
  await h.waitFor(() => h.events.length >= 2 && h.metric('collectd_datagrams_total') >= 6, 'all datagrams')
  t.equal(h.events.length, 2, 'the good datagram and the good part of the overlong one')
  t.equal(h.metric('collectd_decode_errors_total', 'empty'), 1)
  t.ok(h.metric('collectd_decode_errors_total', 'truncated') >= 2)
  t.ok(h.metric('collectd_decode_errors_total') >= 4)
})

const gauges = (n: number, host: string, tag = 'i') => Array.from({ length: n }, (_, i) => ({ host, plugin: 'p', type: 'gauge', typeInstance: `${tag}${i}`, time: 1700000000, values: [{ type: 'GAUGE' as const, value: i }] }))

/** Bytes waiting in the kernel's receive buffer of the UDP socket bound to 127.0.0.1:port (/proc/net/udp rx_queue). */
function kernelQueued(port: number): number {
  const hexPort = ':' + port.toString(16).toUpperCase().padStart(4, '0')
  for (const line of readFileSync('/proc/net/udp', 'latin1').split('\n')) {
    const cols = line.trim().split(/\s+/)
    if (cols[1]?.endsWith(hexPort)) return parseInt(cols[4]!.split(':')[1]!, 16)
  }
  return 0
}

test('bounded queue: while deliver() is stuck, a datagram beyond the bound is dropped whole, undecoded, and counted; then the socket is not read until the queue has drained to half', async (t) => {
  const releases: (() => void)[] = []
  const delivered: number[] = []
  const h = await harness({ queue_max_events: 50, batch_size: 10, max_inflight_batches: 1 }, (batch) => {
    delivered.push(batch.length)
    return new Promise<void>((resolve) => releases.push(resolve))
  })
  const s = createSocket('udp4')
  t.teardown(() => s.close())
  const dg = encodeValueLists(gauges(20, 'q'))
  const send = () => new Promise<void>((r) => s.send(dg, h.port, '127.0.0.1', () => r()))
  await send()
  await h.waitFor(() => delivered.length === 1, 'first batch in flight')
  t.same(delivered, [20], 'a batch is whole datagrams: 20 events for a batch_size of 10')
  for (let i = 0; i < 9; i++) await send()
  // two datagrams wait (a third would pass 50); the fourth is read, dropped and counted; reading stops, so the
  // other six wait in the kernel's receive buffer instead of being read only to be dropped
  await h.waitFor(() => h.metric('collectd_datagrams_dropped_total', 'queue_full') === 1, 'a datagram dropped')
  await h.waitFor(() => kernelQueued(h.port) >= 6 * dg.length, 'six datagrams waiting in the kernel')
  t.equal(h.metric('collectd_datagrams_total'), 4, 'the socket is not read while the queue is full')
  t.equal(h.input.queuedEvents, 40)
  t.equal(h.metric('collectd_queue_events'), 40)
  t.equal(h.metric('collectd_dropped_total', 'queue_full'), 20, "the dropped datagram's value lists are counted")
  t.equal(h.metric('collectd_values_total'), 20, 'neither the waiting nor the dropped datagram was decoded')
  // release batch after batch: reading resumes at half the bound, and every datagram is delivered or counted
  await h.waitFor(() => {
    while (releases.length > 0) releases.shift()!()
    return h.metric('collectd_datagrams_total') === 10 && h.input.queuedEvents === 0 && h.metric('collectd_batches_in_flight') === 0
  }, 'every datagram read and the queue drained')
  const events = h.metric('collectd_events_total')
  t.equal(events + h.metric('collectd_dropped_total', 'queue_full'), 200, `every value list delivered (${events}) or counted as dropped`)
  // at most one datagram per pause (the one that did not fit); read regardless of the queue, seven of the ten were
  t.ok(h.metric('collectd_datagrams_dropped_total', 'queue_full') < 7, `${h.metric('collectd_datagrams_dropped_total', 'queue_full')} datagrams dropped: the kernel buffer held the rest`)
  t.equal(h.metric('collectd_values_total'), events)
  t.equal(h.metric('collectd_datagrams_dropped_total', 'kernel'), 0)
  await h.input.close(1000)
})

test('pipelined batches: up to max_inflight_batches full batches in flight, a partial one only when none is', async (t) => {
  const releases: (() => void)[] = []
  const delivered: number[] = []
  const h = await harness({ queue_max_events: 1000, batch_size: 10, max_inflight_batches: 3 }, (batch) => {
    delivered.push(batch.length)
    return new Promise<void>((resolve) => releases.push(resolve))
  })
  const s = createSocket('udp4')
  t.teardown(() => s.close())
  // five datagrams of 10 value lists and one of 5
  for (const tag of ['a', 'b', 'c', 'd', 'e']) await new Promise<void>((r) => s.send(encodeValueLists(gauges(10, 'p', tag)), h.port, '127.0.0.1', () => r()))
  await new Promise<void>((r) => s.send(encodeValueLists(gauges(5, 'p', 'f')), h.port, '127.0.0.1', () => r()))
  await h.waitFor(() => h.metric('collectd_datagrams_total') === 6 && delivered.length === 3, 'three batches in flight')
  t.same(delivered, [10, 10, 10], 'three full batches, no more than max_inflight_batches')
  t.equal(h.metric('collectd_batches_in_flight'), 3)
  t.equal(h.input.queuedEvents, 25)
  releases.shift()!()
  await h.waitFor(() => delivered.length === 4, 'a freed slot takes the next full batch')
  releases.shift()!()
  await h.waitFor(() => delivered.length === 5, 'and the next')
  t.same(delivered, [10, 10, 10, 10, 10])
  t.equal(h.input.queuedEvents, 5)
  // the partial batch waits while batches are in flight, and goes once none is
  releases.shift()!()
  releases.shift()!()
  await h.waitFor(() => h.metric('collectd_batches_in_flight') === 1, 'two settled')
  t.equal(delivered.length, 5, 'a partial batch is not sent beside batches in flight')
  releases.shift()!()
  await h.waitFor(() => delivered.length === 6, 'the partial batch goes once nothing is in flight')
  t.equal(delivered[5], 5)
  releases.shift()!()
  await h.input.close(1000)
  t.equal(h.metric('collectd_events_total'), 55)
})

test('close() delivers what is queued; deliver failures are counted, never thrown', async (t) => {
  let calls = 0
  const h = await harness({ batch_size: 5 }, async () => {
    calls++
    if (calls === 1) throw new Error('downstream gone')
  })
  const s = createSocket('udp4')
  t.teardown(() => s.close())
  for (const tag of ['a', 'b']) await new Promise<void>((r) => s.send(encodeValueLists(gauges(6, 'c', tag)), h.port, '127.0.0.1', () => r()))
  await h.waitFor(() => h.metric('collectd_datagrams_total') === 2, 'datagrams')
  await h.input.close(2000)
  t.equal(h.metric('collectd_dropped_total', 'deliver_failed'), 6)
  t.equal(h.metric('collectd_events_total'), 6)
  t.equal(h.metric('collectd_dropped_total', 'shutdown'), 0)
})

test('cluster: two forked workers each bind (SO_REUSEPORT) and both receive datagrams', async (t) => {
  // a free port for both workers
  const probe = createSocket('udp4')
  await new Promise<void>((r) => probe.bind(0, '127.0.0.1', () => r()))
  const port = probe.address().port
  probe.close()
  cluster.setupPrimary({ exec: fileURLToPath(new URL('../../../fixtures/collectd/cluster-worker.ts', import.meta.url)), silent: true })
  const workers = [cluster.fork({ COLLECTD_PORT: String(port) }), cluster.fork({ COLLECTD_PORT: String(port) })]
  t.teardown(() => {
    for (const w of workers) if (!w.isDead()) w.kill()
  })
  const ask = <T>(w: (typeof workers)[number], pred: (m: any) => boolean): Promise<T> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('worker did not answer')), 20_000)
      const on = (m: any) => {
        if (pred(m)) {
          clearTimeout(timer)
          w.off('message', on)
          resolve(m)
        }
      }
      w.on('message', on)
    })
  const listening = await Promise.all(workers.map((w) => ask<{ port: number }>(w, (m) => m.listening)))
  t.same(listening.map((m) => m.port), [port, port], 'both workers bound the same port')
  // 32 senders (distinct source ports), 5 datagrams each, one value list per datagram
  const senders = Array.from({ length: 32 }, () => createSocket('udp4'))
  let sent = 0
  for (let round = 0; round < 5; round++) {
    for (const [i, s] of senders.entries()) {
      const dg = encodeValueLists([{ host: `h${i}`, plugin: 'p', type: 'gauge', time: 1700000000 + round, values: [{ type: 'GAUGE', value: round }] }])
      await new Promise<void>((r) => s.send(dg, port, '127.0.0.1', () => r()))
      sent++
    }
  }
  for (const s of senders) s.close()
  const counts = async () => Promise.all(workers.map(async (w) => {
    const answer = ask<{ events: number }>(w, (m) => m.events !== undefined)
    w.send('count')
    return (await answer).events
  }))
  const got = await until(async () => {
    const c = await counts()
    return c[0]! + c[1]! >= sent && c
  }, 10_000, `${sent} datagrams counted by the workers`, 100)
  t.equal(got[0]! + got[1]!, sent, 'every datagram decoded exactly once')
  t.ok(got[0]! > 0 && got[1]! > 0, `both workers received datagrams (${got.join(' / ')})`)
  await Promise.all(workers.map((w) => new Promise<void>((r) => {
    w.once('exit', () => r())
    w.send('stop')
  })))
})

test('bad input is logged with a code and the sender, rate-limited; nan_handling warn logs the replacement', async (t) => {
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line)) })
  const input = new CollectdInput(options({ nan_handling: 'warn', nan_value: -1, types_db: [fileURLToPath(new URL('../../../fixtures/collectd/types.db', import.meta.url))] }), { logger, metrics: new MetricsRegistry(), deliver: async () => {} })
  const { port } = await input.start()
  t.teardown(() => input.close(500))
  const s = createSocket('udp4')
  t.teardown(() => s.close())
  const nan = encodeValueLists([{ host: 'n', plugin: 'ping', type: 'ping', time: 1700000000, values: [{ type: 'GAUGE', value: NaN }] }])
  const unknown = encodeValueLists([{ host: 'u', plugin: 'p', type: 'no_such_type', time: 1700000000, values: [{ type: 'GAUGE', value: 1 }] }])
  for (const b of [Buffer.from('garbage!'), Buffer.from('garbage!'), Buffer.from('garbage!'), nan, unknown]) await new Promise<void>((r) => s.send(b, port, '127.0.0.1', () => r()))
  await until(() => lines.some((l) => /NaN/.test(String(l.msg))) && lines.some((l) => /type not in types\.db/.test(String(l.msg))), 15_000, 'the NaN and unknown-type lines')
  const unknownLine = lines.find((l) => /type not in types\.db/.test(String(l.msg)))
  t.equal(unknownLine?.code, 'LY_PROTOCOL', 'an unknown collectd type is logged with a code')
  t.match(String(unknownLine?.from), /^127\.0\.0\.1:\d+$/)
  const bad = lines.filter((l) => /datagram problem/.test(String(l.msg)))
  t.equal(bad.length, 1, 'three garbage datagrams, one log line (the rest are in /metrics)')
  t.equal(bad[0]?.code, 'LY_PROTOCOL')
  t.match(String(bad[0]?.from), /^127\.0\.0\.1:\d+$/)
  t.ok(lines.some((l) => /NaN gauge replaced by -1/.test(String(l.msg))))
})

test('a port already in use is a coded connection error, not a crash', async (t) => {
  const taken = createSocket('udp4')
  await new Promise<void>((r) => taken.bind(0, '127.0.0.1', () => r()))
  t.teardown(() => taken.close())
  const input = new CollectdInput(options({ listen: `127.0.0.1:${taken.address().port}`, reuse_port: false }), { logger: silentLogger(), metrics: new MetricsRegistry(), deliver: async () => {} })
  await t.rejects(input.start(), { code: 'LY_CONNECTION', message: /cannot listen on 127\.0\.0\.1:\d+/ })
  await input.close(100)
})

test('teardown', async () => {
  rmSync(authDir, { recursive: true, force: true })
})

test('kernel drops: datagrams the socket buffer could not hold are counted (they were invisible)', async (t) => {
  const { spawnSync } = await import('node:child_process')
  const h = await harness({ receive_buffer: 65536 })
  // spawnSync blocks this process's event loop while a separate process floods: nothing is read, the kernel buffer overflows
  const r = spawnSync(process.execPath, [fileURLToPath(new URL('../../../../bench/collectd-sender.ts', import.meta.url)), String(h.port), '400000', '1'], { stdio: ['ignore', 'pipe', 'inherit'], timeout: 60_000 })
  t.equal(r.status, 0, 'the sender ran')
  await h.waitFor(() => h.metric('collectd_datagrams_dropped_total', 'kernel') > 0, 'kernel drops counted')
  const kernel = h.metric('collectd_datagrams_dropped_total', 'kernel')
  t.ok(kernel > 0, `${kernel} datagrams dropped by the kernel, counted`)
  await h.waitFor(() => h.metric('collectd_datagrams_total') > 0, 'the datagrams the buffer held are received')
  await h.input.close(1000)
})
