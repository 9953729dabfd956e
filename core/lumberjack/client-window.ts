import { inflateSync } from 'node:zlib'
import { COMPRESSED_HEADER_BYTES, WINDOW_FRAME_BYTES } from './frame-types.ts'
import { encodeFramedWindowAsync, encodeWindowAsync, jsonFramePayloads, type FramedWindow } from './frame-encoder.ts'

// A window on the writer side: its events (payloads, or `2J` frames already
// laid out back to back) and how far they are acknowledged. After a partial
// ACK and a lost connection only the unacknowledged tail is resent,
// renumbered from 1 (protocols.md §A.4).

export interface SendGroup {
  remaining: number
  resolve: () => void
  reject: (err: Error) => void
}

type Encoded = (err: Error | null, parts: Buffer[]) => void

export class PendingWindow {
  readonly group: SendGroup
  /** Events in the window. */
  readonly size: number
  #payloads: readonly (string | Buffer)[] | undefined
  #framed: FramedWindow | undefined
  /** The whole window compressed (offset 0), kept once the framed window's buffer was released. */
  #wholeCompressed: Buffer[] | undefined
  /** Events [0, offset) were acknowledged on an earlier connection. */
  offset = 0
  /** Acknowledged within the current attempt (relative to offset). */
  acked = 0
  attempts = 0
  #parts: Buffer[] | undefined
  #partsOffset = -1
  #compressing: Encoded[] | undefined
  #compressingOffset = -1
  /** Wire bytes for the current attempt, set by the connection when compression finishes. */
  wire: Buffer[] | undefined
  /** The connection attempt `wire` belongs to. */
  wireGen = -1

  constructor(events: readonly (string | Buffer)[] | FramedWindow, group: SendGroup) {
    this.group = group
    if (Array.isArray(events)) {
      this.#payloads = events
      this.size = events.length
    } else {
      this.#framed = events as FramedWindow
      this.size = this.#framed.count
    }
  }

  /** Frames still to send in this attempt. */
  get count(): number {
    return this.size - this.offset
  }

  /**
   * The unacknowledged events as payloads. A framed window is split only on
   * this rare path (a resend after a partial ACK); if its buffer was already
   * released, its frames come back from the compressed copy.
   */
  #rest(): readonly (string | Buffer)[] {
    if (this.#payloads === undefined) {
      const frames = this.#framed !== undefined ? this.#framed.frames : inflateSync(Buffer.concat(this.#wholeCompressed!.slice(1)))
      this.#payloads = jsonFramePayloads(frames)
    }
    return this.offset === 0 ? this.#payloads : this.#payloads.slice(this.offset)
  }

  /**
   * The wire bytes for the unacknowledged part, compressed off the main
   * thread; cached while offset is unchanged, and shared with a precompress()
   * under way. `done` may run synchronously (cached, or level 0). The parts
   * are written back to back.
   */
  encodeAsync(level: number, done: Encoded): void {
    const offset = this.offset
    if (this.#parts !== undefined && this.#partsOffset === offset) {
      done(null, this.#parts)
      return
    }
    if (this.#compressing !== undefined && this.#compressingOffset === offset) {
      this.#compressing.push(done)
      return
    }
    const waiters = [done]
    this.#compressing = waiters
    this.#compressingOffset = offset
    const finished: Encoded = (err, parts) => {
      if (this.#compressing === waiters) this.#compressing = undefined
      if (!err && this.offset === offset) {
        this.#parts = parts
        this.#partsOffset = offset
      }
      if (!err && offset === 0 && level > 0) this.#releaseFrames(parts)
      for (const w of waiters) w(err, parts)
    }
    if (offset === 0 && this.#wholeCompressed !== undefined) finished(null, this.#wholeCompressed)
    else if (offset === 0 && this.#framed !== undefined) encodeFramedWindowAsync(this.#framed, level, finished)
    else encodeWindowAsync(this.#rest(), level, finished)
  }

  // The compressed whole window stands in for the caller's frames from now on.
  #releaseFrames(parts: Buffer[]): void {
    const framed = this.#framed
    if (framed?.release === undefined || parts.length < 2 || parts[0]!.length !== WINDOW_FRAME_BYTES + COMPRESSED_HEADER_BYTES) return
    this.#wholeCompressed = parts
    this.#framed = undefined
    framed.release()
  }

  /** Starts compressing while the window still waits for a connection slot. */
  precompress(level: number): void {
    if (level <= 0 || this.#compressing !== undefined || (this.#parts !== undefined && this.#partsOffset === this.offset)) return
    this.encodeAsync(level, () => {})
  }

  /** The connection was lost: keep what was acknowledged, resend the rest. */
  rewind(): void {
    this.offset += this.acked
    this.acked = 0
  }

  /** Drop the cached encoding once sent and acknowledged. */
  release(): void {
    this.#parts = undefined
    this.#wholeCompressed = undefined
    this.wire = undefined
  }
}
