import { inflateSync } from 'node:zlib'
import { LimitError, ProtocolError, type LogyardError } from '../errors.ts'
import { checkThreshold, defaultEventLimits, eventLimitBroken, limitedEvent } from './event-limits.ts'
import {
  COMPRESSED_HEADER_BYTES,
  DATA_HEADER_BYTES,
  describeBadVersion,
  FrameType,
  JSON_HEADER_BYTES,
  Version,
  WINDOW_FRAME_BYTES,
} from './frame-types.ts'

// Reader side of Lumberjack v1/v2 (docs/protocols/lumberjack.md §2, §6). Streaming: bytes
// arrive in chunks split anywhere; chunks are only collected (not copied)
// until the next frame is complete, then joined once. Every length is checked
// against a limit before anything is allocated for it, and a `C` frame is
// inflated with a hard output cap, so one connection can hold at most
// ~maxFrameBytes buffered plus maxInflatedBytes inflated.
//
// Accepted, as Logstash does: `W`, `J`, `C` (zlib; inside it any run of
// complete frames, including `W` and a nested `C`), v1 `D`; raw and compressed
// frames mixed in one window; sequence numbers that do not start at 1 (the
// batch reports the highest seq seen). `W 0` yields an empty batch (answer A 0).
// Rejected with ProtocolError: bad version byte, unknown/`A` frame types, J
// with length 0 or a payload that is not a JSON object, D with 0 pairs, data
// outside a window, a new `W` before the previous window was complete, J in a
// v1 batch or D in a v2 batch, a `C` that is not zlib or ends inside a frame.
// Rejected with LimitError: window > maxWindow, frame > maxFrameBytes, inflated
// > maxInflatedBytes, batch payload bytes > maxBatchBytes.

export interface DecoderLimits {
  /** Largest `J`/`C`/`D` frame accepted (payload bytes). */
  maxFrameBytes: number
  /** Largest total output of inflating one top-level `C` frame (nested ones included). */
  maxInflatedBytes: number
  /** Largest window (`W` count) accepted; Beats sends ≤ bulk_max_size (2048). */
  maxWindow: number
  /** Largest sum of event payload bytes in one batch. */
  maxBatchBytes: number
  /** Deepest nesting in one event; deeper events are replaced (core/lumberjack/event-limits.ts). */
  maxEventDepth: number
  /** Most keys + array elements in one event; more and it is replaced. */
  maxEventEntries: number
}

export const defaultDecoderLimits: Readonly<DecoderLimits> = Object.freeze({
  maxFrameBytes: 16 * 1024 * 1024,
  maxInflatedBytes: 64 * 1024 * 1024,
  maxWindow: 65536,
  maxBatchBytes: 64 * 1024 * 1024,
  maxEventDepth: defaultEventLimits.maxDepth,
  maxEventEntries: defaultEventLimits.maxEntries,
})

export interface DecodedBatch {
  version: 1 | 2
  events: Record<string, unknown>[]
  highestSeq: number
  /** Sum of the event payload bytes (J payloads, D frame bodies). */
  bytes: number
  /** Events replaced because they broke max_event_depth / max_event_entries. */
  limited: { depth: number; entries: number } | undefined
}

interface OpenBatch {
  batch: DecodedBatch
  window: number
}

const kMaxNesting = 3 // C inside C inside C …
const kMaxPairs = 65536 // v1 D frame key/value pairs

function frameTypeName(t: number): string {
  return t >= 0x20 && t < 0x7f ? `'${String.fromCharCode(t)}' (${t})` : String(t)
}

/**
 * zlib's output chunk for a compressed frame: room for `ratio`× its size plus a
 * quarter and 16 KiB, 64 KiB to 4 MiB and never over the budget. `ratio` is
 * what this connection's previous frame inflated by (32× before the first:
 * log windows compress 10–25×). A window that fits one chunk is inflated in
 * one call with no concatenation: 0.18 ms instead of 0.51 ms for a 750 KiB
 * window of 2,048 events with the default 16 KiB chunks (measured). The result
 * is a slice of the chunk, so the margin is memory held while the window is
 * decoded, and counted by V8 as external memory: a fixed 32× allocated ~3.4×
 * what the bench's windows inflated to (794 MiB for 231 MiB in 204 windows),
 * and that volume is what started most of the aggregator's full garbage
 * collections (12 of 18, flagged ALL_EXTERNAL_MEMORY).
 */
function inflateChunk(compressed: number, ratio: number, budget: number): number {
  // zlib's own floor is 64 bytes; a budget below 64 KiB caps the chunk too
  return Math.max(64, Math.min(Math.max(Math.ceil(compressed * ratio * 1.25) + 16 * 1024, 64 * 1024), 4 * 1024 * 1024, budget))
}

