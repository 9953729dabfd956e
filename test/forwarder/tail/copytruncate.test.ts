import t from 'tap'
import { appendFileSync, copyFileSync, readFileSync, statSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { pino } from 'pino'
import { ForwarderApp } from '../../../forwarder/app.ts'
import { join } from 'node:path'
import { config, MemoryPublisher, startApp, tmpDir, until } from '../helpers.ts'

// copytruncate (issue 13): a file emptied in place and written again must
// give its new lines new document ids (a truncation generation in the
// registry), while a replay of the same bytes keeps its ids.

const lines = (prefix: string, from: number, to: number): string => {
  let s = ''
  for (let i = from; i < to; i++) s += `${prefix} line ${i}\n`
  return s
}

const registry = (dir: string): { generation?: number; offset: number; id: string }[] => JSON.parse(readFileSync(join(dir, 'data', 'registry.json'), 'utf8')).files

function idsOf(events: Record<string, any>[], prefix: string): Map<string, string> {
  const m = new Map<string, string>()
  for (const e of events) if ((e.message as string).startsWith(prefix)) m.set(e.message, e['@metadata']._id)
  return m
}

/** message → every document id it was sent with (a line read twice must keep one id). */
function idsByMessage(events: Record<string, any>[]): Map<string, Set<string>> {
  const ids = new Map<string, Set<string>>()
  for (const e of events) {
    if (!ids.has(e.message)) ids.set(e.message, new Set())
    ids.get(e.message)!.add(e['@metadata']._id)
  }
  return ids
}

t.test('truncate to 0 then rewrite: the new lines get new ids, generation 1 in the registry', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('old', 0, 100))
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => publisher.events.length === 100, 10_000, '100 old lines')
  truncateSync(f, 0)
  appendFileSync(f, lines('new', 0, 100))
  await until(() => publisher.messages().filter((m) => m.startsWith('new')).length === 100, 15_000, '100 new lines')
  const oldIds = idsOf(publisher.events, 'old')
  const newIds = idsOf(publisher.events, 'new')
  const all = new Set([...oldIds.values(), ...newIds.values()])
  t.equal(all.size, 200, 'every line has its own id')
  t.equal(publisher.events.find((e) => e.message === 'new line 0')!.log.offset, 0, 'new content read from offset 0')
  t.match(newIds.get('new line 0'), /^[0-9a-f]{16}\.1-0$/, 'id carries the generation')
  t.match(oldIds.get('old line 0'), /^[0-9a-f]{16}-0$/, 'generation 0 keeps the old id format')
  t.equal(app.stats.truncations, 1)
  await app.stop()
  t.equal(registry(dir)[0]!.generation, 1)
  t.equal(registry(dir)[0]!.offset, Buffer.byteLength(lines('new', 0, 100)))
})

t.test('a replay of the same bytes after a restart keeps the generation and the ids', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('old', 0, 50))
  const first = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => first.publisher.events.length === 50, 10_000, '50 old lines')
  truncateSync(f, 0)
  appendFileSync(f, lines('new', 0, 50))
  await until(() => first.publisher.messages().filter((m) => m.startsWith('new')).length === 50, 15_000, '50 new lines')
  const before = idsOf(first.publisher.events, 'new')
  await first.app.stop()
  // The registry is lost back to before the acks of the new lines (a crash):
  // keep the generation, rewind the offset, as a crash right after the truncation leaves it.
  const reg = JSON.parse(readFileSync(join(dir, 'data', 'registry.json'), 'utf8'))
  t.equal(reg.files[0].generation, 1)
  reg.files[0].offset = 0
  writeFileSync(join(dir, 'data', 'registry.json'), JSON.stringify(reg))
  const second = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => second.publisher.events.length === 50, 10_000, 'replay')
  t.same(idsOf(second.publisher.events, 'new'), before, 'same bytes, same ids')
})

t.test('truncated and rewritten while the forwarder is stopped: new generation, new ids', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('old', 0, 100))
  const first = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => first.publisher.events.length === 100, 10_000, '100 old lines')
  await first.app.stop()
  const id0 = registry(dir)[0]!.id
  // Shorter, and longer than the old offset: both must be seen as new content.
  truncateSync(f, 0)
  appendFileSync(f, lines('NEW', 0, 150))
  const second = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => second.publisher.events.length === 150, 10_000, '150 new lines')
  const oldIds = new Set(idsOf(first.publisher.events, 'old').values())
  const newIds = idsOf(second.publisher.events, 'NEW')
  t.equal(newIds.size, 150)
  t.equal([...newIds.values()].filter((id) => oldIds.has(id)).length, 0, 'no new line reuses an old id')
  await second.app.stop()
  t.equal(registry(dir)[0]!.generation, 1)
  t.equal(registry(dir)[0]!.id, id0, 'the file id stays, the generation moves')
})

