import { test, type Test } from 'tap'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'
import { validate } from '../../../core/config/schema.ts'
import { silentLogger } from '../../../core/logger.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'
import { FileOutput, fileOutputSpec } from '../../../aggregator/outputs/file.ts'

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-file-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('NDJSON lines, dated paths from @timestamp, @metadata left out, order kept', async (t) => {
  const dir = tmp(t)
  const out = new FileOutput(validate(fileOutputSpec, { path: join(dir, 'sub', 'events-%{+yyyy.MM.dd}.ndjson') }), { logger: silentLogger(), metrics: new MetricsRegistry() })
  await Promise.all([
    out.write([
      { '@timestamp': '2024-05-01T23:59:59.000Z', '@metadata': { _id: 'a' }, message: 'one\ntwo' },
      { '@timestamp': '2024-05-02T00:00:00.000Z', message: 'three', n: 10n },
    ]),
    out.write([{ '@timestamp': '2024-05-01T12:00:00.000Z', message: 'four' }]),
  ])
  await out.close()
  t.same(readdirSync(join(dir, 'sub')).sort(), ['events-2024.05.01.ndjson', 'events-2024.05.02.ndjson'])
  t.equal(readFileSync(join(dir, 'sub', 'events-2024.05.01.ndjson'), 'utf8'), '{"@timestamp":"2024-05-01T23:59:59.000Z","message":"one\\ntwo"}\n{"@timestamp":"2024-05-01T12:00:00.000Z","message":"four"}\n')
  t.equal(readFileSync(join(dir, 'sub', 'events-2024.05.02.ndjson'), 'utf8'), '{"@timestamp":"2024-05-02T00:00:00.000Z","message":"three","n":10}\n')
  await t.rejects(out.write([{ a: 1 }]), { code: 'LY_CLOSED' })
})

test('metadata: true keeps @metadata; appends to an existing file', async (t) => {
  const dir = tmp(t)
  const path = join(dir, 'out.ndjson')
  writeFileSync(path, '{"old":true}\n')
  const out = new FileOutput(validate(fileOutputSpec, { path, metadata: true }), { logger: silentLogger(), metrics: new MetricsRegistry() })
  await out.write([{ '@metadata': { _id: 'x' }, m: 1 }])
  await out.close()
  t.equal(readFileSync(path, 'utf8'), '{"old":true}\n{"@metadata":{"_id":"x"},"m":1}\n')
})

test('an unwritable path rejects write() with a coded IoError and marks the output unhealthy', async (t) => {
  const dir = tmp(t)
  writeFileSync(join(dir, 'file'), 'x')
  const out = new FileOutput(validate(fileOutputSpec, { path: join(dir, 'file', 'nested.ndjson') }), { logger: silentLogger(), metrics: new MetricsRegistry() })
  await t.rejects(out.write([{ a: 1 }]), { code: 'LY_IO', message: /cannot open/ })
  t.notOk(out.healthy())
  await out.close()
})

test('spec: path is required, codec is json_lines', async (t) => {
  t.throws(() => validate(fileOutputSpec, {}), { code: 'LY_CONFIG', message: /path: is required/ })
  t.throws(() => validate(fileOutputSpec, { path: '/x', codec: 'plain' }), { code: 'LY_CONFIG', message: /codec/ })
})

test('group commit: batches that arrive during a commit share the next one (one fsync round), order kept', async (t) => {
  const dir = tmp(t)
  const metrics = new MetricsRegistry()
  const path = join(dir, 'g.ndjson')
  const out = new FileOutput(validate(fileOutputSpec, { path }), { logger: silentLogger(), metrics })
  const writes = Array.from({ length: 10 }, (_, i) => out.write([{ '@timestamp': '2024-05-01T00:00:00.000Z', message: `m${i}a` }, { '@timestamp': '2024-05-01T00:00:00.000Z', message: `m${i}b` }]))
  await Promise.all(writes)
  const commits = metrics.snapshot()['logyard_file_commits_total']!.values[0]![1]
  t.equal(commits, 2, 'the first batch commits alone, the nine queued behind it commit together')
  const lines = readFileSync(path, 'utf8').trim().split('\n').map((l) => (JSON.parse(l) as { message: string }).message)
  t.same(lines, Array.from({ length: 10 }, (_, i) => [`m${i}a`, `m${i}b`]).flat(), 'every line once, in write() order')
  await out.close()
})

test('a failed group commit rejects every batch in it; the next commit works again', async (t) => {
  const dir = tmp(t)
  writeFileSync(join(dir, 'blocker'), '')
  const out = new FileOutput(validate(fileOutputSpec, { path: join(dir, '%{[fields][d]}', 'x.ndjson') }), { logger: silentLogger(), metrics: new MetricsRegistry() })
  const ok = { '@timestamp': '2024-05-01T00:00:00.000Z', fields: { d: 'fine' }, message: 'ok' }
  const bad = { '@timestamp': '2024-05-01T00:00:00.000Z', fields: { d: 'blocker' }, message: 'no' }
  const first = out.write([ok])
  const results = await Promise.allSettled([first, out.write([bad]), out.write([ok])])
  t.equal(results[0]!.status, 'fulfilled')
  t.equal(results[1]!.status, 'rejected', 'the batch whose path cannot be opened fails')
  t.equal(results[2]!.status, 'rejected', 'so does the batch committed with it: neither was acknowledged')
  await out.write([ok])
  t.ok(out.healthy(), 'healthy again after a good commit')
  await out.close()
})

