import type { LogEvent } from '../../../core/event.ts'
import { parseExact, stringifyEvent } from '../../../core/json.ts'
import { IndexName, indexValueSafe, sanitizeIndexName } from './index-name.ts'

// Events → `_bulk` NDJSON, one document at a time (the sink keeps documents
// separate so it can resend only the failed ones and split a request).
//
//   {"create":{"_index":"logs-web-2024.05.01","_id":"…"}}\n
//   {…the event without @metadata…}\n
//
// - The action line's constant head (`{"create":{"_index":"…"`) is cached per
//   index name; per document only `_id` is appended.
// - `_id` comes from `@metadata._id` (a non-empty string) when present: the
//   forwarder's deterministic id, or Filebeat's. Without one ES makes an id
//   (and a replay can then duplicate the document).
// - `@metadata.raw_index`, when a non-empty string, overrides the index
//   template (as in Beats; the DLQ replay uses it).
// - `@metadata.event_format: 'legacy'` (Logstash's field layout, e.g. the
//   collectd input's legacy format) picks `legacyIndex` instead: those
//   documents cannot share an index with ECS ones (`host` string vs object).
// - `@metadata` is never indexed. It is hidden from JSON.stringify for the
//   length of one synchronous call (see sourceOf); no copy, no deep clone, and
//   the event is unchanged afterwards, so several outputs can share it.
// - BigInt values are written as exact JSON numbers (JSON.rawJSON); values
//   with a toJSON (ExactInteger) serialize themselves. The slow path with a
//   replacer runs only when the plain call throws.
// - JSON.stringify never emits a raw newline, so each document is exactly two
//   lines; every line, the last one included, ends with `\n`.

const BulkOp = { create: 'create', index: 'index' } as const
type BulkOp = (typeof BulkOp)[keyof typeof BulkOp]
export const allowedBulkOps = Object.values(BulkOp)

interface EncoderOptions {
  /** Index template, e.g. `logs-%{[fields][service]}-%{+yyyy.MM.dd}`. */
  index: string
  /** Value used for a missing field reference in the index template. */
  missingField?: string
  /** Bulk action; `create` (default) makes a replayed deterministic id a 409 = success. */
  op?: BulkOp
  /** Ingest pipeline named in every action line. */
  pipeline?: string
  /** Index template for events with `@metadata.event_format: 'legacy'`; unset: they use `index` too. */
  legacyIndex?: string
}

/**
 * How many live documents a shared chunk holds. The encoder retires a chunk
 * when it moves on to the next; the chunk goes back to its pool once it is
 * retired and its last document is done (settled or detached), and the
 * encoder writes new documents over it. Reusing chunks matters beyond the
 * allocation: V8 counts every new Buffer as external memory, and the volume
 * allocated (not what stays live) is what starts its full collections. A
 * chunk whose documents are never marked done (an output closed with
 * documents pending, a bench or test that only encodes) is simply left to
 * the garbage collector.
 */
class ChunkLease {
  refs = 0
  #retired = false
  readonly buf: Buffer
  readonly #pool: Buffer[]

  constructor(buf: Buffer, pool: Buffer[]) {
    this.buf = buf
    this.#pool = pool
  }

  release(): void {
    if (--this.refs === 0 && this.#retired) this.#recycle()
  }

  retire(): void {
    this.#retired = true
    if (this.refs === 0) this.#recycle()
  }

  #recycle(): void {
    if (this.#pool.length < POOL_CHUNKS) this.#pool.push(this.buf)
  }
}

/**
 * One encoded document: its two NDJSON lines, as UTF-8 bytes in a chunk the
 * encoder fills (`chunk[start, start + bytes)`), and what the retry table
 * needs.
 *
 * It holds neither the event nor its JSON strings: from encoding on, the
 * document is bytes outside the JavaScript heap, so the event's objects and
 * strings die young instead of living until Elasticsearch answers, being
 * promoted and marked (the largest share of the aggregator's garbage
 * collection). `eventOf()` turns the bytes back into the event for the
 * dead-letter queue.
 */
export class BulkDoc {
  /** The event itself only for a document that could not be encoded (`bytes` 0). */
  readonly event: LogEvent | undefined
  /** The event's `@metadata` (not in the source line): the dead-letter record keeps it. */
  readonly meta: unknown
  /** Holds the action line and the source line, each ending with `\n`, at `start`. */
  chunk: Buffer
  start: number
  /** UTF-8 length of both lines. */
  readonly bytes: number
  readonly op: BulkOp
  readonly hasId: boolean
  readonly index: string
  /** Whatever the caller attached (the sink: the write() that owns this document). */
  readonly owner: unknown
  /** The shared chunk's count this document is in, until done(). */
  #lease: ChunkLease | undefined