export class FrameDecoder {
  readonly #limits: DecoderLimits
  // Bytes of an incomplete frame, kept in one buffer grown by doubling, so a
  // frame trickled in many small reads is copied O(n) times in total, not
  // once per read (a 4.5 MB frame in 80k pieces cost 42 s of CPU before).
  #acc: Buffer = Buffer.alloc(0)
  #have = 0
  // Where the scan of an incomplete D frame at the start of #acc stopped:
  // pairs read (k) and the offset of the next length field (q), so the next
  // read resumes there instead of rescanning every pair.
  #dScanK = 0
  #dScanQ = 0
  /** Bytes that must be buffered before parsing can progress. */
  #need = 2
  /** Stream offset of the first buffered byte. */
  #offset = 0
  #eventCheckMin: number
  #open: OpenBatch | undefined
  #inflateBudget = 0
  /** What the last compressed frame inflated by (inflated / compressed bytes): sizes the next one's chunk. */
  #ratio = 32
  #failed: LogyardError | undefined

  constructor(limits: Partial<DecoderLimits> = {}) {
    this.#limits = { ...defaultDecoderLimits, ...limits }
    this.#eventCheckMin = checkThreshold({ maxDepth: this.#limits.maxEventDepth, maxEntries: this.#limits.maxEventEntries })
  }

  get limits(): Readonly<DecoderLimits> {
    return this.#limits
  }

  /** Bytes held while waiting for the rest of a frame. */
  get buffered(): number {
    return this.#have
  }

  /** True while a window has been announced and not all of its frames arrived. */
  get inWindow(): boolean {
    return this.#open !== undefined
  }

