import type { Logger } from '../../core/logger.ts'
import { LogyardError } from '../../core/errors.ts'
import type { AckTarget } from './acker.ts'
import type { Publisher } from './publisher.ts'

// Cuts encoded events into windows (batch_size events, batch_bytes bytes, or
// batch_linger after the first event) and hands them to the publisher while it
// is not busy. A cut batch waits in a short queue while the publisher is
// busy; `blocked` is then true and the tailer stops reading (style.md §F):
// the logs wait on disk, memory stays flat.

export interface BatcherOptions {
  batchSize: number
  batchBytes: number
  linger: number
  logger: Logger
}

// Single-line events are written as bytes into shared 1 MiB arenas; a payload
// is a subarray, so an arena lives until every batch using it is settled
// (acknowledged, or failed at shutdown). Then, unless it is still the one being
// written, it goes back to a small free list: at full speed the forwarder
// fills several arenas a second, and fresh 1 MiB buffers cost page faults and
// V8 external-memory GCs.
const ARENA_BYTES = 1 << 20
const ARENAS_KEPT = 2

class Arena {
  readonly buf: Buffer
  /** Unsettled batches with payloads in this arena. */
  refs = 0
  constructor(bytes: number) {
    this.buf = Buffer.allocUnsafeSlow(bytes)
  }
}

export class Batch {
  readonly payloads: (string | Buffer)[] = []
  readonly targets: AckTarget[] = []
  /** Arenas holding this batch's byte payloads (each counted once in its refs). */
  readonly arenas: Arena[] = []
  bytes = 0
  done = false
  created = 0
}

export class Batcher {
  readonly #publisher: Publisher
  readonly #o: BatcherOptions
  #current = new Batch()
  readonly #queue: Batch[] = []
  #inflight = 0
  #closed = false
  readonly #onDrain: () => void
  readonly #idleWaiters: (() => void)[] = []
  /** Called after a batch was acknowledged and its files' checkpoints moved. */
  onAcked: (batch: Batch) => void = () => {}
  /** Called when `blocked` turns false. */
  onUnblocked: () => void = () => {}
  eventsSent = 0
  eventsAcked = 0
  batchesAcked = 0
  sendErrors = 0

