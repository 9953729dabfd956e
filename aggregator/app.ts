import type { Health } from '../core/http-server.ts'
import type { LogEvent } from '../core/event.ts'
import type { Logger } from '../core/logger.ts'
import type { Counter, MetricsRegistry } from '../core/metrics.ts'
import { ClosedError, codeOf } from '../core/errors.ts'
import type { PeerStatus } from '../core/lumberjack/server-connection.ts'
import type { Input, Output } from './component.ts'
import type { Pipeline } from './pipeline/pipeline.ts'

// One aggregator process (or cluster worker): inputs → pipeline → output.
//
// deliver(events) is what every input calls. It resolves when the output has
// made every kept event safe, so the beats input ACKs only then. It takes the
// array: the input must not read it after the call (the output may empty it,
// see component.ts). Two pause
// flags stop the pausable inputs from reading their sockets: the output is
// busy, or too many batches are in the pipeline; they resume only when both
// are clear. stop() stops accepting, lets in-flight batches finish up to the
// deadline, then closes the output and the stages.

export type Deliver = (events: LogEvent[]) => Promise<void>

/** A configured input: its type (its name in logs and in start()'s result) and how to build it around `deliver` (inputs/index.ts configuredInputs). */
export interface InputSetup {
  readonly type: string
  create(deliver: Deliver): Input
}

interface AggregatorInit {
  logger: Logger
  metrics: MetricsRegistry
  pipeline: Pipeline
  output: Output
  inputs: readonly InputSetup[]
  /** Batches allowed in the pipeline+output at once before inputs pause. */
  maxInflightBatches: number
  /** Deadline for stop() (ms). */
  shutdownTimeout: number
  /** On stop, how long health stays 503 while inputs still accept, before they close (ms). */
  drainDelay?: number
}

export class Aggregator {
  readonly #logger: Logger
  readonly #pipeline: Pipeline
  readonly #output: Output
  readonly #inputs: { readonly type: string; readonly input: Input }[]
  readonly #maxInflight: number
  readonly #shutdownTimeout: number
  readonly #drainDelay: number
  #inflight = 0
  #paused = false
  #draining = false
  #started = false
  #closed = false
  #stopped: Promise<void> | undefined
  readonly #idleWaiters: (() => void)[] = []
  readonly #eventsIn: Counter
  readonly #eventsOut: Counter
  readonly #eventsDropped: Counter
  readonly #batchesFailed: Counter
  readonly #pauses: Counter
  readonly #onDrain = (): void => this.#updateFlow()
  readonly deliver: Deliver = (events) => this.#deliver(events)

