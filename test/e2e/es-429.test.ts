import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startElasticsearch, type ElasticsearchInstance } from '../helpers/elasticsearch.ts'
import { runGoLumberClient } from '../helpers/go-lumber.ts'
import { tlsMaterial } from '../helpers/tls.ts'
import { httpText, startProc, writeConfig, type LogRecord, type Proc } from './procs.ts'

// A real 429: Elasticsearch with one write thread and a write queue of one
// rejects concurrent _bulk work (es_rejected_execution_exception). Four
// go-lumber clients (Filebeat's library) push hard into an aggregator that
// sends many small bulk requests at once. Every event must be acknowledged
// only once stored, retries must have happened, and nothing may be lost or
// duplicated.

const tls = tlsMaterial()
const dir = mkdtempSync(join(tmpdir(), 'logyard-e2e-429-'))
let es: ElasticsearchInstance
let aggregator: Proc

t.teardown(async () => {
  await aggregator?.stop()
  await es?.stop()
  rmSync(dir, { recursive: true, force: true })
})

t.test('429 from a saturated write pool: retried, nothing lost, no duplicates', async (t) => {
  es = await startElasticsearch({ settings: { 'thread_pool.write.size': 1, 'thread_pool.write.queue_size': 1 } })
  const config = writeConfig(dir, 'aggregator.yml', [
    'workers: 1',
    'inputs:',
    '  beats:',
    "    listen: '127.0.0.1:0'",
    `    tls: {cert: '${tls.serverCertFile}', key: '${tls.serverKeyFile}'}`,
    'pipeline:',
    '  - json: {field: message}',
    'output:',
    '  elasticsearch:',
    `    hosts: ['${es.url}']`,
    "    index: 'e2e-pressure'",
    '    concurrency: 8',
    '    max_bulk_docs: 100',
    '    retry_initial: 20ms',
    '    retry_max: 500ms',
    "http: {listen: '127.0.0.1:0'}",
  ])
  aggregator = startProc('aggregator', config)
  const started = await aggregator.waitFor((r) => r.msg === 'aggregator started', 90_000, 'start')
  const port = (started.listening as { beats: { port: number } }).beats.port
  const ops = Number(String((await aggregator.waitFor((r: LogRecord) => r.msg === 'http ops endpoint listening', 10_000, 'ops')).listen).split(':').pop())

  const per = 5000
  const clients = [0, 1, 2, 3].map((c) => runGoLumberClient({
    addr: `127.0.0.1:${port}`,
    batch: 2048,
    level: 1,
    timeout: '60s',
    killAfterMs: 180_000,
    tls: { ca: tls.caFile, serverName: 'localhost' },
    events: Array.from({ length: per }, (_, i) => JSON.stringify({
      '@timestamp': '2026-11-22T04:00:00.000Z',
      '@metadata': { beat: 'filebeat', _id: `p-${c}-${i}` },
      message: JSON.stringify({ sender: c, n: i, pad: 'x'.repeat(200) }),
    })),
  }))
  const results = await Promise.all(clients)
  t.same(results.map((r) => r.acked), [per, per, per, per], `every event acknowledged (${results.map((r) => r.error ?? 'ok').join(', ')})`)
  await es.client.indices.refresh({ index: 'e2e-pressure' })
  const { count } = await es.client.count({ index: 'e2e-pressure' })
  t.equal(count, 4 * per, 'acknowledged means stored, each once (create with the Filebeat _id)')
  const metrics = (await httpText(`http://127.0.0.1:${ops}/metrics`)).body
  const retried = Number(/logyard_es_docs_retried_total(?:\{[^}]*\})? (\d+)/.exec(metrics)?.[1] ?? 0)
  t.ok(retried > 0, `Elasticsearch pushed back and documents were retried (${retried})`)
  const lost = Number(/logyard_es_docs_dead_lettered_total(?:\{[^}]*\})? (\d+)/.exec(metrics)?.[1] ?? 0)
  const problems = aggregator.records.filter((r) => r.level === 'error' || r.level === 'fatal').slice(0, 2)
  t.equal(lost, 0, `nothing dead-lettered: 429 is retriable ${lost ? JSON.stringify(problems).slice(0, 1500) : ''}`)
})
