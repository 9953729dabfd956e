import type { Logger } from '../../core/logger.ts'
import { LogyardError } from '../../core/errors.ts'
import type { AckTarget } from './acker.ts'
import type { Publisher } from './publisher.ts'
import { JSON_HEADER_BYTES } from '../../core/lumberjack/frame-types.ts'
import { writeJsonFrameHeader, type FramedWindow } from '../../core/lumberjack/frame-encoder.ts'

const EMPTY = Buffer.alloc(0)

// Cuts encoded events into windows (batch_size events, batch_bytes bytes, or
// batch_linger after the first event) and hands them to the publisher while it
// is not busy. A cut batch waits in a short queue while the publisher is
// busy; `blocked` is then true and the tailer stops reading (style.md §F):
// the logs wait on disk, memory stays flat.

export interface BatcherOptions {
  batchSize: number
  batchBytes: number
  linger: number
  /** Reading also pauses while cut-but-unsent plus current batches hold more encoded bytes than this. */
  maxPendingBytes?: number
  logger: Logger
}

// A batch is one buffer of `2J` frames numbered 1..count, written in place as
// events are encoded (the 10-byte header first, then the event's JSON), so
// the Lumberjack client compresses it as it is: no per-event objects, no
// copy. Buffers are batch_bytes plus headroom (only the pages written are
// resident) and go back to a free list of BUFFERS_KEPT as soon as the output
// has compressed the window (FramedWindow.release), or else once the batch is
// settled (acknowledged, or failed at shutdown): at full speed the forwarder
// fills several a second, and fresh buffers cost page faults and V8
// external-memory GCs.
const BUFFERS_KEPT = 2
const HEADROOM = 64 << 10

export class Batch {
  buf: Buffer
  /** Bytes of frames written. */
  pos = 0
  count = 0
  readonly targets: AckTarget[] = []
  done = false
  created = 0
  constructor(buf: Buffer) {
    this.buf = buf
  }

  /** The batch as the publisher gets it; `release` hands the buffer back early (see FramedWindow). */
  window(release: () => void): FramedWindow {
    return { count: this.count, frames: this.buf.subarray(0, this.pos), release }
  }
}

export class Batcher {
  readonly #publisher: Publisher
  readonly #o: BatcherOptions
  readonly #bufBytes: number
  readonly #maxPending: number
  readonly #free: Buffer[] = []
  #current: Batch
  readonly #queue: Batch[] = []
  #queuedBytes = 0
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
    this.#bufBytes = options.batchBytes + HEADROOM
    this.#maxPending = options.maxPendingBytes ?? Infinity
    this.#current = new Batch(this.#takeBuffer(0))
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
    return this.#queue.length > 0 || this.#queuedBytes + this.#current.pos > this.#maxPending
  }

  #takeBuffer(need: number): Buffer {
    if (need > this.#bufBytes) return Buffer.allocUnsafeSlow(need) // one huge event: a buffer of its own, not kept
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(this.#bufBytes)
  }

  /** The batch's bytes are no longer needed: compressed by the output, or the batch is settled. Idempotent. */
  #release(b: Batch): void {
    if (b.buf === EMPTY) return
    if (b.buf.length === this.#bufBytes && this.#free.length < BUFFERS_KEPT) this.#free.push(b.buf)
    b.buf = EMPTY
  }

  /**
   * The current batch's buffer with room for an event of up to `n` JSON bytes
   * (and its frame header) at eventPos. A full batch is cut first.
   */
  reserve(n: number): Buffer {
    const b = this.#current
    if (b.buf.length - b.pos < JSON_HEADER_BYTES + n) {
      if (b.count > 0) this.cut()
      const c = this.#current
      if (c.buf.length - c.pos < JSON_HEADER_BYTES + n) {
        this.#release(c)
        c.buf = this.#takeBuffer(JSON_HEADER_BYTES + n)
      }
    }
    return this.#current.buf
  }

  /** Where the next event's JSON goes (after its frame header) in reserve()'s buffer. */
  get eventPos(): number {
    return this.#current.pos + JSON_HEADER_BYTES
  }

  /** The bytes from eventPos to `endPos` (written after reserve()) are one event. */
  commit(endPos: number, target: AckTarget, end: number): void {
    const b = this.#current
    const head = b.pos
    writeJsonFrameHeader(b.buf, head, b.count + 1, endPos - head - JSON_HEADER_BYTES)
    b.pos = endPos
    this.#added(b, target, end)
  }

  /** An event given as JSON text (multiline events, lines that were not valid UTF-8) or bytes. */
  add(payload: string | Buffer, target: AckTarget, end: number): void {
    const len = typeof payload === 'string' ? Buffer.byteLength(payload) : payload.length
    const out = this.reserve(len)
    const at = this.eventPos
    if (typeof payload === 'string') out.write(payload, at, len, 'utf8')
    else payload.copy(out, at)
    this.commit(at + len, target, end)
  }

  #added(b: Batch, target: AckTarget, end: number): void {
    if (b.count++ === 0) {
      b.created = Date.now()
      if (this.#lingerTimer === undefined && !this.#closed) this.#armLinger(this.#o.linger)
    }
    if (target.acks.add(b, end)) b.targets.push(target)
    if (b.count >= this.#o.batchSize || b.pos >= this.#o.batchBytes) this.cut()
  }

  /** Closes the current batch and sends it (or queues it while the publisher is busy). */
  cut(): void {
    const b = this.#current
    if (b.count === 0) return
    this.#current = new Batch(this.#takeBuffer(0))
    if (this.#queue.length === 0 && !this.#publisher.busy && !this.#closedHard) this.#send(b)
    else {
      this.#queue.push(b)
      this.#queuedBytes += b.pos
    }
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
    if (b.count === 0) return
    const age = now - b.created
    if (age >= this.#o.linger) this.cut()
    else if (this.#lingerTimer === undefined && !this.#closed) this.#armLinger(this.#o.linger - age)
  }

  #pumpQueue(): void {
    const wasBlocked = this.#queue.length > 0
    while (this.#queue.length > 0 && !this.#publisher.busy && !this.#closedHard) {
      const b = this.#queue.shift()!
      this.#queuedBytes -= b.pos
      this.#send(b)
    }
    if (wasBlocked && this.#queue.length === 0) this.onUnblocked()
  }

  #closedHard = false

  #send(b: Batch): void {
    this.#inflight++
    this.eventsSent += b.count
    this.#publisher.sendFrames(b.window(() => this.#release(b))).then(
      () => this.#acked(b),
      (err: unknown) => this.#failed(b, err),
    )
  }

  #acked(b: Batch): void {
    this.#inflight--
    b.done = true
    this.eventsAcked += b.count
    this.batchesAcked++
    for (const t of b.targets) {
      const end = t.acks.settle()
      if (end >= 0) t.acked(end)
    }
    this.onAcked(b)
    // Files may still reference this batch in their ack order; the events need not stay alive.
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
