import t from 'tap'
import { spawnSync } from 'node:child_process'
import { accessSync, constants, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validate } from '../../../core/config/schema.ts'
import { parseExact } from '../../../core/json.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'
import { silentLogger } from '../../../core/logger.ts'
import { DeadLetterQueue, deadLetterSpec } from '../../../aggregator/outputs/dead-letter.ts'

// The DLQ tool has a bin like the other programs (issue 20 item 6):
// `logyard-dlq` in package.json, an executable entry with a shebang, and it
// prints a dead-letter queue the real DeadLetterQueue wrote.

const root = join(import.meta.dirname, '..', '..', '..')

t.test('package.json names logyard-dlq; the entry is executable with a node shebang', async (t) => {
  const pkg = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8')) as { bin: Record<string, string> }
  t.equal(pkg.bin['logyard-dlq'], 'bin/logyard-dlq.js')
  const entry = join(root, pkg.bin['logyard-dlq']!)
  t.doesNotThrow(() => accessSync(entry, constants.X_OK), 'executable')
  t.match(readFileSync(entry, 'utf8'), /^#!\/usr\/bin\/env node\n/)
  const lock = JSON.parse(readFileSync(join(root, 'package-lock.json'), 'utf8')) as { packages: Record<string, { bin?: Record<string, string> }> }
  t.same(lock.packages['']?.bin, pkg.bin, 'package-lock.json lists the same bins')
})

t.test('logyard-dlq --print prints what the dead-letter queue holds; --help names it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-dlqbin-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const config = validate(deadLetterSpec, { path: dir })
  const dlq = await DeadLetterQueue.open(config, { logger: silentLogger(), metrics: new MetricsRegistry() })
  const now = new Date().toISOString()
  await dlq.write([1, 2, 3].map((i) => ({ '@timestamp': now, reason: `400 mapper_parsing_exception: doc ${i}`, status: 400, index: 'logs-x', output: 'elasticsearch', event: { message: `m${i}`, '@metadata': { _id: `id-${i}` } } })))
  await dlq.close()
  const bin = join(root, 'bin', 'logyard-dlq.js')
  const r = spawnSync(process.execPath, [bin, '--dlq', dir, '--print'], { encoding: 'utf8', timeout: 60_000 })
  t.equal(r.status, 0, r.stderr)
  const lines = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as { reason: string; event: { message: string } })
  t.same(lines.map((l) => l.event.message), ['m1', 'm2', 'm3'])
  t.match(r.stderr, /"records":3/)
  const h = spawnSync(process.execPath, [bin, '--help'], { encoding: 'utf8', timeout: 60_000 })
  t.equal(h.status, 0)
  t.match(h.stdout, /^logyard-dlq \d+\.\d+\.\d+/)
  const bad = spawnSync(process.execPath, [bin, '--frobnicate'], { encoding: 'utf8', timeout: 60_000 })
  t.equal(bad.status, 2)
  t.match(bad.stderr, /^logyard-dlq: LY_USAGE: /)
})

t.test('logyard-dlq --print keeps numbers exact: an integer beyond 2^53 and a 2.50 come out as they went in', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-dlqbin-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const dlq = await DeadLetterQueue.open(validate(deadLetterSpec, { path: dir }), { logger: silentLogger(), metrics: new MetricsRegistry() })
  // as the Elasticsearch output hands it over: the event parsed back from the refused document's bytes
  const event = parseExact('{"message":"m","counter":18446744073709551615,"price":2.50,"small":7}') as Record<string, unknown>
  await dlq.write([{ '@timestamp': new Date().toISOString(), reason: '400 mapper_parsing_exception', status: 400, index: 'logs-x', output: 'elasticsearch', event }])
  await dlq.close()
  const written = readFileSync(join(dir, readdirSync(dir).find((f) => f.endsWith('.ndjson'))!), 'utf8')
  t.match(written, /"counter":18446744073709551615,"price":2\.50,"small":7/, 'the dead-letter file holds the numbers verbatim')
  const r = spawnSync(process.execPath, [join(root, 'bin', 'logyard-dlq.js'), '--dlq', dir, '--print'], { encoding: 'utf8', timeout: 60_000 })
  t.equal(r.status, 0, r.stderr)
  t.match(r.stdout, /"counter":18446744073709551615,"price":2\.50,"small":7/, 'and --print writes them back verbatim')
})
