import { test } from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseConfig } from '../../../core/config/load.ts'
import { validate } from '../../../core/config/schema.ts'
import { silentLogger } from '../../../core/logger.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'
import { createOutputs, FanOut, outputSpec, type OutputConfig } from '../../../aggregator/outputs/index.ts'
import { EventEmitter } from 'node:events'
import { MemoryDeadLetter } from '../../../aggregator/outputs/dead-letter.ts'
import type { LogEvent } from '../../../core/event.ts'
import type { Output } from '../../../aggregator/component.ts'
import { deadLetterSpec, type DeadLetterConfig } from '../../../aggregator/outputs/dead-letter.ts'
import { BlackholeOutput } from '../../../aggregator/outputs/blackhole.ts'

test('outputSpec: defaults for elasticsearch, unknown keys and an empty section are errors', async (t) => {
  const cfg = validate(outputSpec, { elasticsearch: { hosts: 'http://es:9200' } })
  t.same(cfg.elasticsearch!.hosts, ['http://es:9200'], 'a lone host becomes a list')
  t.equal(cfg.elasticsearch!.max_bulk_bytes, 10 * 1024 * 1024)
  t.equal(cfg.elasticsearch!.concurrency, 2)
  t.equal(cfg.elasticsearch!.compression, 'gzip')
  t.equal(cfg.elasticsearch!.action, 'create')
  t.equal(cfg.elasticsearch!.index, 'logs-%{[fields][service]}-%{+yyyy.MM.dd}')
  t.equal(cfg.file, undefined)
  t.throws(() => validate(outputSpec, {}), { code: 'LY_CONFIG', message: /at least one output/ })
  t.throws(() => validate(outputSpec, { elasticsearch: { max_bulk_byte: '5mb' } }), { code: 'LY_CONFIG', message: /did you mean "max_bulk_bytes"/ })
  t.throws(() => validate(outputSpec, { elasticsearch: { hosts: ['es:9200'] } }), { code: 'LY_CONFIG', message: /hosts\[0\]/ })
  t.throws(() => validate(outputSpec, { elasticsearch: { auth: { username: 'u' } } }), { code: 'LY_CONFIG', message: /both username and password/ })
  t.throws(() => validate(outputSpec, { elasticsearch: { auth: { api_key: 'k', username: 'u', password: 'p' } } }), { code: 'LY_CONFIG', message: /either api_key/ })
  t.throws(() => validate(outputSpec, { elasticsearch: { retry_initial: '10s', retry_max: '1s' } }), { code: 'LY_CONFIG', message: /retry_max/ })
})

test('outputSpec: output.opensearch has the elasticsearch options minus auth.api_key; both may be configured', async (t) => {
  const cfg = validate(outputSpec, { opensearch: { hosts: 'https://os:9200', auth: { username: 'u', password: 'p' }, tls: { verify: false } } })
  t.same(cfg.opensearch!.hosts, ['https://os:9200'])
  t.equal(cfg.opensearch!.action, 'create', 'create + _id by default, as for elasticsearch')
  t.equal(cfg.opensearch!.max_bulk_bytes, 10 * 1024 * 1024)
  t.equal(cfg.opensearch!.template.priority, 200)
  t.equal(cfg.opensearch!.tls.verify, false)
  t.throws(() => validate(outputSpec, { opensearch: { auth: { api_key: 'k' } } }), { code: 'LY_CONFIG', message: /opensearch\.auth.*api_key/ }, 'api_key is refused for opensearch')
  t.throws(() => validate(outputSpec, { opensearch: { auth: { username: 'u' } } }), { code: 'LY_CONFIG', message: /both username and password/ })
  t.throws(() => validate(outputSpec, { opensearch: { max_bulk_byte: '5mb' } }), { code: 'LY_CONFIG', message: /did you mean "max_bulk_bytes"/ })
  const both = validate(outputSpec, { elasticsearch: { hosts: 'http://es:9200' }, opensearch: { hosts: 'http://os:9200' } })
  t.ok(both.elasticsearch && both.opensearch, 'elasticsearch and opensearch together (dual write)')
  t.doesNotThrow(() => validate(outputSpec, { opensearch: {} }), 'opensearch alone is an output')
})

