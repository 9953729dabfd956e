import type { InputConfig } from '../config.ts'
import type { EventEncoder } from '../event-encoder.ts'
import { OrderedAcks, type AckTarget } from '../ship/acker.ts'
import type { Batcher } from '../ship/batcher.ts'
import { FINGERPRINT_BYTES, fingerprintOf, type Fingerprint } from './fingerprint.ts'
import { LineSplitter, type LineSink } from './line-splitter.ts'
import { Multiline, type EventSink } from './multiline.ts'

// The state of one tailed file: its identity, handle, read position, line
// splitter, multiline joiner and acknowledgement order. The tailer does the
// I/O; a harvester turns the bytes it is given into events.
//
// Its life is one field, `state`, changed only by these methods:
//
//   method           from                        to
//   open(fd)         closed                      reading
//   consume (read)   reading, eof                reading
//   eof              reading, eof                eof
//   truncated        reading, eof                truncated
//   registryWritten  truncated                   reading
//   close            reading, eof, truncated     closed
//   forget           closed                      forgotten (final)
//
// Any other change is a bug in the tailer and throws (in the tailer's pump
// that is logged as a read error, LY_IO, and the file is closed). The tailer
// keeps to the table by letting only its pump change the harvester the pump
// is reading: the close_inactive tick and the rescan leave that one alone.
//
// `removed` is not a state: a file renamed away, deleted or no longer matched
// is still read to its end (reading, eof, closed) and forgotten once closed.

/** Where a harvester is in its life. */
type HarvesterState =
  /** No handle: not opened yet, or closed (close_inactive, a read error, shutdown); reopened when read again. */
  | 'closed'
  /** Handle open; bytes may be left to read. */
  | 'reading'
  /** Handle open and read to the end: waits for a poll or a file-system event. */
  | 'eof'
  /** Handle open; truncated in place: not read until the registry holds the new generation. */
  | 'truncated'
  /** Dropped from the tailer: never read again. */
  | 'forgotten'

/** The states each transition starts from. */
const FROM = {
  open: ['closed'],
  read: ['reading', 'eof'],
  eof: ['reading', 'eof'],
  truncated: ['reading', 'eof'],
  registryWritten: ['truncated'],
  close: ['reading', 'eof', 'truncated'],
  forget: ['closed'],
} as const satisfies Record<string, readonly HarvesterState[]>

interface HarvesterCounters {
  lines: number
  events: number
}

/** The tailer's scheduling of one file. Only the tailer reads or writes it. */
interface PollSchedule {
  /** Sitting in the tailer's ready queue. */
  queued: boolean
  /** When to look at the file again at EOF (epoch ms). */
  next: number
  /** The back-off of that look (ms). */
  delay: number
  /** When the first bytes were last compared (epoch ms). */
  lastHeadCheck: number
  /** The file changed since its first bytes were last compared (tailer #checkAtEof). */
  headStale: boolean
}

export class Harvester implements LineSink, EventSink, AckTarget {
  readonly key: string
  readonly input: InputConfig
  readonly inputIndex: number
  readonly encoder: EventEncoder
  readonly acks = new OrderedAcks()
  readonly splitter: LineSplitter
  readonly multiline: Multiline | undefined
  /** Birth time of the file (statx), 0 when the file system does not keep it. */
  readonly birthMs: number
  /** Found unfinished after a restart under a name `paths` may not match: read to the end, then forgotten. */
  readonly recovered: boolean
  readonly poll: PollSchedule
  readonly #batcher: Batcher
  readonly #counters: HarvesterCounters
  readonly #onAcked: (h: Harvester, end: number) => void
  #state: HarvesterState = 'closed'
  #fd = -1
  #path: string
  #openPath: string | undefined
  #fingerprint: Fingerprint
  #headBytes: Buffer | undefined
  #readOffset: number
  #ackedOffset: number
  #removed: boolean
  #lastData = Date.now()
  #caughtUpAt = Date.now()
  #size: number
  #mtimeMs = 0
  #lateCopiesAfter = 0
  #lateCopiesPrevious: Fingerprint | undefined
  #timestamp = ''

