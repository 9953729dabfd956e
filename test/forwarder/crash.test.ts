import t from 'tap'
import { appendFileSync, readFileSync, statSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { tmpDir } from './helpers.ts'
import { Receiver, spawnForwarder, until, writeConfig } from './process-helpers.ts'

// kill -9 of the forwarder at random moments while a writer appends, then a
// restart: no line is lost, and duplicates come only from windows that were
// not yet acknowledged (and so not yet in the registry) at the kill.

t.test('kill -9 at random moments: no line lost, replays start exactly at the persisted checkpoint', async (t) => {
  const dir = tmpDir(t)
  const rx = new Receiver(true)
  await rx.start(0)
  t.teardown(() => rx.stop())
  const f = join(dir, 'app.log')
  writeFileSync(f, '')
  const batch = 100
  const pipelining = 2
  const cfg = writeConfig(dir, {
    data_dir: join(dir, 'data'),
    inputs: [{ paths: [f], read_from: 'beginning' }],
    output: rx.output({ batch_size: batch, pipelining }),
    registry_flush: '200ms',
    batch_linger: '20ms',
  })
  const total = 20_000
  let written = 0
  const writer = setInterval(() => {
    if (written >= total) return clearInterval(writer)
    let s = ''
    for (let i = 0; i < 40 && written < total; i++) s += `line ${written++} ${'x'.repeat(60)}\n`
    appendFileSync(f, s)
  }, 10)
  t.teardown(() => clearInterval(writer))
  const kills = 4
  const checkpoints: { received: number; offset: number }[] = []
  for (let k = 0; k < kills; k++) {
    const fw = spawnForwarder(['--config', cfg])
    const before = rx.events.length
    await until(() => rx.events.length > before + 200, 20_000, 'progress before the kill')
    await new Promise((r) => setTimeout(r, Math.floor(Math.random() * 400))) // a random kill point, not synchronisation
    fw.child.kill('SIGKILL')
    await fw.exited
    // Windows the dead process had already written are decoded before the receiver sees its connection close.
    await until(() => rx.connections === 0, 10_000, 'the dead forwarder\'s connection closed')
    // What the restart will load: a complete registry.json.new left by a write the
    // kill interrupted before its rename wins over registry.json (Registry.load);
    // killed before the first registry write, the restart begins at 0 (read_from: beginning).
    const persisted = (file: string): number | undefined => {
      try {
        return JSON.parse(readFileSync(join(dir, 'data', file), 'utf8')).files[0]?.offset ?? 0
      } catch {
        return undefined
      }
    }
    const offset = persisted('registry.json.new') ?? persisted('registry.json') ?? 0
    checkpoints.push({ received: rx.events.length, offset })
  }
  const fw = spawnForwarder(['--config', cfg])
  t.teardown(() => fw.child.kill('SIGKILL'))
  await until(() => written >= total, 30_000, 'writer done')
  const seen = new Set<string>()
  await until(
    () => {
      for (const e of rx.events) seen.add(e.message)
      return seen.size >= total
    },
    40_000,
    'every line delivered',
  )
  fw.child.kill('SIGTERM')
  const code = await fw.exited
  t.equal(code, 0, code === 0 ? 'exit 0 after SIGTERM' : fw.stderr().slice(-2000))
  let missing = 0
  for (let i = 0; i < total; i++) if (!seen.has(`line ${i} ${'x'.repeat(60)}`)) missing++
  t.equal(missing, 0, 'no line lost')
  // Each restart replays exactly from the checkpoint persisted before the kill:
  // duplicates are the lines acknowledged after the last registry write plus the
  // windows in flight, never anything before the checkpoint.
  // Windows of the dead process may still trickle in after the snapshot, but
  // they lie beyond the checkpoint too; the smallest offset after a restart is
  // where its reading began.
  const size = statSync(f).size
  for (const [k, c] of checkpoints.entries()) {
    const next = checkpoints[k + 1]?.received ?? rx.events.length
    let min = Infinity
    for (let i = c.received; i < next; i++) min = Math.min(min, rx.events[i]!.offset)
    // Killed after every line was written and acknowledged: the restart has nothing to resend.
    if (c.offset === size) t.equal(min, Infinity, `restart ${k + 1}: the checkpoint was at the end of the file (${size}); nothing resent`)
    else t.equal(min, c.offset, `restart ${k + 1} resumes exactly at the persisted offset ${c.offset}`)
  }
  const dups = rx.events.length - seen.size
  t.ok(dups < total, `duplicates: ${dups}`)
  const ids = new Map<string, string>()
  let idClash = 0
  for (const e of rx.events) {
    const prev = ids.get(e.id)
    if (prev !== undefined && prev !== e.message) idClash++
    ids.set(e.id, e.message)
  }
  t.equal(idClash, 0, 'a replayed line keeps its @metadata._id (replays dedupe downstream)')
  t.equal(ids.size, total, 'one id per line')
})
