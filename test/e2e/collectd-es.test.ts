import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCollectd } from '../helpers/collectd.ts'
import { startElasticsearch } from '../helpers/elasticsearch.ts'
import { startProc, until, writeConfig } from './procs.ts'

// The real collectd daemon (network plugin, signed) → logyard-aggregator (a
// child process, collectd input at security level sign) → a real
// Elasticsearch: the documents carry the host, plugin, type and values, the
// 64-bit counter stays exact in the source, and the metric fields are mapped
// as numbers by the index template logyard installs.

t.test('collectd metrics are indexed into Elasticsearch with host, plugin, type and values', { timeout: 300_000 }, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-collectd-es-'))
  const es = await startElasticsearch()
  t.teardown(async () => {
    await es.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const authFile = writeConfig(dir, 'collectd.passwd', ['alice: s3cret'])
  const config = writeConfig(dir, 'aggregator.yml', [
    'workers: 1',
    'inputs:',
    `  collectd: {listen: '127.0.0.1:0', types_db: [/usr/share/collectd/types.db], security_level: sign, auth_file: '${authFile}'}`,
    'output:',
    '  elasticsearch:',
    `    hosts: ['${es.url}']`,
    "    index: 'metrics-%{[collectd][plugin]}'",
    '    flush_interval: 200ms',
  ])
  const agg = startProc('aggregator', config)
  t.teardown(() => agg.stop())
  const started = await agg.waitFor((r) => r.msg === 'aggregator started', 90_000, 'start')
  const port = (started.listening as { collectd: { port: number } }).collectd.port
  const collectd = await startCollectd({ port, hostname: 'metrics-host-1', plugins: ['load'], securityLevel: 'sign', username: 'alice', password: 's3cret' })
  t.teardown(() => collectd.stop())
  t.match(await collectd.command('PUTVAL "metrics-host-1/exact/counter-big" interval=1 N:18446744073709551615'), /^0 /)
  t.match(await collectd.command('PUTVAL "metrics-host-1/exact/if_octets-eth0" interval=1 N:1000:2000'), /^0 /)

  const search = async (index: string, query: object): Promise<Record<string, any>[]> => {
    await es.client.indices.refresh({ index, ignore_unavailable: true })
    const r = await es.client.search({ index, ignore_unavailable: true, size: 20, query } as never)
    return (r as { hits: { hits: { _source: Record<string, any> }[] } }).hits.hits.map((h) => h._source)
  }
  const load = await until(async () => (await search('metrics-load', { term: { 'host.name': 'metrics-host-1' } }))[0], 60_000, 'a load document from collectd')
  t.equal(load.collectd.plugin, 'load')
  t.equal(load.collectd.type, 'load')
  t.equal(typeof load.collectd.values.load.shortterm, 'number', 'load values named by types.db')
  t.equal(load.collectd.username, 'alice', 'signed by the configured user')
  t.ok(Date.parse(load['@timestamp']) > Date.now() - 600_000, 'a current @timestamp')

  const exact = await until(async () => {
    const docs = await search('metrics-exact', { match_all: {} })
    return docs.length >= 2 ? docs : undefined
  }, 60_000, 'the PUTVAL documents')
  const octets = exact.find((d) => d.collectd.type === 'if_octets')!
  t.equal(octets.collectd.type_instance, 'eth0')
  t.same(octets.collectd.values.if_octets, { rx: 1000, tx: 2000 })
  // The exact decimal went over the wire; read the raw _source bytes back.
  const raw = await fetch(`${es.url}/metrics-exact/_search?q=collectd.type:counter&size=1`).then((r) => r.text())
  t.match(raw, /"value":18446744073709551615/, 'a COUNTER of 2^64-1 is sent as the exact integer')

  const mapping = await es.client.indices.getMapping({ index: 'metrics-exact' })
  const props = JSON.stringify(mapping)
  t.match(props, /"rx":\{"type":"(double|long|float)"/, 'values are mapped as numbers')
  t.equal(await agg.stop(), 0, 'SIGTERM exits 0')
})
