import { EventEmitter } from 'node:events'
import { mkdir, open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Infer, Spec } from '../../core/config/schema.ts'
import { ClosedError, IoError } from '../../core/errors.ts'
import type { LogEvent } from '../../core/event.ts'
import type { Logger } from '../../core/logger.ts'
import type { Counter, MetricsRegistry } from '../../core/metrics.ts'
import { sourceOf } from './elasticsearch/es-encoder.ts'
import { safeStringify, stringifyEvent } from '../../core/json.ts'
import { collectdMetricJson } from '../inputs/collectd/ecs-json.ts'
import { pathSafeValue, Template } from '../../core/template.ts'
import { checkWritableDir } from '../../core/config/files.ts'
import type { Output, OutputComponent } from '../component.ts'

// NDJSON file output (archiving, debugging, tests). One JSON document per
// line; `path` may contain %{+yyyy.MM.dd} (the event's @timestamp, UTC) and
// %{[field]} references (a missing field becomes "unknown"), so one write can
// touch several files. write() resolves after the lines are written and every
// touched file is fsynced: a batch acknowledged through this output survives
// a power cut. Group commit: the batches that arrive while a commit runs are
// written together by the next one, with one fsync per touched file for all
// of them; files keep the order of write() calls. @metadata is left out
// unless `metadata: true`.

const Codec = { jsonLines: 'json_lines' } as const
const allowedCodecs = Object.values(Codec)


export const fileOutputSpec = {
  type: 'object',
  optional: true,
  doc: 'Append events as NDJSON to files, fsynced before acknowledging',
  fields: {
    path: { type: 'string', required: true, nonEmpty: true, doc: 'File path; may contain %{+yyyy.MM.dd} and %{[field]} references' },
    codec: { type: 'enum', values: allowedCodecs, default: Codec.jsonLines, doc: 'Line format: json_lines (one JSON event per line)' },
    metadata: { type: 'bool', default: false, doc: 'Also write the @metadata field' },
    max_open_files: { type: 'int', default: 16, min: 1, doc: 'Open file handles kept for dated paths; the least recently used is closed beyond this' },
    max_pending_bytes: { type: 'size', default: 16 * 1024 ** 2, min: 1024, doc: 'Bytes accepted but not yet fsynced; above it the output reports busy' },
  },
} as const satisfies Spec

type FileOutputConfig = Infer<typeof fileOutputSpec>

interface FileOutputDeps {
  logger: Logger
  metrics: MetricsRegistry
}

function line(event: LogEvent, metadata: boolean): string {
  // collectd's value lists (the bulk of a collectd stream) have a serializer of their own, same bytes, 1.2-1.3× as fast (bench collectd.e2e.serialize)
  const fast = collectdMetricJson(event)
  if (fast !== undefined) return fast + '\n'
  try {
    return (metadata ? stringifyEvent(event) : sourceOf(event)) + '\n'
  } catch {
    return safeStringify(metadata ? event : { ...event, '@metadata': undefined }) + '\n'
  }
}

// The lines are written as UTF-8 straight into 64 KiB chunks that are reused
// once their commit is over, so a stream of batches allocates no new
// ArrayBuffers: each freed one is garbage V8 returns only at its next GC, and
// under a collectd flood into this output they held 30+ MiB of a worker's RSS
// (bench collectd-e2e). The pool keeps at most POOL_MAX_CHUNKS free chunks.
const CHUNK_BYTES = 64 * 1024
const POOL_MAX_CHUNKS = 64

