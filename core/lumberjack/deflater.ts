import { constants, createDeflate, type Deflate } from 'node:zlib'

// zlib streams that are kept and reset between windows, rather than
// zlib.deflate(), which makes a new stream per call: ~270 KiB of deflate
// state allocated and freed, and a fresh output buffer, for every window.
// Those buffers are external memory that V8 only frees at a full GC, so at
// 100+ windows a second they kept the heap collecting and RSS several MiB
// above the live set.
//
// A WindowDeflate compresses one window, fed in pieces as they are written
// (the forwarder's batcher hands over each 128 KiB of frames as it fills, so
// a window never lies uncompressed in memory whole) or all at once; the
// compression runs in libuv's threadpool. finish() ends the zlib stream
// (Z_FINISH), reset() (deflateReset: same memory, fresh stream) readies it
// for the next window, and it goes back to a small idle list per level.

/**
 * zlib's output buffer size. Small, so each buffer is full and dropped within
 * a window or two and dies young (freed at a scavenge); with 128 KiB ones,
 * held across several windows, enough outlived the young generation to swing
 * RSS by 2-4 MiB between full GCs. The forwarder copies each finished window
 * out of them (Batcher), so their size costs no extra copy.
 */
const CHUNK_BYTES = 32 << 10
/** Idle streams kept per level; more are made while more windows compress at once, and closed after. */
const KEEP_PER_LEVEL = 2

type DeflateDone = (err: Error | null, body: Buffer[], bodyBytes: number) => void

export class WindowDeflate {
  readonly level: number
  readonly #stream: Deflate
  #chunks: Buffer[] = []
  #bytes = 0
  #failed: Error | undefined

  constructor(level: number) {
    this.level = level
    this.#stream = createDeflate({ level, chunkSize: CHUNK_BYTES })
    this.#stream.on('data', (c: Buffer) => {
      this.#chunks.push(c)
      this.#bytes += c.length
    })
    this.#stream.on('error', (err: Error) => {
      this.#failed = err
    })
  }

  /** Compresses `input` as the window's next bytes; `consumed` runs once zlib no longer reads it. */
  write(input: Buffer, consumed: () => void): void {
    this.#stream.write(input, consumed)
  }

  /** Ends the window with `last` (may be empty): `done` gets the whole zlib stream, then this stream is reused. */
  finish(last: Buffer, done: DeflateDone, consumed?: () => void): void {
    if (last.length > 0) this.#stream.write(last, consumed)
    else consumed?.()
    this.#stream.flush(constants.Z_FINISH, ((err?: Error | null) => {
      const chunks = this.#chunks
      const bytes = this.#bytes
      this.#chunks = []
      this.#bytes = 0
      const failure = err ?? this.#failed
      if (failure !== undefined) {
        this.#stream.destroy()
        done(failure, [], 0)
        return
      }
      this.#stream.reset()
      release(this)
      done(null, chunks, bytes)
    }) as () => void)
  }

  close(): void {
    this.#stream.destroy()
  }
}

const idle = new Map<number, WindowDeflate[]>()

function release(d: WindowDeflate): void {
  const list = idle.get(d.level)
  if (list === undefined) idle.set(d.level, [d])
  else if (list.length < KEEP_PER_LEVEL) list.push(d)
  else d.close()
}

/** A stream for one window at `level` (1–9), idle or new. */
export function openDeflate(level: number): WindowDeflate {
  return idle.get(level)?.pop() ?? new WindowDeflate(level)
}

/** zlib-compresses `input` at `level` in the threadpool; `done` gets the body as the stream's output chunks and its length. */
export function deflatePooled(input: Buffer, level: number, done: DeflateDone): void {
  openDeflate(level).finish(input, done)
}

/** Idle streams kept, per level (tests). */
export function idleDeflaters(level: number): number {
  return idle.get(level)?.length ?? 0
}
