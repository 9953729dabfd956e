import cluster, { type Worker } from 'node:cluster'
import type { Server } from 'node:http'
import { Backoff } from '../core/backoff.ts'
import type { Health } from '../core/http-server.ts'
import type { Logger } from '../core/logger.ts'
import { mergeSnapshots, MetricsRegistry, type MetricsSnapshot } from '../core/metrics.ts'
import { combineHealth, combineMetrics, startAggregatorOps, type WorkerReport } from './ops.ts'
import type { GrokOptions } from './stages/grok/grok.ts'
import { StatusBoard, type WorkerStatus } from './status.ts'
import { statusRoutes } from './status-routes.ts'

// `workers: N`: the primary forks N workers (node:cluster), each a full
// aggregator sharing the listening sockets. The primary owns no pipeline: it
// restarts a dead worker with capped jittered backoff, serves /healthz and
// /metrics by asking every worker over IPC, and on SIGTERM tells the workers
// to drain, waits for them up to the deadline, then exits.
//
// A worker whose start-up fails for a reason a restart cannot fix (bad
// configuration, e.g. a missing tls.cert: exit 2; a port it cannot bind:
// exit 1) reports it over IPC before exiting; the primary then stops every
// worker and exits with that code instead of restarting it forever, so
// systemd's RestartPreventExitStatus=2 applies. A stop while workers are
// still starting terminates them at once (they serve nothing yet).

/** IPC messages, primary ⇄ worker. */
const Msg = { report: 'logyard:report', reportReply: 'logyard:report-reply', stop: 'logyard:stop', ready: 'logyard:ready', startupFailed: 'logyard:startup-failed' } as const

interface ReportRequest { type: typeof Msg.report; id: number }
interface ReportReply { type: typeof Msg.reportReply; id: number; health: Health; snapshot: MetricsSnapshot; status?: WorkerStatus | undefined }
interface ReadyMessage { type: typeof Msg.ready; listening: Record<string, unknown> }
interface StopMessage { type: typeof Msg.stop }
interface StartupFailedMessage { type: typeof Msg.startupFailed; exitCode: number; code: string; message: string }
type WorkerMessage = ReportReply | ReadyMessage | StartupFailedMessage

interface PrimaryOptions {
  workers: number
  logger: Logger
  /** HTTP ops listen address; unset → no endpoint. */
  http: string | undefined
  /** How long workers get to drain on stop (ms). */
  shutdownTimeout: number
  /** On stop, how long /healthz answers 503 before the workers stop accepting (ms). */
  drainDelay?: number
  restartBackoff?: { initial: number; max: number }
  /** How long to wait for a worker's report (ms). */
  reportTimeout?: number
  /**
   * A worker failed during start-up for a reason restarting cannot fix: the
   * primary has stopped the other workers; the caller exits with `exitCode`.
   */
  onFatal?: (exitCode: number) => void
  /** The status page on the ops endpoint: the grok stages its debugger may run. */
  status?: { grokStages: Record<string, GrokOptions>; patternsDir: string }
}

interface Slot {
  index: number
  worker: Worker | undefined
  startedAt: number
  backoff: Backoff
  timer: NodeJS.Timeout | undefined
  /** The current worker sent `ready` (it serves). */
  ready: boolean
  /** What the current worker reported before exiting during start-up. */
  startupFailure: StartupFailedMessage | undefined
}

export class ClusterPrimary {
  readonly #options: PrimaryOptions
  readonly #logger: Logger
  readonly #metrics = new MetricsRegistry()
  readonly #slots: Slot[] = []
  readonly #pending = new Map<number, { resolve: (r: ReportReply | undefined) => void }>()
  #nextId = 1
  #stopping = false
  #ops: Server | undefined
  readonly #board = new StatusBoard()
  readonly #restarts

  constructor(options: PrimaryOptions) {
    this.#options = options
    this.#logger = options.logger
    this.#restarts = this.#metrics.counter('cluster_worker_restarts_total', 'Workers the primary restarted after they died')
    this.#metrics.observe('cluster_workers', 'Workers currently running', 'gauge', () => this.#slots.filter((s) => s.worker !== undefined && !s.worker.isDead()).length)
  }

  get stopping(): boolean {
    return this.#stopping
  }

  /** Live worker processes (pid per slot; undefined while a slot waits to restart). */
  pids(): (number | undefined)[] {
    return this.#slots.map((s) => s.worker?.process.pid)
  }

