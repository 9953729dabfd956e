import t, { type Test } from 'tap'
import { deflateSync } from 'node:zlib'
import { validate } from '../../../core/config/schema.ts'
import { ClosedError } from '../../../core/errors.ts'
import { encodeBeatsJson } from '../../../core/lumberjack/beats-json.ts'
import { LumberjackClient, lumberjackClientSpec, parseEndpoint, type ClientOptions, type LumberjackClientInit } from '../../../core/lumberjack/client.ts'
import { LumberjackServer } from '../../../core/lumberjack/server.ts'
import type { EncodedWindow } from '../../../core/lumberjack/frame-encoder.ts'
import { tlsMaterial } from '../../helpers/tls.ts'
import { deadPort, fakeReader, type FakeConn, type ReceivedWindow } from './fake-reader.ts'
import { captureLogger, until } from './peer.ts'
import { jsonFrame } from './vectors.ts'

const events = (n: number, prefix = 'e'): string[] => Array.from({ length: n }, (_, i) => JSON.stringify({ message: `${prefix}${i + 1}` }))

function client(t: Test, init: Partial<LumberjackClientInit> & { hosts: string[] }) {
  const cap = captureLogger()
  const c = new LumberjackClient({ logger: cap.logger, backoff: { init: 20, max: 100 }, random: () => 0, ...init })
  t.teardown(() => c.close(0).catch(() => {}))
  return { c, lines: cap.lines }
}

t.test('option table and host parsing', async (t) => {
  const o = validate(lumberjackClientSpec, { hosts: 'agg:5045' })
  t.same(o.hosts, ['agg:5045'])
  t.equal(o.compression_level, 3)
  t.equal(o.batch_size, 2048)
  t.equal(o.pipelining, 2)
  t.same(o.backoff, { init: 1000, max: 60000 })
  t.equal(o.stall_timeout, 300_000)
  t.throws(() => validate(lumberjackClientSpec, { hosts: [] }), /at least 1/)
  t.throws(() => validate(lumberjackClientSpec, { hosts: ['a:99999'] }), /port must be 1-65535, got 99999/)
  t.throws(() => validate(lumberjackClientSpec, { hosts: ['a'], compression_level: 10 }), /at most 9/)
  t.throws(() => validate(lumberjackClientSpec, { hosts: ['a'], tls: { cert: 'x' } }), /cert and key go together/)
  t.throws(() => validate(lumberjackClientSpec, { hosts: ['a'], tls: { verification_mode: 'strict' } }), /full/)
  t.same(parseEndpoint('agg.internal'), { host: 'agg.internal', port: 5044, name: 'agg.internal' })
  t.same(parseEndpoint('[::1]:6000'), { host: '::1', port: 6000, name: '[::1]:6000' })
})

t.test('A 0, A 0, A N: done; each A 0 re-arms the read timeout', async (t) => {
  // 12 keep-alives 100 ms apart against a 1 s read timeout: the window takes
  // longer than the timeout, each gap is a tenth of it (a loaded machine may
  // stretch a gap several times without the test depending on it).
  const keepalives = 12
  const r = await fakeReader((conn, w) => {
    let n = 0
    const timer = setInterval(() => {
      if (++n <= keepalives) conn.ack(0)
      else {
        clearInterval(timer)
        conn.ack(w.count)
      }
    }, 100)
  })
  t.teardown(() => r.close())
  const { c } = client(t, { hosts: [`127.0.0.1:${r.port}`], timeout: 1000 })
  const started = Date.now()
  await c.send(events(3))
  t.ok(Date.now() - started > 1000, 'the window outlived one read timeout')
  t.equal(r.conns.length, 1, 'no reconnect: keep-alives for longer than the 1 s timeout')
  t.equal(c.counters.keepalivesReceived.value, keepalives)
  t.equal(c.counters.eventsAcked.value, 3)
})

t.test('A k<N then A N: done', async (t) => {
  const r = await fakeReader((conn, w) => {
    conn.ack(1)
    setTimeout(() => conn.ack(w.count), 30)
  })
  t.teardown(() => r.close())
  const { c } = client(t, { hosts: [`127.0.0.1:${r.port}`] })
  await c.send(events(4))
  t.equal(c.counters.eventsAcked.value, 4)
  t.equal(r.conns.length, 1)
})

