import t from 'tap'
import { createSocket } from 'node:dgram'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { LumberjackClient } from '../../../core/lumberjack/client.ts'
import { silentLogger } from '../../../core/logger.ts'
import { startCollectd } from '../../helpers/collectd.ts'
import { startElasticsearch, testIndexName, type ElasticsearchInstance } from '../../helpers/elasticsearch.ts'
import { startProc, until, writeConfig, type Proc } from '../../e2e/procs.ts'

// /status of a single-process aggregator indexing into a real Elasticsearch
// node: health, indexed documents and their rate, bulk latency percentiles
// from logyard_es_bulk_duration_seconds, request outcomes, the dead-letter
// queue and the date stage's failures (a refused document lands in the DLQ);
// the real collectd daemon's datagrams and a malformed one, by reason.

const dir = mkdtempSync(join(tmpdir(), 'logyard-status-es-'))
let es: ElasticsearchInstance | undefined
let proc: Proc | undefined
t.teardown(async () => {
  await proc?.stop()
  await es?.stop()
  rmSync(dir, { recursive: true, force: true })
})

t.test('Elasticsearch, DLQ and date failures on /status', async (t) => {
  es = await startElasticsearch()
  const index = testIndexName('status')
  const cfg = writeConfig(dir, 'aggregator.yml', [
    'workers: 1',
    'inputs:',
    "  beats: {listen: '127.0.0.1:0'}",
    "  collectd: {listen: '127.0.0.1:0', types_db: [/usr/share/collectd/types.db]}",
    'pipeline:',
    '  - when: {exists: ts}',
    "    date: {field: ts, formats: ['ISO8601']}",
    'output:',
    '  elasticsearch:',
    `    hosts: ['${es.url}']`,
    `    index: '${index}'`,
    '    flush_interval: 100ms',
    '    health_check_interval: 500ms',
    `dead_letter: {path: '${join(dir, 'dlq')}'}`,
    "http: {listen: '127.0.0.1:0'}",
  ])
  proc = startProc('aggregator', cfg)
  const started = await proc.waitFor((r) => r.msg === 'aggregator started', 120_000, 'start')
  const port = (started.listening as { beats: { port: number } }).beats.port
  const collectdPort = (started.listening as { collectd: { port: number } }).collectd.port
  const collectd = await startCollectd({ port: collectdPort, hostname: 'status-host', plugins: ['load'] })
  t.teardown(() => collectd.stop())
  t.match(await collectd.command('PUTVAL "status-host/exact/gauge-x" interval=1 N:1'), /^0 /)
  const udp = createSocket('udp4')
  await new Promise<void>((resolve, reject) => udp.send(Buffer.from([0x00, 0x02, 0x00, 0xff, 0x41]), collectdPort, '127.0.0.1', (err) => (err ? reject(err) : resolve())))
  udp.close()
  const ops = await proc.waitFor((r) => r.msg === 'http ops endpoint listening', 10_000, 'ops')
  const base = `http://127.0.0.1:${String(ops.listen).split(':').pop()}`

  const client = new LumberjackClient({ hosts: [`127.0.0.1:${port}`], logger: silentLogger() })
  t.teardown(() => client.close(5000))
  let sent = 0
  for (let w = 0; w < 10; w++) {
    const window: string[] = []
    for (let i = 0; i < 100; i++, sent++) {
      // every 10th event: a bad date (tagged) and a `bytes` object where the first window mapped it as a number (refused by ES → DLQ)
      const bad = sent % 10 === 9
      window.push(JSON.stringify({ message: `event ${sent}`, ts: bad ? 'not a date' : '2026-12-04T05:00:00Z', bytes: bad && w > 0 ? { nested: true } : sent }))
    }
    await client.send(window)
  }
  type S = { collectd: { datagrams_total: number; events_total: number; decode_errors: Record<string, number> }; health: { ok: boolean }; elasticsearch: { healthy: boolean; docs_indexed_total: number; docs_dead_lettered_total: number; requests_by_outcome: Record<string, number>; bulk_latency_ms: { p50: number | null; p99: number | null; requests: number } }; dead_letter: { bytes: number; records_total: number }; stages: { id: string; failed_total: number; tags: string[]; recent_failures: { line: string }[] }[] }
  const s = await until(async () => {
    const s = (await (await fetch(`${base}/status`)).json()) as S
    const malformed = Object.values(s.collectd?.decode_errors ?? {}).reduce((a, b) => a + b, 0)
    return s.elasticsearch && s.elasticsearch.docs_indexed_total + s.elasticsearch.docs_dead_lettered_total >= sent && s.dead_letter.bytes > 0 && s.collectd.events_total > 0 && malformed > 0 ? s : undefined
  }, 60_000, 'every event indexed or dead-lettered, collectd values and the malformed datagram on /status')
  t.ok(s.collectd.datagrams_total >= 2, `collectd datagrams: ${s.collectd.datagrams_total}`)
  t.ok(Object.values(s.collectd.decode_errors).some((n) => n === 1), `the malformed datagram counted by reason: ${JSON.stringify(s.collectd.decode_errors)}`)
  t.ok(s.health.ok)
  t.ok(s.elasticsearch.healthy, 'Elasticsearch healthy')
  t.ok(s.elasticsearch.docs_indexed_total > 0)
  t.ok(s.elasticsearch.docs_dead_lettered_total > 0, 'mapping conflicts dead-lettered')
  t.ok(s.dead_letter.records_total > 0 && s.dead_letter.bytes > 0, 'DLQ size shown')
  t.ok((s.elasticsearch.requests_by_outcome.items ?? 0) > 0, `bulk outcomes: ${JSON.stringify(s.elasticsearch.requests_by_outcome)}`)
  const l = s.elasticsearch.bulk_latency_ms
  t.ok(l.requests > 0, 'bulk requests in the latency histogram')
  t.ok(typeof l.p50 === 'number' && l.p50 > 0 && l.p99! >= l.p50, `latency percentiles: ${JSON.stringify(l)}`)
  const date = s.stages.find((x) => x.id === '0:date')!
  t.equal(date.failed_total, sent / 10, 'date failures counted')
  t.same(date.tags, ['_dateparsefailure'])
  t.match(date.recent_failures[0]!.line, /^event \d+9$/)
})
