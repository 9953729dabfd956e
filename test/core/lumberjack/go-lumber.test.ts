import t, { type Test } from 'tap'
import { encodeBeatsJson } from '../../../core/lumberjack/beats-json.ts'
import { LumberjackClient } from '../../../core/lumberjack/client.ts'
import type { DecodedBatch } from '../../../core/lumberjack/frame-decoder.ts'
import { LumberjackServer, type LumberjackServerInit } from '../../../core/lumberjack/server.ts'
import { runGoLumberClient, startGoLumberServer } from '../../helpers/go-lumber.ts'
import { tlsMaterial } from '../../helpers/tls.ts'
import { captureLogger, sleep } from './peer.ts'

// Conformance with the real go-lumber library (the code inside Filebeat's
// Logstash output and a reference Lumberjack server), built from test/go/.

function filebeatEvents(n: number): string[] {
  return Array.from({ length: n }, (_, i) =>
    encodeBeatsJson({
      '@timestamp': new Date(Date.UTC(2024, 4, 1, 12, 0, 0, i % 1000)),
      '@metadata': { beat: 'filebeat', type: '_doc', version: '8.13.4' },
      log: { offset: i * 120, file: { path: '/var/log/app/app.log' } },
      message: `GET /api/items/${i} 200 <ok> & "quoted" é😀 \u0001`,
      input: { type: 'filestream' },
      host: { name: 'web-1' },
    }),
  )
}

async function ours(t: Test, extra: Partial<LumberjackServerInit> = {}, hold = 0) {
  const batches: DecodedBatch[] = []
  const server = new LumberjackServer({
    logger: captureLogger().logger,
    onBatch: async (b) => {
      if (hold) await sleep(hold) // a slow consumer, not synchronisation
      batches.push(b)
    },
    ...extra,
  })
  const { port } = await server.listen()
  t.teardown(() => server.close(500))
  return { server, port, batches, events: () => batches.flatMap((b) => b.events) }
}

t.test('our server receives from the go-lumber client, compressed and raw', async (t) => {
  const payloads = filebeatEvents(5000)
  for (const level of [3, 0]) {
    const { port, batches, events } = await ours(t)
    const r = await runGoLumberClient({ addr: `127.0.0.1:${port}`, events: payloads, level, batch: 2048 })
    t.equal(r.error, undefined, `level ${level}: no client error`)
    t.equal(r.acked, 5000, `level ${level}: go-lumber saw every event acknowledged`)
    t.equal(r.windows, 3)
    t.same(batches.map((b) => b.events.length), [2048, 2048, 904])
    t.same(events(), payloads.map((p) => JSON.parse(p)), `level ${level}: events arrive unchanged`)
  }
})

t.test('a 20,000-event window from go-lumber is accepted', async (t) => {
  const { port, batches } = await ours(t)
  const r = await runGoLumberClient({ addr: `127.0.0.1:${port}`, events: Array.from({ length: 20_000 }, (_, i) => `{"i":${i}}`), batch: 20_000 })
  t.equal(r.acked, 20_000)
  t.equal(batches.length, 1)
})

t.test('keep-alives keep the go-lumber client waiting past its timeout', async (t) => {
  const { port, server } = await ours(t, { keepalive_interval: 200 }, 2500)
  const r = await runGoLumberClient({ addr: `127.0.0.1:${port}`, events: filebeatEvents(10), timeout: '1s' })
  t.equal(r.error, undefined)
  t.equal(r.acked, 10, 'acked after 2.5 s against a 1 s read deadline')
  t.ok(server.counters.keepalives.value >= 5)
})

t.test('our TLS server with required client certificates and the go-lumber client', async (t) => {
  const m = tlsMaterial()
  const { port, events, server } = await ours(t, { tls: { cert: m.serverCertFile, key: m.serverKeyFile, client_ca: [m.caFile], client_auth: 'required', min_version: 'TLSv1.2' } })
  const ok = await runGoLumberClient({ addr: `localhost:${port}`, events: filebeatEvents(100), tls: { ca: m.caFile, cert: m.clientCertFile, key: m.clientKeyFile } })
  t.equal(ok.error, undefined)
  t.equal(ok.acked, 100)
  const raw = await runGoLumberClient({ addr: `localhost:${port}`, events: filebeatEvents(100), level: 0, tls: { ca: m.caFile, cert: m.clientCertFile, key: m.clientKeyFile } })
  t.equal(raw.acked, 100, 'uncompressed over TLS too')
  const anon = await runGoLumberClient({ addr: `localhost:${port}`, events: filebeatEvents(5), tls: { ca: m.caFile }, timeout: '3s' })
  t.equal(anon.exitCode, 1, 'without a client certificate go-lumber fails')
  t.equal(anon.acked, 0)
  t.equal(events().length, 200)
  t.ok(server.counters.tlsErrors.value >= 1)
})

t.test('our client ships to the go-lumber server, compressed and raw', async (t) => {
  const payloads = filebeatEvents(3000)
  for (const level of [3, 0]) {
    const gs = await startGoLumberServer()
    const c = new LumberjackClient({ hosts: [`127.0.0.1:${gs.port}`], logger: captureLogger().logger, compression_level: level })
    await c.send(payloads)
    await c.close()
    // send() resolves on go-lumber's ACK; its stdout (what we count) may lag the ACK a little.
    await gs.waitForEvents(payloads.length, 10_000)
    t.same(gs.batches.map((b) => b.events.length), [2048, 952], `level ${level}: windows of batch_size`)
    t.same(gs.batches.flatMap((b) => b.events), payloads.map((p) => JSON.parse(p)), `level ${level}: go-lumber decoded every event`)
    await gs.stop()
  }
})

t.test('our client over TLS with a client certificate to the go-lumber server', async (t) => {
  const m = tlsMaterial()
  const gs = await startGoLumberServer({ tls: { cert: m.serverCertFile, key: m.serverKeyFile, clientCa: m.caFile } })
  t.teardown(() => gs.stop())
  const c = new LumberjackClient({
    hosts: [`localhost:${gs.port}`],
    logger: captureLogger().logger,
    tls: { ca: [m.caFile], cert: m.clientCertFile, key: m.clientKeyFile, verification_mode: 'full' },
  })
  await c.send(filebeatEvents(500))
  await c.close()
  const raw = new LumberjackClient({
    hosts: [`localhost:${gs.port}`],
    logger: captureLogger().logger,
    compression_level: 0,
    tls: { ca: [m.caFile], cert: m.clientCertFile, key: m.clientKeyFile, verification_mode: 'full' },
  })
  await raw.send(filebeatEvents(500))
  await raw.close()
  await gs.waitForEvents(1000, 10_000) // go-lumber's stdout may lag its ACK
  t.equal(gs.events, 1000, 'compressed and uncompressed windows over TLS')
})

t.test("go-lumber's keep-alives (A 0 every 200 ms) hold our client past its timeout", async (t) => {
  const gs = await startGoLumberServer({ keepalive: '200ms', ackDelay: '1500ms' })
  t.teardown(() => gs.stop())
  const c = new LumberjackClient({ hosts: [`127.0.0.1:${gs.port}`], logger: captureLogger().logger, timeout: 600 })
  await c.send(filebeatEvents(10))
  t.ok(c.counters.keepalivesReceived.value >= 4, `${c.counters.keepalivesReceived.value} keep-alives`)
  t.equal(c.counters.timeouts.value, 0)
  t.equal(c.counters.connects.value, 1)
  await c.close()
})
