import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { deriveBeatId } from '../../../../aggregator/inputs/beats/beats-input.ts'
import { freePort, startProc, until, writeConfig } from '../../../e2e/procs.ts'
import { startElasticsearch } from '../../../helpers/elasticsearch.ts'
import { runGoLumberClient } from '../../../helpers/go-lumber.ts'
import { startHoldProxy } from '../../../helpers/hold-proxy.ts'

// Stock Filebeat sends no @metadata._id (issue 13): the aggregator derives a
// deterministic one, so a window indexed but not acknowledged (the
// aggregator died in between) and resent by the Beat is stored once.

const agentId = '5f0b6a4e-3c1d-4f7e-9a2b-0c8d7e6f5a4b'

function filebeatEvent(i: number, path = '/var/log/app/app.log', message = `request ${i} done in ${i % 97} ms`): Record<string, unknown> {
  return {
    '@timestamp': new Date(Date.UTC(2026, 11, 4, 1, 0, 0, i)).toISOString(),
    '@metadata': { beat: 'filebeat', type: '_doc', version: '7.17.0' },
    message,
    log: { offset: i * 40, file: { path } },
    input: { type: 'log' },
    ecs: { version: '1.12.0' },
    host: { name: 'app-1' },
    agent: { type: 'filebeat', version: '7.17.0', id: agentId, name: 'app-1', ephemeral_id: 'e1', hostname: 'app-1' },
  }
}

t.test('deriveBeatId: same line same id; offset, path, agent, message each change it', async (t) => {
  const a = deriveBeatId(filebeatEvent(1) as never)
  t.match(a, /^fb-[A-Za-z0-9_-]{27}$/)
  t.equal(deriveBeatId(filebeatEvent(1) as never), a, 'deterministic')
  t.not(deriveBeatId(filebeatEvent(2, undefined, (filebeatEvent(1).message as string)) as never), a, 'other offset')
  t.not(deriveBeatId(filebeatEvent(1, '/var/log/app/other.log') as never), a, 'other path')
  t.not(deriveBeatId({ ...filebeatEvent(1), agent: { id: 'another' } } as never), a, 'other agent')
  t.not(deriveBeatId(filebeatEvent(1, undefined, 'after copytruncate, another line at the same offset') as never), a, 'other bytes at the same offset (copytruncate)')
  t.not(deriveBeatId({ ...filebeatEvent(1), log: { offset: 40, file: { path: '/var/log/app/app.log', inode: '123', device_id: '2049' } } } as never), a, 'inode and device count when sent')
  t.equal(deriveBeatId({ message: 'metricbeat-ish', agent: { id: agentId } } as never), undefined, 'not from a file: no id')
  t.equal(deriveBeatId({ ...filebeatEvent(1), '@timestamp': '2030-01-01T00:00:00.000Z' } as never), a, 'a re-read with a new @timestamp is still a replay')
})

t.test('go-lumber (Filebeat frames), kill -9 of the aggregator between indexing and ACK: one document per event', async (t) => {
  const es = await startElasticsearch()
  t.teardown(() => es.stop())
  const proxy = await startHoldProxy(es.url)
  t.teardown(() => proxy.close())
  const dir = mkdtempSync(join(tmpdir(), 'logyard-derive-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  const index = 'filebeat-derived'
  const cfg = (name: string, extra: string[] = []): string =>
    writeConfig(dir, name, [
      'workers: 1',
      'inputs:',
      '  beats:',
      `    listen: '127.0.0.1:${port}'`,
      ...extra,
      'output:',
      '  elasticsearch:',
      `    hosts: ['${proxy.url}']`,
      `    index: '${index}'`,
      '    flush_interval: 100ms',
      '    health_check_interval: 500ms',
    ])
  const events = Array.from({ length: 500 }, (_, i) => JSON.stringify(filebeatEvent(i)))
  const count = async (): Promise<number> => {
    await es.client.indices.refresh({ index, ignore_unavailable: true })
    return ((await es.client.count({ index, ignore_unavailable: true } as never)) as { count: number }).count
  }

  const first = startProc('aggregator', cfg('a1.yml'))
  t.teardown(() => first.child.kill('SIGKILL'))
  await first.waitFor((r) => r.msg === 'aggregator started', 90_000, 'start')
  proxy.holding = true
  const sent = runGoLumberClient({ addr: `127.0.0.1:${port}`, events, batch: 500, timeout: '60s' })
  await until(async () => proxy.held > 0 && (await count()) === 500, 60_000, 'the window indexed, its ACK withheld')
  first.child.kill('SIGKILL')
  const r1 = await sent
  t.equal(r1.acked, 0, 'the Beat saw no ACK for the window')
  proxy.holding = false

  // The Beat resends the same window to the restarted aggregator.
  const second = startProc('aggregator', cfg('a2.yml'))
  t.teardown(() => second.stop())
  await second.waitFor((r) => r.msg === 'aggregator started', 90_000, 'restart')
  const r2 = await runGoLumberClient({ addr: `127.0.0.1:${port}`, events, batch: 500 })
  t.equal(r2.acked, 500, 'the resent window acknowledged')
  t.equal(await count(), 500, '500 events, 500 documents: the resend answered 409')
  const hit = (await es.client.search({ index, size: 1, query: { match: { message: 'request 7 done' } } } as never)) as { hits: { hits: { _id: string }[] } }
  t.match(hit.hits.hits[0]!._id, /^fb-/)

  // derive_id: false keeps Elasticsearch-generated ids (documented trade-off).
  await second.stop()
  const third = startProc('aggregator', cfg('a3.yml', ['    derive_id: false']))
  t.teardown(() => third.stop())
  await third.waitFor((r) => r.msg === 'aggregator started', 90_000, 'start without derive_id')
  const r3 = await runGoLumberClient({ addr: `127.0.0.1:${port}`, events: events.slice(0, 10), batch: 10 })
  t.equal(r3.acked, 10)
  await until(async () => (await count()) === 510, 30_000, 'ten more documents with generated ids')
  t.pass('derive_id: false stores a resend again')
})
