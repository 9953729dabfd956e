import type { MultilineConfig } from '../config.ts'

// Joins lines into events the way Filebeat's multiline reader does:
//   match: after  — a continuation line is appended to the line before it
//   match: before — a continuation line is prepended to the line after it
// A line is a continuation when `pattern.test(line) !== negate`. At most
// max_lines lines are kept (later ones are dropped from the message, their
// bytes still count for offsets) and the message is cut at max_bytes of UTF-8.

export interface EventSink {
  event(message: string, offset: number, end: number, lines: number, truncated: boolean): void
}

export class Multiline {
  readonly #re: RegExp
  readonly #negate: boolean
  readonly #after: boolean
  readonly #maxLines: number
  readonly #maxBytes: number
  readonly #parts: string[] = []
  #bytes = 0
  #lines = 0
  #offset = 0
  #end = 0
  #truncated = false
  /** Date.now() of the last line added; the app's coarse tick flushes after `timeout`. */
  lastPush = 0
  readonly timeout: number

  constructor(config: MultilineConfig) {
    this.#re = new RegExp(config.pattern)
    this.#negate = config.negate
    this.#after = config.match === 'after'
    this.#maxLines = config.max_lines
    this.#maxBytes = config.max_bytes
    this.timeout = config.timeout
  }

  get pending(): boolean {
    return this.#lines > 0
  }

  /** Offset of the first line held, or -1. */
  get pendingOffset(): number {
    return this.#lines > 0 ? this.#offset : -1
  }

  push(line: string, byteLength: number, offset: number, end: number, truncated: boolean, sink: EventSink, now: number): void {
    const continuation = this.#re.test(line) !== this.#negate
    this.lastPush = now
    if (this.#after) {
      if (!continuation || this.#lines === 0) this.flush(sink)
      this.#add(line, byteLength, offset, end, truncated)
    } else {
      this.#add(line, byteLength, offset, end, truncated)
      if (!continuation) this.flush(sink)
    }
  }

  #add(line: string, byteLength: number, offset: number, end: number, truncated: boolean): void {
    if (this.#lines === 0) {
      this.#offset = offset
      this.#bytes = 0
      this.#truncated = false
    }
    this.#end = end
    this.#lines++
    if (truncated) this.#truncated = true
    if (this.#parts.length >= this.#maxLines) {
      this.#truncated = true
      return
    }
    const sep = this.#parts.length > 0 ? 1 : 0
    const room = this.#maxBytes - this.#bytes - sep
    if (room <= 0) {
      this.#truncated = true
      return
    }
    if (byteLength > room) {
      // Cut on bytes: encode, slice, decode (rare path). A cut inside a
      // multi-byte character becomes U+FFFD, like any invalid byte.
      line = Buffer.from(line, 'utf8').subarray(0, room).toString('utf8')
      byteLength = room
      this.#truncated = true
    }
    this.#parts.push(line)
    this.#bytes += byteLength + sep
  }

  /** Emits the held event, if any. */
  flush(sink: EventSink): void {
    if (this.#lines === 0) return
    const message = this.#parts.length === 1 ? this.#parts[0]! : this.#parts.join('\n')
    const lines = this.#lines
    this.#parts.length = 0
    this.#lines = 0
    sink.event(message, this.#offset, this.#end, lines, this.#truncated)
  }

  /** Drops a held event (file truncated under it). */
  reset(): void {
    this.#parts.length = 0
    this.#lines = 0
  }
}
