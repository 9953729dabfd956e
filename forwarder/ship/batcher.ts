import type { Logger } from '../../core/logger.ts'
import { LogyardError } from '../../core/errors.ts'
import type { AckTarget } from './acker.ts'
import type { Publisher } from './publisher.ts'
import { JSON_HEADER_BYTES } from '../../core/lumberjack/frame-types.ts'
import { writeJsonFrameHeader, type EncodedWindow } from '../../core/lumberjack/frame-encoder.ts'
import { openDeflate, type WindowDeflate } from '../../core/lumberjack/deflater.ts'
import { FixedBufferPool, SizedBufferPool } from '../../core/buffer-pool.ts'

const EMPTY = Buffer.alloc(0)

// Cuts encoded events into windows (batch_size events, batch_bytes bytes, or
// batch_linger after the first event) and hands them to the publisher while it
// is not busy. A cut batch waits in a short queue while the publisher is
// busy; `blocked` is then true and the tailer stops reading (back-pressure by refusal, no unbounded queue):
// the logs wait on disk, memory stays flat.

interface BatcherOptions {
  batchSize: number
  batchBytes: number
  linger: number
  /** zlib level of the windows (output.compression_level); 0 sends raw frames. */
  compressionLevel?: number
  /** Reading also pauses while cut-but-unsent plus current batches hold more encoded bytes than this. */
  maxPendingBytes?: number
  logger: Logger
}

// A batch is written as Lumberjack `2J` frames numbered 1..count, in place as
// events are encoded (the 10-byte header, then the event's JSON), into
// 128 KiB chunks: no per-event objects, no copy. With compression on, each
// chunk goes to the batch's zlib stream (core/lumberjack/deflater.ts, in the
// threadpool) as soon as it is full and comes back to a free list once zlib
// has read it, so a window never lies uncompressed in memory whole: a few
// chunks in flight instead of 1+ MiB per window being filled, queued or
// compressed. At level 0 the chunks are the window's body until it is
// settled. The publisher gets the window in wire form.
const CHUNK_BYTES = 128 << 10
/** Free chunks kept. */
const CHUNKS_KEPT = 12
/** Reading pauses while more chunks than this wait for zlib. */
const MAX_CHUNKS_IN_ZLIB = 2
// A finished compressed window is copied out of zlib's output buffers into
// one of a few kept buffers, reused once the window is settled: zlib's
// buffers then die young (freed at the next scavenge) instead of living until
// the ACK and lingering as external garbage until a full GC (2-4 MiB of RSS
// swing). Kept: windows in flight (pipelining × hosts + 1) and the queue.
const ZBUFS_KEPT = 6
const ZBUF_STEP = 64 << 10
const ZBUF_MAX_BYTES = 4 << 20

function copyChunks(chunks: readonly Buffer[], into: Buffer): void {
  let at = 0
  for (const c of chunks) {
    into.set(c, at)
    at += c.length
  }
}

class Batch {
  /** The chunk being written, and the bytes of frames in it. */
  chunk: Buffer = EMPTY
  pos = 0
  /** Bytes of frames in the whole batch. */
  bytes = 0
  count = 0
  maxEvent = 0
  /** Level 0: the frames in each filled chunk (the window's body), and the chunks, back to the free list once settled. */
  readonly raw: Buffer[] = []
  readonly rawChunks: Buffer[] = []
  deflate: WindowDeflate | undefined
  /** The compressed window's buffer (ZBUFS_KEPT). */
  zbuf: Buffer | undefined
  /** Set once the window is in wire form (compressed: when zlib finished). */
  window: EncodedWindow | undefined
  failed: Error | undefined
  readonly targets: AckTarget[] = []
  done = false
  created = 0
}

export class Batcher {
  readonly #publisher: Publisher
  readonly #o: BatcherOptions
  readonly #level: number
  readonly #maxPending: number
  readonly #chunks = new FixedBufferPool(CHUNK_BYTES, CHUNKS_KEPT)
  readonly #zbufs = new SizedBufferPool(ZBUFS_KEPT, ZBUF_STEP, ZBUF_MAX_BYTES)
  #current: Batch
  /** Cut batches not yet handed to the publisher (oldest first; the head may still be compressing). */
  readonly #queue: Batch[] = []
  #queuedBytes = 0
  #inflight = 0
  #inZlib = 0
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
    this.#level = Math.min(9, Math.max(0, options.compressionLevel ?? 0))
    this.#maxPending = options.maxPendingBytes ?? Infinity
    this.#current = new Batch()
    this.#onDrain = this.#pumpQueue.bind(this)
    publisher.on('drain', this.#onDrain)
  }

  /** Batches handed to the publisher and not yet acknowledged. */
  get inflight(): number {
    return this.#inflight
  }

  /** Cut batches not yet handed to the publisher (compressing, or waiting for it). */
  get queued(): number {
    return this.#queue.length
  }

