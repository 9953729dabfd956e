import type { Server } from 'node:http'
import { hostname } from 'node:os'
import { codeOf, errorCodes } from '../core/errors.ts'
import { startOpsServer, type Health } from '../core/http-server.ts'
import type { Logger } from '../core/logger.ts'
import { MetricsRegistry } from '../core/metrics.ts'
import { packageVersion } from '../core/cli.ts'
import { loadAgentId } from './agent-id.ts'
import type { ForwarderConfig } from './config.ts'
import { Registry } from './registry.ts'
import { Batcher } from './ship/batcher.ts'
import type { Publisher } from './ship/publisher.ts'
import { Tailer, TailStats } from './tail/tailer.ts'
import { forwarderStatus } from './status.ts'

// Wires the forwarder: registry → tailer → batcher → publisher, the registry
// flush timer, the ops endpoint and the graceful stop.

interface ForwarderAppOptions {
  config: ForwarderConfig
  logger: Logger
  /** Builds the output; called once the agent identity is known. */
  publisher: (metrics: MetricsRegistry) => Publisher | Promise<Publisher>
  metrics?: MetricsRegistry
  /** Watch with chokidar (default true); tests may turn it off to exercise rescans. */
  watch?: boolean
}

export class ForwarderApp {
  readonly #o: ForwarderAppOptions
  readonly #log: Logger
  readonly metrics: MetricsRegistry
  readonly stats = new TailStats()
  readonly registry: Registry
  #publisher: Publisher | undefined
  #batcher: Batcher | undefined
  #tailer: Tailer | undefined
  #flushTimer: NodeJS.Timeout | undefined
  #ops: Server | undefined
  #state: 'new' | 'running' | 'draining' | 'stopped' = 'new'
  #stopping: Promise<boolean> | undefined

  constructor(options: ForwarderAppOptions) {
    this.#o = options
    this.#log = options.logger
    this.metrics = options.metrics ?? new MetricsRegistry()
    this.registry = new Registry(options.config.data_dir, options.logger.child({ component: 'registry' }))
  }

  get tailer(): Tailer | undefined {
    return this.#tailer
  }

  get batcher(): Batcher | undefined {
    return this.#batcher
  }

