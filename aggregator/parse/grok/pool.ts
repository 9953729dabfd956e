import { Worker } from 'node:worker_threads'
import { ClosedError, LogyardError } from '../../../core/errors.ts'
import { kAttempts, kEvent } from './plan.ts'
import type { BatchHits, PlanSpec } from './plan.ts'
import type { JobMessage, WorkerInit } from './match-worker.ts'

// A small pool of grok worker threads with a watchdog.
//
// A JavaScript RegExp cannot be interrupted, so a pattern that backtracks
// catastrophically would freeze the thread running it. Matching therefore runs
// in worker threads, one batch per message (the hop is paid per batch, not per
// event). Each worker counts its regex attempts in shared memory; a watchdog
// tick on the main thread sees when the counter stops moving for longer than
// the budget, terminates that worker, marks the event it was on as timed out,
// starts a fresh worker and re-runs the batch with that event left out. A
// batch therefore costs at most about the budget (plus one worker start) per
// runaway event, and the other events of the batch and later batches are
// matched normally.

export interface PoolOptions {
  size: number
  /** Per regex attempt, milliseconds; must be > 0. */
  timeoutMs: number
  /** Called once per terminated worker. */
  onTimeout?: () => void
}

export interface BatchOutcome {
  hits: BatchHits
  /** Indexes of events whose matching was stopped by the watchdog. */
  timedOut: number[]
}

interface Job {
  id: number
  texts: (string | null)[]
  events: number
  width: number
  timedOut: number[]
  crashes: number
  resolve: (o: BatchOutcome) => void
  reject: (err: Error) => void
}

interface Slot {
  worker: Worker
  progress: Int32Array
  ready: boolean
  job: Job | null
  lastAttempts: number
  since: number
  /** Set when we terminate it on purpose: its exit is expected. */
  retired: boolean
  failedStarts: number
}

const kWorkerUrl = new URL('./match-worker.ts', import.meta.url)

export class GrokWorkerPool {
  readonly #spec: PlanSpec
  readonly #timeoutMs: number
  readonly #onTimeout: (() => void) | undefined
  readonly #slots: Slot[] = []
  /** A started, idle worker that replaces a terminated one at once, so a timeout does not also cost a thread start. */
  #spare: Slot | null = null
  readonly #queue: Job[] = []
  readonly #timer: NodeJS.Timeout
  #nextId = 1
  #readyWaiters: (() => void)[] = []
  #closed = false
  #broken: Error | undefined
  /** Worker threads started, including restarts (for tests and metrics). */
  started = 0

  constructor(spec: PlanSpec, options: PoolOptions) {
    if (!(options.timeoutMs > 0)) throw new RangeError('GrokWorkerPool needs a positive timeoutMs')
    this.#spec = spec
    this.#timeoutMs = options.timeoutMs
    this.#onTimeout = options.onTimeout
    for (let i = 0; i < Math.max(1, options.size); i++) this.#slots.push(this.#spawn(0))
    this.#spare = this.#spawn(0)
    // A tick of 1/8 of the budget bounds the overshoot at ~12%.
    const tick = Math.min(100, Math.max(5, Math.floor(options.timeoutMs / 8)))
    this.#timer = setInterval(() => this.#watch(), tick)
    this.#timer.unref()
  }