  /**
   * True → stop reading files until onUnblocked: a cut batch waits for the
   * publisher, or zlib lags behind, or max_pending_bytes is reached.
   */
  get blocked(): boolean {
    const q = this.#queue.length
    const blocked = q > 1 || (q === 1 && this.#publisher.busy) || this.#inZlib > MAX_CHUNKS_IN_ZLIB || this.#queuedBytes + this.#current.bytes > this.#maxPending
    if (blocked) this.#sawBlocked = true
    return blocked
  }

  #sawBlocked = false

  #settled(b: Batch): void {
    b.window = undefined
    for (const c of b.rawChunks) this.#chunks.give(c)
    b.rawChunks.length = 0
    if (b.zbuf !== undefined) this.#zbufs.give(b.zbuf)
    b.zbuf = undefined
  }

  /** The current chunk's frames are complete: to zlib (the chunk comes back once read), or kept as body (level 0). */
  #seal(b: Batch, last: boolean): void {
    const chunk = b.chunk
    const frames = chunk.subarray(0, b.pos)
    b.chunk = EMPTY
    b.pos = 0
    if (this.#level === 0) {
      if (frames.length > 0) {
        b.raw.push(frames)
        b.rawChunks.push(chunk)
      } else if (chunk !== EMPTY) this.#chunks.give(chunk)
      if (last) b.window = { count: b.count, body: b.raw, bodyBytes: b.bytes, compressed: false, maxEventBytes: b.maxEvent }
      return
    }
    b.deflate ??= openDeflate(this.#level)
    let consumed: (() => void) | undefined
    if (frames.length > 0) {
      this.#inZlib++
      consumed = () => {
        this.#inZlib--
        this.#chunks.give(chunk)
        this.#maybeUnblocked()
      }
    } else if (chunk !== EMPTY) this.#chunks.give(chunk)
    if (!last) {
      if (consumed !== undefined) b.deflate.write(frames, consumed)
      return
    }
    b.deflate.finish(
      frames,
      (err, body, bodyBytes) => {
        b.deflate = undefined
        if (err) b.failed = err
        else {
          b.zbuf = this.#zbufs.take(bodyBytes)
          copyChunks(body, b.zbuf)
          b.window = { count: b.count, body: [b.zbuf.subarray(0, bodyBytes)], bodyBytes, compressed: true, maxEventBytes: b.maxEvent }
        }
        this.#pumpQueue()
      },
      consumed,
    )
  }

  /**
   * The current batch's chunk with room for an event of up to `n` JSON bytes
   * (and its frame header) at eventPos. A full chunk is sealed first.
   */
  reserve(n: number): Buffer {
    const b = this.#current
    const need = JSON_HEADER_BYTES + n
    if (b.chunk.length - b.pos < need) {
      if (b.pos > 0) this.#seal(b, false)
      else if (b.chunk !== EMPTY) this.#chunks.give(b.chunk)
      b.chunk = this.#chunks.take(need)
    }
    return b.chunk
  }

  /** Where the next event's JSON goes (after its frame header) in reserve()'s buffer. */
  get eventPos(): number {
    return this.#current.pos + JSON_HEADER_BYTES
  }

  /** The bytes from eventPos to `endPos` (written after reserve()) are one event. */
  commit(endPos: number, target: AckTarget, end: number): void {
    const b = this.#current
    const head = b.pos
    const len = endPos - head - JSON_HEADER_BYTES
    writeJsonFrameHeader(b.chunk, head, b.count + 1, len)
    if (len > b.maxEvent) b.maxEvent = len
    b.bytes += endPos - head
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
    if (b.count >= this.#o.batchSize || b.bytes >= this.#o.batchBytes) this.cut()
  }

  /** Closes the current batch and sends it (or queues it while it compresses or the publisher is busy). */
  cut(): void {
    const b = this.#current
    if (b.count === 0) return
    this.#current = new Batch()
    this.#queue.push(b)
    this.#queuedBytes += b.bytes
    this.#seal(b, true)
    this.#pumpQueue()
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

  // Hands ready batches to the publisher, in order, while it takes them.
  #pumpQueue(): void {
    while (this.#queue.length > 0 && !this.#closedHard) {
      const b = this.#queue[0]!
      if (b.failed === undefined && (b.window === undefined || this.#publisher.busy)) break
      this.#queue.shift()
      this.#queuedBytes -= b.bytes
      this.#inflight++
      if (b.failed !== undefined) this.#failed(b, b.failed)
      else this.#send(b)
    }
    this.#maybeUnblocked()
  }

  // onUnblocked once per time the reader saw `blocked` true.
  #maybeUnblocked(): void {
    if (this.#sawBlocked && !this.blocked) {
      this.#sawBlocked = false
      this.onUnblocked()
    }
  }

  #closedHard = false

  #send(b: Batch): void {
    this.eventsSent += b.count
    this.#publisher.sendEncoded(b.window!).then(
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
    this.#settled(b)
    this.#checkIdle()
    this.#pumpQueue()
  }

  #failed(b: Batch, err: unknown): void {
    this.#inflight--
    this.sendErrors++
    // The window is not acknowledged: its files' checkpoints stay behind it, so
    // the lines are read again after a restart. Only ClosedError is expected here.
    this.#settled(b)
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
