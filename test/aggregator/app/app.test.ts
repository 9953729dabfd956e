import t, { type Test } from 'tap'
import { EventEmitter, once } from 'node:events'
import { connect, type Socket } from 'node:net'
import { Aggregator } from '../../../aggregator/app.ts'
import { BeatsInput } from '../../../aggregator/inputs/beats/beats-input.ts'
import { buildPipeline, validatePipeline } from '../../../aggregator/pipeline/pipeline.ts'
import { stageComponents } from '../../../aggregator/stages/index.ts'
import type { Output } from '../../../aggregator/component.ts'
import { encodeWindow } from '../../../core/lumberjack/frame-encoder.ts'
import { ClosedError } from '../../../core/errors.ts'
import type { LogEvent } from '../../../core/event.ts'
import { silentLogger } from '../../../core/logger.ts'
import { MetricsRegistry } from '../../../core/metrics.ts'
import { until } from '../../helpers/until.ts'

// The aggregator core with the real Lumberjack server on loopback and an
// output whose verdicts the test decides (when a write resolves, busy,
// healthy), to check the ACK-after-safe rule and the pause flags exactly.

class ScriptedOutput extends EventEmitter implements Output {
  readonly type = 'scripted'
  busy = false
  up = true
  closed = false
  readonly writes: { events: LogEvent[]; resolve: () => void; reject: (e: unknown) => void }[] = []
  write(events: LogEvent[]): Promise<void> {
    return new Promise((resolve, reject) => {
      this.writes.push({ events, resolve, reject })
      this.emit('write')
    })
  }
  healthy(): boolean {
    return this.up
  }
  async close(): Promise<void> {
    this.closed = true
    for (const w of this.writes.splice(0)) w.reject(new ClosedError('output closed'))
  }
}

async function setup(t: Test, pipeline: unknown[] = [], maxInflight = 4) {
  const metrics = new MetricsRegistry()
  const logger = silentLogger()
  const output = new ScriptedOutput()
  const p = await buildPipeline(validatePipeline(pipeline, stageComponents), { logger, metrics, patternsDir: '' })
  const app = new Aggregator({
    logger, metrics, pipeline: p, output, maxInflightBatches: maxInflight, shutdownTimeout: 2000,
    inputs: [{ type: 'beats', create: (deliver) => new BeatsInput({ listen: '127.0.0.1:0', keepalive_interval: 50 } as never, { logger, metrics, deliver }) }],
  })
  const bound = await app.start()
  const port = bound.beats!.port as number
  t.teardown(() => app.stop(500))
  return { app, output, metrics, port }
}

/** A raw Lumberjack writer: sends windows, collects ACK seq numbers. */
async function writer(t: Test, port: number) {
  const socket: Socket = connect(port, '127.0.0.1')
  await once(socket, 'connect')
  const acks: number[] = []
  let buf = Buffer.alloc(0)
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d])
    while (buf.length >= 6) {
      acks.push(buf.readUInt32BE(2))
      buf = buf.subarray(6)
    }
  })
  const closed = once(socket, 'close')
  t.teardown(() => socket.destroy())
  return { socket, acks, closed, send: (events: object[]) => socket.write(encodeWindow(events.map((e) => JSON.stringify(e)), 3)) }
}


t.test('ACK only after the output made the batch safe; keep-alives meanwhile; pipeline ran', async (t) => {
  const { output, port } = await setup(t, [{ json: { field: 'message' } }])
  const w = await writer(t, port)
  w.send([{ message: '{"n":1}' }, { message: '{"n":2}' }, { message: '{"n":3}' }])
  await until(() => output.writes.length === 1)
  t.same(output.writes[0]!.events.map((e) => e.n), [1, 2, 3], 'parsed by the json stage before the output')
  await until(() => w.acks.length >= 3, 10_000, 'three keep-alives (every 50 ms)')
  t.ok(w.acks.every((a) => a === 0), 'only keep-alives (A 0) while the write is pending')
  output.writes[0]!.resolve()
  await until(() => w.acks.includes(3))
  t.equal(w.acks.at(-1), 3, 'ACK carries the highest sequence')
})

t.test('a failed write closes the connection without ACK', async (t) => {
  const { output, port, metrics } = await setup(t)
  const w = await writer(t, port)
  w.send([{ message: 'a' }])
  await until(() => output.writes.length === 1)
  output.writes[0]!.reject(new ClosedError('gone'))
  await w.closed
  t.notOk(w.acks.includes(1), 'never acknowledged')
  t.match(metrics.render(), /logyard_pipeline_batches_failed_total 1/)
})

t.test('pause flags: busy output and too many batches; resume when both clear', async (t) => {
  const { app, output, port } = await setup(t, [], 2)
  const a = await writer(t, port)
  const b = await writer(t, port)
  a.send([{ message: 'a' }])
  await until(() => output.writes.length === 1)
  t.equal(app.paused, false, 'one batch in flight, limit 2')
  b.send([{ message: 'b' }])
  await until(() => output.writes.length === 2)
  t.equal(app.paused, true, 'paused at max_inflight_batches')
  output.busy = true
  output.writes[0]!.resolve()
  await until(() => a.acks.includes(1))
  t.equal(app.paused, true, 'still paused: the output says busy')
  output.busy = false
  output.emit('drain')
  t.equal(app.paused, false, 'resumed when every flag is clear')
  output.writes[1]!.resolve()
  await until(() => b.acks.includes(1))
})

t.test('dropped events are not written; an all-dropped batch is ACKed at once', async (t) => {
  const { output, port, metrics } = await setup(t, [{ when: { tags: 'noise' }, drop: {} }])
  const w = await writer(t, port)
  w.send([{ message: 'x', tags: ['noise'] }, { message: 'y', tags: ['noise'] }])
  await until(() => w.acks.includes(2))
  t.equal(output.writes.length, 0)
  t.match(metrics.render(), /logyard_pipeline_events_dropped_total 2/)
})

t.test('health and graceful stop: in-flight batch finishes, then the output closes', async (t) => {
  const { app, output, port } = await setup(t)
  t.equal(app.health().ok, true)
  output.up = false
  t.match(app.health(), { ok: false, status: /output unhealthy/ })
  output.up = true
  const w = await writer(t, port)
  w.send([{ message: 'late' }])
  await until(() => output.writes.length === 1)
  const stopping = app.stop(3000)
  t.match(app.health(), { ok: false, status: 'draining' })
  // barrier: two more keep-alives from the server (its own 50 ms timer) while stop() runs; an
  // early close of the output would be a few microtasks and close callbacks after stop()
  const seen = w.acks.length
  await until(() => w.acks.length >= seen + 2, 10_000, 'two keep-alives while stopping')
  t.equal(output.closed, false, 'output stays open while a batch is in flight')
  output.writes[0]!.resolve()
  await stopping
  t.ok(w.acks.includes(1), 'the in-flight batch was acknowledged before stopping')
  t.equal(output.closed, true)
  await t.rejects(app.deliver([{ message: 'after' }]), { code: 'LY_CLOSED' })
  const refused = connect(port, '127.0.0.1')
  const err = await once(refused, 'error').catch((e: unknown) => [e])
  t.match(String((err[0] as Error).message), /ECONNREFUSED/, 'no longer accepting')
})
