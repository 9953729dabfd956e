import type { LogEvent } from '../../core/event.ts'
import type { Logger } from '../../core/logger.ts'
import type { Counter, MetricsRegistry } from '../../core/metrics.ts'
import { LumberjackServer, lumberjackServerSpec, type ServerOptions } from '../../core/lumberjack/server.ts'
import type { DecodedBatch } from '../../core/lumberjack/frame-decoder.ts'
import type { PeerInfo } from '../../core/lumberjack/server-connection.ts'
import { ConnectionError, underKey } from '../../core/errors.ts'

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
  readonly #limited: { depth: Counter; entries: Counter }
  #lastLimitLog = 0
  readonly #onBatch = (batch: DecodedBatch, peer: PeerInfo): Promise<void> => this.#batch(batch, peer)

  constructor(options: BeatsInputOptions, deps: BeatsInputDeps) {
    this.#deliver = deps.deliver
    this.#logger = deps.logger
    const labels = { input: 'beats' }
    this.#events = deps.metrics.counter('input_events_total', 'Events received by an input', labels)
    this.#batches = deps.metrics.counter('input_batches_total', 'Batches (windows, datagrams) received by an input', labels)
    this.#failed = deps.metrics.counter('input_batches_failed_total', 'Batches not acknowledged because the pipeline or output failed', labels)
    const limitHelp = 'Events replaced by their top-level scalar fields (tag _eventlimit) because they broke max_event_depth or max_event_entries'
    this.#limited = { depth: deps.metrics.counter('input_events_limited_total', limitHelp, { ...labels, reason: 'depth' }), entries: deps.metrics.counter('input_events_limited_total', limitHelp, { ...labels, reason: 'entries' }) }
    this.#listen = options.listen
    try {
      this.#server = new LumberjackServer({ ...options, logger: deps.logger, metrics: deps.metrics, metricLabels: labels, onBatch: this.#onBatch })
    } catch (err) {
      throw underKey(err, 'inputs.beats')
    }
  }

  readonly #listen: string

  get connections(): number {
    return this.#server.connections
  }

  listen(): Promise<{ host: string; port: number }> {
    return this.#server.listen().catch((err: NodeJS.ErrnoException) => {
      throw new ConnectionError(`inputs.beats: cannot listen on ${this.#listen}: ${err.message}`, { cause: err, endpoint: this.#listen })
    })
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
    const limited = batch.limited
    if (limited !== undefined) {
      this.#limited.depth.inc(limited.depth)
      this.#limited.entries.inc(limited.entries)
      const now = Date.now()
      if (now - this.#lastLimitLog >= 10_000) {
        this.#lastLimitLog = now
        this.#logger.warn({ code: 'LY_LIMIT', peer: peer.remoteAddress, conn: peer.id, too_deep: limited.depth, too_many_entries: limited.entries }, 'events over max_event_depth / max_event_entries replaced by their top-level fields, tagged _eventlimit (logged at most every 10s; see /metrics)')
      }
    }
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
