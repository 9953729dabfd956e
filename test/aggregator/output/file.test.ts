import { test, type Test } from 'tap'
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validate } from '../../../core/config/schema.ts'
import { silentLogger } from '../../../core/logger.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'
import { FileOutput, fileOutputSpec, type FileOutputConfig } from '../../../aggregator/output/file.ts'

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-file-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

test('NDJSON lines, dated paths from @timestamp, @metadata left out, order kept', async (t) => {
  const dir = tmp(t)
  const out = new FileOutput(validate<FileOutputConfig>(fileOutputSpec, { path: join(dir, 'sub', 'events-%{+yyyy.MM.dd}.ndjson') }), { logger: silentLogger(), metrics: new MetricsRegistry() })
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
  const out = new FileOutput(validate<FileOutputConfig>(fileOutputSpec, { path, metadata: true }), { logger: silentLogger(), metrics: new MetricsRegistry() })
  await out.write([{ '@metadata': { _id: 'x' }, m: 1 }])
  await out.close()
  t.equal(readFileSync(path, 'utf8'), '{"old":true}\n{"@metadata":{"_id":"x"},"m":1}\n')
})

test('an unwritable path rejects write() with a coded IoError and marks the output unhealthy', async (t) => {
  const dir = tmp(t)
  writeFileSync(join(dir, 'file'), 'x')
  const out = new FileOutput(validate<FileOutputConfig>(fileOutputSpec, { path: join(dir, 'file', 'nested.ndjson') }), { logger: silentLogger(), metrics: new MetricsRegistry() })
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
  const out = new FileOutput(validate<FileOutputConfig>(fileOutputSpec, { path }), { logger: silentLogger(), metrics })
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
  const out = new FileOutput(validate<FileOutputConfig>(fileOutputSpec, { path: join(dir, '%{[fields][d]}', 'x.ndjson') }), { logger: silentLogger(), metrics: new MetricsRegistry() })
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
