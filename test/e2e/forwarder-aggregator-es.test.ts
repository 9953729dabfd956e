import t from 'tap'
import { appendFileSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startElasticsearch, type ElasticsearchInstance } from '../helpers/elasticsearch.ts'
import { runGoLumberClient } from '../helpers/go-lumber.ts'
import { tlsMaterial } from '../helpers/tls.ts'
import { httpText, startProc, until, writeConfig, type LogRecord, type Proc } from './procs.ts'

// forwarder → aggregator → Elasticsearch, all real processes: the forwarder
// and the aggregator are children started from bin/ with generated configs and
// per-run TLS (mutual), Elasticsearch is a real 8.19 node. One node serves
// every subtest of this file, in order:
//   1. every line of two files is a document with the parsed fields
//   2. a mapping conflict: those documents land in the DLQ, the rest indexed
//   3. Elasticsearch stopped then restarted: nothing lost, no duplicates,
//      the forwarder's registry did not move while it was down, RSS flat
//   4. stock Filebeat frames (the go-lumber client) are indexed

const tls = tlsMaterial()
const dir = mkdtempSync(join(tmpdir(), 'logyard-e2e-'))
const logs = join(dir, 'logs')
mkdirSync(logs)
const nginxLog = join(logs, 'nginx-access.log')
const railsLog = join(logs, 'rails-production.log')
const dlqDir = join(dir, 'dlq')
const fwdData = join(dir, 'forwarder')

let es: ElasticsearchInstance
let aggregator: Proc
let forwarder: Proc
let beatsPort = 0
let httpPort = 0

function nginxLine(i: number): string {
  return `10.1.${(i >> 8) & 255}.${i & 255} - alice [22/Nov/2026:04:10:${String(i % 60).padStart(2, '0')} +0100] "GET /orders/${i} HTTP/1.1" ${i % 7 === 0 ? 404 : 200} ${100 + i} "-" "curl/8.5.0"`
}

function aggregatorConfig(name: string, workers: number): string {
  return writeConfig(dir, name, [
    `workers: ${workers}`,
    'inputs:',
    '  beats:',
    "    listen: '127.0.0.1:0'",
    `    tls: {cert: '${tls.serverCertFile}', key: '${tls.serverKeyFile}', client_ca: ['${tls.caFile}'], client_auth: required}`,
    '    keepalive_interval: 1s',
    'pipeline:',
    '  - when: {tags: nginx}',
    "    grok: {field: message, patterns: ['%{COMBINEDAPACHELOG}']}",
    '  - when: {tags: nginx}',
    "    date: {field: timestamp, formats: ['dd/MMM/yyyy:HH:mm:ss Z']}",
    '  - when: {tags: rails}',
    '    json: {field: message}',
    '  - when: {exists: timestamp}',
    '    mutate: {remove_field: [timestamp], add_tag: [parsed]}',
    'output:',
    '  elasticsearch:',
    `    hosts: ['${es.url}']`,
    "    index: 'e2e-%{[fields][service]}'",
    '    flush_interval: 200ms',
    '    health_check_interval: 500ms',
    '    retry_max: 2s',
    `dead_letter: {path: '${dlqDir}'}`,
    "http: {listen: '127.0.0.1:0'}",
    'shutdown_timeout: 10s',
  ])
}

async function count(index: string, query?: object): Promise<number> {
  await es.client.indices.refresh({ index, ignore_unavailable: true })
  const r = await es.client.count({ index, ignore_unavailable: true, ...(query ? { query } : {}) } as never)
  return (r as { count: number }).count
}

function rssKiB(pid: number): number {
  const m = /VmRSS:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) : 0
}

function registryOffset(path: string): number | undefined {
  try {
    const reg = JSON.parse(readFileSync(join(fwdData, 'registry.json'), 'utf8')) as { files: { path: string; offset: number }[] }
    return reg.files.find((f) => f.path === path)?.offset
  } catch {
    return undefined
  }
}

function listenPort(rec: LogRecord): number {
  return Number(String(rec.listen).split(':').pop())
}

