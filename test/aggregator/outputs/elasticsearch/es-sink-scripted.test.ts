import { test } from 'tap'
import { createServer, type IncomingMessage, type ServerResponse } from 'node:http'
import { createServer as createHttpsServer } from 'node:https'
import { until } from '../../../helpers/until.ts'
import { tlsMaterial } from '../../../helpers/tls.ts'
import type { AddressInfo } from 'node:net'
import { gunzipSync } from 'node:zlib'
import { MemoryDeadLetter } from '../../../../aggregator/outputs/dead-letter.ts'
import { events, makeSink } from './sink-fixtures.ts'

// Exact whole-request error tables against a scripted HTTP responder
// (node:http on 127.0.0.1): the sink's reaction to 413, a 400 "must be
// terminated by a newline", an item-count mismatch, 401, and the mixed item
// table of C.6 #4. Everything else is tested against a real Elasticsearch.

interface Bulk {
  ids: string[]
  authorization: string | undefined
  gzip: boolean
  raw: string
}

/** status 0 = destroy the connection without answering. */
type Reply = (bulk: Bulk) => { status: number; body: unknown }

async function responder(script: Reply[], fallback?: Reply, tls?: { cert: string; key: string }): Promise<{ url: string; bulks: Bulk[]; close: () => Promise<void> }> {
  const bulks: Bulk[] = []
  const handler = (req: IncomingMessage, res: ServerResponse): void => {
    const chunks: Buffer[] = []
    req.on('data', (c: Buffer) => chunks.push(c))
    req.on('end', () => {
      const send = (status: number, body: unknown): void => {
        const text = typeof body === 'string' ? body : JSON.stringify(body)
        res.writeHead(status, { 'content-type': 'application/json', 'x-elastic-product': 'Elasticsearch', 'content-length': Buffer.byteLength(text) })
        res.end(text)
      }
      if (!req.url?.startsWith('/_bulk')) return send(200, { status: 'green' })
      let buf = Buffer.concat(chunks)
      const gzip = req.headers['content-encoding'] === 'gzip'
      if (gzip) buf = gunzipSync(buf)
      const raw = buf.toString()
      const lines = raw.split('\n')
      const ids: string[] = []
      for (let i = 0; i + 1 < lines.length; i += 2) ids.push(JSON.parse(lines[i]!).create._id)
      const bulk = { ids, gzip, raw, authorization: req.headers.authorization }
      bulks.push(bulk)
      const reply = script.shift() ?? fallback
      if (!reply) return send(500, { error: 'script exhausted' })
      const r = reply(bulk)
      if (r.status === 0) return void req.socket.destroy()
      send(r.status, r.body)
    })
  }
  const server = tls ? createHttpsServer(tls, handler) : createServer(handler)
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  const { port } = server.address() as AddressInfo
  const close = (): Promise<void> => new Promise((resolve) => {
    server.closeAllConnections()
    server.close(() => resolve())
  })
  return { url: `${tls ? 'https' : 'http'}://127.0.0.1:${port}`, bulks, close }
}

const created = (b: Bulk) => ({ status: 200, body: { took: 1, errors: false, items: b.ids.map((id) => ({ create: { _id: id, status: 201 } })) } })

// Whole-request statuses reach the loop the same way through either client.
for (const product of ['elasticsearch', 'opensearch'] as const) test(`${product} client: 413 splits the request in halves recursively; a single document still too large goes to the DLQ`, async (t) => {
  // Anything with more than 2 documents is "too large"; document e-5 alone is too large.
  const tooBig: Reply = (b) => (b.ids.length > 2 || b.ids.includes('e-5') ? { status: 413, body: '' } : created(b))
  const srv = await responder([], tooBig)
  t.teardown(srv.close)
  const dlq = new MemoryDeadLetter()
  const { sink } = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, compression: 'gzip' }, dlq, product)
  await sink.write(events('e', 0, 8, 's'))
  t.same(srv.bulks.map((b) => b.ids.length), [8, 4, 2, 2, 4, 2, 1, 1, 2], 'halves, first half first')
  t.same(srv.bulks.filter((b) => b.ids.length <= 2 && !b.ids.includes('e-5')).flatMap((b) => b.ids), ['e-0', 'e-1', 'e-2', 'e-3', 'e-4', 'e-6', 'e-7'], 'every other document stored once, in order')
  t.equal(sink.stats.splits, 4)
  t.equal(sink.stats.indexed, 7)
  t.equal(dlq.records.length, 1)
  t.equal(dlq.records[0]!.event['@metadata'] && (dlq.records[0]!.event['@metadata'] as { _id: string })._id, 'e-5')
  t.equal(dlq.records[0]!.status, 413)
  t.ok(srv.bulks.every((b) => b.gzip), 'gzip bodies')
  await sink.close(1000)
})