t.test('A N+1 is a protocol error: close, reconnect, resend', async (t) => {
  const r = await fakeReader((conn, w) => conn.ack(conn.index === 0 ? w.count + 1 : w.count))
  t.teardown(() => r.close())
  const { c, lines } = client(t, { hosts: [`127.0.0.1:${r.port}`] })
  await c.send(events(3))
  t.equal(c.counters.protocolErrors.value, 1)
  t.equal(r.conns.length, 2)
  t.same(r.conns[1]?.windows[0]?.payloads, events(3), 'the whole window again')
  t.ok(lines.some((l) => l.code === 'LY_PROTOCOL' && /invalid sequence number/.test(String(l.reason))))
})

t.test('a 1A reply on a v2 connection is a protocol error', async (t) => {
  const r = await fakeReader((conn, w) => conn.ack(w.count, conn.index === 0 ? 0x31 : 0x32))
  t.teardown(() => r.close())
  const { c, lines } = client(t, { hosts: [`127.0.0.1:${r.port}`] })
  await c.send(events(2))
  t.equal(c.counters.protocolErrors.value, 1)
  t.ok(lines.some((l) => /expected a 2A ACK frame/.test(String(l.reason))))
})

t.test('reader closes after A k: only frames k+1..N are resent, renumbered from 1 (send, and sendEncoded raw and compressed)', async (t) => {
  for (const mode of ['send', 'raw', 'compressed'] as const) {
    const r = await fakeReader((conn, w) => {
      if (conn.index === 0) {
        conn.ack(2)
        setTimeout(() => conn.socket.destroy(), 20)
      } else conn.ack(w.count)
    })
    const { c } = client(t, { hosts: [`127.0.0.1:${r.port}`] })
    await (mode === 'send' ? c.send(events(5)) : c.sendEncoded(encoded(events(5), mode === 'compressed')))
    const second = r.conns[1]?.windows[0]
    t.equal(second?.count, 3, mode)
    t.same(second?.seqs, [1, 2, 3])
    t.same(second?.payloads, events(5).slice(2), `${mode}: the unacknowledged events, intact`)
    t.equal(c.counters.resentEvents.value, 3)
    t.equal(c.counters.eventsAcked.value, 5)
    await c.close(100)
    await r.close()
  }
})

// A window in wire form as the forwarder's batcher builds it: frames in two
// buffers, raw or zlib-compressed.
function encoded(payloads: string[], compressed: boolean): EncodedWindow {
  const frames = Buffer.concat(payloads.map((p, i) => jsonFrame(i + 1, p)))
  const half = frames.length >> 1
  const body = compressed ? [deflateSync(frames)] : [frames.subarray(0, half), frames.subarray(half)]
  return { count: payloads.length, body, bodyBytes: body.reduce((n, b) => n + b.length, 0), compressed, maxEventBytes: Math.max(...payloads.map((p) => Buffer.byteLength(p))) }
}

t.test('sendEncoded: a window in wire form is sent as it is, whatever the client\'s level', async (t) => {
  for (const [level, compressed] of [[3, true], [0, false], [3, false], [0, true]] as const) {
    const r = await fakeReader((conn, w) => conn.ack(w.count))
    const { c } = client(t, { hosts: [`127.0.0.1:${r.port}`], compression_level: level })
    const window = encoded(events(4), compressed)
    await c.sendEncoded(window)
    const w = r.windows()[0]
    t.equal(w?.compressed, compressed, `level ${level}, compressed ${compressed}`)
    t.same(w?.seqs, [1, 2, 3, 4])
    t.same(w?.payloads, events(4))
    t.same(w?.frames, Buffer.concat(events(4).map((p, i) => jsonFrame(i + 1, p))), 'the frames the caller laid out')
    t.equal(c.counters.bytesWritten.value, 6 + (compressed ? 6 : 0) + window.bodyBytes, 'the body as given, after the window header')
    await c.close(100)
    await r.close()
  }
})

t.test('sendEncoded: an oversize event or more than batch_size events take the payload path', async (t) => {
  const r = await fakeReader((conn, w) => conn.ack(w.count))
  t.teardown(() => r.close())
  const { c } = client(t, { hosts: [`127.0.0.1:${r.port}`], max_event_bytes: 100, batch_size: 2 })
  await c.sendEncoded(encoded(['{"a":1}', JSON.stringify({ m: 'x'.repeat(200) }), '{"a":2}', '{"a":3}'], true))
  t.same(r.windows().map((w) => w.payloads), [['{"a":1}', '{"a":2}'], ['{"a":3}']])
  t.equal(c.counters.droppedOversize.value, 1)
})

