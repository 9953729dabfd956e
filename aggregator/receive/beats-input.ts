import type { LogEvent } from '../../core/event.ts'
import type { Logger } from '../../core/logger.ts'
import type { Counter, MetricsRegistry } from '../../core/metrics.ts'
import { LumberjackServer, lumberjackServerSpec, type ServerOptions } from '../../core/lumberjack/server.ts'
import type { DecodedBatch } from '../../core/lumberjack/frame-decoder.ts'
import type { PeerInfo } from '../../core/lumberjack/server-connection.ts'

// `inputs.beats`: the Lumberjack v2 listener feeding the pipeline. A batch
// is handed to `deliver` (pipeline → output) and ACKed only when that
// resolves, i.e. when every event is indexed or dead-lettered; keep-alives
// go out meanwhile (core/lumberjack). A rejection closes the connection
// without ACK, so the sender resends the window.

export { lumberjackServerSpec as beatsInputSpec }
export type BeatsInputOptions = ServerOptions

export interface BeatsInputDeps {
  logger: Logger
  metrics: MetricsRegistry
  deliver: (events: LogEvent[]) => Promise<void>
}

export class BeatsInput {
  readonly #server: LumberjackServer
  readonly #deliver: (events: LogEvent[]) => Promise<void>
  readonly #logger: Logger
  readonly #events: Counter
  readonly #batches: Counter
  readonly #failed: Counter
  readonly #onBatch = (batch: DecodedBatch, peer: PeerInfo): Promise<void> => this.#batch(batch, peer)

  constructor(options: BeatsInputOptions, deps: BeatsInputDeps) {
    this.#deliver = deps.deliver
    this.#logger = deps.logger
    const labels = { input: 'beats' }
    this.#events = deps.metrics.counter('input_events_total', 'Events received by an input', labels)
    this.#batches = deps.metrics.counter('input_batches_total', 'Batches (windows, datagrams) received by an input', labels)
    this.#failed = deps.metrics.counter('input_batches_failed_total', 'Batches not acknowledged because the pipeline or output failed', labels)
    this.#server = new LumberjackServer({ ...options, logger: deps.logger, metrics: deps.metrics, metricLabels: labels, onBatch: this.#onBatch })
  }

  get connections(): number {
    return this.#server.connections
  }

  listen(): Promise<{ host: string; port: number }> {
    return this.#server.listen()
  }

  pause(): void {
    this.#server.pauseAll()
  }

  resume(): void {
    this.#server.resumeAll()
  }

  close(deadlineMs: number): Promise<void> {
    return this.#server.close(deadlineMs)
  }

  async #batch(batch: DecodedBatch, peer: PeerInfo): Promise<void> {
    this.#batches.inc()
    this.#events.inc(batch.events.length)
    try {
      await this.#deliver(batch.events)
    } catch (err) {
      this.#failed.inc()
      const e = err as { code?: string; message?: string }
      this.#logger.warn({ peer: peer.remoteAddress, conn: peer.id, events: batch.events.length, code: e.code, err: e.message }, 'batch not delivered; closing the connection without ACK so the sender resends')
      throw err
    }
  }
}
