import { test } from 'tap'
import { stringifyEvent } from '../../../../core/json.ts'
import { BulkEncoder, bulkBodyRuns, sourceOf, writeBulkBody, type BulkDoc } from '../../../../aggregator/outputs/elasticsearch/es-encoder.ts'
import { IndexName, sanitizeIndexName } from '../../../../aggregator/outputs/elasticsearch/index-name.ts'
import { ExactInteger } from '../../../../aggregator/inputs/collectd/exact-integer.ts'

// The bulk encoder against exact expected bodies (C.6 #1: serialisation).

const filebeatEvent = () => ({
  '@timestamp': '2024-05-01T12:34:56.789Z',
  '@metadata': { beat: 'filebeat', version: '8.19.0', _id: 'f1-000123' },
  message: 'GET /a HTTP/1.1 200',
  log: { offset: 123, file: { path: '/var/log/nginx/access.log' } },
  host: { name: 'web-1' },
  fields: { service: 'Web' },
  tags: ['nginx'],
})

test('exact bulk body: create with _id from @metadata, @metadata not indexed, every line ends with \\n', async (t) => {
  const enc = new BulkEncoder({ index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}' })
  const event = filebeatEvent()
  const before = JSON.stringify(event)
  const body = enc.body([event, { '@timestamp': '2024-05-02T00:00:00.000Z', message: 'no id', fields: { service: 'web' } }])
  t.equal(
    body,
    '{"create":{"_index":"logs-web-2024.05.01","_id":"f1-000123"}}\n' +
      '{"@timestamp":"2024-05-01T12:34:56.789Z","message":"GET /a HTTP/1.1 200","log":{"offset":123,"file":{"path":"/var/log/nginx/access.log"}},"host":{"name":"web-1"},"fields":{"service":"Web"},"tags":["nginx"]}\n' +
      '{"create":{"_index":"logs-web-2024.05.02"}}\n' +
      '{"@timestamp":"2024-05-02T00:00:00.000Z","message":"no id","fields":{"service":"web"}}\n',
  )
  t.equal(JSON.stringify(event), before, 'the event itself is untouched (shared by other outputs)')
  t.ok(body.endsWith('\n'), 'final newline')
  t.equal(body.split('\n').length, 5, 'exactly two lines per document, no pretty-printing')
})

test('newlines and CR inside values are escaped, never raw', async (t) => {
  const enc = new BulkEncoder({ index: 'x' })
  const doc = enc.encode({ message: 'line one\nline two\r\nthree', multi: ['a\nb'] })
  if (typeof doc === 'string') throw new Error(doc)
  t.equal(doc.line, '{"create":{"_index":"x"}}\n{"message":"line one\\nline two\\r\\nthree","multi":["a\\nb"]}\n')
  t.equal(doc.line.indexOf('\r'), -1)
  t.equal(doc.line.split('\n').length, 3)
  t.equal(doc.bytes, Buffer.byteLength(doc.line))
  const utf = enc.encode({ message: 'héllo ✓ 🚀' })
  if (typeof utf === 'string') throw new Error(utf)
  t.equal(utf.bytes, Buffer.byteLength(utf.line), 'bytes are UTF-8 bytes')
  t.ok(utf.bytes > utf.line.length)
})

test('the request body written from the documents is their lines, byte for byte, whatever the characters', async (t) => {
  const enc = new BulkEncoder({ index: 'logs-%{[svc]}' })
  const events = [
    { '@metadata': { _id: 'id-é-🚀' }, svc: 'wéb', message: 'héllo ✓ 🚀' },
    { svc: 'api', message: 'plain ascii' },
    { '@metadata': { _id: 'x"y\\z' }, svc: 'ünï', message: 'tab\there', n: 1 },
    { svc: 'api', message: '\u2028 line separator and a lone surrogate \ud800' },
  ]
  const docs = events.map((e) => enc.encode(e)).filter((d): d is BulkDoc => typeof d !== 'string')
  t.equal(docs.length, events.length)
  const bytes = docs.reduce((a, d) => a + d.bytes, 0)
  for (const d of docs) t.equal(d.bytes, Buffer.byteLength(d.line), `bytes of ${d.line.slice(0, 40)}`)
  const body = writeBulkBody(docs, bytes)
  t.equal(body.length, bytes)
  t.equal(body.toString('utf8'), docs.map((d) => d.line).join(''))
})

test('op, pipeline and hasId; raw_index override', async (t) => {
  const enc = new BulkEncoder({ index: 'fixed-Index', op: 'index', pipeline: 'p1' })
  const a = enc.encode({ '@metadata': { _id: 'x"y' }, m: 1 })
  const b = enc.encode({ '@metadata': { raw_index: 'Replayed-Index', _id: '' }, m: 2 })
  if (typeof a === 'string' || typeof b === 'string') throw new Error('unencodable')
  t.equal(a.line, '{"index":{"_index":"fixed-index","pipeline":"p1","_id":"x\\"y"}}\n{"m":1}\n')
  t.equal(a.hasId, true)
  t.equal(a.op, 'index')
  t.equal(b.line, '{"index":{"_index":"replayed-index","pipeline":"p1"}}\n{"m":2}\n', 'empty _id is no id; raw_index wins')
  t.equal(b.hasId, false)
  t.equal(b.index, 'replayed-index')
})

test('BigInt-safe values serialize exactly', async (t) => {
  const enc = new BulkEncoder({ index: 'metrics' })
  const big = enc.encode({ collectd: { values: { if_octets: { rx: new ExactInteger(18446744073709551615n), tx: 12 } } } })
  if (typeof big === 'string') throw new Error(big)
  t.match(big.line, /"rx":18446744073709551615,"tx":12/)
  t.equal(stringifyEvent({ n: 9007199254740993n, m: [1n] }), '{"n":9007199254740993,"m":[1]}', 'plain BigInt too')
  const cyclic: Record<string, unknown> = { a: 1 }
  cyclic.self = cyclic
  const bad = enc.encode(cyclic)
  t.type(bad, 'string')
  t.match(bad, /cannot be serialized/)
  t.equal(enc.unencodable, 1)
})

test('sourceOf strips only the top-level @metadata and leaves the event as it was', async (t) => {
  const e = { a: 1, '@metadata': { x: 1 }, b: { '@metadata': 'kept' } }
  t.equal(sourceOf(e), '{"a":1,"b":{"@metadata":"kept"}}')
  t.same(Object.keys(e), ['a', '@metadata', 'b'])
  t.same(e['@metadata'], { x: 1 }, 'restored')
  t.equal(sourceOf({ a: 1 }), '{"a":1}')
  const frozen = Object.freeze({ '@metadata': { _id: 'f' }, z: 2 })
  t.equal(sourceOf(frozen), '{"z":2}', 'frozen events fall back to a copy')
  const cyclic: Record<string, unknown> = { '@metadata': { _id: 'c' } }
  cyclic.self = cyclic
  t.throws(() => sourceOf(cyclic))
  t.same(cyclic['@metadata'], { _id: 'c' }, 'restored even when stringify throws')
})

test('index name template: fields, dates, missing fields, sanitizing, pattern', async (t) => {
  const n = new IndexName('logs-%{[fields][service]}-%{+yyyy.MM.dd}', 'unknown')
  t.equal(n.raw({ '@timestamp': '2024-12-31T23:59:59.999Z', fields: { service: 'api' } }), 'logs-api-2024.12.31')
  t.equal(n.raw({ '@timestamp': '2024-12-31T23:30:00-05:00', fields: { service: 'api' } }), 'logs-api-2025.01.01', 'offsets are converted to UTC')
  t.equal(n.raw({ '@timestamp': 1714566896000, fields: { service: 7 } }), 'logs-7-2024.05.01', 'epoch ms; numbers as text')
  t.equal(n.missingFields, 0)
  t.equal(n.raw({ '@timestamp': '2024-05-01T00:00:00Z', fields: {} }), 'logs-unknown-2024.05.01', 'missing field → fallback')
  t.equal(n.raw({ '@timestamp': '2024-05-01T00:00:00Z', fields: { service: { nested: 1 } } }), 'logs-unknown-2024.05.01', 'object → fallback')
  t.equal(n.missingFields, 2, 'counted')
  t.equal(n.pattern, 'logs-*-*')
  t.equal(n.constant, undefined)
  const d = new IndexName('x-%{+YYYY.MM.dd.HH}-%{+yy}-%{host.name}')
  t.equal(d.raw({ '@timestamp': '2024-05-01T07:08:09.123Z', host: { name: 'H1' } }), 'x-2024.05.01.07-24-H1')
  t.equal(d.pattern, 'x-*-*-*')
  t.equal(new IndexName('Static').constant, 'static')
  t.equal(sanitizeIndexName('_Logs/a b#c:d*'), 'logs_a_b_c_d_')
  const enc = new BulkEncoder({ index: 'logs-%{[fields][service]}' })
  t.equal(enc.indexOf({ fields: { service: 'Web App' } }), 'logs-web_app', 'lowercased, forbidden characters replaced')
})

test('index names from event fields (issue 14 item 7): no hidden or system index, no separators, control characters or oversize names', async (t) => {
  const enc = new BulkEncoder({ index: '%{[fields][service]}' })
  t.equal(enc.indexOf({ fields: { service: '.kibana_1' } }), 'kibana_1', 'a leading dot from a field is not kept: no .kibana')
  t.equal(enc.indexOf({ fields: { service: '.security-7' } }), 'security-7')
  t.equal(enc.indexOf({ fields: { service: '..' } }), 'logyard', "'..' is not an index name")
  t.equal(enc.indexOf({ fields: { service: '../../_all' } }), 'all', 'separators, the leading _ and the dots it bared are gone')
  t.equal(enc.indexOf({ fields: { service: 'a\u0000b\nc' } }), 'a_b_c', 'NUL and control characters replaced')
  t.ok(Buffer.byteLength(enc.indexOf({ fields: { service: 'é'.repeat(300) } })) <= 255, 'at most 255 bytes')
  t.equal(enc.indexOf({ '@metadata': { raw_index: '.kibana' }, fields: { service: 'x' } }), 'kibana', '@metadata.raw_index from a sender cannot name a hidden index')
  t.equal(enc.index.escapedValues, 4, 'escaped field values counted (the override is not a template value)')
  const literal = new BulkEncoder({ index: '.logs-%{[fields][service]}' })
  t.equal(literal.indexOf({ fields: { service: 'web' } }), '.logs-web', "the configured text's own leading dot is the operator's choice")
})

test('legacy-format events (@metadata.event_format: legacy) go to legacyIndex; raw_index still wins', async (t) => {
  const enc = new BulkEncoder({ index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}', legacyIndex: 'logstash-%{+yyyy.MM.dd}' })
  const ts = '2024-05-01T12:00:00.000Z'
  t.equal(enc.indexOf({ '@timestamp': ts, host: 'h', '@metadata': { event_format: 'legacy' } }), 'logstash-2024.05.01')
  t.equal(enc.indexOf({ '@timestamp': ts, fields: { service: 'web' }, '@metadata': { event_format: 'ecs' } }), 'logs-web-2024.05.01')
  t.equal(enc.indexOf({ '@timestamp': ts, fields: { service: 'web' } }), 'logs-web-2024.05.01')
  t.equal(enc.indexOf({ '@timestamp': ts, '@metadata': { event_format: 'legacy', raw_index: 'Replay-1' } }), 'replay-1')
  t.equal(enc.legacyIndex?.pattern, 'logstash-*')
  const plain = new BulkEncoder({ index: 'x' })
  t.equal(plain.indexOf({ '@metadata': { event_format: 'legacy' } }), 'x', 'no legacyIndex: the one index')
})

test('documents live in shared chunks: a body of any subset, in any order, across chunks and after detach() is their lines', async (t) => {
  const enc = new BulkEncoder({ index: 'x' })
  // ~1.9 MiB of documents: at least two 1 MiB chunks
  const docs: BulkDoc[] = []
  for (let i = 0; i < 3000; i++) {
    const d = enc.encode({ '@metadata': { _id: `id-${i}` }, i, message: `${i} ${'ä'.repeat(300)}` })
    if (typeof d !== 'string') docs.push(d)
  }
  t.ok(new Set(docs.map((d) => d.chunk)).size >= 2, 'several chunks')
  const body = (ds: BulkDoc[]): string => writeBulkBody(ds, ds.reduce((a, d) => a + d.bytes, 0)).toString('utf8')
  const lines = (ds: BulkDoc[]): string => ds.map((d) => d.line).join('')
  const fresh = docs.slice(10, 20)
  const one = writeBulkBody(fresh, fresh.reduce((a, d) => a + d.bytes, 0))
  t.equal(one.buffer, fresh[0]!.chunk.buffer, 'side-by-side documents of one chunk: a slice of it, no copy')
  t.equal(one.toString('utf8'), lines(fresh))
  const every3rd = docs.filter((_, i) => i % 3 === 0)
  t.equal(body(every3rd), lines(every3rd), 'gaps')
  const reversed = docs.slice(0, 50).reverse()
  t.equal(body(reversed), lines(reversed), 'reversed')
  t.equal(body(docs), lines(docs), 'all, across chunks')
  // the runs the sink gzips without joining them: one per chunk spanned, one per gap
  const runs = bulkBodyRuns(docs)
  t.equal(runs.length, new Set(docs.map((d) => d.chunk)).size, 'all documents in order: one run per chunk')
  t.equal(Buffer.concat(runs).toString('utf8'), lines(docs))
  t.equal(bulkBodyRuns(every3rd).length, every3rd.length, 'every third document: a run each')
  t.same(bulkBodyRuns([]), [], 'no documents, no runs')
  const retried = docs[1234]!
  const before = retried.line
  const chunk = retried.chunk
  retried.detach()
  t.not(retried.chunk, chunk, 'a detached document has bytes of its own')
  t.equal(retried.chunk.length, retried.bytes)
  t.equal(retried.line, before)
  t.equal(body([docs[1233]!, retried, docs[1235]!]), lines([docs[1233]!, retried, docs[1235]!]))
  t.same(retried.eventOf(), { i: 1234, message: `1234 ${'ä'.repeat(300)}`, '@metadata': { _id: 'id-1234' } }, 'the event back from its bytes')
})

test('a large document gets a buffer of its exact size (memory stays what the byte bound counts); small ones share chunks', async (t) => {
  const enc = new BulkEncoder({ index: 'x' })
  const small = enc.encode({ message: 'small' }) as BulkDoc
  const large = enc.encode({ '@metadata': { _id: 'big' }, message: 'ü'.repeat(200_000) }) as BulkDoc
  const after = enc.encode({ message: 'after' }) as BulkDoc
  t.equal(large.chunk.length, large.bytes, 'exact size')
  t.equal(large.bytes, Buffer.byteLength(large.line))
  t.equal(large.line, `{"create":{"_index":"x","_id":"big"}}\n{"message":"${'ü'.repeat(200_000)}"}\n`)
  t.equal(after.chunk, small.chunk, 'the small documents around it stay in the shared chunk')
  t.equal(after.start, small.start + small.bytes)
  t.equal(writeBulkBody([small, large, after], small.bytes + large.bytes + after.bytes).toString('utf8'), small.line + large.line + after.line)
})

test('a chunk is written over only when the encoder has moved on and every document in it is done (settled or detached)', async (t) => {
  const enc = new BulkEncoder({ index: 'x' })
  const encodeUntilNewChunk = (tag: string): BulkDoc[] => {
    const first = enc.encode({ message: `${tag}-0 ${'x'.repeat(900)}` }) as BulkDoc
    const out = [first]
    for (let i = 1; ; i++) {
      const d = enc.encode({ message: `${tag}-${i} ${'x'.repeat(900)}` }) as BulkDoc
      out.push(d)
      if (d.chunk !== first.chunk) return out
    }
  }
  // chunk A filled, the last document opened chunk B
  const a = encodeUntilNewChunk('a')
  const chunkA = a[0]!.chunk
  const inA = a.filter((d) => d.chunk === chunkA)
  const b0 = a[a.length - 1]!
  t.ok(inA.length > 500, `${inA.length} documents in chunk A`)
  // all but one of A done: B fills and the next chunk is a new one
  for (const d of inA.slice(1)) d.done()
  const b = encodeUntilNewChunk('b')
  t.not(b[b.length - 1]!.chunk, chunkA, 'a document of A is still pending: A is not reused')
  t.equal(inA[0]!.line.includes('a-0 '), true, 'and its bytes are intact')
  // the last one of A is detached (waits for a retry): its bytes move out, A is free
  const before = inA[0]!.line
  inA[0]!.detach()
  t.equal(inA[0]!.line, before, 'the detached document keeps its bytes')
  const chunkB = b0.chunk
  for (const d of [b0, ...b.slice(0, -1)]) d.done() // chunk B done too
  t.equal(b0.chunk.length, 0, 'a done document no longer points into the chunk')
  const c = encodeUntilNewChunk('c')
  const reused = c[c.length - 1]!.chunk
  t.ok(reused === chunkA || reused === chunkB, 'the next chunk is a retired one whose documents are all done, written over')
  t.equal(c[c.length - 1]!.line.includes('c-'), true)
  t.equal(inA[0]!.line, before, 'the detached copy is untouched by the reuse')
  // the current chunk is never handed out again while it is being filled, even with all its documents done
  const current = c[c.length - 1]!
  const { chunk: currentChunk, start: currentStart } = current
  current.done()
  const next = enc.encode({ message: 'next' }) as BulkDoc
  t.equal(next.chunk, currentChunk)
  t.equal(next.start, currentStart + current.bytes, 'written after the done document, not over it')
  t.equal(next.line, '{"create":{"_index":"x"}}\n{"message":"next"}\n')
})
