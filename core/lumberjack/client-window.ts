import { encodeWindowAsync, encodedWindowFrames, encodedWindowParts, jsonFramePayloads, type EncodedWindow } from './frame-encoder.ts'

// A window on the writer side: its events (payloads, or the window already in
// wire form, see EncodedWindow) and how far they are acknowledged. After a partial
// ACK and a lost connection only the unacknowledged tail is resent,
// renumbered from 1 (docs/protocols/lumberjack.md §4).

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
  #encoded: EncodedWindow | undefined
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

  constructor(events: readonly (string | Buffer)[] | EncodedWindow, group: SendGroup) {
    this.group = group
    if (Array.isArray(events)) {
      this.#payloads = events
      this.size = events.length
    } else {
      this.#encoded = events as EncodedWindow
      this.size = this.#encoded.count
    }
  }

  /** Frames still to send in this attempt. */
  get count(): number {
    return this.size - this.offset
  }

  /**
   * The unacknowledged events as payloads. An encoded window is split (and
   * inflated) only on this rare path: a resend after a partial ACK.
   */
  #rest(): readonly (string | Buffer)[] {
    if (this.#payloads === undefined) this.#payloads = jsonFramePayloads(encodedWindowFrames(this.#encoded!))
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
      for (const w of waiters) w(err, parts)
    }
    if (offset === 0 && this.#encoded !== undefined) finished(null, encodedWindowParts(this.#encoded))
    else encodeWindowAsync(this.#rest(), level, finished)
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
    this.#encoded = undefined
    this.#payloads = undefined
    this.wire = undefined
  }
}