t.before(async () => {
  es = await startElasticsearch({ private: true }) // halted and restarted below
  aggregator = startProc('aggregator', aggregatorConfig('aggregator.yml', 1))
  const started = await aggregator.waitFor((r) => r.msg === 'aggregator started', 90_000, 'start')
  beatsPort = (started.listening as { beats: { port: number } }).beats.port
  httpPort = listenPort(await aggregator.waitFor((r) => r.msg === 'http ops endpoint listening', 10_000, 'ops endpoint'))
  const fcfg = writeConfig(dir, 'forwarder.yml', [
    `data_dir: '${fwdData}'`,
    'inputs:',
    `  - paths: ['${nginxLog}']`,
    '    fields: {service: web}',
    '    tags: [nginx]',
    '    read_from: beginning',
    '    scan_frequency: 200ms',
    `  - paths: ['${railsLog}']`,
    '    fields: {service: api}',
    '    tags: [rails]',
    '    read_from: beginning',
    '    scan_frequency: 200ms',
    'output:',
    `  hosts: ['127.0.0.1:${beatsPort}']`,
    `  tls: {ca: ['${tls.caFile}'], cert: '${tls.clientCertFile}', key: '${tls.clientKeyFile}'}`,
    '  compression_level: 3',
    'registry_flush: 200ms',
    'batch_linger: 50ms',
  ])
  forwarder = startProc('forwarder', fcfg)
})

t.teardown(async () => {
  await forwarder?.stop()
  await aggregator?.stop()
  await es?.stop()
  rmSync(dir, { recursive: true, force: true })
})

t.test('every line becomes a document with the parsed fields', async (t) => {
  const lines: string[] = []
  for (let i = 0; i < 600; i++) lines.push(nginxLine(i))
  appendFileSync(nginxLog, lines.join('\n') + '\n')
  const rails: string[] = []
  for (let i = 0; i < 300; i++) rails.push(JSON.stringify({ level: i % 2 ? 'info' : 'warn', duration: i, request_id: `r${i}` }))
  appendFileSync(railsLog, rails.join('\n') + '\n')

  await until(async () => (await count('e2e-web')) === 600 && (await count('e2e-api')) === 300, 90_000, '900 documents', 500)
  const hit = await es.client.search({ index: 'e2e-web', query: { term: { 'url.original': '/orders/7' } } } as never)
  const doc = (hit as { hits: { hits: { _id: string; _source: Record<string, any> }[] } }).hits.hits[0]!
  t.ok(doc, 'the line for /orders/7 is there')
  t.equal(doc._source.source.address, '10.1.0.7')
  t.equal(doc._source.http.response.status_code, 404, 'grok :int conversion')
  t.equal(doc._source['@timestamp'], '2026-11-22T03:10:07.000Z', 'date stage applied the +0100 offset')
  t.same(doc._source.tags, ['nginx', 'parsed'])
  t.equal(doc._source.timestamp, undefined, 'mutate removed the raw timestamp')
  t.equal(doc._source.log.file.path, nginxLog)
  t.ok(doc._id.length > 0 && !doc._id.startsWith('_'), 'deterministic id from the forwarder')
  t.equal(await count('e2e-api', { term: { level: 'warn' } }), 150, 'json stage fields are indexed')
  const ops = await httpText(`http://127.0.0.1:${httpPort}/metrics`)
  t.match(ops.body, /logyard_pipeline_events_in_total 900/)
  t.match(ops.body, /logyard_es_docs_indexed_total\{[^}]*\} 900/)
  t.equal((await httpText(`http://127.0.0.1:${httpPort}/healthz`)).status, 200)
})

t.test('a mapping conflict: those documents go to the DLQ, the rest is indexed', async (t) => {
  const rails: string[] = []
  for (let i = 0; i < 100; i++) rails.push(JSON.stringify(i % 10 === 0 ? { level: 'info', duration: { ms: i } } : { level: 'info', duration: 1000 + i, request_id: `c${i}` }))
  appendFileSync(railsLog, rails.join('\n') + '\n')
  await until(async () => (await count('e2e-api')) === 390, 60_000, '90 more api documents', 500)
  const records = await until(() => {
    const files = readdirSync(dlqDir).filter((f) => f.endsWith('.ndjson'))
    const recs = files.flatMap((f) => readFileSync(join(dlqDir, f), 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as { status: number; reason: string; event: { duration?: unknown } }))
    return recs.length >= 10 ? recs : undefined
  }, 30_000, '10 DLQ records')
  t.equal(records.length, 10, 'exactly the 10 conflicting documents')
  t.ok(records.every((r) => r.status === 400), 'refused with 400')
  t.ok(records.every((r) => typeof r.event.duration === 'object'), 'the object-valued durations')
  t.match(records[0]!.reason, /pars|mapp/i, 'the reason is kept')
})