t.test('no bytes for longer than timeout: reconnect with backoff and resend', async (t) => {
  const r = await fakeReader((conn, w) => {
    if (conn.index > 0) conn.ack(w.count)
  })
  t.teardown(() => r.close())
  const { c, lines } = client(t, { hosts: [`127.0.0.1:${r.port}`], timeout: 200 })
  const t0 = Date.now()
  await c.send(events(2))
  t.ok(Date.now() - t0 >= 200)
  t.equal(c.counters.timeouts.value, 1)
  t.equal(r.conns.length, 2)
  t.ok(lines.some((l) => l.code === 'LY_TIMEOUT'))
})

t.test('keep-alives without progress: declared stalled after stall_timeout', async (t) => {
  const r = await fakeReader((conn, w) => {
    if (conn.index > 0) return conn.ack(w.count)
    const timer = setInterval(() => (conn.socket.destroyed ? clearInterval(timer) : conn.ack(0)), 50)
    conn.socket.on('close', () => clearInterval(timer))
  })
  t.teardown(() => r.close())
  const { c, lines } = client(t, { hosts: [`127.0.0.1:${r.port}`], timeout: 5000, stall_timeout: 400 })
  await c.send(events(2))
  t.equal(c.counters.stalls.value, 1)
  t.equal(c.counters.timeouts.value, 0)
  t.ok(lines.some((l) => /no progress/.test(String(l.reason))))
})

t.test('the inflated C payload equals the J frames byte for byte; events are Beats JSON', async (t) => {
  const got: ReceivedWindow[] = []
  const r = await fakeReader((conn, w) => {
    got.push(w)
    conn.ack(w.count)
  })
  t.teardown(() => r.close())
  const ev = encodeBeatsJson({ message: '<a&b>', '@metadata': { beat: 'filebeat', type: '_doc', version: '8.13.4' }, '@timestamp': new Date(Date.UTC(2024, 4, 1, 12, 0, 0, 123)) })
  const payloads = [ev, '{"message":"é"}']
  for (const level of [3, 0]) {
    const { c } = client(t, { hosts: [`127.0.0.1:${r.port}`], compression_level: level })
    await c.send(payloads)
    await c.close()
  }
  t.equal(got[0]?.compressed, true)
  t.equal(got[1]?.compressed, false)
  const expected = Buffer.concat([jsonFrame(1, payloads[0]!), jsonFrame(2, payloads[1]!)])
  t.same(got[0]?.frames, expected)
  t.same(got[1]?.frames, expected)
  t.match(got[0]?.payloads[0], /^\{"@timestamp":"2024-05-01T12:00:00\.123Z","@metadata":\{"beat":"filebeat","type":"_doc","version":"8\.13\.4"\},"message":"<a&b>"\}$/)
})

t.test('pipelining: two windows on the wire before the first ACK; ACKs go to the oldest', async (t) => {
  const pending: [FakeConn, ReceivedWindow][] = []
  const r = await fakeReader((conn, w) => pending.push([conn, w]))
  t.teardown(() => r.close())
  const { c } = client(t, { hosts: [`127.0.0.1:${r.port}`], pipelining: 2, batch_size: 3 })
  const done = c.send(events(9))
  await until(() => pending.length === 2, 5000, 'two windows in flight')
  // The connection takes windows synchronously while it has a slot (compressing them after): a
  // third one taken in the same pass would show here, whatever the timing of zlib or the network.
  t.equal(c.inflight, 2, 'not a third one')
  t.equal(c.pending, 3, 'the third waits in the queue')
  t.ok(c.busy)
  for (let n = 1; n <= 3; n++) {
    await until(() => pending.length > 0, 5000, `window ${n}`)
    const [conn, w] = pending.shift()!
    conn.ack(w.count)
  }
  await done
  t.same(r.windows().flatMap((w) => w.payloads), events(9))
})

t.test('busy / drain: pipelining windows in flight plus one compressing ahead', async (t) => {
  const pending: [FakeConn, ReceivedWindow][] = []
  const r = await fakeReader((conn, w) => pending.push([conn, w]))
  t.teardown(() => r.close())
  const { c } = client(t, { hosts: [`127.0.0.1:${r.port}`], pipelining: 1 })
  t.notOk(c.busy)
  const p1 = c.send(events(1))
  t.notOk(c.busy, 'one window in flight; one more may wait compressed')
  const p2 = c.send(['{"second":true}'])
  t.ok(c.busy, 'in flight + compressing ahead, with pipelining 1')
  const drained = new Promise<void>((resolve) => c.once('drain', resolve))
  await until(() => pending.length === 1)
  // Taken synchronously when a slot is free: a second window taken early would show here.
  t.equal(c.inflight, 1, 'the second window is not taken (so not written) before the first is acknowledged')
  t.equal(c.pending, 2)
  pending[0]![0].ack(1)
  await p1
  await drained
  t.notOk(c.busy)
  await until(() => pending.length === 2)
  t.same(pending[1]![1].payloads, ['{"second":true}'], 'the window compressed ahead goes out once the slot is free')
  pending[1]![0].ack(1)
  await p2
})