class ChunkPool {
  readonly #free: Buffer[] = []
  take(): Buffer {
    return this.#free.pop() ?? Buffer.allocUnsafeSlow(CHUNK_BYTES)
  }
  give(chunks: readonly Buffer[]): void {
    for (const c of chunks) if (this.#free.length < POOL_MAX_CHUNKS) this.#free.push(c)
  }
}

/** The lines of one batch for one path: pooled chunks filled in order, plus an own buffer for a line longer than a chunk. */
class Lines {
  readonly #pool: ChunkPool
  /** What to write, in order: filled parts of chunks and long lines. */
  readonly parts: Buffer[] = []
  /** The pooled chunks among them, returned by release(). */
  readonly #chunks: Buffer[] = []
  #cur: Buffer | undefined
  #used = 0
  length = 0
  constructor(pool: ChunkPool) {
    this.#pool = pool
  }
  add(text: string): number {
    let cur = this.#cur
    // UTF-8 takes at most 3 bytes per UTF-16 unit
    if (cur === undefined || CHUNK_BYTES - this.#used < text.length * 3) {
      const bytes = text.length * 3 <= CHUNK_BYTES ? 0 : Buffer.byteLength(text)
      if (bytes > CHUNK_BYTES) {
        this.#seal()
        this.parts.push(Buffer.from(text, 'utf8'))
        this.length += bytes
        return bytes
      }
      if (cur === undefined || CHUNK_BYTES - this.#used < (bytes || text.length * 3)) {
        this.#seal()
        this.#cur = cur = this.#pool.take()
        this.#chunks.push(cur)
        this.#used = 0
      }
    }
    const n = cur.write(text, this.#used, 'utf8')
    this.#used += n
    this.length += n
    return n
  }
  /** Ends the current chunk: its filled part becomes a part. */
  #seal(): void {
    if (this.#cur !== undefined && this.#used > 0) this.parts.push(this.#cur.subarray(0, this.#used))
    this.#cur = undefined
    this.#used = 0
  }
  /** The parts to write, in order (call once, after the last add). */
  done(): Buffer[] {
    this.#seal()
    return this.parts
  }
  /** Returns the chunks to the pool: after the write that used them is over. */
  release(): void {
    this.#pool.give(this.#chunks)
    this.#chunks.length = 0
  }
}

interface Commit {
  groups: Map<string, Lines>
  count: number
  resolve: () => void
  reject: (err: Error) => void
}

export class FileOutput extends EventEmitter implements Output {
  readonly type = 'file'
  readonly config: FileOutputConfig
  readonly #path: Template
  #escapedLogged = 0
  readonly #logger: Logger
  readonly #handles = new Map<string, FileHandle>()
  readonly #events: Counter
  readonly #bytes: Counter
  readonly #commits: Counter
  readonly #pool = new ChunkPool()
  #queue: Commit[] = []
  #committing: Promise<void> | undefined
  #pending = 0
  #needDrain = false
  #closed = false
  #healthy = true