test('an oversized body answered by a reset connection (while the cluster answers probes) is split after three tries', async (t) => {
  const reset: Reply = (b) => (b.ids.length > 2 ? { status: 0, body: '' } : created(b))
  const srv = await responder([], reset)
  t.teardown(srv.close)
  const { sink } = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, retry_initial: '10ms', retry_max: '20ms' })
  await sink.write(events('r', 0, 4, 's'))
  t.same(srv.bulks.map((b) => b.ids.length), [4, 4, 4, 2, 2], 'three resets, then halves')
  t.equal(sink.stats.indexed, 4)
  t.equal(sink.stats.splits, 1)
  await sink.close(500)
})

test('400 "must be terminated by a newline" is a bug: dead-lettered with the reason, not retried', async (t) => {
  const newline: Reply = () => ({
    status: 400,
    body: { error: { root_cause: [{ type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]' }], type: 'illegal_argument_exception', reason: 'The bulk request must be terminated by a newline [\\n]' }, status: 400 },
  })
  const srv = await responder([newline], created)
  t.teardown(srv.close)
  const dlq = new MemoryDeadLetter()
  const { sink } = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, compression: 'none' }, dlq)
  await sink.write(events('n', 0, 3, 's'))
  t.equal(srv.bulks.length, 1, 'exactly one request: no loop')
  t.ok(srv.bulks[0]!.raw.endsWith('}\n'), 'our body does end with a newline')
  t.equal(dlq.records.length, 3)
  t.match(dlq.records[0]!.reason, /request rejected: HTTP 400 illegal_argument_exception: The bulk request must be terminated by a newline/)
  t.equal(dlq.records[0]!.status, 400)
  await sink.close(1000)
})

test('item count mismatch: the whole request is retried', async (t) => {
  const extra: Reply = (b) => ({ status: 200, body: { errors: false, items: [...b.ids, 'ghost'].map((id) => ({ create: { _id: id, status: 201 } })) } })
  const srv = await responder([extra], created)
  t.teardown(srv.close)
  const { sink } = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false } })
  await sink.write(events('m', 0, 4, 's'))
  t.same(srv.bulks.map((b) => b.ids), [['m-0', 'm-1', 'm-2', 'm-3'], ['m-0', 'm-1', 'm-2', 'm-3']])
  t.equal(sink.stats.retriedRequests, 1)
  t.equal(sink.stats.indexed, 4)
  await sink.close(1000)
})

test('C.6 #4: [201, 400, 409, 429, 503] → DLQ, duplicate, and one second request with only the 429 and 503 items in order', async (t) => {
  const mixed: Reply = (b) => ({
    status: 200,
    body: {
      took: 3,
      errors: true,
      items: [
        { create: { _id: b.ids[0], status: 201, result: 'created' } },
        { create: { _id: b.ids[1], status: 400, error: { type: 'document_parsing_exception', reason: 'failed to parse field [x] of type [long]' } } },
        { create: { _id: b.ids[2], status: 409, error: { type: 'version_conflict_engine_exception', reason: 'version conflict, document already exists (current version [1])' } } },
        { create: { _id: b.ids[3], status: 429, error: { type: 'es_rejected_execution_exception', reason: 'rejected execution of coordinating operation' } } },
        { create: { _id: b.ids[4], status: 503, error: { type: 'unavailable_shards_exception', reason: 'primary shard is not active' } } },
      ],
    },
  })
  const srv = await responder([mixed], created)
  t.teardown(srv.close)
  const dlq = new MemoryDeadLetter()
  const { sink } = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false } }, dlq)
  await sink.write(events('k', 0, 5, 's'))
  t.same(srv.bulks.map((b) => b.ids), [['k-0', 'k-1', 'k-2', 'k-3', 'k-4'], ['k-3', 'k-4']])
  t.equal(sink.stats.indexed, 3, '201 first time, then both retried items')
  t.equal(sink.stats.duplicates, 1)
  t.equal(sink.stats.retriedDocs, 2)
  t.same(dlq.records.map((r) => [r.status, (r.event['@metadata'] as { _id: string })._id]), [[400, 'k-1']])
  t.match(dlq.records[0]!.reason, /^400 document_parsing_exception/)
  await sink.close(1000)
})