  async start(): Promise<void> {
    const b = this.#options.restartBackoff ?? { initial: 500, max: 30_000 }
    for (let i = 0; i < this.#options.workers; i++) {
      const slot: Slot = { index: i, worker: undefined, startedAt: 0, backoff: new Backoff({ initial: b.initial, max: b.max }), timer: undefined, ready: false, startupFailure: undefined }
      this.#slots.push(slot)
      this.#fork(slot)
    }
    if (this.#options.http !== undefined && !this.#stopping) {
      const st = this.#options.status
      const routes = st ? statusRoutes({ status: () => this.#board.build(this.#cachedHealth, this.#options.workers), grokStages: st.grokStages, patternsDir: st.patternsDir }) : undefined
      this.#ops = await startAggregatorOps(this.#options.http, { health: () => this.#cachedHealth, metrics: () => this.metricsText() }, this.#logger, routes)
      this.#refreshHealth()
    }
  }

  // /healthz must answer synchronously (core/http-server.ts), so the primary
  // polls its workers every second and serves the last combined answer.
  #cachedHealth: Health = { ok: false, status: 'starting' }
  #healthTimer: NodeJS.Timeout | undefined

  #refreshHealth(): void {
    void this.reports().then((reports) => {
      this.#cachedHealth = combineHealth(reports, this.#options.workers, this.#stopping)
      // the status page's rates and sparklines come from these once-a-second reports
      this.#board.sample(mergeSnapshots(reports.map((r) => r.snapshot)), reports.map((r) => ({ worker: r.worker, snapshot: r.snapshot, status: r.status })))
      if (!this.#stopping && this.#ops) {
        this.#healthTimer = setTimeout(() => this.#refreshHealth(), 1000)
        this.#healthTimer.unref()
      }
    })
  }

  #fork(slot: Slot): void {
    slot.timer = undefined
    if (this.#stopping) return
    const worker = cluster.fork({ LOGYARD_WORKER_ID: String(slot.index) })
    slot.worker = worker
    slot.startedAt = Date.now()
    slot.ready = false
    slot.startupFailure = undefined
    worker.on('message', (msg: WorkerMessage) => this.#onMessage(slot, msg))
    worker.on('exit', (code, signal) => this.#onExit(slot, worker, code, signal))
  }

  #onMessage(slot: Slot, msg: WorkerMessage): void {
    if (msg?.type === Msg.reportReply) {
      const p = this.#pending.get(msg.id)
      if (p) {
        this.#pending.delete(msg.id)
        p.resolve(msg)
      }
    } else if (msg?.type === Msg.startupFailed) {
      slot.startupFailure = msg
    } else if (msg?.type === Msg.ready) {
      slot.ready = true
      this.#logger.info({ worker: slot.index, pid: slot.worker?.process.pid, listening: msg.listening }, 'worker ready')
    }
  }

  #onExit(slot: Slot, worker: Worker, code: number | null, signal: string | null): void {
    if (slot.worker !== worker) return
    slot.worker = undefined
    if (this.#stopping) {
      this.#logger.info({ worker: slot.index, code, signal }, 'worker stopped')
      return
    }
    const failure = slot.startupFailure
    if (failure && !slot.ready) {
      // Restarting cannot fix a bad configuration or a port held by another
      // process: stop everything and exit with the worker's code.
      this.#logger.fatal({ code: failure.code, worker: slot.index, pid: worker.process.pid, exit_code: failure.exitCode, err: failure.message }, 'worker failed during start-up; stopping the aggregator')
      void this.stop().then(() => this.#options.onFatal?.(failure.exitCode))
      return
    }
    // A worker that ran a while is healthy again: start its backoff over.
    if (Date.now() - slot.startedAt > 60_000) slot.backoff.reset()
    const delay = slot.backoff.next()
    this.#restarts.inc()
    this.#logger.warn({ code: 'LY_WORKER', worker: slot.index, pid: worker.process.pid, exit_code: code, signal, restart_in_ms: delay }, 'worker died; restarting')
    slot.timer = setTimeout(() => this.#fork(slot), delay)
  }

  /** Asks every live worker for its health and metrics; workers that do not answer in time are left out. */
  async reports(): Promise<WorkerReport[]> {
    const timeout = this.#options.reportTimeout ?? 2000
    const asks = this.#slots.map((slot) => {
      const worker = slot.worker
      if (!worker || worker.isDead() || !worker.isConnected()) return Promise.resolve(undefined)
      const id = this.#nextId++
      return new Promise<ReportReply | undefined>((resolve) => {
        const timer = setTimeout(() => {
          this.#pending.delete(id)
          resolve(undefined)
        }, timeout)
        this.#pending.set(id, { resolve: (r) => { clearTimeout(timer); resolve(r) } })
        const req: ReportRequest = { type: Msg.report, id }
        try {
          worker.send(req)
        } catch {
          clearTimeout(timer)
          this.#pending.delete(id)
          resolve(undefined)
        }
      }).then((r): WorkerReport | undefined => (r ? { worker: slot.index, health: r.health, snapshot: r.snapshot, status: r.status } : undefined))
    })
    return (await Promise.all(asks)).filter((r): r is WorkerReport => r !== undefined)
  }

  /** The workers' metrics summed with the primary's own. */
  async snapshot(): Promise<MetricsSnapshot> {
    return mergeSnapshots([this.#metrics.snapshot(), ...(await this.reports()).map((r) => r.snapshot)])
  }

  async metricsText(): Promise<string> {
    return combineMetrics(await this.reports(), this.#metrics.snapshot())
  }

  async health(): Promise<Health> {
    return combineHealth(await this.reports(), this.#options.workers, this.#stopping)
  }

  /** Tells every worker to drain, waits up to the shutdown timeout (plus a margin), then kills stragglers. */
  async stop(): Promise<void> {
    if (this.#stopping) return
    this.#stopping = true
    this.#cachedHealth = { ok: false, status: 'draining' }
    if (this.#healthTimer) clearTimeout(this.#healthTimer)
    for (const slot of this.#slots) if (slot.timer) clearTimeout(slot.timer)
    // Let load balancers see the 503 and stop sending new connections while
    // the workers still serve, then drain them.
    const delay = this.#options.drainDelay ?? 0
    if (delay > 0) {
      this.#logger.info({ drain_delay_ms: delay }, 'draining: /healthz is 503, still accepting until the drain delay ends')
      await new Promise((resolve) => setTimeout(resolve, delay))
    }
    const live = this.#slots.map((s) => s.worker).filter((w): w is Worker => w !== undefined && !w.isDead())
    const exits = live.map((w) => new Promise<void>((resolve) => {
      if (w.isDead()) return resolve()
      w.once('exit', () => resolve())
    }))
    const stop: StopMessage = { type: Msg.stop }
    for (const slot of this.#slots) {
      const w = slot.worker
      if (!w || w.isDead()) continue
      // A worker still starting serves nothing and may not listen for IPC yet:
      // SIGTERM stops it at once (its handler, if installed, exits cleanly).
      if (!slot.ready) {
        w.process.kill('SIGTERM')
        continue
      }
      try {
        w.send(stop)
      } catch {
        w.process.kill('SIGTERM')
      }
    }
    const deadline = setTimeout(() => {
      for (const w of live) {
        if (!w.isDead()) {
          this.#logger.warn({ code: 'LY_TIMEOUT', pid: w.process.pid }, 'worker did not stop in time; killing it')
          w.process.kill('SIGKILL')
        }
      }
    }, this.#options.shutdownTimeout + 5000)
    await Promise.all(exits)
    clearTimeout(deadline)
    if (this.#ops) await new Promise<void>((resolve) => this.#ops!.close(() => resolve()))
    this.#ops?.closeAllConnections()
  }
}

interface WorkerHooks {
  report(): { health: Health; snapshot: MetricsSnapshot; status?: WorkerStatus }
  stop(): void
}

/** Worker side of the IPC: answers report requests and drains on `stop` or when the primary goes away. */
export function attachWorkerIpc(hooks: WorkerHooks): void {
  process.on('message', (msg: ReportRequest | StopMessage) => {
    if (msg?.type === Msg.report) {
      const r = hooks.report()
      const reply: ReportReply = { type: Msg.reportReply, id: msg.id, health: r.health, snapshot: r.snapshot, status: r.status }
      process.send?.(reply)
    } else if (msg?.type === Msg.stop) {
      hooks.stop()
    }
  })
  process.on('disconnect', () => hooks.stop())
}

/** Worker side: start-up failed for a reason restarting cannot fix; tell the primary, then resolve (the caller exits). */
export function reportStartupFailure(exitCode: number, code: string, message: string): Promise<void> {
  const msg: StartupFailedMessage = { type: Msg.startupFailed, exitCode, code, message }
  return new Promise((resolve) => {
    if (!process.send || !process.connected) return resolve()
    try {
      process.send(msg, undefined, {}, () => resolve())
    } catch {
      resolve()
    }
  })
}

export function announceReady(listening: Record<string, unknown>): void {
  const msg: ReadyMessage = { type: Msg.ready, listening }
  process.send?.(msg)
}