t.test('failover: a dead first host, then the next one', async (t) => {
  const dead = await deadPort()
  const r = await fakeReader((conn, w) => conn.ack(w.count))
  t.teardown(() => r.close())
  const { c, lines } = client(t, { hosts: [`127.0.0.1:${dead}`, `127.0.0.1:${r.port}`] })
  await c.send(events(2))
  t.equal(c.counters.connectFailures.value, 1)
  t.ok(lines.some((l) => l.code === 'LY_CONNECTION' && String(l.endpoint).endsWith(String(dead))))
  t.equal(r.windows().length, 1)
})

t.test('failover moves on when a host keeps failing', async (t) => {
  const bad = await fakeReader((conn) => conn.socket.destroy())
  const good = await fakeReader((conn, w) => conn.ack(w.count))
  t.teardown(() => Promise.all([bad.close(), good.close()]))
  const { c } = client(t, { hosts: [`127.0.0.1:${bad.port}`, `127.0.0.1:${good.port}`] })
  await c.send(events(2))
  t.equal(bad.windows().length, 1)
  t.equal(good.windows().length, 1)
})

t.test('loadbalance spreads windows over every host', async (t) => {
  const a = await fakeReader((conn, w) => setTimeout(() => conn.ack(w.count), 20))
  const b = await fakeReader((conn, w) => setTimeout(() => conn.ack(w.count), 20))
  t.teardown(() => Promise.all([a.close(), b.close()]))
  const { c } = client(t, { hosts: [`127.0.0.1:${a.port}`, `127.0.0.1:${b.port}`], loadbalance: true, batch_size: 10 })
  await c.send(events(100))
  t.ok(a.windows().length >= 2 && b.windows().length >= 2, `a=${a.windows().length} b=${b.windows().length}`)
  t.equal(a.windows().length + b.windows().length, 10)
  t.same(new Set([...a.windows(), ...b.windows()].flatMap((w) => w.payloads)).size, 100)
})

t.test('loadbalance keeps going when one host dies', async (t) => {
  const dead = await deadPort()
  const b = await fakeReader((conn, w) => conn.ack(w.count))
  t.teardown(() => b.close())
  const { c } = client(t, { hosts: [`127.0.0.1:${dead}`, `127.0.0.1:${b.port}`], loadbalance: true, batch_size: 10 })
  await c.send(events(50))
  t.equal(b.windows().reduce((n, w) => n + w.count, 0), 50)
})

t.test('a reader closing an idle connection is routine: the next send reconnects', async (t) => {
  const r = await fakeReader((conn, w) => {
    conn.ack(w.count)
    setTimeout(() => conn.socket.destroy(), 30)
  })
  t.teardown(() => r.close())
  const { c, lines } = client(t, { hosts: [`127.0.0.1:${r.port}`] })
  await c.send(events(1))
  await until(() => c.connections()[0]!.state !== 'ready', 5000, 'the client saw the idle close')
  await c.send(events(1))
  t.equal(r.conns.length, 2)
  t.equal(c.counters.connectFailures.value, 0)
  t.notOk(lines.some((l) => l.level === 40), 'no warning for an idle close')
})

t.test('oversize events are dropped, counted and logged; the rest is delivered', async (t) => {
  const r = await fakeReader((conn, w) => conn.ack(w.count))
  t.teardown(() => r.close())
  const { c, lines } = client(t, { hosts: [`127.0.0.1:${r.port}`], max_event_bytes: 100 })
  await c.send(['{"a":1}', JSON.stringify({ m: 'x'.repeat(200) }), '{"a":2}'])
  t.same(r.windows()[0]?.payloads, ['{"a":1}', '{"a":2}'])
  t.equal(c.counters.droppedOversize.value, 1)
  t.ok(lines.some((l) => /max_event_bytes/.test(String(l.msg))))
})

t.test('close(): pending sends reject with ClosedError after the deadline; later sends too', async (t) => {
  const r = await fakeReader(() => {})
  t.teardown(() => r.close())
  const { c } = client(t, { hosts: [`127.0.0.1:${r.port}`] })
  const p = c.send(events(2))
  await until(() => r.windows().length === 1)
  await c.close(100)
  await t.rejects(p, ClosedError)
  await t.rejects(c.send(events(1)), ClosedError)
})