for (const product of ['elasticsearch', 'opensearch'] as const) test(`${product} client: 401: unhealthy, retried every auth_retry_interval until credentials work`, async (t) => {
  const denied: Reply = () => ({ status: 401, body: { error: { type: 'security_exception', reason: 'unable to authenticate user [shipper]' }, status: 401 } })
  const srv = await responder([denied, denied], created)
  t.teardown(srv.close)
  const { sink } = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, auth_retry_interval: '150ms' }, undefined, product)
  let sawUnhealthy = false
  const timer = setInterval(() => {
    if (!sink.healthy()) sawUnhealthy = true
  }, 10)
  await sink.write(events('a', 0, 2, 's'))
  clearInterval(timer)
  t.equal(srv.bulks.length, 3, 'two refusals, then stored')
  t.ok(sawUnhealthy, 'unhealthy while refused')
  t.equal(sink.stats.indexed, 2)
  await sink.close(1000)
})

test('api_key and basic auth go out as Authorization headers', async (t) => {
  const srv = await responder([], created)
  t.teardown(srv.close)
  const key = Buffer.from('id1:secret').toString('base64')
  const a = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, auth: { api_key: key } })
  await a.sink.write(events('h', 0, 1, 's'))
  await a.sink.close(500)
  const b = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, auth: { username: 'shipper', password: 'p@ss' } })
  await b.sink.write(events('h', 1, 2, 's'))
  await b.sink.close(500)
  t.same(srv.bulks.map((x) => x.authorization), [`ApiKey ${key}`, `Basic ${Buffer.from('shipper:p@ss').toString('base64')}`])
})

test('OpenSearch client: basic auth goes out as an Authorization header; auth.api_key is a config error', async (t) => {
  const srv = await responder([], created)
  t.teardown(srv.close)
  const b = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, auth: { username: 'shipper', password: 'p@ss' } }, undefined, 'opensearch')
  await b.sink.write(events('h', 1, 2, 's'))
  await b.sink.close(500)
  t.same(srv.bulks.map((x) => x.authorization), [`Basic ${Buffer.from('shipper:p@ss').toString('base64')}`])
  await t.rejects(makeSink({ hosts: [srv.url], index: 'x', auth: { api_key: 'abc' } }, undefined, 'opensearch'), { code: 'LY_CONFIG', message: /api_key/ })
})

// The OpenSearch integ-test-zip has no security plugin: TLS of the OpenSearch client is checked here.
for (const product of ['elasticsearch', 'opensearch'] as const) test(`${product} client: TLS with a custom CA: verified against tls.ca; an unknown CA is refused unless verify is off`, async (t) => {
  const m = tlsMaterial()
  const srv = await responder([], created, { cert: m.serverCert, key: m.serverKey })
  t.teardown(srv.close)
  const good = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, tls: { ca: m.caFile } }, undefined, product)
  t.ok(good.sink.healthy(), 'probe over TLS works')
  await good.sink.write(events('t', 0, 3, 's'))
  t.equal(good.sink.stats.indexed, 3)
  await good.sink.close(500)

  const rogue = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, tls: { ca: m.rogueCaFile } }, undefined, product)
  t.notOk(rogue.sink.healthy(), 'a certificate from another CA is refused')
  const p = t.rejects(rogue.sink.write(events('t', 3, 4, 's')), { code: 'LY_CLOSED' }, 'never acknowledged')
  // barrier: the bulk was tried and refused (a retry is counted), so the check below sees a real attempt
  await until(() => rogue.sink.stats.retriedRequests >= 1, 10_000, 'a refused attempt')
  await rogue.sink.close(100)
  await p
  t.equal(srv.bulks.length, 1, 'no bulk reached the server through an unverified connection')

  const off = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, tls: { ca: m.rogueCaFile, verify: false } }, undefined, product)
  await off.sink.write(events('t', 4, 5, 's'))
  t.equal(off.sink.stats.indexed, 1, 'verify: false accepts it')
  await off.sink.close(500)
})

for (const product of ['elasticsearch', 'opensearch'] as const) test(`${product}: a missing tls.ca file is a config error naming the key`, async (t) => {
  await t.rejects(makeSink({ hosts: ['https://127.0.0.1:9'], index: 'x', tls: { ca: '/nonexistent/ca.pem' } }, undefined, product), { code: 'LY_CONFIG', message: new RegExp(`output\\.${product}\\.tls\\.ca: cannot read`) })
})

