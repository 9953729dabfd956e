import t from 'tap'
import { createSocket } from 'node:dgram'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeValueLists } from '../../../aggregator/inputs/collectd/packet-builder.ts'
import { freePort, httpText, startProc, until, writeConfig } from '../../e2e/procs.ts'

// issue 19: with `workers: N` the primary answers on the ops port seconds
// before its workers have bound the collectd UDP port, and a datagram sent
// then is lost without a count (no socket: the kernel discards it). /healthz
// must stay 503 until every worker has bound its inputs, so that a datagram
// sent the moment it first says 200 is received and counted. A real cluster
// (two workers, one SO_REUSEPORT socket each on a fixed port); the datagrams
// come from the test's own encoder, sent from many source ports so the kernel
// spreads them over both workers.

t.test('workers: 2 — /healthz is 503 until the workers have bound the collectd port; datagrams sent at the first 200 are all counted', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-cluster-collectd-'))
  const out = join(dir, 'out.ndjson')
  const udp = await freePort()
  const opsPort = await freePort()
  const config = writeConfig(dir, 'aggregator.yml', [
    'workers: 2',
    'inputs:',
    `  collectd: {listen: '127.0.0.1:${udp}', types_db: ['${join(import.meta.dirname, '../../fixtures/collectd/types.db')}']}`,
    'pipeline: []',
    'output:',
    `  file: {path: '${out}'}`,
    `http: {listen: '127.0.0.1:${opsPort}'}`,
    'shutdown_timeout: 5s',
  ])
  const cluster = startProc('aggregator', config)
  t.teardown(async () => {
    await cluster.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const ops = `http://127.0.0.1:${opsPort}`
  const statuses: number[] = []
  const status = async (): Promise<number> => {
    try {
      return (await httpText(`${ops}/healthz`)).status
    } catch {
      return 0 // not listening yet
    }
  }
  // poll as fast as a client would; remember what it answered before the first 200
  await until(async () => {
    const s = await status()
    statuses.push(s)
    return s === 200
  }, 90_000, `/healthz 200 (${cluster.stderr().slice(-500)})`, 20)
  // at once: 40 datagrams, each from its own socket (its own source port)
  const lists = 5
  const sent = 40
  for (let i = 0; i < sent; i++) {
    const datagram = encodeValueLists(Array.from({ length: lists }, (_, j) => ({ host: `h${i}`, time: 1_763_780_000, plugin: 'bind', pluginInstance: String(i), type: 'gauge', typeInstance: String(j), values: [{ type: 'GAUGE' as const, value: i * 10 + j }] })))
    const s = createSocket('udp4')
    await new Promise<void>((resolve, reject) => s.send(datagram, udp, '127.0.0.1', (err) => (err ? reject(err) : resolve())))
    s.close()
  }
  const answeredBefore = statuses.filter((s) => s !== 0)
  t.ok(answeredBefore.length >= 1, `the primary answered /healthz (${answeredBefore.length} answers)`)
  t.ok(answeredBefore.slice(0, -1).every((s) => s === 503), `every answer before the first 200 was 503 (${[...new Set(answeredBefore)].join(', ')})`)

  // every value list is received, counted and written; no datagram dropped by the kernel
  const lines = await until(() => {
    if (!existsSync(out)) return undefined
    const l = readFileSync(out, 'utf8').split('\n').filter(Boolean)
    return l.length >= sent * lists ? l : undefined
  }, 30_000, 'every value list in the output')
  t.equal(lines.length, sent * lists, 'every value list written once')
  const metrics = (await httpText(`${ops}/metrics`)).body
  t.match(metrics, new RegExp(`^logyard_collectd_datagrams_total ${sent}$`, 'm'), 'every datagram counted as received')
  t.match(metrics, new RegExp(`^logyard_collectd_events_total ${sent * lists}$`, 'm'))
  t.match(metrics, /^logyard_collectd_datagrams_dropped_total\{reason="kernel"\} 0$/m)
  const hosts = new Set(lines.map((l) => (JSON.parse(l) as { host: { name: string } }).host.name))
  t.equal(hosts.size, sent, 'from every sender')
  t.equal(await cluster.stop(), 0)
})