  #spawn(failedStarts: number): Slot {
    const progress = new Int32Array(new SharedArrayBuffer(8))
    const init: WorkerInit = { spec: this.#spec, progress: progress.buffer as SharedArrayBuffer }
    const worker = new Worker(kWorkerUrl, { workerData: init })
    this.started++
    const slot: Slot = { worker, progress, ready: false, job: null, lastAttempts: 0, since: 0, retired: false, failedStarts }
    worker.on('message', (msg: { ready?: true; id?: number; hits?: BatchHits }) => this.#onMessage(slot, msg))
    worker.on('error', () => {}) // the exit handler decides what happens next
    worker.on('exit', () => this.#onExit(slot))
    worker.unref() // after the listeners: an idle pool never keeps the process alive
    return slot
  }

  #onMessage(slot: Slot, msg: { ready?: true; id?: number; hits?: BatchHits }): void {
    if (slot.retired) return
    if (msg.ready) {
      slot.ready = true
      slot.failedStarts = 0
      this.#dispatch()
      if (this.#allReady()) for (const w of this.#readyWaiters.splice(0)) w()
      return
    }
    const job = slot.job
    if (job === null || msg.id !== job.id) return
    slot.job = null
    job.resolve({ hits: msg.hits!, timedOut: job.timedOut })
    this.#dispatch()
    if (this.#spare === null && !this.#broken && !this.#closed && this.#queue.length === 0) this.#spare = this.#spawn(0)
  }

  #onExit(slot: Slot): void {
    if (slot.retired || this.#closed) return
    if (slot === this.#spare) {
      const failed = slot.ready ? 0 : slot.failedStarts + 1
      this.#spare = failed >= 3 ? null : this.#spawn(failed)
      return
    }
    // An unexpected exit: a crash in the worker. Retry its batch on a new
    // worker twice, then give up on that batch; stop respawning a worker
    // that cannot even start.
    slot.retired = true
    const job = slot.job
    slot.job = null
    const failedStarts = slot.ready ? 0 : slot.failedStarts + 1
    const index = this.#slots.indexOf(slot)
    if (failedStarts >= 3) {
      this.#broken = new LogyardError('LY_CONFIG', 'grok worker thread failed to start three times')
      this.#slots.splice(index, 1)
      for (const j of this.#queue.splice(0)) j.reject(this.#broken)
      job?.reject(this.#broken)
      return
    }
    this.#slots[index] = this.#spawn(failedStarts)
    if (job !== null) {
      if (++job.crashes > 2) job.reject(new LogyardError('LY_CONFIG', 'grok worker thread crashed three times on one batch'))
      else this.#queue.unshift(job)
    }
    this.#dispatch()
  }

  #dispatch(): void {
    this.#assign()
    // Workers keep the process alive only while there is work for them.
    const active = this.#queue.length > 0 || this.#slots.some((s) => s.job !== null)
    for (const slot of this.#slots) {
      if (active) slot.worker.ref()
      else slot.worker.unref()
    }
  }

  #assign(): void {
    for (const slot of this.#slots) {
      if (this.#queue.length === 0) return
      if (!slot.ready || slot.job !== null || slot.retired) continue
      const job = this.#queue.shift()!
      slot.job = job
      slot.lastAttempts = Atomics.load(slot.progress, kAttempts)
      slot.since = performance.now()
      Atomics.store(slot.progress, kEvent, 0)
      const message: JobMessage = { id: job.id, texts: job.texts, events: job.events }
      slot.worker.postMessage(message)
    }
  }

  #watch(): void {
    const now = performance.now()
    for (const slot of this.#slots) {
      const job = slot.job
      if (job === null || slot.retired) continue
      const attempts = Atomics.load(slot.progress, kAttempts)
      if (attempts !== slot.lastAttempts) {
        slot.lastAttempts = attempts
        slot.since = now
        continue
      }
      if (now - slot.since < this.#timeoutMs) continue
      const event = Atomics.load(slot.progress, kEvent)
      if (event < 0 || event >= job.events) continue
      this.#kill(slot, job, event)
    }
  }

  /** Terminates a worker stuck on `event`, and re-runs the batch without that event. */
  #kill(slot: Slot, job: Job, event: number): void {
    slot.retired = true
    slot.job = null
    void slot.worker.terminate()
    job.timedOut.push(event)
    for (let f = 0; f < job.width; f++) job.texts[event * job.width + f] = null
    this.#slots[this.#slots.indexOf(slot)] = this.#spare ?? this.#spawn(0)
    // The next spare starts once this batch is done: starting a thread now
    // would compete for CPU with the batch we are trying to finish.
    this.#spare = null
    this.#onTimeout?.()
    this.#queue.unshift(job)
    this.#dispatch()
  }

  #allReady(): boolean {
    return this.#slots.every((s) => s.ready) && (this.#spare === null || this.#spare.ready)
  }

  /** Resolves once every worker (and the spare) has compiled its patterns; rejects if they cannot start. */
  ready(): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken)
    if (this.#allReady()) return Promise.resolve()
    return new Promise((resolve, reject) => {
      this.#readyWaiters.push(resolve)
      // a pool that breaks while we wait rejects through run(); poll that state cheaply
      const check = setInterval(() => {
        if (this.#broken || this.#closed) {
          clearInterval(check)
          reject(this.#broken ?? new ClosedError('grok worker pool closed'))
        }
      }, 50)
      this.#readyWaiters.push(() => clearInterval(check))
    })
  }

  /** Matches a batch. `texts` is row-major with `texts.length / events` entries per event. */
  run(texts: (string | null)[], events: number): Promise<BatchOutcome> {
    if (this.#closed) return Promise.reject(new ClosedError('grok worker pool is closed'))
    if (this.#broken) return Promise.reject(this.#broken)
    if (events === 0) return Promise.resolve({ hits: [], timedOut: [] })
    const { promise, resolve, reject } = Promise.withResolvers<BatchOutcome>()
    const job: Job = { id: this.#nextId++, texts, events, width: texts.length / events, timedOut: [], crashes: 0, resolve, reject }
    this.#queue.push(job)
    this.#dispatch()
    return promise
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    clearInterval(this.#timer)
    const closed = new ClosedError('grok worker pool closed')
    for (const j of this.#queue.splice(0)) j.reject(closed)
    const exits: Promise<number>[] = []
    if (this.#spare !== null) {
      this.#spare.retired = true
      exits.push(this.#spare.worker.terminate())
      this.#spare = null
    }
    for (const slot of this.#slots) {
      slot.retired = true
      slot.job?.reject(closed)
      slot.job = null
      exits.push(slot.worker.terminate())
    }
    await Promise.all(exits)
  }
}