t.test('Elasticsearch down then back: nothing lost, no duplicates, registry held, RSS flat', async (t) => {
  const pid = aggregator.child.pid!
  const before = registryOffset(nginxLog)
  t.ok(before !== undefined && before > 0, 'registry has an offset for the nginx log')
  await es.halt()
  await until(async () => (await httpText(`http://127.0.0.1:${httpPort}/healthz`)).status === 503, 20_000, '/healthz 503 while Elasticsearch is down')
  const append = (from: number, to: number): void => {
    const lines: string[] = []
    for (let i = from; i < to; i++) lines.push(nginxLine(i))
    appendFileSync(nginxLog, lines.join('\n') + '\n')
  }
  // First window in flight and the output holding it: the steady state of an outage.
  append(600, 1600)
  await until(async () => /logyard_es_pending_docs(\{[^}]*\})? [1-9]/.test((await httpText(`http://127.0.0.1:${httpPort}/metrics`)).body), 60_000, 'documents pending in the output', 200)
  const rss0 = rssKiB(pid)
  // The backlog keeps growing on disk while Elasticsearch stays down; the aggregator must not.
  let rssMax = rss0
  for (let k = 0; k < 4; k++) {
    append(1600 + k * 250, 1600 + (k + 1) * 250)
    for (let i = 0; i < 3; i++) {
      await sleep(500) // pacing, not synchronisation: RSS sampled while the backlog grows
      rssMax = Math.max(rssMax, rssKiB(pid))
    }
  }
  t.equal(registryOffset(nginxLog), before, 'the forwarder did not move its checkpoint while Elasticsearch was down')
  await es.resume()
  await until(async () => (await count('e2e-web')) >= 2600, 120_000, '2600 web documents', 1000)
  // barrier: once the forwarder's checkpoint covers the whole file, it has nothing left to send or resend
  await until(() => registryOffset(nginxLog) === statSync(nginxLog).size, 60_000, 'the checkpoint at the end of the file', 200)
  t.equal(await count('e2e-web'), 2600, 'every line exactly once')
  const ids = await es.client.search({ index: 'e2e-web', size: 0, aggs: { offsets: { cardinality: { field: 'log.offset', precision_threshold: 10000 } } } } as never)
  t.equal((ids as unknown as { aggregations: { offsets: { value: number } } }).aggregations.offsets.value, 2600, 'no two documents for the same line')
  await until(() => (registryOffset(nginxLog) ?? 0) > before!, 20_000, 'the registry moved after recovery')
  t.ok(rssMax - rss0 < 48 * 1024, `aggregator RSS stayed flat while the backlog grew (${Math.round(rss0 / 1024)} → max ${Math.round(rssMax / 1024)} MiB)`)
  t.equal((await httpText(`http://127.0.0.1:${httpPort}/healthz`)).status, 200, 'healthy again')
})

t.test('stock Filebeat frames (go-lumber client) are indexed', async (t) => {
  const events: string[] = []
  for (let i = 0; i < 3000; i++) {
    events.push(JSON.stringify({
      '@timestamp': '2026-11-22T04:00:00.000Z',
      '@metadata': { beat: 'filebeat', type: '_doc', version: '8.19.0', _id: `fb-${i}` },
      message: JSON.stringify({ level: 'info', n: i }),
      log: { file: { path: '/var/log/app.log' }, offset: i * 40 },
      input: { type: 'filestream' },
      agent: { type: 'filebeat', version: '8.19.0', name: 'fb-host' },
      host: { name: 'fb-host' },
      fields: { service: 'filebeat' },
      tags: ['rails'],
      ecs: { version: '8.0.0' },
    }))
  }
  const r = await runGoLumberClient({ addr: `127.0.0.1:${beatsPort}`, events, batch: 1024, level: 3, tls: { ca: tls.caFile, cert: tls.clientCertFile, key: tls.clientKeyFile, serverName: 'localhost' } })
  t.equal(r.error, undefined, r.stderr)
  t.equal(r.acked, 3000, 'go-lumber saw every event acknowledged')
  t.equal(await count('e2e-filebeat'), 3000, 'acknowledged means indexed')
  const doc = await es.client.get({ index: 'e2e-filebeat', id: 'fb-1234' })
  t.equal((doc as { _source: { n: number } })._source.n, 1234, '@metadata._id used as the document id; json stage ran')
  const again = await runGoLumberClient({ addr: `127.0.0.1:${beatsPort}`, events: events.slice(0, 500), batch: 500, tls: { ca: tls.caFile, cert: tls.clientCertFile, key: tls.clientKeyFile, serverName: 'localhost' } })
  t.equal(again.acked, 500)
  t.equal(await count('e2e-filebeat'), 3000, 'a resend of the same ids makes no duplicates')
})