  /** Feeds bytes; returns the batches completed by them. Throws ProtocolError | LimitError (and keeps throwing it). */
  push(chunk: Buffer): DecodedBatch[] {
    if (this.#failed) throw this.#failed
    if (chunk.length === 0) return []
    let buf: Buffer
    if (this.#have === 0 && chunk.length >= this.#need) {
      buf = chunk // nothing pending: parse the read in place
    } else {
      this.#append(chunk)
      if (this.#have < this.#need) return []
      buf = this.#acc.subarray(0, this.#have)
    }
    const out: DecodedBatch[] = []
    let used: number
    try {
      used = this.#parse(buf, 0, out, 0)
    } catch (err) {
      this.#failed = err as LogyardError
      this.#acc = Buffer.alloc(0)
      this.#have = 0
      throw err
    }
    this.#offset += used
    if (used === buf.length) {
      this.#have = 0
      if (this.#acc.length > 1024 * 1024) this.#acc = Buffer.alloc(0) // do not keep a large frame's buffer
    } else if (buf !== chunk) {
      // buf is #acc: move the incomplete frame to its start
      if (used > 0) {
        this.#acc.copyWithin(0, used, this.#have)
        this.#have -= used
      }
    } else {
      this.#have = 0
      this.#append(buf.subarray(used))
    }
    return out
  }

  #append(chunk: Buffer): void {
    const need = this.#have + chunk.length
    if (need > this.#acc.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.#acc.length * 2, 64 * 1024))
      this.#acc.copy(grown, 0, 0, this.#have)
      this.#acc = grown
    }
    chunk.copy(this.#acc, this.#have)
    this.#have = need
  }

  /**
   * Parses complete frames from `buf[start..]`. At depth 0 returns where the
   * first incomplete frame starts and sets #need; inside a C frame an
   * incomplete frame is an error.
   */
  #parse(buf: Buffer, start: number, out: DecodedBatch[], depth: number): number {
    const end = buf.length
    let p = start
    for (;;) {
      const avail = end - p
      if (avail === 0) {
        this.#need = 2
        return p
      }
      const version = buf[p]!
      if (version !== Version.v2 && version !== Version.v1) throw new ProtocolError(describeBadVersion(version), { offset: this.#at(p, depth) })
      if (avail < 2) return this.#incomplete(p, 2, depth)
      const type = buf[p + 1]!
      switch (type) {
        case FrameType.window: {
          if (avail < WINDOW_FRAME_BYTES) return this.#incomplete(p, WINDOW_FRAME_BYTES, depth)
          this.#window(version, buf.readUInt32BE(p + 2), out, this.#at(p, depth))
          p += WINDOW_FRAME_BYTES
          break
        }
        case FrameType.json: {
          if (avail < JSON_HEADER_BYTES) return this.#incomplete(p, JSON_HEADER_BYTES, depth)
          const len = buf.readUInt32BE(p + 6)
          if (len === 0) throw new ProtocolError('JSON frame with length 0', { offset: this.#at(p, depth) })
          if (len > this.#limits.maxFrameBytes) throw new LimitError(`JSON frame of ${len} bytes exceeds max_frame_bytes ${this.#limits.maxFrameBytes}`, { offset: this.#at(p, depth) })
          if (avail < JSON_HEADER_BYTES + len) return this.#incomplete(p, JSON_HEADER_BYTES + len, depth)
          this.#json(version, buf.readUInt32BE(p + 2), buf, p + JSON_HEADER_BYTES, len, out, this.#at(p, depth))
          p += JSON_HEADER_BYTES + len
          break
        }
        case FrameType.compressed: {
          if (avail < COMPRESSED_HEADER_BYTES) return this.#incomplete(p, COMPRESSED_HEADER_BYTES, depth)
          const len = buf.readUInt32BE(p + 2)
          if (len === 0) throw new ProtocolError('compressed frame with length 0', { offset: this.#at(p, depth) })
          if (len > this.#limits.maxFrameBytes) throw new LimitError(`compressed frame of ${len} bytes exceeds max_frame_bytes ${this.#limits.maxFrameBytes}`, { offset: this.#at(p, depth) })
          if (avail < COMPRESSED_HEADER_BYTES + len) return this.#incomplete(p, COMPRESSED_HEADER_BYTES + len, depth)
          if (depth >= kMaxNesting) throw new ProtocolError(`compressed frames nested deeper than ${kMaxNesting}`, { offset: this.#at(p, depth) })
          if (depth === 0) this.#inflateBudget = this.#limits.maxInflatedBytes
          const inner = this.#inflate(buf.subarray(p + COMPRESSED_HEADER_BYTES, p + COMPRESSED_HEADER_BYTES + len), this.#at(p, depth))
          this.#parse(inner, 0, out, depth + 1)
          p += COMPRESSED_HEADER_BYTES + len
          break
        }
        case FrameType.data: {
          if (avail < DATA_HEADER_BYTES) return this.#incomplete(p, DATA_HEADER_BYTES, depth)
          const size = this.#dataFrameSize(buf, p)
          if (size < 0) return this.#incomplete(p, -size, depth)
          this.#data(version, buf, p, size, out, this.#at(p, depth))
          p += size
          break
        }
        case FrameType.ack:
          throw new ProtocolError('ACK frame received from a writer', { offset: this.#at(p, depth) })
        default:
          throw new ProtocolError(`invalid frame type ${frameTypeName(type)}`, { offset: this.#at(p, depth) })
      }
    }
  }

  #at(p: number, depth: number): number | undefined {
    return depth === 0 ? this.#offset + p : undefined
  }

  #incomplete(p: number, need: number, depth: number): number {
    if (depth > 0) throw new ProtocolError('insufficient bytes in compressed content: it ends inside a frame')
    this.#need = need
    return p
  }

  #inflate(data: Buffer, offset: number | undefined): Buffer {
    const budget = this.#inflateBudget
    if (budget <= 0) throw new LimitError(`compressed frame inflates to more than max_inflated_bytes ${this.#limits.maxInflatedBytes}`, { offset })
    let out: Buffer
    try {
      out = inflateSync(data, { maxOutputLength: budget, chunkSize: inflateChunk(data.length, this.#ratio, budget) })
    } catch (err) {
      if ((err as { code?: string }).code === 'ERR_BUFFER_TOO_LARGE') {
        throw new LimitError(`compressed frame inflates to more than max_inflated_bytes ${this.#limits.maxInflatedBytes}`, { offset })
      }
      const hint = data[0] === 0x1f && data[1] === 0x8b ? ' (a gzip stream; Lumberjack needs zlib)' : ''
      throw new ProtocolError(`compressed frame is not a valid zlib stream${hint}: ${(err as Error).message}`, { offset })
    }
    this.#inflateBudget = budget - out.length
    if (data.length > 0) this.#ratio = Math.max(1, out.length / data.length)
    return out
  }

  #window(version: number, count: number, out: DecodedBatch[], offset: number | undefined): void {
    if (count > this.#limits.maxWindow) throw new LimitError(`window of ${count} events exceeds max_window ${this.#limits.maxWindow}`, { offset })
    const open = this.#open
    if (open && open.batch.events.length > 0) {
      throw new ProtocolError(`window frame after ${open.batch.events.length} of ${open.window} announced events`, { offset })
    }
    const batch: DecodedBatch = { version: version === Version.v1 ? 1 : 2, events: [], highestSeq: 0, bytes: 0, limited: undefined }
    if (count === 0) {
      this.#open = undefined
      out.push(batch)
      return
    }
    this.#open = { batch, window: count }
  }

  #add(open: OpenBatch, seq: number, event: Record<string, unknown>, bytes: number, out: DecodedBatch[], offset: number | undefined): void {
    const batch = open.batch
    batch.bytes += bytes
    if (batch.bytes > this.#limits.maxBatchBytes) throw new LimitError(`batch exceeds max_batch_bytes ${this.#limits.maxBatchBytes}`, { offset })
    batch.events.push(event)
    if (seq > batch.highestSeq) batch.highestSeq = seq
    if (batch.events.length === open.window) {
      this.#open = undefined
      out.push(batch)
    }
  }

  #json(version: number, seq: number, buf: Buffer, start: number, len: number, out: DecodedBatch[], offset: number | undefined): void {
    const open = this.#open
    if (!open) throw new ProtocolError('JSON frame outside a window (no W frame before it)', { offset })
    if (version !== Version.v2 || open.batch.version !== 2) throw new ProtocolError('JSON frame in a v1 batch', { offset })
    // Logstash reads every payload into a Map: it must be an object. Check the
    // first non-blank byte before paying for JSON.parse.
    let i = start
    const end = start + len
    while (i < end && (buf[i] === 0x20 || buf[i] === 0x0a || buf[i] === 0x0d || buf[i] === 0x09)) i++
    if (buf[i] !== 0x7b) throw new ProtocolError('JSON frame payload is not a JSON object', { offset })
    let event: Record<string, unknown>
    try {
      event = JSON.parse(buf.toString('utf8', start, end)) as Record<string, unknown>
    } catch (err) {
      throw new ProtocolError(`JSON frame payload is not valid JSON: ${(err as Error).message}`, { offset })
    }
    if (len >= this.#eventCheckMin) {
      const limits = { maxDepth: this.#limits.maxEventDepth, maxEntries: this.#limits.maxEventEntries }
      const broken = eventLimitBroken(event, limits)
      if (broken !== undefined) {
        event = limitedEvent(event, broken, limits)
        const l = (open.batch.limited ??= { depth: 0, entries: 0 })
        l[broken]++
      }
    }
    this.#add(open, seq, event, len, out, offset)
  }

  /** Total size of the D frame at p, or −(bytes needed) when incomplete. */
  #dataFrameSize(buf: Buffer, p: number): number {
    const pairs = buf.readUInt32BE(p + 6)
    if (pairs === 0) throw new ProtocolError('data frame with 0 key/value pairs', { offset: this.#at(p, 0) })
    if (pairs > kMaxPairs) throw new LimitError(`data frame with ${pairs} pairs exceeds ${kMaxPairs}`, { offset: this.#at(p, 0) })
    const end = buf.length
    // resume an earlier scan of this same frame (only at the start of the pending bytes)
    const resume = p === 0 && buf.buffer === this.#acc.buffer && this.#dScanQ > 0
    let q = resume ? this.#dScanQ : p + DATA_HEADER_BYTES
    let k = resume ? this.#dScanK : 0
    for (; k < pairs * 2; k++) {
      if (end - q < 4) return this.#dIncomplete(buf, p, k, q, -(q - p + 4))
      const len = buf.readUInt32BE(q)
      if (q - p + 4 + len > this.#limits.maxFrameBytes) throw new LimitError(`data frame exceeds max_frame_bytes ${this.#limits.maxFrameBytes}`, { offset: this.#at(p, 0) })
      if (end - q - 4 < len) return this.#dIncomplete(buf, p, k, q, -(q - p + 4 + len))
      q += 4 + len
    }
    this.#dScanK = 0
    this.#dScanQ = 0
    return q - p
  }

  #dIncomplete(buf: Buffer, p: number, k: number, q: number, result: number): number {
    // The incomplete frame will be at the start of #acc on the next read; remember where its scan stopped.
    if (buf.buffer === this.#acc.buffer && p === 0) {
      this.#dScanK = k
      this.#dScanQ = q
    } else {
      this.#dScanK = 0
      this.#dScanQ = 0
    }
    return result
  }

  #data(version: number, buf: Buffer, p: number, size: number, out: DecodedBatch[], offset: number | undefined): void {
    const open = this.#open
    if (!open) throw new ProtocolError('data frame outside a window (no W frame before it)', { offset })
    if (version !== Version.v1 || open.batch.version !== 1) throw new ProtocolError('data (D) frame in a v2 batch', { offset })
    const seq = buf.readUInt32BE(p + 2)
    const pairs = buf.readUInt32BE(p + 6)
    const event: Record<string, unknown> = {}
    let q = p + DATA_HEADER_BYTES
    for (let k = 0; k < pairs; k++) {
      const kl = buf.readUInt32BE(q)
      const key = buf.toString('utf8', q + 4, q + 4 + kl)
      q += 4 + kl
      const vl = buf.readUInt32BE(q)
      const value = buf.toString('utf8', q + 4, q + 4 + vl)
      if (key === '__proto__') Object.defineProperty(event, key, { value, enumerable: true, writable: true, configurable: true })
      else event[key] = value
      q += 4 + vl
    }
    this.#add(open, seq, event, size - DATA_HEADER_BYTES, out, offset)
  }
}