test('path traversal (issue 14 item 7): field values cannot leave the output directory; escaped, counted, logged once', async (t) => {
  const root = tmp(t)
  const dir = join(root, 'out')
  const metrics = new MetricsRegistry()
  const lines: Record<string, unknown>[] = []
  const { pino } = await import('pino')
  const logger = pino({ level: 'warn' }, { write: (s: string) => void lines.push(JSON.parse(s)) })
  const out = new FileOutput(validate(fileOutputSpec, { path: join(dir, '%{[fields][service]}', '%{[fields][env]}%{[fields][part]}.ndjson') }), { logger, metrics })
  const attacks = [
    { service: '../../../../tmp/x', env: 'prod', part: '' },
    { service: '..', env: '..', part: '' },
    { service: 'web', env: '.', part: '.' }, // two values that make '..' side by side
    { service: 'a\u0000b', env: '/etc/passwd', part: '' },
    { service: '.hidden', env: 'x'.repeat(300), part: '' },
  ]
  await out.write(attacks.map((fields, i) => ({ '@timestamp': '2024-05-01T00:00:00.000Z', message: `attack ${i}`, fields })))
  await out.write([{ '@timestamp': '2024-05-01T00:00:00.000Z', message: 'normal', fields: { service: 'api', env: 'prod', part: '-1' } }])
  await out.close()
  // Every file is under out/, one level of service directory below it.
  const { readdirSync: ls, statSync } = await import('node:fs')
  const files: string[] = []
  const walk = (d: string): void => {
    for (const e of ls(d)) {
      const p = join(d, e)
      if (statSync(p).isDirectory()) walk(p)
      else files.push(p.slice(dir.length + 1))
    }
  }
  t.same(ls(root), ['out'], 'nothing created beside the output directory')
  walk(dir)
  t.ok(files.every((f) => f.split('/').length === 2), `every file is out/<service>/<name>: ${files.join(', ')}`)
  t.ok(files.every((f) => !f.split('/').some((seg) => seg === '..' || seg === '.' || seg.startsWith('.'))), 'no dot segment, no hidden file')
  t.ok(files.every((f) => Buffer.byteLength(f.split('/')[1]!) <= 255), 'file names within 255 bytes')
  const written = files.map((f) => readFileSync(join(dir, f), 'utf8')).join('')
  for (let i = 0; i < attacks.length; i++) t.match(written, `attack ${i}`, `attack ${i} written (escaped, not lost)`)
  t.equal(readFileSync(join(dir, 'api', 'prod-1.ndjson'), 'utf8').includes('"normal"'), true, 'a normal value is untouched')
  const text = metrics.render()
  t.match(text, /logyard_file_path_values_escaped_total 9\b/, 'nine values escaped')
  t.equal(lines.filter((l) => l.code === 'LY_UNSAFE_VALUE').length, 1, 'logged once (rate-limited), with a code')
})

test('lines across chunk boundaries, a line longer than a chunk, multi-byte UTF-8, chunks reused by later writes: the file holds exactly the JSON lines', async (t) => {
  const dir = tmp(t)
  const path = join(dir, 'chunks.ndjson')
  const metrics = new MetricsRegistry()
  const out = new FileOutput(validate(fileOutputSpec, { path }), { logger: silentLogger(), metrics })
  const expected: string[] = []
  const batch = (round: number): Record<string, unknown>[] => {
    const events: Record<string, unknown>[] = []
    for (let i = 0; i < 700; i++) events.push({ round, i, message: `line ${i} ${'é€😀'.repeat(i % 40)} ${'x'.repeat((i * 37) % 300)}` })
    if (round === 1) events.splice(350, 0, { round, long: 'ü'.repeat(100_000) }, { round, long: 'y'.repeat(70_000) }) // 200,000 and 70,000 bytes
    for (const e of events) expected.push(JSON.stringify(e))
    return events
  }
  // sequential rounds (the second and third reuse the first's chunks), then two concurrent ones (one group commit)
  for (let r = 0; r < 3; r++) await out.write(batch(r))
  await Promise.all([out.write(batch(3)), out.write(batch(4))])
  await out.close()
  const text = readFileSync(path, 'utf8')
  t.equal(text, expected.join('\n') + '\n')
  t.equal(text.length > 5 * 64 * 1024, true, 'several chunks per batch')
  t.match(metrics.render(), new RegExp(`logyard_file_bytes_total ${Buffer.byteLength(text)}\\b`))
})

test('the events of a batch are not kept while its commit runs (they are serialised already)', async (t) => {
  const dir = tmp(t)
  const out = new FileOutput(validate(fileOutputSpec, { path: join(dir, 'gc.ndjson') }), { logger: silentLogger(), metrics: new MetricsRegistry() })
  setFlagsFromString('--expose-gc')
  const gc = runInNewContext('gc') as () => void
  const refs: WeakRef<object>[] = []
  const writes: Promise<void>[] = []
  const submit = (): void => {
    const batch = Array.from({ length: 1000 }, (_, i) => ({ i, message: `event ${i}` }))
    for (const e of batch) refs.push(new WeakRef(e))
    writes.push(out.write(batch))
  }
  for (let b = 0; b < 4; b++) submit()
  let settled = 0
  for (const w of writes) void w.then(() => settled++)
  await new Promise((resolve) => setImmediate(resolve)) // WeakRef targets are held until the current job ends
  gc()
  t.equal(settled, 0, 'the commit (mkdir, open, write, fdatasync) is still running')
  t.equal(refs.filter((r) => r.deref() !== undefined).length, 0, 'no event of the four batches is alive')
  await Promise.all(writes)
  await out.close()
  t.equal(readFileSync(join(dir, 'gc.ndjson'), 'utf8').split('\n').length - 1, 4000)
})
