import { encodeWindow } from './frame-encoder.ts'

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

  /** The connection was lost: keep what was acknowledged, resend the rest. */
  rewind(): void {
    this.offset += this.acked
    this.acked = 0
  }

  /** Drop the cached encoding once sent and acknowledged. */
  release(): void {
    this.#encoded = undefined
  }
}