  constructor(init: {
    key: string
    path: string
    /** With follow_symlinks, the resolved path the file is opened by when `path` is a link (or under one). */
    openPath?: string | undefined
    input: InputConfig
    inputIndex: number
    fingerprint: Fingerprint
    offset: number
    size: number
    birthMs: number
    recovered?: boolean
    encoder: EventEncoder
    batcher: Batcher
    counters: HarvesterCounters
    onAcked: (h: Harvester, end: number) => void
  }) {
    this.key = init.key
    this.#path = init.path
    this.#openPath = init.openPath
    this.input = init.input
    this.inputIndex = init.inputIndex
    this.#fingerprint = init.fingerprint
    this.#readOffset = init.offset
    this.#ackedOffset = init.offset
    this.#size = init.size
    this.birthMs = init.birthMs
    this.recovered = init.recovered ?? false
    this.#removed = this.recovered
    this.encoder = init.encoder
    this.#batcher = init.batcher
    this.#counters = init.counters
    this.#onAcked = init.onAcked
    this.splitter = new LineSplitter(init.input.max_line_bytes, init.offset)
    this.multiline = init.input.multiline ? new Multiline(init.input.multiline) : undefined
    this.poll = { queued: false, next: 0, delay: 1000, lastHeadCheck: Date.now(), headStale: false }
  }

  get state(): HarvesterState {
    return this.#state
  }

  /** The handle is open (reading, eof or truncated). */
  get isOpen(): boolean {
    return this.#fd >= 0
  }

  get fd(): number {
    return this.#fd
  }

  get path(): string {
    return this.#path
  }

  /** With follow_symlinks, the resolved path the file is (re)opened by when `path` is a link (or under one). */
  get openPath(): string | undefined {
    return this.#openPath
  }

  get fingerprint(): Fingerprint {
    return this.#fingerprint
  }

  /** The file's first bytes as read, kept only while they are fewer than the fingerprint's 1 KiB. */
  get headBytes(): Buffer | undefined {
    return this.#headBytes
  }

  /** Offset of the next read. */
  get readOffset(): number {
    return this.#readOffset
  }

  /** Checkpoint: every byte before it is acknowledged. */
  get ackedOffset(): number {
    return this.#ackedOffset
  }

  /** The file is gone (deleted) or no longer matched; forget it once closed. */
  get removed(): boolean {
    return this.#removed
  }

  /** Epoch ms of the last bytes read (or of the last open). */
  get lastData(): number {
    return this.#lastData
  }

  /** Epoch ms when every byte read so far was last acknowledged (lag in seconds counts from here). */
  get caughtUpAt(): number {
    return this.#caughtUpAt
  }

  /** Size at the last look (fstat). */
  get size(): number {
    return this.#size
  }

  /** When a truncation of this file was seen, until the new generation's first bytes were read (0 otherwise). */
  get lateCopiesAfter(): number {
    return this.#lateCopiesAfter
  }

