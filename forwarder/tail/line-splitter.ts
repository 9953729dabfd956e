// Newline search over the bytes of a file, with exact byte offsets.
//
// A chunk read at the splitter's current offset is searched with
// Buffer#indexOf; complete lines are handed to the sink as subarrays of the
// read buffer (no copy, no view object). A partial last line is carried over (copied once,
// bounded by maxLineBytes) until its newline arrives. Bytes beyond
// maxLineBytes are skipped and counted; the line is still emitted (marked
// truncated) when its newline arrives, so offsets stay exact.

export interface LineSink {
  /**
   * One complete line: `buf[start, stop)`, without its terminator (`\n` or
   * `\r\n`), only valid during the call (no view is allocated per line).
   * `offset` is the file offset of the line's first byte, `end` the offset
   * just after its `\n`.
   */
  line(buf: Buffer, start: number, stop: number, offset: number, end: number, truncated: boolean): void
}

const LF = 0x0a
const CR = 0x0d

export class LineSplitter {
  readonly #max: number
  #offset = 0 // file offset of the first byte not yet part of an emitted line
  #carry: Buffer
  #carryLen = 0
  #skipped = 0 // bytes of the current line dropped beyond max
  /** Total bytes dropped from overlong lines. */
  skippedBytes = 0
  /** Lines that were cut at maxLineBytes. */
  truncatedLines = 0

  constructor(maxLineBytes: number, offset = 0) {
    this.#max = maxLineBytes
    this.#offset = offset
    this.#carry = Buffer.allocUnsafe(Math.min(maxLineBytes, 4096))
  }

  /** File offset of the start of the pending (incomplete) line, i.e. how far lines have been cut. */
  get offset(): number {
    return this.#offset
  }

  /** Bytes read but not yet part of a complete line (carried plus skipped). */
  get pendingBytes(): number {
    return this.#carryLen + this.#skipped
  }

  /** Forgets any partial line and continues at `offset` (truncation, reopen). */
  reset(offset: number): void {
    this.#offset = offset
    this.#carryLen = 0
    this.#skipped = 0
    if (this.#carry.length > 65536) this.#carry = Buffer.allocUnsafe(4096)
  }

  /** Splits `chunk`, the next bytes of the file after everything pushed so far. */
  push(chunk: Buffer, sink: LineSink): void {
    let start = 0
    const len = chunk.length
    while (start < len) {
      const nl = chunk.indexOf(LF, start)
      if (nl === -1) {
        this.#hold(chunk, start, len)
        return
      }
      if (this.#carryLen === 0 && this.#skipped === 0) {
        // Fast path: the whole line is inside this chunk.
        let stop = nl
        if (stop > start && chunk[stop - 1] === CR) stop--
        const lineStart = this.#offset
        const end = lineStart + (nl + 1 - start)
        this.#offset = end
        if (stop - start > this.#max) {
          this.truncatedLines++
          this.skippedBytes += stop - start - this.#max
          sink.line(chunk, start, start + this.#max, lineStart, end, true)
        } else {
          sink.line(chunk, start, stop, lineStart, end, false)
        }
      } else {
        this.#hold(chunk, start, nl)
        this.#emitCarried(sink)
      }
      start = nl + 1
    }
  }

  // Appends chunk[from, to) to the carried partial line, up to max bytes.
  #hold(chunk: Buffer, from: number, to: number): void {
    const room = this.#max + 1 - this.#carryLen // keep one byte past max so a trailing CR can be judged
    const take = Math.max(0, Math.min(room, to - from))
    if (take > 0) {
      const need = this.#carryLen + take
      if (need > this.#carry.length) {
        const grown = Buffer.allocUnsafe(Math.min(this.#max + 1, Math.max(need, this.#carry.length * 2)))
        this.#carry.copy(grown, 0, 0, this.#carryLen)
        this.#carry = grown
      }
      chunk.copy(this.#carry, this.#carryLen, from, from + take)
      this.#carryLen += take
    }
    this.#skipped += to - from - take
  }

  // The newline arrived: the line is the carried bytes plus what was skipped.
  #emitCarried(sink: LineSink): void {
    const lineStart = this.#offset
    const total = this.#carryLen + this.#skipped // bytes of the line before its \n, across chunks
    const end = lineStart + total + 1
    let keep = this.#carryLen
    let truncated = false
    if (this.#skipped === 0) {
      if (keep > 0 && this.#carry[keep - 1] === CR) keep-- // CR LF terminator
      if (keep > this.#max) {
        truncated = true
        this.skippedBytes += keep - this.#max
        keep = this.#max
      }
    } else {
      truncated = true
      keep = this.#max
      this.skippedBytes += total - this.#max
    }
    if (truncated) this.truncatedLines++
    this.#offset = end
    this.#carryLen = 0
    this.#skipped = 0
    sink.line(this.#carry, 0, keep, lineStart, end, truncated)
  }
}
