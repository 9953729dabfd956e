import { test, type Test } from 'tap'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validate } from '../../../core/config/schema.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'
import { silentLogger } from '../../../core/logger.ts'
import { DeadLetterQueue, deadLetterSpec, listDeadLetterFiles, LoggingDeadLetter, type DeadLetterRecord } from '../../../aggregator/outputs/dead-letter.ts'
import { parseExact, safeStringify } from '../../../core/json.ts'
import { pino } from 'pino'
import { until } from '../../helpers/until.ts'

function tmp(t: Test): string {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-dlq-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

const rec = (i: number, pad = 0): DeadLetterRecord => ({
  '@timestamp': '2024-05-01T00:00:00.000Z',
  reason: '400 document_parsing_exception: failed to parse field [x]',
  status: 400,
  index: 'logs-x',
  output: 'elasticsearch',
  event: { '@metadata': { _id: `id-${i}` }, message: 'm'.repeat(pad), x: { i } },
})

function open(dir: string, extra: Record<string, unknown>, metrics = new MetricsRegistry(), logger = silentLogger()): Promise<DeadLetterQueue> {
  return DeadLetterQueue.open(validate(deadLetterSpec, { path: dir, ...extra }), { logger, metrics })
}

test('records are NDJSON with the failure time, reason, status, index and the whole event', async (t) => {
  const dir = tmp(t)
  const q = await open(dir, {})
  await q.write([rec(1), rec(2)])
  await q.close()
  const files = await listDeadLetterFiles(dir)
  t.equal(files.length, 1)
  t.match(files[0]!.name, new RegExp(`^dlq-\\d+-${process.pid}-0\\.ndjson$`))
  const lines = readFileSync(files[0]!.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l))
  t.same(lines, [rec(1), rec(2)])
})

test('an event holding one object twice (shared, not circular) is written whole both times, BigInt exact', async (t) => {
  const dir = tmp(t)
  const q = await open(dir, {})
  const geo = { lat: 48.85, lon: 2.35 }
  const r = rec(1)
  r.event = { ...r.event, source: { geo }, destination: { geo }, bytes: 2n ** 64n }
  await q.write([r])
  await q.close()
  const files = await listDeadLetterFiles(dir)
  const line = readFileSync(files[0]!.path, 'utf8').trim()
  t.notMatch(line, /Circular/)
  const back = JSON.parse(line) as DeadLetterRecord
  t.same(back.event.source, { geo: { lat: 48.85, lon: 2.35 } })
  t.same(back.event.destination, { geo: { lat: 48.85, lon: 2.35 } })
  t.match(line, /"bytes":18446744073709551616[,}]/, 'the BigInt is written as its exact digits')
})

test('rotation at max_file_bytes; drop_oldest deletes the oldest files and counts them', async (t) => {
  const dir = tmp(t)
  writeFileSync(join(dir, 'dlq-1-1-0.ndjson'), 'x'.repeat(3000) + '\n') // another worker's old file
  const metrics = new MetricsRegistry()
  const q = await open(dir, { max_bytes: 8000, max_file_bytes: 2000, when_full: 'drop_oldest' }, metrics)
  t.equal(q.totalBytes, 3001, 'existing files count toward max_bytes')
  for (let i = 0; i < 10; i++) await q.write([rec(i, 800)])
  await q.close()
  const files = await listDeadLetterFiles(dir)
  const total = files.reduce((s, f) => s + f.size, 0)
  t.ok(total <= 8000, `bounded: ${total} <= 8000`)
  t.notOk(files.some((f) => f.name === 'dlq-1-1-0.ndjson'), 'the oldest file went first')
  t.ok(files.every((f) => f.size <= 2000), 'rotated at max_file_bytes')
  const ids = files.flatMap((f) => readFileSync(f.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).event['@metadata']._id))
  t.equal(ids.at(-1), 'id-9', 'the newest record is kept')
  const text = metrics.render()
  t.match(text, /logyard_dlq_dropped_files_total [1-9]/)
  t.match(text, /logyard_dlq_records_total 10/)
})

test('drop_newest refuses new records when full and counts each one', async (t) => {
  const dir = tmp(t)
  const metrics = new MetricsRegistry()
  const q = await open(dir, { max_bytes: 2000, when_full: 'drop_newest' }, metrics)
  for (let i = 0; i < 5; i++) await q.write([rec(i, 500)])
  await q.close()
  const ids = (await listDeadLetterFiles(dir)).flatMap((f) => readFileSync(f.path, 'utf8').trim().split('\n').map((l) => JSON.parse(l).event['@metadata']._id))
  t.same(ids, ['id-0', 'id-1'], 'the first ones are kept (two ~730-byte records fit in 2000)')
  t.match(metrics.render(), /logyard_dlq_dropped_total 3/)
})

