import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { runGoLumberClient } from '../../helpers/go-lumber.ts'
import { tlsMaterial } from '../../helpers/tls.ts'
import { httpText, startProc, until, writeConfig, type LogRecord } from '../../e2e/procs.ts'

// `workers: 2` as a real process tree: the primary forks two workers sharing
// the Lumberjack port; the go-lumber client (Filebeat's library) ships over
// TLS; the primary's /metrics sums both workers; a SIGKILLed worker is
// replaced; SIGTERM drains everything and exits 0. Output: the file output,
// so no Elasticsearch is needed here.

const tls = tlsMaterial()

t.test('cluster: shared port, summed metrics, dead worker restarted, clean stop', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-cluster-'))
  const out = join(dir, 'out.ndjson')
  const config = writeConfig(dir, 'aggregator.yml', [
    'workers: 2',
    'inputs:',
    '  beats:',
    "    listen: '127.0.0.1:0'",
    `    tls: {cert: '${tls.serverCertFile}', key: '${tls.serverKeyFile}'}`,
    'pipeline:',
    '  - json: {field: message}',
    'output:',
    `  file: {path: '${out}'}`,
    "http: {listen: '127.0.0.1:0'}",
    'shutdown_timeout: 5s',
  ])
  const cluster = startProc('aggregator', config)
  t.teardown(async () => {
    await cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const isReady = (r: LogRecord): boolean => r.msg === 'worker ready'
  await until(() => cluster.records.filter(isReady).length >= 2, 60_000, `two workers ready (${cluster.stderr().slice(-500)})`)
  const ready = cluster.records.filter(isReady)
  const pids = ready.map((r) => r.pid as number)
  t.equal(new Set(pids).size, 2, 'two worker processes')
  const port = (ready[0]!.listening as { beats: { port: number } }).beats.port
  t.equal((ready[1]!.listening as { beats: { port: number } }).beats.port, port, 'both workers serve the same port')
  const opsRec = await cluster.waitFor((r) => r.msg === 'http ops endpoint listening', 10_000, 'ops endpoint')
  const ops = `http://127.0.0.1:${String(opsRec.listen).split(':').pop()}`

  const send = (from: number, n: number) => runGoLumberClient({
    addr: `127.0.0.1:${port}`,
    batch: 100,
    tls: { ca: tls.caFile, serverName: 'localhost' },
    events: Array.from({ length: n }, (_, i) => JSON.stringify({ '@timestamp': '2026-11-22T04:00:00.000Z', '@metadata': { _id: `cl-${from + i}` }, message: JSON.stringify({ n: from + i }) })),
  })
  const runs = await Promise.all([send(0, 500), send(500, 500), send(1000, 500), send(1500, 500)])
  t.same(runs.map((r) => r.acked), [500, 500, 500, 500], 'every event acknowledged')
  const metrics = (await httpText(`${ops}/metrics`)).body
  t.match(metrics, /logyard_input_events_total\{input="beats"\} 2000/, 'the primary sums both workers')
  t.match(metrics, /logyard_cluster_workers 2/)
  const perWorker = metrics.match(/logyard_pipeline_events_in_total \d+/g)
  t.equal(perWorker?.length, 1, 'one summed series, not one per worker')
  await until(async () => (await httpText(`${ops}/healthz`)).status === 200, 5000, 'healthy')

  process.kill(pids[0]!, 'SIGKILL')
  await cluster.waitFor((r) => r.msg === 'worker died; restarting' && r.pid === pids[0], 10_000, 'restart notice')
  const replacement = await cluster.waitFor((r) => isReady(r) && !pids.includes(r.pid as number), 60_000, 'replacement worker')
  t.ok(replacement.pid, `worker ${pids[0]} replaced by ${String(replacement.pid)}`)
  const after = (await httpText(`${ops}/metrics`)).body
  t.match(after, /logyard_cluster_worker_restarts_total 1/)
  t.match(after, /logyard_cluster_workers 2/)
  const more = await send(2000, 400)
  t.equal(more.acked, 400, 'the cluster keeps serving after the restart')

  const code = await cluster.stop()
  t.equal(code, 0, 'SIGTERM: workers drain, the primary exits 0')
  t.ok(existsSync(out))
  const ns = new Set(readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => (JSON.parse(l) as { n: number }).n))
  t.equal(ns.size, 2400, 'every acknowledged event is in the output')
})