  async start(): Promise<void> {
    const c = this.#o.config
    this.registry.load()
    const agentId = await loadAgentId(c.data_dir, (err) => {
      this.stats.countError('LY_CHECKPOINT')
      this.#log.error({ code: 'LY_CHECKPOINT', errno: (err as NodeJS.ErrnoException).code, err: String(err) }, 'cannot persist agent.json; agent.id changes at the next start')
    })
    const name = c.name || hostname()
    this.#publisher = await this.#o.publisher(this.metrics)
    this.#batcher = new Batcher(this.#publisher, { batchSize: c.output.batch_size, batchBytes: c.batch_bytes, linger: c.batch_linger, compressionLevel: c.output.compression_level, maxPendingBytes: c.max_pending_bytes, logger: this.#log.child({ component: 'batcher' }) })
    this.#tailer = new Tailer({
      config: c,
      registry: this.registry,
      batcher: this.#batcher,
      agent: { name, id: agentId, version: packageVersion() },
      logger: this.#log.child({ component: 'tail' }),
      stats: this.stats,
      watch: this.#o.watch,
    })
    this.#registerMetrics()
    if (c.http) {
      const status = { status: 200, type: 'application/json' }
      this.#ops = await startOpsServer({
        listen: c.http.listen,
        health: () => this.health(),
        metrics: () => this.metrics.render(),
        logger: this.#log,
        routes: { '/status': () => ({ ...status, body: JSON.stringify(forwarderStatus(this.#state, this.#tailer, this.#batcher, this.#publisher)) + '\n' }) },
      })
    }
    await this.#tailer.start()
    this.#flushTimer = setInterval(() => void this.registry.flushAsync(), c.registry_flush)
    this.#state = 'running'
    this.#log.info({ agent_id: agentId, name, registry: this.registry.path, registry_state: this.registry.loadedFrom, files: this.#tailer.knownFiles }, 'forwarder started')
  }

  health(): Health {
    // A file-system call outstanding past read_stall_timeout (threadpool blocked, hung mount): not healthy.
    const stall = this.#tailer?.stalled()
    const stalled = stall !== undefined && stall.count > 0
    const ok = this.#state === 'running' && !stalled
    return {
      ok,
      status: stalled && this.#state === 'running' ? `stalled reader: ${stall.oldest!.op} of ${stall.oldest!.path} outstanding for ${stall.oldest!.seconds}s` : this.#state,
      details: {
        files_open: this.stats.filesOpen,
        batches_in_flight: this.#batcher?.inflight ?? 0,
        reading_paused: this.#batcher?.blocked ?? false,
        ...(stalled ? { stalled_fs_calls: stall.count } : {}),
      },
    }
  }

  #registerMetrics(): void {
    const m = this.metrics
    const s = this.stats
    const b = this.#batcher!
    const t = this.#tailer!
    // one observation per acknowledged window: its first line's read → its ACK
    const latency = m.histogram('forwarder_ack_latency_seconds', 'Time from reading the first line of a window to its acknowledgement')
    b.onAcked = (batch) => latency.observe((Date.now() - batch.created) / 1000)
    m.observe('forwarder_files_open', 'Files held open', 'gauge', () => t.openFiles)
    m.observe('forwarder_files_known', 'Files being tracked', 'gauge', () => t.knownFiles)
    m.observe('forwarder_lines_read_total', 'Lines read from files', 'counter', () => t.linesRead)
    m.observe('forwarder_bytes_read_total', 'Bytes read from files', 'counter', () => s.bytesRead)
    m.observe('forwarder_events_total', 'Events built (after multiline)', 'counter', () => t.eventsRead)
    m.observe('forwarder_events_sent_total', 'Events handed to the output', 'counter', () => b.eventsSent)
    m.observe('forwarder_events_acked_total', 'Events acknowledged by an aggregator', 'counter', () => b.eventsAcked)
    m.observe('forwarder_lines_truncated_total', 'Lines longer than max_line_bytes', 'counter', () => {
      let n = 0
      for (const h of t.harvesters()) n += h.splitter.truncatedLines
      return n + s.truncatedForgotten
    })
    m.observe('forwarder_registry_writes_total', 'Registry writes', 'counter', () => this.registry.writes)
    m.observe('forwarder_batches_in_flight', 'Windows sent and not yet acknowledged', 'gauge', () => b.inflight)
    m.observe('forwarder_batches_queued', 'Windows waiting for the output', 'gauge', () => b.queued)
    m.observe('forwarder_file_truncations_total', 'Truncations (copytruncate) detected', 'counter', () => s.truncations)
    m.observe('forwarder_file_renames_total', 'Renames detected', 'counter', () => s.rotations)
    m.observe('forwarder_files_recovered_total', 'Rotated files found unfinished at start and read to their end', 'counter', () => s.recovered)
    for (const reason of Object.keys(s.skipped) as (keyof typeof s.skipped)[]) {
      m.observe('forwarder_files_skipped_total', 'Paths matched by a glob and not read, by reason (symlink: follow_symlinks off; symlink_target: leads outside the allowed directories; not_regular: FIFO, device, socket); each path counted once while it stays', 'counter', () => s.skipped[reason], { reason })
    }
    for (const reason of Object.keys(s.scanLimited) as (keyof typeof s.scanLimited)[]) {
      m.observe('forwarder_scan_limited_total', 'Directory scans bounded, by reason (loop: a directory met inside itself; max_depth: scan_max_depth; max_entries: scan_max_entries)', 'counter', () => s.scanLimited[reason], { reason })
    }
    m.observe('forwarder_scans_total', 'Glob scans completed (the periodic rescan every scan_frequency, and those at start); not rising over a few scan_frequency periods means a stuck scanner', 'counter', () => t.scans)
    m.observe('forwarder_fs_calls_outstanding', 'File-system calls of the reader in progress', 'gauge', () => t.fs.outstanding)
    m.observe('forwarder_fs_calls_stalled', 'File-system calls of the reader outstanding longer than read_stall_timeout (/healthz answers 503 while above 0)', 'gauge', () => t.stalled().count)
    m.observe('forwarder_reader_stalls_total', 'Times the reader was found stalled', 'counter', () => s.stalls)
    m.observe('forwarder_process_resident_memory_bytes', 'Resident set size', 'gauge', () => process.memoryUsage.rss())
    m.observe('forwarder_process_heap_used_bytes', 'V8 heap in use', 'gauge', () => process.memoryUsage().heapUsed)
    m.observe('forwarder_process_heap_total_bytes', 'V8 heap reserved (in use plus free space, young generation included)', 'gauge', () => process.memoryUsage().heapTotal)
    m.observe('forwarder_process_external_bytes', 'Memory held outside the V8 heap (buffers, zlib, TLS)', 'gauge', () => process.memoryUsage().external)
    for (const code of errorCodes) {
      m.observe('forwarder_errors_total', 'Errors by code', 'counter', () => (s.errors.get(code) ?? 0) + (code === 'LY_CHECKPOINT' ? this.registry.failures : 0) + (code === 'LY_CONNECTION' ? b.sendErrors : 0), { code })
    }
  }

  /**
   * Graceful stop: stop reading, send held events, wait for acks until
   * shutdown_timeout, write the registry. Resolves true when every window was
   * acknowledged.
   */
  stop(): Promise<boolean> {
    this.#stopping ??= this.#stop()
    return this.#stopping
  }

  async #stop(): Promise<boolean> {
    if (this.#state === 'new') {
      this.#state = 'stopped'
      return true
    }
    this.#state = 'draining'
    const deadline = Date.now() + this.#o.config.shutdown_timeout
    await this.#tailer?.stop()
    const drained = (await this.#batcher?.drain(deadline)) ?? true
    if (!drained) this.#log.warn({ code: 'LY_TIMEOUT', in_flight: this.#batcher?.inflight, queued: this.#batcher?.queued }, 'shutdown_timeout: some windows were not acknowledged; they are read again after restart')
    clearInterval(this.#flushTimer)
    await this.registry.flush(true)
    this.#batcher?.close()
    try {
      await this.#publisher?.close(Math.max(0, deadline - Date.now()))
    } catch (err) {
      this.#log.warn({ code: codeOf(err, 'LY_CLOSED'), err: (err as Error).message }, 'output close failed')
    }
    if (this.#ops) await new Promise<void>((resolve) => this.#ops!.close(() => resolve()))
    this.#state = 'stopped'
    this.#log.info({ drained, registry_writes: this.registry.writes }, 'forwarder stopped')
    return drained
  }
}