  constructor(init: AggregatorInit) {
    this.#logger = init.logger
    this.#pipeline = init.pipeline
    this.#output = init.output
    this.#maxInflight = init.maxInflightBatches
    this.#shutdownTimeout = init.shutdownTimeout
    this.#drainDelay = init.drainDelay ?? 0
    const m = init.metrics
    this.#eventsIn = m.counter('pipeline_events_in_total', 'Events entering the pipeline')
    this.#eventsOut = m.counter('pipeline_events_out_total', 'Events the output made safe (indexed or dead-lettered)')
    this.#eventsDropped = m.counter('pipeline_events_dropped_total', 'Events the pipeline dropped on purpose (drop stage)')
    this.#batchesFailed = m.counter('pipeline_batches_failed_total', 'Batches that failed in the pipeline or output (not acknowledged)')
    this.#pauses = m.counter('inputs_paused_total', 'Times the inputs were paused for backpressure')
    m.observe('pipeline_batches_in_flight', 'Batches in the pipeline or output now', 'gauge', () => this.#inflight)
    m.observe('inputs_paused', '1 while the inputs are paused for backpressure', 'gauge', () => (this.#paused ? 1 : 0))
    m.observe('draining', '1 while shutting down', 'gauge', () => (this.#draining ? 1 : 0))
    m.observe('output_healthy', '1 while the output reaches its destination', 'gauge', () => (this.#output.healthy() ? 1 : 0))
    this.#output.on('drain', this.#onDrain)
    this.#inputs = init.inputs.map((setup) => ({ type: setup.type, input: setup.create(this.deliver) }))
  }

  get inflight(): number {
    return this.#inflight
  }

  get paused(): boolean {
    return this.#paused
  }

  get draining(): boolean {
    return this.#draining
  }

  /** Starts every input; resolves with what each one bound, by input type. */
  async start(): Promise<Record<string, Record<string, unknown>>> {
    const out: Record<string, Record<string, unknown>> = {}
    for (const { type, input } of this.#inputs) out[type] = await input.start()
    this.#started = true
    return out
  }

  /** The `limit` senders with the most events over the inputs that keep connections (status page). */
  peers(limit: number): PeerStatus[] {
    return this.#inputs.flatMap(({ input }) => input.peers?.(limit) ?? []).slice(0, limit)
  }

  health(): Health {
    if (this.#draining) return { ok: false, status: 'draining' }
    if (!this.#started) return { ok: false, status: 'starting' }
    if (!this.#output.healthy()) return { ok: false, status: `output unhealthy: ${this.#output.unhealthyReason?.() ?? 'unknown reason'}` }
    return { ok: true, status: 'ok', details: { inflight_batches: this.#inflight, paused: this.#paused } }
  }

  async #deliver(events: LogEvent[]): Promise<void> {
    if (this.#closed) throw new ClosedError('aggregator stopped')
    this.#inflight++
    this.#updateFlow()
    const n = events.length
    try {
      this.#eventsIn.inc(n)
      const kept = await this.#pipeline.run(events)
      const out = kept.length
      if (out !== n) this.#eventsDropped.inc(n - out)
      // the output takes `kept` (and may empty it once encoded); the input's
      // array must not keep the same events alive meanwhile
      if (kept !== events) events.length = 0
      if (out > 0) await this.#output.write(kept)
      this.#eventsOut.inc(out)
    } catch (err) {
      this.#batchesFailed.inc()
      const e = err as { code?: string; message?: string }
      this.#logger.error({ code: codeOf(err, 'LY_IO'), err: e.message, events: n }, 'batch failed in the pipeline or output; not acknowledged')
      throw err
    } finally {
      this.#inflight--
      this.#updateFlow()
      if (this.#inflight === 0) for (const w of this.#idleWaiters.splice(0)) w()
    }
  }

  #updateFlow(): void {
    const shouldPause = this.#output.busy || this.#inflight >= this.#maxInflight
    if (shouldPause === this.#paused) return
    this.#paused = shouldPause
    if (shouldPause) this.#pauses.inc()
    for (const { input } of this.#inputs) {
      if (shouldPause) input.pause?.()
      else input.resume?.()
    }
  }

  /** Graceful stop: stop accepting, finish in-flight batches up to the deadline, close output and stages. */
  stop(deadlineMs = this.#shutdownTimeout): Promise<void> {
    this.#stopped ??= this.#stop(deadlineMs)
    return this.#stopped
  }

  async #stop(deadlineMs: number): Promise<void> {
    this.#draining = true
    if (this.#drainDelay > 0) {
      // /healthz is already 503; keep serving so the load balancer moves new
      // connections elsewhere before the listener closes.
      this.#logger.info({ drain_delay_ms: this.#drainDelay }, 'draining: /healthz is 503, still accepting until the drain delay ends')
      await new Promise((resolve) => setTimeout(resolve, this.#drainDelay))
    }
    const t0 = Date.now()
    this.#logger.info({ inflight_batches: this.#inflight, deadline_ms: deadlineMs }, 'draining: no new connections, finishing in-flight batches')
    await Promise.all(this.#inputs.map(({ type, input }) => input.close(deadlineMs).catch((err: unknown) => {
      this.#logger.warn({ code: codeOf(err, 'LY_CLOSED'), input: type, err: (err as Error).message }, 'input close failed')
    })))
    if (this.#inflight > 0) {
      const left = Math.max(0, deadlineMs - (Date.now() - t0))
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
        new Promise<void>((resolve) => { timer = setTimeout(resolve, left) }),
      ])
      clearTimeout(timer)
    }
    const left = Math.max(1000, deadlineMs - (Date.now() - t0))
    this.#closed = true
    this.#output.off('drain', this.#onDrain)
    await this.#output.close(left)
    await this.#pipeline.close()
    this.#logger.info({ unfinished_batches: this.#inflight, ms: Date.now() - t0 }, 'stopped')
  }
}