t.test('truncated and regrown past the old offset before the forwarder looks: found by the first bytes', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, lines('old', 0, 20))
  const { app, publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  await until(() => publisher.events.length === 20, 10_000, '20 old lines')
  // One write: empty and refill beyond the old size, so the size never looks smaller.
  writeFileSync(f, lines('NEW', 0, 60))
  await until(() => publisher.messages().filter((m) => m.startsWith('NEW')).length >= 60, 15_000, '60 new lines')
  const newIds = idsOf(publisher.events, 'NEW')
  const oldIds = new Set(idsOf(publisher.events, 'old').values())
  t.equal(newIds.size, 60, 'every new line delivered')
  t.equal([...newIds.values()].filter((id) => oldIds.has(id)).length, 0, 'no new line reuses an old id')
  t.ok(app.stats.truncations >= 1)
})

t.test('several truncations: each generation has its own ids', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, '')
  const { publisher } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  for (let g = 0; g < 4; g++) {
    appendFileSync(f, lines(`g${g}`, 0, 30))
    await until(() => publisher.messages().filter((m) => m.startsWith(`g${g} `)).length === 30, 15_000, `generation ${g}`)
    truncateSync(f, 0)
  }
  const ids = new Set(publisher.events.map((e) => e['@metadata']._id))
  t.equal(publisher.events.length, 120)
  t.equal(ids.size, 120, '120 lines, 120 ids')
})

t.test('copytruncate while the forwarder lags: the unread rest is read from the copy under the old ids', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, '')
  const publisher = new MemoryPublisher()
  publisher.down() // nothing acknowledged: reading stops once the windows are full
  const { app } = await startApp(t, { data_dir: join(dir, 'data'), output: { hosts: ['127.0.0.1:1'], batch_size: 100 }, max_pending_bytes: '64kb', inputs: [{ paths: [f], read_from: 'beginning' }] }, publisher)
  appendFileSync(f, lines('old', 0, 20_000))
  await until(() => app.stats.bytesRead > 0 && app.batcher!.blocked, 10_000, 'reading blocked by back-pressure')
  t.ok(app.stats.bytesRead < Buffer.byteLength(lines('old', 0, 20_000)), 'the forwarder has not read the whole file')
  copyFileSync(f, f + '.1') // logrotate copytruncate
  truncateSync(f, 0)
  appendFileSync(f, lines('new', 0, 100))
  publisher.up()
  await until(() => new Set(publisher.messages()).size === 20_100, 30_000, 'every old and new line').catch((err: Error) => {
    const got = new Set(publisher.messages())
    const miss = [...Array(20_000).keys()].filter((i) => !got.has(`old line ${i}`))
    throw new Error(`${err.message}: ${got.size} distinct, old missing ${miss.length} from ${miss[0]} to ${miss.at(-1)}, new ${[...got].filter((m) => m.startsWith('new')).length}, copies adopted ${app.stats.recovered}`)
  })
  const ids = idsByMessage(publisher.events)
  t.equal([...ids.values()].filter((s) => s.size !== 1).length, 0, 'a line read twice (in flight, then from the copy) keeps one id')
  const oldIds = new Set([...ids].filter(([m]) => m.startsWith('old ')).map(([, s]) => [...s][0]))
  t.equal([...ids].filter(([m, s]) => m.startsWith('new ') && oldIds.has([...s][0]!)).length, 0, 'new lines never carry an old id')
})

t.test('two copytruncates before the forwarder looks again: both copies are read', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, '')
  const publisher = new MemoryPublisher()
  publisher.down()
  const { app } = await startApp(t, { data_dir: join(dir, 'data'), output: { hosts: ['127.0.0.1:1'], batch_size: 100 }, max_pending_bytes: '64kb', inputs: [{ paths: [f], read_from: 'beginning' }] }, publisher)
  appendFileSync(f, lines('A', 0, 20_000))
  await until(() => app.stats.bytesRead > 0 && app.batcher!.blocked, 10_000, 'reading blocked by back-pressure')
  copyFileSync(f, f + '.1')
  truncateSync(f, 0)
  appendFileSync(f, lines('B', 0, 3_000))
  await bornAfter(dir, statSync(f + '.1').birthtimeMs) // the file-system clock is coarse
  copyFileSync(f, f + '.2')
  truncateSync(f, 0)
  appendFileSync(f, lines('C', 0, 100))
  publisher.up()
  await until(() => new Set(publisher.messages()).size === 23_100, 30_000, 'every line of A, B and C')
  const ids = idsByMessage(publisher.events)
  t.equal([...ids.values()].filter((s) => s.size !== 1).length, 0, 'one id per line')
  t.equal(new Set([...ids.values()].map((s) => [...s][0])).size, 23_100, 'no two lines share an id')
})

/** Waits until a file created now is born later than `ms` (file-system clocks are coarse). */
async function bornAfter(dir: string, ms: number): Promise<void> {
  const probe = join(dir, 'probe')
  await until(() => {
    writeFileSync(probe, '')
    const later = statSync(probe).birthtimeMs > ms
    unlinkSync(probe)
    return later
  }, 5_000, 'the file-system clock moved')
}

/**
 * A forwarder whose reading is held from the moment it logs a truncation
 * (the log line is written synchronously, before it reads on): as if
 * back-pressure held it before the first byte of the new generation.
 */
