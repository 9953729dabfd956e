import t, { type Test } from 'tap'
import { readFileSync } from 'node:fs'
import { once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { deflateSync, gzipSync } from 'node:zlib'
import { validate } from '../../../core/config/schema.ts'
import { ConfigError } from '../../../core/errors.ts'
import type { LogyardError } from '../../../core/errors.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'
import type { DecodedBatch } from '../../../core/lumberjack/frame-decoder.ts'
import { encodeWindow } from '../../../core/lumberjack/frame-encoder.ts'
import { LumberjackServer, lumberjackServerSpec, type LumberjackServerInit } from '../../../core/lumberjack/server.ts'
import type { PeerInfo } from '../../../core/lumberjack/server-connection.ts'
import { tlsMaterial } from '../../helpers/tls.ts'
import { captureLogger, rawPeer, sleep, tlsPeer, until } from './peer.ts'
import { assertQuiet } from '../../helpers/until.ts'
import { fakeClock } from '../../helpers/clock.ts'
import { jsonFrame, L1, L2, L4, L5, L6, L7, L8, windowFrame } from './vectors.ts'

type Handler = (batch: DecodedBatch, peer: PeerInfo) => Promise<void>

async function start(t: Test, extra: Partial<LumberjackServerInit> = {}, handler?: Handler) {
  const cap = captureLogger()
  const batches: DecodedBatch[] = []
  const peers: PeerInfo[] = []
  const server = new LumberjackServer({
    logger: cap.logger,
    onBatch: handler ?? (async (b, p) => {
      batches.push(b)
      peers.push(p)
    }),
    ...extra,
  })
  const closed: { peer: PeerInfo; reason: LogyardError | undefined }[] = []
  server.on('connectionClosed', (peer: PeerInfo, reason: LogyardError | undefined) => closed.push({ peer, reason }))
  const { port } = await server.listen()
  t.teardown(() => server.close(500))
  return { server, port, batches, peers, lines: cap.lines, closed }
}

t.test('option table: defaults, limits and errors', async (t) => {
  const o = validate(lumberjackServerSpec, { listen: '127.0.0.1:5044', max_frame_bytes: '1mb', keepalive_interval: '2s' })
  t.equal(o.max_window, 65536)
  t.equal(o.max_frame_bytes, 1024 * 1024)
  t.equal(o.keepalive_interval, 2000)
  t.equal(o.idle_timeout, 60_000)
  t.equal(o.tls, undefined)
  t.throws(() => validate(lumberjackServerSpec, { max_window: 5000 }), ConfigError, 'windows of 10,000 must stay acceptable')
  t.throws(() => validate(lumberjackServerSpec, { keepalive_intervall: '1s' }), /did you mean "keepalive_interval"/)
  t.throws(() => validate(lumberjackServerSpec, { tls: { cert: 'c', key: 'k', client_auth: 'required' } }), /client_auth required needs client_ca/)
  const tls = validate(lumberjackServerSpec, { tls: { cert: 'c', key: 'k', client_ca: 'ca.pem', client_auth: 'optional' } })
  t.same(tls.tls?.client_ca, ['ca.pem'])
})

t.test('L1+L2 in one chunk, byte by byte, and compressed (L4): ACK L5', async (t) => {
  const { port, batches } = await start(t)
  const a = await rawPeer(port)
  a.socket.write(Buffer.concat([L1, L2]))
  t.same(await a.waitBytes(6), L5)
  const b = await rawPeer(port)
  for (const byte of Buffer.concat([L1, L2])) {
    b.socket.write(Buffer.from([byte]))
    await sleep(1) // pacing, not synchronisation: spread the bytes over separate reads
  }
  t.same(await b.waitBytes(6), L5)
  const c = await rawPeer(port)
  c.socket.write(Buffer.concat([L1, L4.subarray(0, 9)]))
  await sleep(20) // pacing, not synchronisation: the rest of the compressed frame in a later read
  c.socket.write(L4.subarray(9))
  t.same(await c.waitBytes(6), L5)
  t.same(batches.map((x) => x.events), [[{ message: 'hello' }], [{ message: 'hello' }], [{ message: 'hello' }]])
  for (const p of [a, b, c]) p.socket.destroy()
})

t.test('W 0 is answered with A 0; v1 L7 with L8; seq 101..102 with A 102', async (t) => {
  const { port, batches } = await start(t)
  const a = await rawPeer(port)
  a.socket.write(windowFrame(0))
  t.same(await a.waitBytes(6), L6)
  t.equal(batches.length, 0, 'no empty batch reaches the consumer')
  const v1 = await rawPeer(port)
  v1.socket.write(L7)
  t.same(await v1.waitBytes(6), L8)
  t.same(batches[0]?.events, [{ line: 'hello', host: 'h1' }])
  const s = await rawPeer(port)
  s.socket.write(Buffer.concat([windowFrame(2), jsonFrame(101, '{"a":1}'), jsonFrame(102, '{"a":2}')]))
  t.same(await s.waitBytes(6), Buffer.from('324100000066', 'hex'))
  for (const p of [a, v1, s]) p.socket.destroy()
})

t.test('two pipelined L1+L2 batches back to back: A 1 then A 1', async (t) => {
  const { port, batches } = await start(t)
  const p = await rawPeer(port)
  p.socket.write(Buffer.concat([L1, L2, L1, L2]))
  t.same(await p.waitBytes(12), Buffer.concat([L5, L5]))
  t.equal(batches.length, 2)
  p.socket.destroy()
})

t.test('pipelined batches are handed over in order and ACKed in order', async (t) => {
  const order: number[] = []
  let first = true
  const { port } = await start(t, {}, async (b) => {
    const slow = first
    first = false
    if (slow) await sleep(150) // a slow consumer, not synchronisation: the first batch is slower; the second must still wait
    order.push(b.highestSeq)
  })
  const p = await rawPeer(port)
  p.socket.write(Buffer.concat([L1, L2, windowFrame(2), jsonFrame(1, '{"a":1}'), jsonFrame(2, '{"a":2}')]))
  t.same(await p.waitBytes(12), Buffer.concat([L5, Buffer.from('324100000002', 'hex')]))
  t.same(order, [1, 2])
  p.socket.destroy()
})

t.test('keep-alive A 0 every interval while the consumer holds a batch, then the ACK', async (t) => {
  let release: (() => void) | undefined
  const { port, server } = await start(t, { keepalive_interval: 100 }, () => new Promise<void>((r) => (release = r)))
  const clock = fakeClock(t, ['setTimeout']) // the keep-alive is a setTimeout; sockets stay real
  const p = await rawPeer(port)
  p.socket.write(Buffer.concat([L1, L2]))
  await until(() => release, 5000, 'batch handed over')
  clock.tick(99)
  t.equal(server.counters.keepalives.value, 0, 'none before the interval')
  for (let i = 1; i <= 3; i++) {
    clock.tick(1)
    t.equal(server.counters.keepalives.value, i, `keep-alive ${i} at ${i * 100} ms`)
    clock.tick(99)
  }
  await p.waitBytes(18)
  t.same(p.received(), Buffer.concat([L6, L6, L6]), 'three A 0 on the wire')
  release!()
  await until(() => p.received().length >= 24 && p.received().subarray(-6).equals(L5), 5000, 'final ACK')
  clock.tick(1000)
  t.equal(server.counters.keepalives.value, 3, 'no keep-alives once nothing is pending (10 intervals later)')
  t.equal(p.received().length, 24)
  p.socket.destroy()
})

t.test('default timing: one A 0 after 5 s of holding, as Logstash does', async (t) => {
  let release: (() => void) | undefined
  const { port, server } = await start(t, {}, () => new Promise<void>((r) => (release = r)))
  const clock = fakeClock(t, ['setTimeout'])
  const p = await rawPeer(port)
  p.socket.write(Buffer.concat([L1, L2]))
  await until(() => release, 5000, 'batch handed over')
  clock.tick(4999)
  t.equal(server.counters.keepalives.value, 0, 'nothing before 5 s')
  clock.tick(1)
  t.equal(server.counters.keepalives.value, 1, 'one at 5 s')
  t.same(await p.waitBytes(6), L6)
  release!()
  t.same((await p.waitBytes(12)).subarray(6), L5)
  p.socket.destroy()
})

t.test('bad input closes only that connection, with a coded, logged reason', async (t) => {
  const { port, server, lines, closed, batches } = await start(t)
  const cases: [string, Buffer, string, RegExp][] = [
    ['version 0x33', Buffer.from('335700000001', 'hex'), 'LY_PROTOCOL', /unsupported protocol version 51/],
    ['frame type X', Buffer.from('3258', 'hex'), 'LY_PROTOCOL', /invalid frame type/],
    ['J length 0', Buffer.concat([L1, Buffer.from('324a0000000100000000', 'hex')]), 'LY_PROTOCOL', /length 0/],
    ['JSON not an object', Buffer.concat([L1, jsonFrame(1, '[1]')]), 'LY_PROTOCOL', /not a JSON object/],
    ['C ends mid-frame', Buffer.concat([L1, Buffer.from([0x32, 0x43]), lenPrefixed(deflateSync(L2.subarray(0, 12)))]), 'LY_PROTOCOL', /ends inside a frame/],
    ['gzip in C', Buffer.concat([L1, Buffer.from([0x32, 0x43]), lenPrefixed(gzipSync(L2))]), 'LY_PROTOCOL', /gzip/],
    ['TLS on plain port', Buffer.from('160301020001', 'hex'), 'LY_PROTOCOL', /TLS handshake reached a plain-text listener/],
    ['window over max', windowFrame(100_000), 'LY_LIMIT', /max_window/],
  ]
  for (const [name, bytes, code, pattern] of cases) {
    const p = await rawPeer(port)
    p.socket.write(bytes)
    await p.closed
    t.equal(p.received().length, 0, `${name}: no ACK`)
    const c = closed.at(-1)
    t.equal(c?.reason?.code, code, `${name}: ${code}`)
    t.match(c?.reason?.message, pattern, `${name}: reason`)
    t.ok(lines.some((l) => l.code === code && pattern.test(String(l.reason)) && l.level === 40), `${name}: logged at warn`)
  }
  t.equal(server.counters.protocolErrors.value, 7)
  t.equal(server.counters.limitErrors.value, 1)
  const ok = await rawPeer(port)
  ok.socket.write(Buffer.concat([L1, L2]))
  t.same(await ok.waitBytes(6), L5, 'the server still works')
  t.equal(batches.length, 1)
  ok.socket.destroy()
})

function lenPrefixed(b: Buffer): Buffer {
  const h = Buffer.alloc(4)
  h.writeUInt32BE(b.length)
  return Buffer.concat([h, b])
}


t.test('a consumer that rejects the batch gets the connection closed without ACK', async (t) => {
  const { port, server } = await start(t, {}, async () => {
    throw new Error('elasticsearch said no')
  })
  const p = await rawPeer(port)
  p.socket.write(Buffer.concat([L1, L2]))
  await p.closed
  t.equal(p.received().length, 0)
  t.equal(server.counters.batchesRejected.value, 1)
})

t.test('pauseAll stops reading; resumeAll delivers', async (t) => {
  const { port, server, batches } = await start(t)
  const p = await rawPeer(port)
  await until(() => server.connections === 1)
  server.pauseAll()
  await new Promise((r) => p.socket.write(Buffer.concat([L1, L2]), r))
  // No event marks "the server chose not to read": the bytes are flushed to loopback, so an unpaused
  // server (this process) would read them before quiet()'s deadline.
  await assertQuiet(t, 200, 'nothing read while paused', () => batches.length === 0 && server.counters.bytesRead.value === 0)
  server.resumeAll()
  t.same(await p.waitBytes(6), L5)
  t.equal(batches.length, 1)
  p.socket.destroy()
})

t.test('while the server is paused, keep-alives reach senders whose window is unread', async (t) => {
  const { port, server, batches } = await start(t, { keepalive_interval: 100 })
  const clock = fakeClock(t, ['setTimeout']) // the keep-alive is a setTimeout; sockets stay real
  const p = await rawPeer(port)
  await until(() => server.connections === 1)
  clock.tick(300)
  t.equal(server.counters.keepalives.value, 0, 'no keep-alive while nothing is awaited')
  server.pauseAll()
  await new Promise((r) => p.socket.write(Buffer.concat([L1, L2]), r)) // stays in the kernel buffer: the server is not reading
  clock.tick(100)
  clock.tick(100)
  clock.tick(100)
  t.equal(server.counters.keepalives.value, 3, 'a keep-alive every interval while paused')
  const got = await p.waitBytes(18)
  t.same(got, Buffer.concat([L6, L6, L6]), 'A 0 ×3')
  t.equal(batches.length, 0, 'still nothing read')
  t.equal(server.counters.bytesRead.value, 0, 'not a byte read')
  server.resumeAll()
  await until(() => batches.length === 1)
  await until(() => p.received().subarray(-6).equals(L5), 5000, 'the ACK after resuming')
  const after = server.counters.keepalives.value
  clock.tick(1000)
  t.equal(server.counters.keepalives.value, after, 'keep-alives stop once nothing is awaited (10 intervals later)')
  p.socket.destroy()
})

t.test('a slow consumer throttles the sender through TCP', async (t) => {
  let release!: () => void
  let held = 0
  const { port, server } = await start(t, { max_pending_batches: 1 }, async () => {
    held++
    if (held === 1) await new Promise<void>((r) => (release = r))
  })
  const p = await rawPeer(port)
  const big = Array.from({ length: 200 }, (_, i) => JSON.stringify({ message: `${i} `.padEnd(1000, 'x') }))
  const win = encodeWindow(big, 0) // ~200 KB per window, uncompressed
  let writes = 0
  while (p.socket.write(win) && writes < 200) writes++
  // Everything written reached loopback or backs up in the sender: an unthrottled server (this
  // process) would decode it before quiet()'s deadline; no event marks "it chose not to".
  await assertQuiet(t, 300, 'the server stops decoding while the consumer holds a batch', () => server.counters.batches.value <= 4)
  t.ok(p.socket.writableLength > 0, `sender's writes back up (${p.socket.writableLength} bytes buffered after ${writes + 1} windows)`)
  t.ok(server.counters.batches.value <= 4, `the server decoded only ${server.counters.batches.value} batches while the consumer held one`)
  release()
  await until(() => server.counters.acks.value === writes + 1, 10_000, 'all windows acked after release')
  t.equal(server.counters.batches.value, writes + 1)
  p.socket.destroy()
})

t.test('max_connections caps connections; idle connections close after idle_timeout', async (t) => {
  const { port, server } = await start(t, { max_connections: 2, idle_timeout: 300 })
  const a = await rawPeer(port)
  const b = await rawPeer(port)
  const c = await rawPeer(port)
  await c.closed
  t.equal(server.counters.connectionsRejected.value, 1)
  t.equal(server.connections, 2)
  await Promise.all([a.closed, b.closed])
  t.equal(server.counters.idleClosed.value, 2)
})

t.test('a pending batch is not closed for idleness (keep-alives are traffic)', async (t) => {
  let release!: () => void
  const { port, server } = await start(t, { idle_timeout: 200, keepalive_interval: 50 }, () => new Promise<void>((r) => (release = r)))
  const p = await rawPeer(port)
  p.socket.write(Buffer.concat([L1, L2]))
  // 12 keep-alives 50 ms apart span three idle_timeouts, measured by the server's own timers
  await until(() => server.counters.keepalives.value >= 12 || p.isClosed(), 10_000, '12 keep-alives')
  t.notOk(p.isClosed(), 'still open while the batch waits')
  release()
  await until(() => p.received().subarray(-6).equals(L5), 2000, 'ack')
  await p.closed
  t.pass('closed once idle')
})

t.test('close() lets the in-flight batch finish and be ACKed, then closes', async (t) => {
  let release!: () => void
  const { port, server } = await start(t, {}, () => new Promise<void>((r) => (release = r)))
  const p = await rawPeer(port)
  p.socket.write(Buffer.concat([L1, L2]))
  await until(() => release !== undefined, 2000, 'batch handed over')
  const closing = server.close(5000) // the listener closes at once (net.Server#close)
  await t.rejects(rawPeer(port), 'no new connections')
  release()
  await closing
  await p.closed
  t.same(p.received(), L5, 'the batch was ACKed before the close')
})

t.test('close() gives up at the deadline when the consumer never answers', async (t) => {
  const { port, server } = await start(t, {}, () => new Promise<void>(() => {}))
  const p = await rawPeer(port)
  p.socket.write(Buffer.concat([L1, L2]))
  await until(() => server.counters.batches.value === 1)
  const t0 = Date.now()
  await server.close(300)
  t.ok(Date.now() - t0 >= 250, 'waited for the deadline')
  await p.closed
  t.equal(p.received().length, 0, 'no ACK for an unfinished batch')
})

t.test('metrics are registered and rendered', async (t) => {
  const metrics = new MetricsRegistry()
  const { port } = await start(t, { metrics, metricLabels: { input: 'beats' } })
  const p = await rawPeer(port)
  p.socket.write(Buffer.concat([L1, L2]))
  await p.waitBytes(6)
  const text = metrics.render()
  t.match(text, /logyard_lumberjack_events_total\{input="beats"\} 1/)
  t.match(text, /logyard_lumberjack_acks_total\{input="beats"\} 1/)
  t.match(text, /logyard_lumberjack_connections\{input="beats"\} 1/)
  p.socket.destroy()
})

t.test('TLS without client certificates', async (t) => {
  const m = tlsMaterial()
  const { port } = await start(t, { tls: { cert: m.serverCertFile, key: m.serverKeyFile, client_auth: 'none', min_version: 'TLSv1.2' } })
  const p = await tlsPeer(port, { ca: m.ca })
  p.socket.write(Buffer.concat([L1, L2]))
  t.same(await p.waitBytes(6), L5)
  p.socket.destroy()
})

t.test('mutual TLS required: good client accepted with its subject, others refused', async (t) => {
  const m = tlsMaterial()
  const { port, peers, server, batches, lines } = await start(t, {
    tls: { cert: m.serverCert, key: m.serverKey, client_ca: [m.caFile], client_auth: 'required', min_version: 'TLSv1.2' },
  })
  const good = await tlsPeer(port, { ca: m.ca, cert: m.clientCert, key: m.clientKey })
  good.socket.write(Buffer.concat([L1, L2]))
  t.same(await good.waitBytes(6), L5)
  t.match(peers[0]?.tlsSubject, /CN=logyard-forwarder-test/)
  good.socket.destroy()
  for (const [name, opts] of [
    ['no certificate', { ca: m.ca }],
    ['rogue certificate', { ca: m.ca, cert: readFileSync(m.rogueClientCertFile), key: readFileSync(m.rogueClientKeyFile) }],
  ] as const) {
    try {
      const bad = await tlsPeer(port, opts)
      bad.socket.write(Buffer.concat([L1, L2]))
      await bad.closed
      t.equal(bad.received().length, 0, `${name}: no ACK`)
    } catch {
      t.pass(`${name}: handshake refused`)
    }
  }
  await until(() => server.counters.tlsErrors.value >= 2, 2000, 'tls errors counted')
  t.equal(batches.length, 1, 'only the good client delivered')
  // each refusal says who and why (it was "socket hang up" with no peer)
  const refusals = lines.filter((l) => l.code === 'LY_TLS')
  t.ok(refusals.some((l) => l.peer === '127.0.0.1' && l.reason === 'no client certificate presented'), 'no certificate: peer and reason logged')
  t.ok(refusals.some((l) => l.peer === "127.0.0.1" && /^unknown CA/.test(String(l.reason)) && /rogue/.test(String(l.subject))), 'rogue certificate: unknown CA, with its subject')
})

t.test('mutual TLS optional: no certificate is fine, a bad one is refused', async (t) => {
  const m = tlsMaterial()
  const { port, peers, batches } = await start(t, {
    tls: { cert: m.serverCertFile, key: m.serverKeyFile, client_ca: [m.ca], client_auth: 'optional', min_version: 'TLSv1.2' },
  })
  const anon = await tlsPeer(port, { ca: m.ca })
  anon.socket.write(Buffer.concat([L1, L2]))
  t.same(await anon.waitBytes(6), L5)
  t.equal(peers[0]?.tlsSubject, undefined)
  const good = await tlsPeer(port, { ca: m.ca, cert: m.clientCert, key: m.clientKey })
  good.socket.write(Buffer.concat([L1, L2]))
  t.same(await good.waitBytes(6), L5)
  t.match(peers[1]?.tlsSubject, /CN=logyard-forwarder-test/)
  try {
    const rogue = await tlsPeer(port, { ca: m.ca, cert: readFileSync(m.rogueClientCertFile), key: readFileSync(m.rogueClientKeyFile) })
    rogue.socket.write(Buffer.concat([L1, L2]))
    await rogue.closed
    t.equal(rogue.received().length, 0, 'rogue: no ACK')
  } catch {
    t.pass('rogue: refused')
  }
  t.equal(batches.length, 2)
  for (const p of [anon, good]) p.socket.destroy()
})

t.test('TLS handshake timeout closes a silent connection', async (t) => {
  const m = tlsMaterial()
  const { port, server, lines } = await start(t, { handshake_timeout: 300, tls: { cert: m.serverCertFile, key: m.serverKeyFile, client_auth: 'none', min_version: 'TLSv1.2' } })
  const p = await rawPeer(port)
  const t0 = Date.now()
  await p.closed
  t.ok(Date.now() - t0 >= 250, 'closed after the handshake timeout')
  t.equal(server.counters.tlsErrors.value, 1)
  t.ok(lines.some((l) => l.code === 'LY_TLS'), 'logged with LY_TLS')
})

t.test('several empty windows (W 0) in one read: each answered A 0, and the connection keeps reading (it stayed paused for good)', async (t) => {
  const { port, batches } = await start(t, { max_pending_batches: 2 })
  const a = await rawPeer(port)
  a.socket.write(Buffer.concat([windowFrame(0), windowFrame(0), windowFrame(0)]))
  t.same(await a.waitBytes(18, 10_000), Buffer.concat([L6, L6, L6]), 'three A 0')
  a.socket.write(Buffer.concat([L1, L2]))
  t.same((await a.waitBytes(24, 10_000)).subarray(18), L5, 'the next window is read and acknowledged')
  t.equal(batches.length, 1)
})

t.test('a peer that never reads its ACKs: the server stops reading from it once writes back up, and closes it after idle_timeout', async (t) => {
  const metrics = new MetricsRegistry()
  const { port, closed } = await start(t, { idle_timeout: 1500, metrics, metricLabels: { input: 't' } })
  const value = (name: string): number => metrics.snapshot()[`logyard_${name}`]!.values[0]![1]
  const a = await rawPeer(port)
  a.socket.pause() // never read: ACKs pile up in the kernel, then in the server's socket buffer
  const chunk = Buffer.concat(Array.from({ length: 1000 }, () => windowFrame(0)))
  let sent = 0
  const end = Date.now() + 60_000
  while (value('lumberjack_write_stalls_total') === 0 && sent < 5_000_000 && Date.now() < end) {
    if (!a.socket.write(chunk)) await new Promise((r) => setTimeout(r, 5)) // a poll of the metric above: 'drain' may never come once the server stops reading
    sent += 1000
    if (sent % 20_000 === 0) await new Promise((r) => setImmediate(r))
  }
  t.equal(value('lumberjack_write_stalls_total'), 1, `writes backed up after ${sent} empty windows`)
  // the connection is closed for not reading, with a limit error, within idle_timeout
  await until(() => closed.length === 1, 20_000)
  t.equal(closed[0]!.reason?.code, 'LY_LIMIT')
  t.match(closed[0]!.reason?.message ?? '', /did not read its ACKs/)
  t.equal(value('lumberjack_write_stall_closed_total'), 1)
  const decoded = value('lumberjack_batches_total')
  t.ok(decoded < sent, `the server stopped reading: ${decoded} of ${sent} windows decoded`)
})

t.test('slow sender: a frame trickled a byte at a time is cut at frame_timeout; a paused connection is not', async (t) => {
  const { port, closed } = await start(t, { frame_timeout: 1500, idle_timeout: 60_000 })
  const a = await rawPeer(port)
  const frame = Buffer.concat([L1, jsonFrame(1, JSON.stringify({ message: 'x'.repeat(2000) }))])
  let i = 0
  const drip = setInterval(() => { if (i < frame.length - 1) a.socket.write(frame.subarray(i, ++i)) }, 100)
  t.teardown(() => clearInterval(drip))
  await until(() => closed.length === 1, 15_000, 'the slow sender closed')
  clearInterval(drip)
  t.equal(closed[0]!.reason?.code, 'LY_LIMIT')
  t.match(closed[0]!.reason?.message ?? '', /frame_timeout/)
  t.ok(i < frame.length - 1, `closed after ${i} of ${frame.length} bytes`)
})

t.test('per-address limit: an attacker address holds at most max_connections_per_address; others still connect; refusals logged once', async (t) => {
  const { port, server, lines, batches } = await start(t, { max_connections: 40, max_connections_per_address: 10, frame_timeout: 60_000 })
  const held: Socket[] = []
  t.teardown(() => { for (const s of held) s.destroy() })
  for (let i = 0; i < 30; i++) {
    const s = connect({ port, host: '127.0.0.1', localAddress: '127.0.0.2' })
    s.on('error', () => {})
    await once(s, 'connect')
    held.push(s)
  }
  await until(() => server.counters.connectionsRejected.value === 20, 10_000, 'twenty refused')
  const legit = await rawPeer(port)
  legit.socket.write(Buffer.concat([L1, L2]))
  t.same(await legit.waitBytes(6, 10_000), L5, 'a forwarder from another address connects and is acknowledged')
  t.equal(batches.length, 1)
  const refusalLogs = lines.filter((l) => l.code === 'LY_LIMIT' && /refused: max_connections_per_address/.test(String(l.msg)))
  t.equal(refusalLogs.length, 1, '20 refusals, one log line (rate-limited)')
  t.equal(refusalLogs[0]!.peer, '127.0.0.2')
})
