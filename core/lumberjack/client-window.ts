import { encodeWindow, encodeWindowAsync } from './frame-encoder.ts'

// A window on the writer side: the payloads of one Lumberjack batch and how
// far they are acknowledged. After a partial ACK and a lost connection only
// the unacknowledged tail is resent, renumbered from 1 (protocols.md §A.4).

export interface SendGroup {
  remaining: number
  resolve: () => void
  reject: (err: Error) => void
}

export class PendingWindow {
  readonly payloads: readonly (string | Buffer)[]
  readonly group: SendGroup
  /** payloads[0..offset) were acknowledged on an earlier connection. */
  offset = 0
  /** Acknowledged within the current attempt (relative to offset). */
  acked = 0
  attempts = 0
  #encoded: Buffer | undefined
  #encodedOffset = -1
  #parts: Buffer[] | undefined
  #partsOffset = -1
  /** Wire bytes for the current attempt, set by the connection when compression finishes. */
  wire: Buffer[] | undefined
  /** The connection attempt `wire` belongs to. */
  wireGen = -1

  constructor(payloads: readonly (string | Buffer)[], group: SendGroup) {
    this.payloads = payloads
    this.group = group
  }

  /** Frames still to send in this attempt. */
  get count(): number {
    return this.payloads.length - this.offset
  }

  /** The wire bytes for the unacknowledged part; cached while offset is unchanged. */
  encode(level: number): Buffer {
    if (this.#encoded === undefined || this.#encodedOffset !== this.offset) {
      this.#encoded = encodeWindow(this.offset === 0 ? this.payloads : this.payloads.slice(this.offset), level)
      this.#encodedOffset = this.offset
    }
    return this.#encoded
  }

  /**
   * The same bytes as encode(), compressed off the main thread; `done` may run
   * synchronously (cached, or level 0). The parts are written back to back.
   */
  encodeAsync(level: number, done: (err: Error | null, parts: Buffer[]) => void): void {
    const offset = this.offset
    if (this.#parts !== undefined && this.#partsOffset === offset) {
      done(null, this.#parts)
      return
    }
    encodeWindowAsync(offset === 0 ? this.payloads : this.payloads.slice(offset), level, (err, parts) => {
      if (!err && this.offset === offset) {
        this.#parts = parts
        this.#partsOffset = offset
      }
      done(err, parts)
    })
  }

  /** The connection was lost: keep what was acknowledged, resend the rest. */
  rewind(): void {
    this.offset += this.acked
    this.acked = 0
  }

  /** Drop the cached encoding once sent and acknowledged. */
  release(): void {
    this.#encoded = undefined
    this.#parts = undefined
    this.wire = undefined
  }
}
