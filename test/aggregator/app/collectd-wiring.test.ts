import t from 'tap'
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { startCollectd } from '../../helpers/collectd.ts'
import { startProc, until, writeConfig } from '../../e2e/procs.ts'

// The real collectd daemon's network plugin → logyard-aggregator (child
// process, collectd input only) → pipeline (a when: on a collectd field) →
// file output. Checks the wiring of the input into the pipeline, not the
// decoder (that has its own tests).

t.test('collectd values reach the output through the pipeline', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-collectd-app-'))
  const out = join(dir, 'out.ndjson')
  const config = writeConfig(dir, 'aggregator.yml', [
    'workers: 1',
    'inputs:',
    "  collectd: {listen: '127.0.0.1:0', types_db: [/usr/share/collectd/types.db]}",
    'pipeline:',
    "  - when: {equals: {'[collectd][plugin]': exact}}",
    '    mutate: {add_tag: [putval], add_field: {metric: "%{[collectd][plugin]}/%{[collectd][type]}"}}',
    'output:',
    `  file: {path: '${out}'}`,
  ])
  const agg = startProc('aggregator', config)
  t.teardown(async () => {
    await agg.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const started = await agg.waitFor((r) => r.msg === 'aggregator started', 60_000, 'start')
  const port = (started.listening as { collectd: { port: number } }).collectd.port
  const collectd = await startCollectd({ port, hostname: 'wired', plugins: ['load'] })
  t.teardown(() => collectd.stop())
  const reply = await collectd.command('PUTVAL "wired/exact/gauge-x" interval=1 N:42.5')
  t.match(reply, /^0 /, 'collectd accepted the value')
  const event = await until(() => {
    if (!existsSync(out)) return undefined
    return readFileSync(out, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, any>).find((e) => e.collectd?.plugin === 'exact')
  }, 30_000, 'the PUTVAL value in the output')
  t.equal(event.host.name, 'wired')
  t.equal(event.collectd.values.gauge.value, 42.5, JSON.stringify(event))
  t.equal(event.collectd.type_instance, 'x')
  t.same(event.tags, ['putval'], 'the when: condition matched a collectd field')
  t.equal(event.metric, 'exact/gauge')
  t.equal(await agg.stop(), 0, 'SIGTERM exits 0')
})
