import t from 'tap'
import { once } from 'node:events'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { Aggregator } from '../../../aggregator/app.ts'
import { FileOutput, fileOutputSpec } from '../../../aggregator/outputs/file.ts'
import { buildPipeline, validatePipeline } from '../../../aggregator/pipeline/pipeline.ts'
import { BeatsInput } from '../../../aggregator/inputs/beats/beats-input.ts'
import { stageComponents } from '../../../aggregator/stages/index.ts'
import { validate } from '../../../core/config/schema.ts'
import { encodeWindow } from '../../../core/lumberjack/frame-encoder.ts'
import { eventLimitBroken, limitedEvent } from '../../../core/lumberjack/event-limits.ts'
import { silentLogger } from '../../../core/logger.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'
import { until } from '../../helpers/until.ts'

// Poison events (issue 14 item 4): an event nested 100,000 levels deep
// overflowed the stack in the bulk/file encoding, so its window was neither
// acknowledged nor dead-lettered and the sender resent it forever; an event
// with a million keys blocked the event loop. Now such an event is replaced
// by its top-level scalar fields, tagged _eventlimit, and the window is
// acknowledged like any other.


t.test('unit: the walk finds depth and width, iteratively; the stand-in keeps scalars and @metadata', async (t) => {
  const limits = { maxDepth: 10, maxEntries: 50 }
  let deep: unknown = 1
  for (let i = 0; i < 100_000; i++) deep = { a: deep }
  t.equal(eventLimitBroken({ deep }, limits), 'depth')
  t.equal(eventLimitBroken({ a: Array.from({ length: 60 }, (_, i) => i) }, limits), 'entries')
  t.equal(eventLimitBroken({ a: { b: [1, 2, { c: 3 }] }, d: 'x' }, limits), undefined)
  const e = limitedEvent({ '@timestamp': '2026-01-01T00:00:00.000Z', '@metadata': { _id: 'x1', nested: { no: 1 } }, message: 'm'.repeat(40_000), n: 5, deep }, 'depth', limits)
  t.same(Object.keys(e).sort(), ['@metadata', '@timestamp', 'error', 'message', 'n', 'tags'])
  t.same(e['@metadata'], { _id: 'x1' })
  t.equal((e.message as string).length, 32 * 1024)
  t.same(e.tags, ['_eventlimit'])
})

t.test('a 100,000-deep event and a 1,000,000-key event in one window: the window is acknowledged, both stored tagged, the others untouched', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-poison-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const metrics = new MetricsRegistry()
  const logger = process.env.DEBUG_POISON ? (await import('../../../core/logger.ts')).createLogger({ name: 't', level: 'debug' }) : silentLogger()
  const path = join(dir, 'out.ndjson')
  const output = new FileOutput(validate(fileOutputSpec, { path, metadata: true }), { logger, metrics })
  const pipeline = await buildPipeline(validatePipeline([{ json: { field: 'message', target: 'parsed' } }, { mutate: { add_tag: ['seen'] } }], stageComponents), { logger, metrics, patternsDir: '' })
  const app = new Aggregator({
    logger, metrics, pipeline, output, maxInflightBatches: 4, shutdownTimeout: 2000,
    inputs: [{ type: 'beats', create: (deliver) => new BeatsInput({ listen: '127.0.0.1:0', keepalive_interval: 200 } as never, { logger, metrics, deliver }) }],
  })
  const port = (await app.start()).beats!.port as number
  t.teardown(() => app.stop(2000))

  const depth = 100_000
  const deep = '{"message":"deep","@metadata":{"_id":"deep-1"},"a":' + '['.repeat(depth) + ']'.repeat(depth) + '}'
  const keys: string[] = []
  for (let i = 0; i < 1_000_000; i++) keys.push(`"${i.toString(36)}":0`)
  const wide = '{"message":"wide","@metadata":{"_id":"wide-1"},"w":{' + keys.join(',') + '}}'
  // a message that the json stage turns into a deep object: caught at the output, not a crash
  const deepText = JSON.stringify({ message: '['.repeat(50_000) + ']'.repeat(50_000), '@metadata': { _id: 'text-1' } })
  const payloads = [JSON.stringify({ message: 'before', '@metadata': { _id: 'ok-1' } }), deep, wide, deepText, JSON.stringify({ message: 'after', '@metadata': { _id: 'ok-2' } })]

  const socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  t.teardown(() => socket.destroy())
  const acks: number[] = []
  let buf = Buffer.alloc(0)
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d])
    while (buf.length >= 6) {
      acks.push(buf.readUInt32BE(2))
      buf = buf.subarray(6)
    }
  })
  const t0 = Date.now()
  socket.write(encodeWindow(payloads, 3))
  await until(() => acks.includes(5), 60_000, 'the ACK of the window')
  t.comment(`window with the poison events acknowledged in ${Date.now() - t0} ms`)
  t.pass('the window is acknowledged: the sender will not resend it forever')

  const lines = readFileSync(path, 'utf8').trim().split('\n')
  t.equal(lines.length, 5, 'every event stored once')
  const byId = new Map(lines.map((l) => {
    const e = JSON.parse(l) as Record<string, any>
    return [e['@metadata']._id as string, e]
  }))
  t.equal(byId.get('ok-1')!.message, 'before')
  t.equal(byId.get('ok-2')!.message, 'after')
  for (const id of ['deep-1', 'wide-1']) {
    const e = byId.get(id)!
    t.ok(e.tags.includes('_eventlimit'), `${id} tagged _eventlimit`)
    t.ok(e.tags.includes('seen'), `${id} went through the pipeline`)
    t.match(e.error.message, id === 'deep-1' ? /nested deeper than 1000 levels/ : /more than 100000 keys/)
    t.equal(e.a ?? e.w, undefined, `${id}: the offending field is gone`)
  }
  t.ok(byId.has('text-1'), 'a deep object made by the json stage is stored too (cut at the output)')
  const snap = metrics.snapshot()['logyard_input_events_limited_total']!.values
  t.same(snap.map(([l, v]) => [l.reason, v]).sort(), [['depth', 1], ['entries', 1]])
})