  constructor(publisher: Publisher, options: BatcherOptions) {
    this.#publisher = publisher
    this.#o = options
    this.#onDrain = this.#pumpQueue.bind(this)
    publisher.on('drain', this.#onDrain)
  }

  /** Batches handed to the publisher and not yet acknowledged. */
  get inflight(): number {
    return this.#inflight
  }

  /** Cut batches waiting for the publisher. */
  get queued(): number {
    return this.#queue.length
  }

  /** True → stop reading files until onUnblocked. */
  get blocked(): boolean {
    return this.#queue.length > 0
  }

  #arena = new Arena(ARENA_BYTES)
  #pos = 0
  readonly #freeArenas: Arena[] = []

  /** An output buffer with at least `n` free bytes from `arenaPos`. */
  reserve(n: number): Buffer {
    if (this.#arena.buf.length - this.#pos < n) {
      const old = this.#arena
      const free = this.#freeArenas
      this.#arena = free.length > 0 && free[free.length - 1]!.buf.length >= n ? free.pop()! : new Arena(Math.max(ARENA_BYTES, n))
      this.#pos = 0
      if (old.refs === 0) this.#recycle(old)
    }
    return this.#arena.buf
  }

  #recycle(a: Arena): void {
    if (a.buf.length === ARENA_BYTES && this.#freeArenas.length < ARENAS_KEPT) this.#freeArenas.push(a)
  }

  /** A settled batch no longer needs its arenas' bytes. */
  #release(b: Batch): void {
    for (const a of b.arenas) if (--a.refs === 0 && a !== this.#arena) this.#recycle(a)
    b.arenas.length = 0
  }

  get arenaPos(): number {
    return this.#pos
  }

  /** The bytes from arenaPos to `endPos` (written after reserve()) are one event. */
  commit(endPos: number, target: AckTarget, end: number): void {
    const arena = this.#arena
    const payload = arena.buf.subarray(this.#pos, endPos)
    this.#pos = endPos
    const arenas = this.#current.arenas
    if (arenas.length === 0 || arenas[arenas.length - 1] !== arena) {
      arena.refs++
      arenas.push(arena)
    }
    this.add(payload, target, end)
  }

  add(payload: string | Buffer, target: AckTarget, end: number): void {
    const b = this.#current
    if (b.payloads.length === 0) {
      b.created = Date.now()
      if (this.#lingerTimer === undefined && !this.#closed) this.#armLinger(this.#o.linger)
    }
    b.payloads.push(payload)
    b.bytes += payload.length
    if (target.acks.add(b, end)) b.targets.push(target)
    if (b.payloads.length >= this.#o.batchSize || b.bytes >= this.#o.batchBytes) this.cut()
  }

  /** Closes the current batch and sends it (or queues it while the publisher is busy). */
  cut(): void {
    const b = this.#current
    if (b.payloads.length === 0) return
    this.#current = new Batch()
    if (this.#queue.length === 0 && !this.#publisher.busy && !this.#closedHard) this.#send(b)
    else this.#queue.push(b)
  }

  // One timer at a time, not one per batch: at full speed batches fill long
  // before it fires; when it fires it cuts the current batch if that is old
  // enough, else waits for the rest of that batch's linger.
  #lingerTimer: NodeJS.Timeout | undefined

  #armLinger(ms: number): void {
    this.#lingerTimer = setTimeout(() => {
      this.#lingerTimer = undefined
      this.tick(Date.now())
    }, ms)
    this.#lingerTimer.unref()
  }

  /** Sends a partial batch older than the linger time (the linger timer calls this). */
  tick(now: number): void {
    const b = this.#current
    if (b.payloads.length === 0) return
    const age = now - b.created
    if (age >= this.#o.linger) this.cut()
    else if (this.#lingerTimer === undefined && !this.#closed) this.#armLinger(this.#o.linger - age)
  }

  #pumpQueue(): void {
    const wasBlocked = this.#queue.length > 0
    while (this.#queue.length > 0 && !this.#publisher.busy && !this.#closedHard) {
      const b = this.#queue.shift()!
      this.#send(b)
    }
    if (wasBlocked && this.#queue.length === 0) this.onUnblocked()
  }

  #closedHard = false

  #send(b: Batch): void {
    this.#inflight++
    this.eventsSent += b.payloads.length
    this.#publisher.send(b.payloads).then(
      () => this.#acked(b),
      (err: unknown) => this.#failed(b, err),
    )
  }

  #acked(b: Batch): void {
    this.#inflight--
    b.done = true
    this.eventsAcked += b.payloads.length
    this.batchesAcked++
    for (const t of b.targets) {
      const end = t.acks.settle()
      if (end >= 0) t.acked(end)
    }
    this.onAcked(b)
    // Files may still reference this batch in their ack order; the events need not stay alive.
    b.payloads.length = 0
    b.targets.length = 0
    this.#release(b)
    this.#checkIdle()
    this.#pumpQueue()
  }

  #failed(b: Batch, err: unknown): void {
    this.#inflight--
    this.sendErrors++
    // The window is not acknowledged: its files' checkpoints stay behind it, so
    // the lines are read again after a restart. Only ClosedError is expected here.
    b.payloads.length = 0
    this.#release(b)
    const code = LogyardError.is(err) ? err.code : 'LY_CONNECTION'
    this.#o.logger.warn({ code, err: (err as Error)?.message }, 'window not acknowledged')
    this.#checkIdle()
  }

  #checkIdle(): void {
    if (this.#inflight === 0 && this.#queue.length === 0) {
      const waiters = this.#idleWaiters.splice(0)
      for (const w of waiters) w()
    }
  }

  /** Sends what is held and waits until every batch is acknowledged or `deadline` (ms since epoch) passes. Returns true when all were acked. */
  async drain(deadline: number): Promise<boolean> {
    this.cut()
    if (this.#inflight === 0 && this.#queue.length === 0) return true
    let timer: NodeJS.Timeout | undefined
    const done = await Promise.race([
      new Promise<boolean>((resolve) => this.#idleWaiters.push(() => resolve(true))),
      new Promise<boolean>((resolve) => {
        timer = setTimeout(() => resolve(false), Math.max(0, deadline - Date.now()))
      }),
    ])
    clearTimeout(timer)
    return done
  }

  close(): void {
    if (this.#closed) return
    this.#closed = true
    this.#closedHard = true
    clearTimeout(this.#lingerTimer)
    this.#publisher.off('drain', this.#onDrain)
  }
}