  constructor(event: LogEvent | undefined, meta: unknown, chunk: Buffer, start: number, bytes: number, op: BulkOp, hasId: boolean, index: string, owner: unknown, lease?: ChunkLease) {
    this.event = event
    this.meta = meta
    this.chunk = chunk
    this.start = start
    this.bytes = bytes
    this.op = op
    this.hasId = hasId
    this.index = index
    this.owner = owner
    this.#lease = lease
    if (lease !== undefined) lease.refs++
  }

  /**
   * The document is finished (indexed, a duplicate, dead-lettered): its bytes
   * in the shared chunk may be written over once the chunk's other documents
   * are done too. Nothing may read `line`, `source` or `eventOf()` after it.
   */
  done(): void {
    const lease = this.#lease
    if (lease === undefined) return
    this.#lease = undefined
    this.chunk = EMPTY
    this.start = 0
    lease.release()
  }

  /** Action line + source line, both ending with `\n` ('' for a document that was never encoded). */
  get line(): string {
    return this.chunk.toString('utf8', this.start, this.start + this.bytes)
  }

  /** The source line without its `\n` ('' for a document that was never encoded). */
  get source(): string {
    if (this.bytes === 0) return ''
    const end = this.start + this.bytes
    return this.chunk.toString('utf8', this.chunk.indexOf(10, this.start) + 1, end - 1)
  }

  /**
   * Copies the bytes out of the shared chunk: a document that waits for a
   * retry must not keep a whole chunk (up to 1 MiB of settled documents) alive.
   */
  detach(): void {
    if (this.chunk.length === this.bytes) return
    const lease = this.#lease
    this.chunk = Buffer.from(this.chunk.subarray(this.start, this.start + this.bytes))
    this.start = 0
    this.#lease = undefined
    lease?.release()
  }

  /** The event as it was encoded, `@metadata` included; numbers keep their exact text (parseExact). */
  eventOf(): LogEvent {
    if (this.event !== undefined) return this.event
    const event = parseExact(this.source) as LogEvent
    if (this.meta !== undefined) event['@metadata'] = this.meta
    return event
  }
}

const EMPTY = Buffer.alloc(0)

/** A document for an event that cannot be encoded: no bytes, the event kept for the dead-letter queue. */
export function unencodedDoc(event: LogEvent, op: BulkOp, index: string, owner: unknown): BulkDoc {
  return new BulkDoc(event, event['@metadata'], EMPTY, 0, 0, op, false, index, owner)
}

/**
 * The `_bulk` body of `docs` as the runs of bytes it is made of, without a
 * copy. Documents encoded one after the other lie side by side in the
 * encoder's chunk, so a request of fresh documents is one run per chunk it
 * spans (a 1,000-document request of ~1 KiB documents: two or three).
 */
export function bulkBodyRuns(docs: readonly BulkDoc[]): Buffer[] {
  const runs: Buffer[] = []
  if (docs.length === 0) return runs
  const first = docs[0]!
  let runChunk = first.chunk
  let runStart = first.start
  let runEnd = first.start + first.bytes
  for (let i = 1; i < docs.length; i++) {
    const d = docs[i]!
    if (d.chunk === runChunk && d.start === runEnd) {
      runEnd += d.bytes
      continue
    }
    runs.push(runChunk.subarray(runStart, runEnd))
    runChunk = d.chunk
    runStart = d.start
    runEnd = d.start + d.bytes
  }
  runs.push(runChunk.subarray(runStart, runEnd))
  return runs
}

/** The `_bulk` body of `docs` (`bytes`: the sum of their `bytes`) in one buffer: a slice when it is one run, else a copy. */
export function writeBulkBody(docs: readonly BulkDoc[], bytes: number): Buffer {
  const runs = bulkBodyRuns(docs)
  return runs.length === 0 ? EMPTY : runs.length === 1 ? runs[0]! : Buffer.concat(runs, bytes)
}

/**
 * The event's source line without `@metadata`. The key is set to undefined
 * (which JSON.stringify skips) for the duration of the synchronous call and
 * restored in `finally`: no copy, no allocation, and nothing else can run in
 * between, so outputs sharing the event never see the change. Measured: about
 * 1.6x the object-rest copy (bench elasticsearch.encode). Frozen or
 * non-writable events fall back to the copy.
 */
export function sourceOf(event: LogEvent): string {
  const meta = event['@metadata']
  if (meta === undefined) return stringifyEvent(event)
  try {
    event['@metadata'] = undefined
  } catch {
    const { '@metadata': _metadata, ...rest } = event
    return stringifyEvent(rest)
  }
  try {
    return stringifyEvent(event)
  } finally {
    event['@metadata'] = meta
  }
}

const MAX_CACHE = 4096
/** Documents are written into chunks of this size (off the JavaScript heap; a chunk lives while one of its documents is pending). */
const CHUNK_BYTES = 1024 * 1024
/** Chunks an encoder keeps for reuse once all their documents are done (at most 8 MiB idle). */
const POOL_CHUNKS = 8

export class BulkEncoder {
  readonly index: IndexName
  readonly legacyIndex: IndexName | undefined
  readonly op: BulkOp
  readonly #pipeline: string
  readonly #heads = new Map<string, string>()
  readonly #names = new Map<string, string>()
  /** Events that could not be serialized (cycles): they are dead-lettered. */
  unencodable = 0

