import { Worker } from 'node:worker_threads'
import { ClosedError, LogyardError } from '../../../core/errors.ts'
import { kAttempts, kEvent } from './plan.ts'
import type { BatchHits, PlanSpec } from './plan.ts'
import type { JobMessage, WorkerInit, WorkerMessage } from './match-worker.ts'

// A small pool of grok worker threads with a watchdog, shared by the grok
// stages of a process (each registers its plan; threads are not multiplied
// by the number of grok stages).
//
// A JavaScript RegExp cannot be interrupted, so a pattern that backtracks
// catastrophically would freeze the thread running it. Matching therefore runs
// in worker threads, one batch per message (the hop is paid per batch, not per
// event). Each worker counts its regex attempts in shared memory; a watchdog
// tick on the main thread sees when the counter stops moving for longer than
// the job's budget, terminates that worker, marks the event it was on as timed
// out, hands the batch (without that event) to a spare worker started in
// advance, and starts a new spare once the pool is idle again. A runaway event
// therefore costs about the budget, and the other events of the batch and
// later batches are matched normally.

interface BatchOutcome {
  hits: BatchHits
  /** Indexes of events whose matching was stopped by the watchdog. */
  timedOut: number[]
}

interface PlanEntry {
  spec: PlanSpec
  /** Budget of one regex attempt, ms. */
  timeoutMs: number
  onTimeout: (() => void) | undefined
}

interface Job {
  id: number
  plan: number
  texts: (string | null)[]
  events: number
  width: number
  timeoutMs: number
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
/** Watchdog tick while jobs run: bounds the overshoot past a budget. */
const kTickMs = 10

const shared = new Map<number, GrokWorkerPool>()

export class GrokWorkerPool {
  readonly #size: number
  readonly #plans = new Map<number, PlanEntry>()
  readonly #slots: Slot[] = []
  /** A started, idle worker that replaces a terminated one at once, so a timeout does not also cost a thread start. */
  #spare: Slot | null = null
  readonly #queue: Job[] = []
  #timer: NodeJS.Timeout | undefined
  #nextId = 1
  #nextPlan = 1
  #readyWaiters: { resolve: () => void; reject: (err: Error) => void }[] = []
  #closed = false
  #broken: Error | undefined
  /** Worker threads started, including restarts (for tests and metrics). */
  started = 0

  /** The process-wide pool of `size` threads; released when its last plan is. */
  static shared(size: number): GrokWorkerPool {
    let pool = shared.get(size)
    if (pool === undefined || pool.#closed) {
      pool = new GrokWorkerPool(size)
      shared.set(size, pool)
    }
    return pool
  }

  constructor(size: number) {
    this.#size = Math.max(1, size)
  }