  constructor(config: FileOutputConfig, deps: FileOutputDeps) {
    super()
    this.config = config
    // Field values in the path are escaped (core/template.ts pathSafeValue):
    // an event cannot name a file outside the directories the template gives.
    this.#path = new Template(config.path, { escape: pathSafeValue })
    deps.metrics.observe('file_path_values_escaped_total', 'Field values in output.file.path that held a separator, a leading dot, a control character or more than 200 bytes (escaped)', 'counter', () => this.#path.escapedCount)
    this.#logger = deps.logger.child({ component: 'output', output: 'file' })
    this.#events = deps.metrics.counter('file_events_total', 'Events written by the file output')
    this.#bytes = deps.metrics.counter('file_bytes_total', 'Bytes written by the file output')
    this.#commits = deps.metrics.counter('file_commits_total', 'Group commits of the file output (one fsync per touched file each)')
  }

  get busy(): boolean {
    return this.#pending >= this.config.max_pending_bytes
  }

  healthy(): boolean {
    return this.#healthy
  }

  unhealthyReason(): string | undefined {
    return this.#healthy ? undefined : 'file output cannot write (see the LY_IO log line)'
  }

  write(events: LogEvent[]): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('file output is closed'))
    // Group lines by target path, in order.
    const groups = new Map<string, Lines>()
    const constant = this.#path.constant ? this.config.path : undefined
    const escaped = this.#path.escapedCount
    let bytes = 0
    let lines: Lines | undefined
    for (const e of events) {
      if (constant === undefined) {
        const p = this.#path.render(e)
        lines = groups.get(p)
        if (lines === undefined) groups.set(p, (lines = new Lines(this.#pool)))
      } else if (lines === undefined) {
        groups.set(constant, (lines = new Lines(this.#pool)))
      }
      bytes += lines.add(line(e, this.config.metadata))
    }
    if (this.#path.escapedCount !== escaped && Date.now() - this.#escapedLogged >= 60_000) {
      this.#escapedLogged = Date.now()
      this.#logger.warn({ code: 'LY_UNSAFE_VALUE', escaped: this.#path.escapedCount, path: this.config.path }, 'field values in output.file.path were escaped (separator, leading dot, control character or over 200 bytes); logged at most once a minute, counted in logyard_file_path_values_escaped_total')
    }
    this.#pending += bytes
    if (this.busy) this.#needDrain = true
    return this.#submit(groups, events.length, bytes)
  }

  // Apart from write(): a closure made in write() would keep its `events` alive until the
  // commit is over (V8 gives a function's closures one shared context). They are serialised
  // by then; held through a slow fsync they were promoted to V8's old space instead: 3.3 MiB
  // per young-generation GC, up to 105 MiB, under a collectd flood (bench collectd-e2e).
  #submit(groups: Map<string, Lines>, count: number, bytes: number): Promise<void> {
    const done = new Promise<void>((resolve, reject) => this.#queue.push({ groups, count, resolve, reject }))
    this.#committing ??= this.#commitLoop()
    return done.finally(() => {
      this.#pending -= bytes
      if (this.#needDrain && this.#pending <= this.config.max_pending_bytes / 2) {
        this.#needDrain = false
        this.emit('drain')
      }
    })
  }

  /** Commits queued batches until none is left: each round writes every batch queued so far, then fsyncs each touched file once. */
  async #commitLoop(): Promise<void> {
    while (this.#queue.length > 0) {
      const round = this.#queue
      this.#queue = []
      try {
        await this.#commit(round)
        for (const c of round) c.resolve()
      } catch (err) {
        for (const c of round) c.reject(err as Error)
      }
      // every write of the round is over (done or failed): the chunks can be reused
      for (const c of round) for (const lines of c.groups.values()) lines.release()
    }
    this.#committing = undefined
  }

  async #commit(round: Commit[]): Promise<void> {
    try {
      const touched = new Set<FileHandle>()
      let count = 0
      for (const c of round) {
        for (const [path, lines] of c.groups) {
          const fh = await this.#handle(path)
          await writeAll(fh, lines.done())
          this.#bytes.inc(lines.length)
          touched.add(fh)
        }
        count += c.count
      }
      // a handle evicted from the LRU meanwhile was fsynced before it was closed
      const open = new Set(this.#handles.values())
      for (const fh of touched) if (open.has(fh)) await fh.datasync()
      this.#commits.inc()
      this.#events.inc(count)
      this.#healthy = true
    } catch (err) {
      this.#healthy = false
      const e = err instanceof IoError ? err : new IoError(`file output: ${(err as Error).message}`, { cause: err })
      this.#logger.error({ code: e.code, err: e.message, batches: round.length }, 'file output write failed; the batches are not acknowledged')
      throw e
    }
  }

  async #handle(path: string): Promise<FileHandle> {
    let fh = this.#handles.get(path)
    if (fh) {
      // LRU: move to the end.
      this.#handles.delete(path)
      this.#handles.set(path, fh)
      return fh
    }
    try {
      await mkdir(dirname(path), { recursive: true })
      fh = await open(path, 'a', 0o644)
    } catch (err) {
      throw new IoError(`file output: cannot open ${path}: ${(err as Error).message}`, { path, cause: err })
    }
    this.#handles.set(path, fh)
    while (this.#handles.size > this.config.max_open_files) {
      const [oldest, old] = this.#handles.entries().next().value as [string, FileHandle]
      this.#handles.delete(oldest)
      await old.datasync() // it may hold lines of the commit in progress
      await old.close().catch(() => {})
    }
    return fh
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#committing
    for (const fh of this.#handles.values()) await fh.close().catch(() => {})
    this.#handles.clear()
  }
}

export const fileOutput: OutputComponent<typeof fileOutputSpec, 'file'> = {
  kind: 'output',
  type: 'file',
  spec: fileOutputSpec,
  checkFiles: (options, key) => {
    // The directory part before the first %{…} reference is fixed; it must be writable or creatable.
    const fixed = options.path.split('%{')[0]!
    checkWritableDir(fixed.endsWith('/') ? fixed : dirname(fixed), `${key}.path`)
  },
  create: (options, ctx) => new FileOutput(options, ctx),
}

/** Writes the buffers in order, all of them (writev; again from where a short write stopped). */
async function writeAll(fh: FileHandle, parts: Buffer[]): Promise<void> {
  let rest = parts
  while (rest.length > 0) {
    let written = (await fh.writev(rest)).bytesWritten
    if (written === 0) throw new IoError('file output: write wrote nothing')
    let i = 0
    while (i < rest.length && written >= rest[i]!.length) written -= rest[i++]!.length
    rest = rest.slice(i)
    if (written > 0) rest[0] = rest[0]!.subarray(written)
  }
}
