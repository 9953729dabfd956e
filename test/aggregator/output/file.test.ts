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