test('backpressure: busy at max_pending_docs, write() waits for room, one drain; flush_interval lingers partial batches', async (t) => {
  const srv = await responder([], created)
  t.teardown(srv.close)
  const { sink } = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false }, max_pending_docs: 10, concurrency: 1 })
  let drains = 0
  sink.on('drain', () => drains++)
  const first = sink.write(events('b', 0, 10, 's'))
  t.ok(sink.busy, 'busy at the bound')
  let secondDone = false
  const second = sink.write(events('b', 10, 12, 's')).then(() => (secondDone = true))
  t.equal(sink.pendingDocs, 10, 'the second write waits for room instead of buffering')
  await first
  await second
  t.ok(secondDone)
  t.equal(drains, 1, 'one drain')
  t.notOk(sink.busy)
  t.same(srv.bulks.map((b) => b.ids.length), [10, 2], 'the second batch went after room was made')
  await sink.close(500)

  // flush_interval: two small writes within the linger window become one request.
  const srv2 = await responder([], created)
  t.teardown(srv2.close)
  const linger = await makeSink({ hosts: [srv2.url], index: 'x', template: { enabled: false }, flush_interval: '200ms' })
  const t0 = performance.now()
  const w1 = linger.sink.write(events('l', 0, 2, 's'))
  const w2 = linger.sink.write(events('l', 2, 3, 's'))
  await Promise.all([w1, w2])
  const lingered = performance.now() - t0
  t.same(srv2.bulks.map((b) => b.ids), [['l-0', 'l-1', 'l-2']], 'one request after the linger')
  t.ok(lingered >= 195, `sent after the linger (${Math.round(lingered)} ms; a lower bound, safe under load)`)
  await linger.sink.close(500)
  const eager = await makeSink({ hosts: [srv2.url], index: 'x', template: { enabled: false } })
  const e1 = eager.sink.write(events('q', 0, 2, 's'))
  await until(() => srv2.bulks.length === 2, 10_000, 'the first eager write sent on its own') // no second write needed to send it
  const e2 = eager.sink.write(events('q', 2, 3, 's'))
  await Promise.all([e1, e2])
  t.same(srv2.bulks.slice(1).map((b) => b.ids), [['q-0', 'q-1'], ['q-2']], 'flush_interval 0 sends at once')
  await eager.sink.close(500)
})

test('write() lets go of the events once encoded; a refused one reaches the DLQ from its text, exact numbers and @metadata kept', async (t) => {
  // item 1 refused (400 mapper_parsing_exception), the rest created
  const refuseSecond: Reply = (b) => ({ status: 200, body: { took: 1, errors: true, items: b.ids.map((id, i) => (i === 1 ? { create: { _id: id, status: 400, error: { type: 'mapper_parsing_exception', reason: 'bad' } } } : { create: { _id: id, status: 201 } })) } })
  const srv = await responder([refuseSecond])
  t.teardown(srv.close)
  const dlq = new MemoryDeadLetter()
  const { sink } = await makeSink({ hosts: [srv.url], index: 'x', template: { enabled: false } }, dlq)
  const batch = [
    { '@metadata': { _id: 'n-0', beat: 'logyard' }, message: 'a' },
    { '@metadata': { _id: 'n-1', beat: 'logyard', raw_index: 'y' }, message: 'b', big: 12345678901234567890n, price: JSON.parse('2.5'), nested: { list: [1, 'x', null] } },
    { '@metadata': { _id: 'n-2' }, message: 'c' },
  ]
  const done = sink.write(batch)
  t.equal(batch.length, 0, 'the array is emptied as soon as write() has encoded it (the output owns it)')
  await done
  t.equal(sink.stats.indexed, 2)
  t.equal(dlq.records.length, 1)
  const r = dlq.records[0]!
  t.same(r.event['@metadata'], { _id: 'n-1', beat: 'logyard', raw_index: 'y' }, '@metadata kept (it is not in the indexed source)')
  t.equal(r.index, 'y')
  t.equal(JSON.stringify(r.event), '{"message":"b","big":12345678901234567890,"price":2.5,"nested":{"list":[1,"x",null]},"@metadata":{"_id":"n-1","beat":"logyard","raw_index":"y"}}', 'the event as indexed, the integer beyond 2^53 exact')
  await sink.close(1000)
})