  #go(transition: keyof typeof FROM, to: HarvesterState): void {
    const from: readonly HarvesterState[] = FROM[transition]
    if (!from.includes(this.#state)) throw new Error(`harvester ${this.#path}: ${transition} in state ${this.#state} (a tailer bug)`)
    this.#state = to
  }

  /** closed → reading: `fd` is this file's handle. */
  open(fd: number): void {
    this.#go('open', 'reading')
    this.#fd = fd
    this.#lastData = Date.now()
  }

  /** reading | eof → eof: a read found nothing more. */
  eof(): void {
    this.#go('eof', 'eof')
  }

  /**
   * reading | eof → truncated: the file was truncated (copytruncate) or
   * rewritten in place. Reading starts again at 0 once the registry holds the
   * new generation (registryWritten); its fingerprint grows from what is read.
   */
  truncated(): void {
    this.#go('truncated', 'truncated')
    this.#headBytes = undefined
    this.acks.reset()
    this.multiline?.reset()
    this.splitter.reset(0)
    this.#readOffset = 0
    this.#ackedOffset = 0
    this.#fingerprint = fingerprintOf(Buffer.alloc(0))
  }

  /** truncated → reading: the registry write of the new generation is done (or failed: the read error path closes the file). */
  registryWritten(): void {
    this.#go('registryWritten', 'reading')
  }

  /** reading | eof | truncated → closed. Returns the handle for the caller to close; a partial last line is read again on reopen. */
  close(): number {
    this.#go('close', 'closed')
    const fd = this.#fd
    this.#fd = -1
    this.splitter.reset(this.resumeOffset)
    this.#readOffset = this.resumeOffset
    return fd
  }

  /** closed → forgotten: dropped from the tailer, never read again. */
  forget(): void {
    this.#go('forget', 'forgotten')
    this.#removed = true
  }

  /** Renamed away, deleted or no longer matched: forgotten once closed, and polled without back-off meanwhile. */
  markRemoved(): void {
    this.#removed = true
  }

  /** Matched at its path again. */
  markPresent(): void {
    this.#removed = false
  }

  /** Known by a new name now (rename rotation), which is not a link. */
  renamed(path: string): void {
    this.#path = path
    this.#openPath = undefined
    this.encoder.setPath(path)
  }

  /** An fstat saw `size` (a truncation: the mtime is not taken, so the next look sees a change). */
  sizeSeen(size: number): void {
    this.#size = size
  }

  /** An fstat saw `size` and `mtimeMs`; true when either differs from the last look. */
  statSeen(size: number, mtimeMs: number): boolean {
    const changed = size !== this.#size || mtimeMs !== this.#mtimeMs
    this.#size = size
    this.#mtimeMs = mtimeMs
    return changed
  }

  /** The first bytes as read so far (from offset 0): the fingerprint grows with them, and they are kept while under 1 KiB. */
  fingerprintFromRead(head: Buffer): void {
    this.#fingerprint = fingerprintOf(head)
    this.#headBytes = head.length < FINGERPRINT_BYTES ? head : undefined
  }

  /** The first bytes as looked at (readHead), longer than the fingerprint and starting with it. */
  fingerprintFromHead(head: Buffer): void {
    this.#fingerprint = fingerprintOf(head)
  }

  /** Copies born after `after` (epoch ms) may hold generations never read; `previous` is the first bytes of the generation a truncation ended. */
  expectLateCopies(after: number, previous: Fingerprint | undefined): void {
    this.#lateCopiesAfter = after
    this.#lateCopiesPrevious = previous
  }

  /** What expectLateCopies noted, cleared. */
  takeLateCopies(): { since: number; previous: Fingerprint | undefined } {
    const out = { since: this.#lateCopiesAfter, previous: this.#lateCopiesPrevious }
    this.#lateCopiesAfter = 0
    this.#lateCopiesPrevious = undefined
    return out
  }

  /** Feeds bytes read at readOffset. `timestamp` is shared by every event of this read. */
  consume(chunk: Buffer, timestamp: string): void {
    if (this.#state !== 'reading') this.#go('read', 'reading')
    this.#timestamp = timestamp
    this.#readOffset += chunk.length
    this.#lastData = Date.now()
    this.splitter.push(chunk, this)
  }

  line(buf: Buffer, start: number, stop: number, offset: number, end: number, truncated: boolean): void {
    this.#counters.lines++
    if (this.multiline) {
      this.multiline.push(buf.toString('utf8', start, stop), stop - start, offset, end, truncated, this, this.#lastData)
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

  /** Where reading resumes after the handle was closed (start of the unfinished line). */
  get resumeOffset(): number {
    return this.splitter.offset
  }

  acked(end: number): void {
    this.#ackedOffset = end
    if (end >= this.#readOffset) this.#caughtUpAt = Date.now()
    this.#onAcked(this, end)
  }
}