  constructor(options: EncoderOptions) {
    this.index = new IndexName(options.index, options.missingField)
    this.legacyIndex = options.legacyIndex === undefined ? undefined : new IndexName(options.legacyIndex, options.missingField)
    this.op = options.op ?? BulkOp.create
    this.#pipeline = options.pipeline ? `,"pipeline":${JSON.stringify(options.pipeline)}` : ''
  }

  /** The sanitized index name for an event. */
  indexOf(event: LogEvent): string {
    const meta = event['@metadata'] as Record<string, unknown> | undefined
    const override = meta !== undefined && meta !== null && typeof meta === 'object' ? meta.raw_index : undefined
    if (typeof override === 'string' && override !== '') return this.#sanitized(indexValueSafe(override)) // a sender sets @metadata: no hidden or system index
    const index = this.legacyIndex !== undefined && meta !== undefined && meta !== null && typeof meta === 'object' && meta.event_format === 'legacy' ? this.legacyIndex : this.index
    return index.constant ?? this.#sanitized(index.raw(event))
  }

  #lastRaw = ''
  #lastName = ''

  #sanitized(raw: string): string {
    if (raw === this.#lastRaw) return this.#lastName
    let name = this.#names.get(raw)
    if (name === undefined) {
      if (this.#names.size >= MAX_CACHE) this.#names.clear()
      name = sanitizeIndexName(raw)
      this.#names.set(raw, name)
    }
    this.#lastRaw = raw
    this.#lastName = name
    return name
  }

  #head(index: string): string {
    let head = this.#heads.get(index)
    if (head === undefined) {
      if (this.#heads.size >= MAX_CACHE) this.#heads.clear()
      head = `{"${this.op}":{"_index":${JSON.stringify(index)}${this.#pipeline}`
      this.#heads.set(index, head)
    }
    return head
  }

  /** The chunk documents are written into, how much of it is used, and its count of live documents. */
  #chunk: Buffer = Buffer.alloc(0)
  #used = 0
  #lease: ChunkLease | undefined
  /** Retired chunks whose documents are all done, to write over. */
  readonly #pool: Buffer[] = []

  /** Encodes one event; returns a string reason instead when it cannot be serialized. */
  encode(event: LogEvent, owner?: unknown): BulkDoc | string {
    let source: string
    try {
      source = sourceOf(event)
    } catch (err) {
      this.unencodable++
      return `event cannot be serialized: ${err instanceof Error ? err.message : String(err)}`
    }
    const index = this.indexOf(event)
    const meta = event['@metadata'] as Record<string, unknown> | undefined
    const id = meta !== undefined && meta !== null && typeof meta === 'object' ? meta._id : undefined
    const hasId = typeof id === 'string' && id !== ''
    const head = this.#head(index)
    const action = hasId ? head + ',"_id":' + JSON.stringify(id) + '}}\n' : head + '}}\n'
    // room for the worst case (3 UTF-8 bytes per UTF-16 unit); usually a 1 MiB chunk holds ~1,500 documents
    const room = (action.length + source.length) * 3 + 1
    let chunk = this.#chunk
    let start = this.#used
    if (room > CHUNK_BYTES / 4) {
      // a large document gets a buffer of its exact size: memory stays what max_pending_bytes counts
      chunk = Buffer.allocUnsafeSlow(Buffer.byteLength(action) + Buffer.byteLength(source) + 1)
      start = 0
    } else if (chunk.length - start < room) {
      // a chunk is left with less than a quarter of it unused
      this.#lease?.retire()
      chunk = this.#chunk = this.#pool.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)
      this.#lease = new ChunkLease(chunk, this.#pool)
      start = this.#used = 0
    }
    let off = start + chunk.write(action, start)
    off += chunk.write(source, off)
    chunk[off++] = 10
    const shared = chunk === this.#chunk
    if (shared) this.#used = off
    return new BulkDoc(undefined, meta, chunk, start, off - start, this.op, hasId, index, owner, shared ? this.#lease : undefined)
  }

  /** A whole bulk body for events (tests, benches). Unencodable events are skipped. */
  body(events: readonly LogEvent[]): string {
    let out = ''
    for (const e of events) {
      const d = this.encode(e)
      if (typeof d !== 'string') out += d.line
    }
    return out
  }
}