async function heldOnTruncation(dir: string, f: string, publisher: InstanceType<typeof MemoryPublisher>): Promise<{ app: ForwarderApp; since: () => number; release: () => void }> {
  let holdSince = 0
  let held = true
  const logger = pino({ level: 'info' }, { write: (s: string) => void (s.includes('file truncated or replaced in place') && !holdSince && (holdSince = Date.now())) })
  const app = new ForwarderApp({ config: config({ data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] }), logger, publisher: () => publisher, watch: true })
  await app.start()
  const batcher = app.batcher!
  const blocked = Object.getOwnPropertyDescriptor(Object.getPrototypeOf(batcher), 'blocked')!.get!
  Object.defineProperty(batcher, 'blocked', { configurable: true, get: () => (holdSince > 0 && held) || blocked.call(batcher) })
  return { app, since: () => holdSince, release: () => void (held = false) }
}

t.test('copytruncates after a truncation was seen and before the new generation was read: every copy is read', async (t) => {
  // The forwarder saw a truncation, then back-pressure held it before it read a
  // byte of the new generation (it lagged); meanwhile logrotate copied and
  // truncated twice more. Nothing of those generations was read, so no first
  // bytes can show the change: the copies born since must be read whole.
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, '')
  const publisher = new MemoryPublisher()
  const { app, since, release } = await heldOnTruncation(dir, f, publisher)
  t.teardown(() => app.stop())
  appendFileSync(f, lines('A', 0, 100))
  await until(() => publisher.events.length === 100, 10_000, 'generation A')
  copyFileSync(f, f + '.1')
  truncateSync(f, 0)
  appendFileSync(f, lines('B', 0, 50)) // shorter: seen at once as a truncation
  await until(() => since() > 0 && app.stats.truncations === 1, 10_000, 'the truncation seen, reading held')
  t.equal(publisher.messages().filter((m) => m.startsWith('B ')).length, 0, 'nothing of generation B read yet')
  await bornAfter(dir, since())
  copyFileSync(f, f + '.2')
  truncateSync(f, 0)
  appendFileSync(f, lines('C', 0, 50))
  await bornAfter(dir, statSync(f + '.2').birthtimeMs)
  copyFileSync(f, f + '.3')
  truncateSync(f, 0)
  appendFileSync(f, lines('D', 0, 50))
  release()
  app.tailer!.wake()
  await until(() => new Set(publisher.messages()).size === 250, 15_000, 'A, B, C and D').catch((err: Error) => {
    const got = new Set(publisher.messages())
    throw new Error(`${err.message}: ${['A', 'B', 'C', 'D'].map((g) => `${g} ${[...got].filter((m) => m.startsWith(`${g} `)).length}`).join(', ')}`)
  })
  const ids = idsByMessage(publisher.events)
  t.equal([...ids.values()].filter((s) => s.size !== 1).length, 0, 'one id per line')
  t.equal(new Set([...ids.values()].map((s) => [...s][0])).size, 250, 'no two lines share an id')
})

t.test('stopped after a truncation was seen, before the new generation was read; copytruncated twice while down: every copy is read at start', async (t) => {
  const dir = tmpDir(t)
  const f = join(dir, 'app.log')
  writeFileSync(f, '')
  const first = new MemoryPublisher()
  const { app, since } = await heldOnTruncation(dir, f, first)
  appendFileSync(f, lines('A', 0, 100))
  await until(() => first.events.length === 100, 10_000, 'generation A')
  copyFileSync(f, f + '.1')
  truncateSync(f, 0)
  appendFileSync(f, lines('B', 0, 50))
  await until(() => since() > 0 && app.stats.truncations === 1, 10_000, 'the truncation seen, reading held')
  await app.stop()
  t.equal(registry(dir)[0]!.generation, 1, 'the new generation is on disk')
  t.equal(registry(dir)[0]!.offset, 0)
  await bornAfter(dir, Date.parse(JSON.parse(readFileSync(join(dir, 'data', 'registry.json'), 'utf8')).files[0].updated))
  copyFileSync(f, f + '.2')
  truncateSync(f, 0)
  appendFileSync(f, lines('C', 0, 50))
  await bornAfter(dir, statSync(f + '.2').birthtimeMs)
  copyFileSync(f, f + '.3')
  truncateSync(f, 0)
  appendFileSync(f, lines('D', 0, 50))
  const { publisher: second } = await startApp(t, { data_dir: join(dir, 'data'), inputs: [{ paths: [f], read_from: 'beginning' }] })
  const all = (): Set<string> => new Set([...first.messages(), ...second.messages()])
  await until(() => all().size === 250, 15_000, 'A, B, C and D').catch((err: Error) => {
    const got = all()
    throw new Error(`${err.message}: ${['A', 'B', 'C', 'D'].map((g) => `${g} ${[...got].filter((m) => m.startsWith(`${g} `)).length}`).join(', ')}`)
  })
  t.equal(first.events.length + second.events.length, 250, 'each line sent once')
})