test('the design document example parses', async (t) => {
  const spec = { type: 'object' as const, doc: 'x', fields: { output: outputSpec, dead_letter: deadLetterSpec } }
  const cfg = parseConfig(spec, `
output:
  elasticsearch:
    hosts: ['\${LOGYARD_ES:http://127.0.0.1:9200}']
    auth: {username: 'elastic', password: 'x'}
    index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}'
    max_bulk_bytes: 10mb
    flush_interval: 1s
    concurrency: 2
dead_letter: {path: /var/lib/logyard/dlq}
`) as unknown as { output: OutputConfig; dead_letter: DeadLetterConfig }
  t.equal(cfg.output.elasticsearch!.flush_interval, 1000)
  t.equal(cfg.dead_letter.path, '/var/lib/logyard/dlq')
  t.equal(cfg.dead_letter.max_bytes, 1024 ** 3)
})

test('fan-out: file + blackhole get every event; one Output, safe when all are safe', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-out-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const metrics = new MetricsRegistry()
  const cfg = validate(outputSpec, { file: { path: join(dir, 'out.ndjson') }, blackhole: {} })
  const out = await createOutputs(cfg, { logger: silentLogger(), metrics, deadLetter: validate(deadLetterSpec, { path: join(dir, 'dlq') }) })
  t.equal(out.type, 'file+blackhole')
  t.notOk(out.busy)
  t.ok(out.healthy())
  await out.write([{ a: 1 }, { a: 2 }])
  await out.write([{ a: 3 }])
  t.equal(readFileSync(join(dir, 'out.ndjson'), 'utf8'), '{"a":1}\n{"a":2}\n{"a":3}\n')
  t.equal((out.outputs[1] as BlackholeOutput).events, 3)
  t.match(metrics.render(), /logyard_blackhole_events_total 3/)
  await out.close(1000)
  await t.rejects(out.write([{ a: 4 }]), { code: 'LY_CLOSED' })
})

test('an output that fails makes the fan-out write reject (the batch is not acknowledged)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-out-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const cfg = validate(outputSpec, { file: { path: join(dir, 'missing-parent', '\0bad') }, blackhole: {} })
  const out = await createOutputs(cfg, { logger: silentLogger(), metrics: new MetricsRegistry() })
  await t.rejects(out.write([{ a: 1 }]), { code: 'LY_IO' })
  t.notOk(out.healthy())
  await out.close(100)
})

test('fan-out: each output owns its own array, so one that empties it after encoding takes nothing from the others', async (t) => {
  /** Reads its array only after a turn of the event loop; `empties` empties it at once, as the Elasticsearch output does after encoding. */
  class Stub extends EventEmitter implements Output {
    readonly type: string
    readonly seen: unknown[][] = []
    readonly busy = false
    readonly empties: boolean
    constructor(type: string, empties: boolean) {
      super()
      this.type = type
      this.empties = empties
    }
    async write(events: LogEvent[]): Promise<void> {
      if (this.empties) {
        this.seen.push(events.map((e) => e.a))
        events.length = 0
        return
      }
      await new Promise((resolve) => setImmediate(resolve))
      this.seen.push(events.map((e) => e.a))
    }
    healthy(): boolean { return true }
    async close(): Promise<void> {}
  }
  const first = new Stub('emptier', true)
  const second = new Stub('late-reader', false)
  const out = new FanOut([first, second], new MemoryDeadLetter())
  const batch: LogEvent[] = [{ a: 1 }, { a: 2 }]
  await out.write(batch)
  t.same(first.seen, [[1, 2]])
  t.same(second.seen, [[1, 2]], 'the late reader still got both events')
  t.equal(batch.length, 0, 'the caller\'s array is let go too')
})