t.test('close() waits for in-flight windows to be acknowledged', async (t) => {
  const r = await fakeReader((conn, w) => setTimeout(() => conn.ack(w.count), 150))
  t.teardown(() => r.close())
  const { c } = client(t, { hosts: [`127.0.0.1:${r.port}`] })
  const p = c.send(events(2))
  await c.close(5000)
  await p
  t.equal(c.counters.eventsAcked.value, 2)
})

async function tlsServer(t: Test, tls: ConstructorParameters<typeof LumberjackServer>[0]['tls']) {
  let n = 0
  const server = new LumberjackServer({ logger: captureLogger().logger, tls, onBatch: async (b) => void (n += b.events.length) })
  const { port } = await server.listen()
  t.teardown(() => server.close(200))
  return { port, received: () => n }
}

t.test('TLS verification modes against our TLS server', async (t) => {
  const m = tlsMaterial()
  const { port, received } = await tlsServer(t, { cert: m.serverCertFile, key: m.serverKeyFile, client_auth: 'none', min_version: 'TLSv1.2' })
  const ok = async (name: string, tls: ClientOptions['tls'], host = 'localhost') => {
    const { c } = client(t, { hosts: [`${host}:${port}`], tls })
    await c.send(events(1))
    await c.close()
    t.pass(name)
  }
  const refused = async (name: string, tls: ClientOptions['tls']) => {
    const { c, lines } = client(t, { hosts: [`localhost:${port}`], tls })
    const p = c.send(events(1))
    await until(() => c.counters.connectFailures.value >= 1, 3000, name)
    await c.close(0)
    await t.rejects(p, ClosedError)
    t.ok(lines.some((l) => l.code === 'LY_TLS'), `${name}: logged as LY_TLS`)
  }
  await ok('full: CA + matching name', { ca: [m.caFile], verification_mode: 'full' })
  await ok('full: by IP in the SAN', { ca: [m.ca], verification_mode: 'full' }, '127.0.0.1')
  await refused('full: wrong server name', { ca: [m.caFile], verification_mode: 'full', server_name: 'wrong.example' })
  await ok('certificate: wrong name is fine', { ca: [m.caFile], verification_mode: 'certificate', server_name: 'wrong.example' })
  await refused('certificate: untrusted CA', { ca: [m.rogueCaFile], verification_mode: 'certificate' })
  await ok('none: no CA at all', { verification_mode: 'none' })
  t.equal(received(), 4)
})

t.test('client certificate for mutual TLS', async (t) => {
  const m = tlsMaterial()
  const { port, received } = await tlsServer(t, { cert: m.serverCertFile, key: m.serverKeyFile, client_ca: [m.caFile], client_auth: 'required', min_version: 'TLSv1.2' })
  const { c } = client(t, { hosts: [`localhost:${port}`], tls: { ca: [m.caFile], cert: m.clientCertFile, key: m.clientKeyFile, verification_mode: 'full' } })
  await c.send(events(3))
  t.equal(received(), 3)
  const { c: anon, lines: anonLines } = client(t, { hosts: [`localhost:${port}`], tls: { ca: [m.caFile], verification_mode: 'full' }, timeout: 500 })
  const p = anon.send(events(1))
  // the window went out and the server's refusal came back: the connection closed without an ACK
  await until(() => anon.counters.windowsSent.value >= 1 && anonLines.some((l) => l.code === 'LY_CONNECTION' && l.level === 40), 5000, 'the anonymous attempt refused')
  t.equal(anon.counters.windowsAcked.value, 0)
  await anon.close(0)
  await t.rejects(p, ClosedError, 'without a certificate nothing is acknowledged')
  t.equal(received(), 3)
})

t.test('reconnect attempts back off (capped, jittered) while a host is down', async (t) => {
  const dead = await deadPort()
  const { c, lines } = client(t, { hosts: [`127.0.0.1:${dead}`], backoff: { init: 50, max: 200 }, random: () => 0.999 })
  const t0 = performance.now()
  const p = c.send(events(1))
  const delays = (): number[] => lines.filter((l) => l.retry_in_ms !== undefined).map((l) => Number(l.retry_in_ms))
  await until(() => c.counters.connectFailures.value >= 5, 10_000, 'five failed attempts')
  const elapsed = performance.now() - t0
  t.same(delays().slice(0, 4), [49, 99, 199, 199], 'doubling up to the cap')
  // never a tight loop: the 5th failure comes after the first four delays (a lower bound, safe under load)
  t.ok(elapsed >= 49 + 99 + 199 + 199 - 5, `5 attempts took ${Math.round(elapsed)} ms`)
  await c.close(0)
  await t.rejects(p, ClosedError)
})
