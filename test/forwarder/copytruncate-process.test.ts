import t from 'tap'
import { appendFileSync, existsSync, readFileSync, truncateSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { startProc, writeConfig as writeYaml } from '../e2e/procs.ts'
import { tlsMaterial } from '../helpers/tls.ts'
import { tmpDir } from './helpers.ts'
import { Receiver, lines, spawnForwarder, until, writeConfig } from './process-helpers.ts'

// copytruncate through real processes (issue 13). Before the truncation
// generation, the new lines after a truncation reused the ids of the old
// lines at the same offsets, and Elasticsearch answered 409 to all of them.

t.test('forwarder → aggregator (output.file, metadata: true): after a truncation no id repeats', async (t) => {
  const dir = tmpDir(t)
  const tls = tlsMaterial()
  const out = join(dir, 'events.ndjson')
  const acfg = writeYaml(dir, 'aggregator.yml', [
    'workers: 1',
    'inputs:',
    '  beats:',
    "    listen: '127.0.0.1:0'",
    `    tls: {cert: '${tls.serverCertFile}', key: '${tls.serverKeyFile}', client_ca: ['${tls.caFile}'], client_auth: required}`,
    'output:',
    `  file: {path: '${out}', metadata: true}`,
  ])
  const agg = startProc('aggregator', acfg)
  t.teardown(() => agg.stop())
  const started = await agg.waitFor((r) => r.msg === 'aggregator started', 90_000, 'start')
  const port = (started.listening as { beats: { port: number } }).beats.port
  const f = join(dir, 'app.log')
  writeFileSync(f, '')
  const fcfg = writeConfig(dir, {
    data_dir: join(dir, 'data'),
    inputs: [{ paths: [f], read_from: 'beginning' }],
    output: { hosts: [`127.0.0.1:${port}`], tls: { ca: tls.caFile, cert: tls.clientCertFile, key: tls.clientKeyFile } },
    registry_flush: '200ms',
    batch_linger: '20ms',
  })
  const fw = spawnForwarder(['--config', fcfg])
  t.teardown(async () => {
    fw.child.kill('SIGTERM')
    await fw.exited
  })
  const docs = (): { message: string; id: string }[] =>
    existsSync(out)
      ? readFileSync(out, 'utf8')
          .split('\n')
          .filter(Boolean)
          .map((l) => {
            const e = JSON.parse(l)
            return { message: e.message, id: e['@metadata']._id }
          })
      : []
  appendFileSync(f, lines('old', 0, 100))
  await until(() => docs().length >= 100, 60_000, '100 old lines')
  truncateSync(f, 0)
  appendFileSync(f, lines('new', 0, 100))
  await until(() => docs().filter((d) => d.message.startsWith('new ')).length >= 100, 60_000, '100 new lines')
  const all = docs()
  t.equal(all.length, 200, 'each line once')
  t.equal(new Set(all.map((d) => d.id)).size, 200, '200 lines, 200 distinct ids')
})


t.test('kill -9 between the truncation and the ACK: the new lines replay under the same ids', async (t) => {
  const dir = tmpDir(t)
  const rx = new Receiver(true)
  await rx.start(0)
  t.teardown(() => rx.stop())
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('old', 0, 100))
  const cfg = writeConfig(dir, {
    data_dir: join(dir, 'data'),
    inputs: [{ paths: [f], read_from: 'beginning' }],
    output: rx.output({ batch_size: 20 }),
    registry_flush: '100ms',
    batch_linger: '20ms',
  })
  const first = spawnForwarder(['--config', cfg])
  t.teardown(() => first.child.kill('SIGKILL'))
  await until(() => rx.events.length >= 100, 30_000, '100 old lines')
  // Acknowledgements stop; the truncation is noticed and the new lines sent.
  let release!: () => void
  rx.hold = new Promise<void>((r) => (release = r))
  truncateSync(f, 0)
  appendFileSync(f, lines('new', 0, 40))
  await until(() => rx.events.some((e) => e.message.startsWith('new ')), 30_000, 'new lines sent')
  first.child.kill('SIGKILL')
  await first.exited
  rx.hold = undefined
  release()
  const seenBefore = new Map(rx.events.filter((e) => e.message.startsWith('new ')).map((e) => [e.message, e.id]))
  const second = spawnForwarder(['--config', cfg])
  t.teardown(() => second.child.kill('SIGKILL'))
  await until(() => new Set(rx.events.filter((e) => e.message.startsWith('new ')).map((e) => e.message)).size === 40, 30_000, 'every new line')
  await until(() => second.logs().some((l) => l.msg === 'forwarder started'), 10_000, 'started')
  const byMessage = new Map<string, Set<string>>()
  for (const e of rx.events) {
    if (!byMessage.has(e.message)) byMessage.set(e.message, new Set())
    byMessage.get(e.message)!.add(e.id)
  }
  let clashes = 0
  for (const [m, id] of seenBefore) if (!byMessage.get(m)!.has(id) || byMessage.get(m)!.size !== 1) clashes++
  t.ok(seenBefore.size > 0, `${seenBefore.size} new lines were in flight at the kill`)
  t.equal(clashes, 0, 'each replayed new line kept the id it had before the kill')
  const oldIds = new Set(rx.events.filter((e) => e.message.startsWith('old ')).map((e) => e.id))
  t.equal(rx.events.filter((e) => e.message.startsWith('new ') && oldIds.has(e.id)).length, 0, 'no new line carries an old id')
})