test('block waits until space is freed', async (t) => {
  const dir = tmp(t)
  const lines: Record<string, unknown>[] = []
  const logger = pino({ level: 'info' }, { write: (line: string) => void lines.push(JSON.parse(line) as Record<string, unknown>) })
  const q = await open(dir, { max_bytes: 1500, when_full: 'block' }, new MetricsRegistry(), logger)
  await q.write([rec(0, 1000)])
  let done = false
  const p = q.write([rec(1, 1000)]).then(() => (done = true))
  // the warning is logged inside the wait, once the write decided to block
  await until(() => lines.some((l) => l.code === 'LY_IO' && /blocked until space is freed/.test(String(l.msg))), 10_000, 'the blocked warning')
  t.notOk(done, 'blocked while full')
  for (const f of await listDeadLetterFiles(dir)) rmSync(f.path)
  await p
  t.ok(done, 'written after the operator freed space')
  await q.close()
})

test('without a dead_letter path, refused documents are logged and counted', async (t) => {
  const metrics = new MetricsRegistry()
  const q = new LoggingDeadLetter({ logger: silentLogger(), metrics })
  await q.write([rec(1), rec(2)])
  t.match(metrics.render(), /logyard_dlq_dropped_total 2/)
})

test('safeStringify handles BigInt and cycles', async (t) => {
  const o: Record<string, unknown> = { n: 2n ** 64n }
  o.self = o
  t.equal(safeStringify(o), '{"n":18446744073709551616,"self":"[Circular]"}')
})

test('spec: path required, when_full values', async (t) => {
  t.throws(() => validate(deadLetterSpec, {}), { code: 'LY_CONFIG' })
  t.throws(() => validate(deadLetterSpec, { path: '/x', when_full: 'drop' }), { code: 'LY_CONFIG', message: /when_full/ })
  t.equal(validate(deadLetterSpec, { path: '/x' }).when_full, 'drop_oldest')
})

test('safeStringify: a shared (non-circular) object is written in full; 100,000-deep nesting is cut, not a stack overflow', async (t) => {
  const shared = { a: 1 }
  t.equal(safeStringify({ x: shared, y: shared }), '{"x":{"a":1},"y":{"a":1}}')
  let deep: unknown = 'bottom'
  for (let i = 0; i < 100_000; i++) deep = [deep]
  const text = safeStringify({ message: 'm', deep })
  t.match(text, /^\{"message":"m","deep":\[\[\[/)
  t.match(text, /"\[depth limit\]"/)
  t.ok(text.length < 1000)
  t.equal(safeStringify({ d: new Date(0) }), '{"d":"1970-01-01T00:00:00.000Z"}', 'toJSON still applies')
})

test('a full disk: the append is all or nothing, the failed write is retried whole once space returns', async (t) => {
  const { mountTmpfs } = await import('../../helpers/tmpfs.ts')
  const { unlinkSync, readdirSync } = await import('node:fs')
  const mnt = mountTmpfs(t, '64k')
  const filler = join(mnt, 'filler')
  writeFileSync(filler, Buffer.alloc(24 * 1024))
  const metrics = new MetricsRegistry()
  const q = await open(join(mnt, 'dlq'), { max_bytes: '1mb' }, metrics)
  t.teardown(() => q.close())
  let ok = 0
  let failure: Error | undefined
  for (let i = 0; i < 100 && !failure; i++) {
    try {
      await q.write([rec(i, 3000), rec(1000 + i, 3000)])
      ok += 2
    } catch (err) {
      failure = err as Error
    }
  }
  t.ok(failure, 'the disk filled up')
  t.match(failure!.message, /ENOSPC/)
  t.match(failure, { code: 'LY_IO' })
  const parse = (): unknown[] =>
    readdirSync(join(mnt, 'dlq'))
      .flatMap((n) => readFileSync(join(mnt, 'dlq', n), 'utf8').split('\n'))
      .filter(Boolean)
      .map((l) => JSON.parse(l))
  t.equal(parse().length, ok, 'every line on disk is a whole record: the torn one was cut off')
  t.match(metrics.render(), /dlq_write_failures_total 1\n/)
  unlinkSync(filler)
  await q.write([rec(5000, 3000), rec(5001, 3000)])
  const all = parse() as DeadLetterRecord[]
  t.equal(all.length, ok + 2, 'the retried batch written whole, once')
  t.same(all.slice(-2).map((r) => (r.event['@metadata'] as { _id: string })._id), ['id-5000', 'id-5001'])
})

test('safeStringify writes parseExact numbers verbatim (not as {"rawJSON":…})', async (t) => {
  const e = parseExact('{"a":18446744073709551616,"b":2.50,"c":[1e21,3],"d":{"e":9007199254740993}}')
  t.equal(safeStringify(e), '{"a":18446744073709551616,"b":2.50,"c":[1e21,3],"d":{"e":9007199254740993}}')
  t.equal(safeStringify({ ...(e as object), '@metadata': undefined }), '{"a":18446744073709551616,"b":2.50,"c":[1e21,3],"d":{"e":9007199254740993}}', 'also in a copy (the file output drops @metadata so)')
})
