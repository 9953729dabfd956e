import t from 'tap'
import { appendFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from './helpers.ts'
import { Receiver, rssMiB, spawnForwarder, until, writeConfig } from './process-helpers.ts'

// The aggregator goes away for a while and comes back. Meanwhile the file
// keeps growing by far more than the forwarder could hold: reading must stop
// (memory flat), and after the return every line arrives.

t.test('aggregator down then back: no loss, forwarder RSS flat during the outage', async (t) => {
  const dir = tmpDir(t)
  const rx = new Receiver(true)
  await rx.start(0)
  t.teardown(() => rx.stop())
  const f = join(dir, 'app.log')
  const line = (i: number): string => `event ${i} ${'p'.repeat(180)}\n`
  let n = 0
  const write = (count: number): void => {
    const parts: string[] = []
    for (let i = 0; i < count; i++) parts.push(line(n++))
    appendFileSync(f, parts.join(''))
  }
  writeFileSync(f, '')
  write(1000)
  const cfg = writeConfig(dir, {
    data_dir: join(dir, 'data'),
    inputs: [{ paths: [f], read_from: 'beginning' }],
    output: rx.output({ batch_size: 512, pipelining: 2, timeout: '2s' }),
  })
  const fw = spawnForwarder(['--config', cfg])
  t.teardown(() => fw.child.kill('SIGKILL'))
  await until(() => rx.events.length >= 1000, 20_000, 'first 1000 events')
  await rx.stop()
  // ~ 60 MiB written while nobody listens.
  const samples: number[] = []
  for (let round = 0; round < 30; round++) {
    write(10_000)
    await new Promise((r) => setTimeout(r, 100)) // pacing, not synchronisation: a steady write rate, RSS sampled along it
    samples.push(rssMiB(fw.child.pid!))
  }
  const totalBytes = n * line(0).length
  const early = Math.max(...samples.slice(0, 5))
  const late = Math.max(...samples.slice(-10))
  t.ok(late - early < 25, `RSS flat during the outage: early ${early.toFixed(1)} MiB, late ${late.toFixed(1)} MiB, file ${(totalBytes / 1048576).toFixed(0)} MiB`)
  t.ok(late < 150, `RSS bounded (${late.toFixed(1)} MiB)`)
  await rx.start(rx.port)
  await until(() => rx.events.length >= n, 45_000, `all ${n} events after the return`)
  const seen = new Set(rx.messages())
  let missing = 0
  for (let i = 0; i < n; i++) if (!seen.has(line(i).slice(0, -1))) missing++
  t.equal(missing, 0, 'no line lost')
  fw.child.kill('SIGTERM')
  t.equal(await fw.exited, 0)
})
