import { constants, createDeflate, type Deflate } from 'node:zlib'

// Compresses Lumberjack windows off the main thread with zlib streams that
// are kept and reset between windows, rather than zlib.deflate(), which makes
// a new stream per call: ~270 KiB of deflate state allocated and freed, and a
// fresh output buffer, for every window. Those buffers are external memory
// that V8 only frees at a full GC, so at 100+ windows a second they kept the
// heap collecting and RSS several MiB above the live set.
//
// Each stream is made with `flush: Z_FINISH`, so one write() is one complete
// zlib stream; reset() (deflateReset: same memory, fresh stream) readies it
// for the next window. A stream serves one window at a time; a few idle ones
// are kept per level (compressions run at most pipelining × hosts + 1 at once).

/** Output chunk size: a window's body usually takes one or two threadpool round trips. */
const CHUNK_BYTES = 128 << 10
/** Idle streams kept per level; more are made when more windows compress at once, and closed after. */
const KEEP_PER_LEVEL = 2

type Done = (err: Error | null, body: Buffer[], bodyBytes: number) => void

class PooledDeflate {
  readonly level: number
  readonly #stream: Deflate
  #chunks: Buffer[] = []
  #bytes = 0
  #failed: Error | undefined

  constructor(level: number) {
    this.level = level
    this.#stream = createDeflate({ level, flush: constants.Z_FINISH, chunkSize: CHUNK_BYTES })
    this.#stream.on('data', (c: Buffer) => {
      this.#chunks.push(c)
      this.#bytes += c.length
    })
    this.#stream.on('error', (err: Error) => {
      this.#failed = err
    })
  }

  run(input: Buffer, done: Done): void {
    this.#chunks = []
    this.#bytes = 0
    this.#stream.write(input, (err) => {
      const failure = err ?? this.#failed
      const chunks = this.#chunks
      const bytes = this.#bytes
      this.#chunks = []
      if (failure) {
        this.#stream.destroy()
        done(failure, [], 0)
        return
      }
      this.#stream.reset()
      release(this)
      done(null, chunks, bytes)
    })
  }

  close(): void {
    this.#stream.destroy()
  }
}

const idle = new Map<number, PooledDeflate[]>()

function release(d: PooledDeflate): void {
  const list = idle.get(d.level)
  if (list === undefined) idle.set(d.level, [d])
  else if (list.length < KEEP_PER_LEVEL) list.push(d)
  else d.close()
}

/**
 * zlib-compresses `input` at `level` (1–9) in libuv's threadpool. `done` gets
 * the body as the stream's output chunks (written back to back, no
 * concatenation copy) and its length.
 */
export function deflatePooled(input: Buffer, level: number, done: Done): void {
  const d = idle.get(level)?.pop() ?? new PooledDeflate(level)
  d.run(input, done)
}

/** Idle streams kept, per level (tests). */
export function idleDeflaters(level: number): number {
  return idle.get(level)?.length ?? 0
}
