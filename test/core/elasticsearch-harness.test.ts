import { test } from 'tap'
import { startElasticsearch, testIndexName } from '../helpers/elasticsearch.ts'

// The shared real-Elasticsearch helper: a node from the Maven Central
// integ-test-zip, indexed into and read back through the 8.x client; and a
// node with security on, where basic auth decides 401 versus 200.

test('indexes documents through the client and reads them back', async (t) => {
  const es = await startElasticsearch()
  t.teardown(() => es.stop())
  t.match(es.url, /^http:\/\/(127\.0\.0\.1|localhost|\[::1\]):\d+$|^https?:\/\//)
  const index = testIndexName('harness')
  const docs = [{ message: 'one', n: 1 }, { message: 'two', n: 2 }, { message: 'three', n: 3 }]
  const res = await es.client.bulk({ refresh: true, operations: docs.flatMap((d, i) => [{ create: { _index: index, _id: `id-${i}` } }, d]) })
  t.equal(res.errors, false, 'bulk without errors')
  const count = await es.client.count({ index })
  t.equal(count.count, 3)
  const got = await es.client.get<{ message: string; n: number }>({ index, id: 'id-1' })
  t.same(got._source, { message: 'two', n: 2 })
  const search = await es.client.search<{ n: number }>({ index, query: { range: { n: { gte: 2 } } }, sort: [{ n: 'asc' }] })
  t.same(search.hits.hits.map((h) => h._source?.n), [2, 3])
  if (!es.external) {
    const dir = es.logTail()
    t.match(dir, /started|node-1/, 'log tail readable')
  }
})

test('security on: 401 without credentials, 200 with basic auth', async (t) => {
  const password = 'logyard-Secret-1'
  const es = await startElasticsearch({ security: { password } })
  let stopped = false
  t.teardown(async () => {
    if (!stopped) await es.stop()
  })
  t.same(es.auth, { username: 'elastic', password })
  const anonymous = await fetch(`${es.url}/_cluster/health`)
  t.equal(anonymous.status, 401, 'no credentials → 401')
  t.match(anonymous.headers.get('www-authenticate') ?? '', /Basic/i)
  const wrong = await fetch(`${es.url}/_cluster/health`, { headers: { authorization: `Basic ${Buffer.from('elastic:nope').toString('base64')}` } })
  t.equal(wrong.status, 401, 'wrong password → 401')
  const good = await fetch(`${es.url}/_cluster/health`, { headers: { authorization: `Basic ${Buffer.from(`elastic:${password}`).toString('base64')}` } })
  t.equal(good.status, 200, 'basic auth → 200')
  const index = testIndexName('secured')
  await es.client.index({ index, id: 'a', document: { ok: true }, refresh: true })
  t.equal((await es.client.count({ index })).count, 1, 'the helper client is authenticated')
  // stop() removes everything it made.
  const tail = es.logTail()
  t.ok(tail.length > 0)
  await es.stop()
  stopped = true
  await t.rejects(fetch(`${es.url}/_cluster/health`), 'node is gone after stop()')
})
