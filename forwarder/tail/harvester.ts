import type { InputConfig } from '../config.ts'
import type { EventEncoder } from '../event-encoder.ts'
import { OrderedAcks, type AckTarget } from '../ship/acker.ts'
import type { Batcher } from '../ship/batcher.ts'
import type { Fingerprint } from './fingerprint.ts'
import { LineSplitter, type LineSink } from './line-splitter.ts'
import { Multiline, type EventSink } from './multiline.ts'

// The state of one tailed file: its identity, handle, read position, line
// splitter, multiline joiner and acknowledgement order. The tailer does the
// I/O; a harvester turns the bytes it is given into events.

interface HarvesterCounters {
  lines: number
  events: number
}

export class Harvester implements LineSink, EventSink, AckTarget {
  readonly key: string
  readonly input: InputConfig
  readonly inputIndex: number
  readonly encoder: EventEncoder
  readonly acks = new OrderedAcks()
  readonly splitter: LineSplitter
  readonly multiline: Multiline | undefined
  readonly #batcher: Batcher
  readonly #counters: HarvesterCounters
  readonly #onAcked: (h: Harvester, end: number) => void
  path: string
  fingerprint: Fingerprint
  fd = -1
  /** With follow_symlinks, the resolved path the file is (re)opened by when `path` is a link (or under one). */
  openPath: string | undefined
  /** Offset of the next read. */
  readOffset: number
  /** Checkpoint: every byte before it is acknowledged. */
  ackedOffset: number
  atEof = false
  lastData = Date.now()
  nextPoll = 0
  pollDelay = 1000
  lastHeadCheck = 0
  /** The file changed since its first bytes were last compared (tailer #checkAtEof). */
  headStale = false
  /** When a truncation of this file was seen, until the new generation's first bytes were read (0 otherwise). */
  lateCopiesAfter = 0
  /** The first bytes of the generation that truncation ended. */
  lateCopiesPrevious: Fingerprint | undefined
  /** Sitting in the tailer's ready queue. */
  queued = false
  /** The file is gone (deleted) or no longer matched; forget it once closed. */
  removed = false
  /** The file's first bytes as read, kept only while they are fewer than the fingerprint's 1 KiB. */
  headBytes: Buffer | undefined
  /** Birth time of the file (statx), 0 when the file system does not keep it. */
  birthMs = 0
  /** Found unfinished after a restart under a name `paths` may not match: read to the end, then forgotten. */
  recovered = false
  /** Dropped from the tailer: never read again. */
  forgotten = false
  size = 0
  mtimeMs = 0
  #timestamp = ''

  constructor(init: {
    key: string
    path: string
    input: InputConfig
    inputIndex: number
    fingerprint: Fingerprint
    offset: number
    encoder: EventEncoder
    batcher: Batcher
    counters: HarvesterCounters
    onAcked: (h: Harvester, end: number) => void
  }) {
    this.key = init.key
    this.path = init.path
    this.input = init.input
    this.inputIndex = init.inputIndex
    this.fingerprint = init.fingerprint
    this.readOffset = init.offset
    this.ackedOffset = init.offset
    this.encoder = init.encoder
    this.#batcher = init.batcher
    this.#counters = init.counters
    this.#onAcked = init.onAcked
    this.splitter = new LineSplitter(init.input.max_line_bytes, init.offset)
    this.multiline = init.input.multiline ? new Multiline(init.input.multiline) : undefined
  }

  get isOpen(): boolean {
    return this.fd >= 0
  }

  /** Feeds bytes read at readOffset. `timestamp` is shared by every event of this read. */
  consume(chunk: Buffer, timestamp: string): void {
    this.#timestamp = timestamp
    this.readOffset += chunk.length
    this.lastData = Date.now()
    this.splitter.push(chunk, this)
  }

  line(buf: Buffer, start: number, stop: number, offset: number, end: number, truncated: boolean): void {
    this.#counters.lines++
    if (this.multiline) {
      this.multiline.push(buf.toString('utf8', start, stop), stop - start, offset, end, truncated, this, this.lastData)
      return
    }
    // Bytes straight into the batch's buffer; invalid UTF-8 takes the string path (U+FFFD).
    const b = this.#batcher
    const out = b.reserve(this.encoder.bound(stop - start))
    const pos = this.encoder.encodeLine(out, b.eventPos, this.#timestamp, buf, start, stop, offset, truncated)
    if (pos < 0) {
      this.event(buf.toString('utf8', start, stop), offset, end, 1, truncated)
      return
    }
    this.#counters.events++
    b.commit(pos, this, end)
  }

  event(message: string, offset: number, end: number, lines: number, truncated: boolean): void {
    this.#counters.events++
    this.#batcher.add(this.encoder.encode(this.#timestamp || new Date().toISOString(), message, offset, lines > 1, truncated), this, end)
  }

  /** Sends a held multiline event (timeout, close, shutdown). */
  flushMultiline(timestamp: string): void {
    if (this.multiline?.pending) {
      this.#timestamp = timestamp
      this.multiline.flush(this)
    }
  }

  /** The file was truncated (copytruncate) or replaced: start again at 0. */
  restart(offset = 0): void {
    this.headBytes = undefined
    this.acks.reset()
    this.multiline?.reset()
    this.splitter.reset(offset)
    this.readOffset = offset
    this.ackedOffset = offset
    this.atEof = false
  }

  /** Where reading resumes after the handle was closed (start of the unfinished line). */
  get resumeOffset(): number {
    return this.splitter.offset
  }

  /** After a truncation: not read until the registry holds the new generation (forwarder status). */
  waitingRegistry = false
  /** Epoch ms when every byte read so far was last acknowledged (lag in seconds counts from here). */
  caughtUpAt = Date.now()

  acked(end: number): void {
    this.ackedOffset = end
    if (end >= this.readOffset) this.caughtUpAt = Date.now()
    this.#onAcked(this, end)
  }
}