  #start(): void {
    if (this.#slots.length > 0 || this.#broken) return
    for (let i = 0; i < this.#size; i++) this.#slots.push(this.#spawn(0))
    this.#spare = this.#spawn(0)
  }

  #spawn(failedStarts: number): Slot {
    const progress = new Int32Array(new SharedArrayBuffer(8))
    const init: WorkerInit = { plans: [...this.#plans].map(([id, p]) => [id, p.spec]), progress: progress.buffer as SharedArrayBuffer }
    const worker = new Worker(kWorkerUrl, { workerData: init })
    this.started++
    const slot: Slot = { worker, progress, ready: false, job: null, lastAttempts: 0, since: 0, retired: false, failedStarts }
    worker.on('message', (msg: WorkerMessage) => this.#onMessage(slot, msg))
    worker.on('error', () => {}) // the exit handler decides what happens next
    worker.on('exit', () => this.#onExit(slot))
    worker.unref() // after the listeners: an idle pool never keeps the process alive
    return slot
  }

  /** Adds a stage's plan; every worker compiles it. Returns the id to run batches with. */
  register(spec: PlanSpec, timeoutMs: number, onTimeout?: () => void): number {
    if (this.#closed) throw new ClosedError('grok worker pool is closed')
    if (!(timeoutMs > 0)) throw new RangeError('a grok plan needs a positive timeoutMs')
    const id = this.#nextPlan++
    this.#plans.set(id, { spec, timeoutMs, onTimeout })
    for (const slot of this.#live()) slot.worker.postMessage({ plan: id, spec })
    this.#start()
    return id
  }

  /** Removes a plan; the pool closes with its last plan. */
  async release(id: number): Promise<void> {
    if (!this.#plans.delete(id)) return
    for (const slot of this.#live()) slot.worker.postMessage({ drop: id })
    if (this.#plans.size === 0) await this.close()
  }

  #live(): Slot[] {
    const out = this.#slots.filter((s) => !s.retired)
    if (this.#spare !== null) out.push(this.#spare)
    return out
  }

  #onMessage(slot: Slot, msg: WorkerMessage): void {
    if (slot.retired) return
    if ('ready' in msg) {
      slot.ready = true
      slot.failedStarts = 0
      this.#dispatch()
      if (this.#allReady()) {
        this.#spare?.worker.unref()
        for (const w of this.#readyWaiters.splice(0)) w.resolve()
      }
      return
    }
    const job = slot.job
    if (job === null || msg.id !== job.id) return
    slot.job = null
    if ('error' in msg) job.reject(new LogyardError('LY_CONFIG', `grok worker could not compile the plan: ${msg.error}`))
    else job.resolve({ hits: msg.hits, timedOut: job.timedOut })
    this.#dispatch()
    if (this.#spare === null && !this.#broken && !this.#closed && this.#queue.length === 0) this.#spare = this.#spawn(0)
  }

  #onExit(slot: Slot): void {
    if (slot.retired || this.#closed) return
    slot.retired = true
    const failedStarts = slot.ready ? 0 : slot.failedStarts + 1
    if (slot === this.#spare) {
      this.#spare = failedStarts >= 3 ? null : this.#spawn(failedStarts)
      return
    }
    // An unexpected exit: a crash in the worker. Retry its batch on a new
    // worker twice, then give up on that batch; stop respawning a worker
    // that cannot even start.
    const job = slot.job
    slot.job = null
    const index = this.#slots.indexOf(slot)
    if (failedStarts >= 3) {
      this.#broken = new LogyardError('LY_CONFIG', 'grok worker thread failed to start three times')
      this.#slots.splice(index, 1)
      for (const j of this.#queue.splice(0)) j.reject(this.#broken)
      job?.reject(this.#broken)
      for (const w of this.#readyWaiters.splice(0)) w.reject(this.#broken)
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
    // Workers (and the watchdog tick) keep the process alive only while there is work.
    const active = this.#queue.length > 0 || this.#slots.some((s) => s.job !== null)
    for (const slot of this.#slots) {
      if (active) slot.worker.ref()
      else slot.worker.unref()
    }
    if (active && this.#timer === undefined) {
      this.#timer = setInterval(() => this.#watch(), kTickMs)
    } else if (!active && this.#timer !== undefined) {
      clearInterval(this.#timer)
      this.#timer = undefined
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
      const message: JobMessage = { id: job.id, plan: job.plan, texts: job.texts, events: job.events }
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
      if (now - slot.since < job.timeoutMs) continue
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
    // The next spare starts once the pool is idle: starting a thread now
    // would compete for CPU with the batch we are trying to finish.
    this.#spare = null
    this.#plans.get(job.plan)?.onTimeout?.()
    this.#queue.unshift(job)
    this.#dispatch()
  }

  #allReady(): boolean {
    return this.#slots.length > 0 && this.#slots.every((s) => s.ready) && (this.#spare === null || this.#spare.ready)
  }

  /** Resolves once every worker (and the spare) has started; rejects if they cannot start. */
  ready(): Promise<void> {
    if (this.#broken) return Promise.reject(this.#broken)
    if (this.#closed) return Promise.reject(new ClosedError('grok worker pool is closed'))
    if (this.#allReady()) return Promise.resolve()
    // Starting threads keep the process alive while someone waits for them.
    for (const slot of this.#live()) slot.worker.ref()
    return new Promise((resolve, reject) => this.#readyWaiters.push({ resolve, reject }))
  }

  /** Matches a batch with a registered plan. `texts` is row-major with `texts.length / events` entries per event. */
  run(plan: number, texts: (string | null)[], events: number): Promise<BatchOutcome> {
    if (this.#closed) return Promise.reject(new ClosedError('grok worker pool is closed'))
    if (this.#broken) return Promise.reject(this.#broken)
    const entry = this.#plans.get(plan)
    if (entry === undefined) return Promise.reject(new ClosedError(`grok plan ${plan} was released`))
    if (events === 0) return Promise.resolve({ hits: [], timedOut: [] })
    const { promise, resolve, reject } = Promise.withResolvers<BatchOutcome>()
    const job: Job = { id: this.#nextId++, plan, texts, events, width: texts.length / events, timeoutMs: entry.timeoutMs, timedOut: [], crashes: 0, resolve, reject }
    this.#queue.push(job)
    this.#dispatch()
    return promise
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    if (shared.get(this.#size) === this) shared.delete(this.#size)
    if (this.#timer !== undefined) clearInterval(this.#timer)
    this.#timer = undefined
    const closed = new ClosedError('grok worker pool closed')
    for (const j of this.#queue.splice(0)) j.reject(closed)
    for (const w of this.#readyWaiters.splice(0)) w.reject(closed)
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
