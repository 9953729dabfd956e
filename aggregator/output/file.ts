import { EventEmitter } from 'node:events'
import { mkdir, open } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { dirname } from 'node:path'
import type { Spec } from '../../core/config/schema.ts'
import { ClosedError, IoError } from '../../core/errors.ts'
import type { LogEvent } from '../../core/event.ts'
import type { Logger } from '../../core/logger.ts'
import type { Counter, MetricsRegistry } from '../../core/metrics.ts'
import { sourceOf, stringifyEvent } from './elasticsearch/es-encoder.ts'
import { IndexName } from './elasticsearch/index-name.ts'
import { safeStringify } from './dead-letter.ts'
import type { Output } from './output.ts'

// NDJSON file output (archiving, debugging, tests). One JSON document per
// line; `path` may contain %{+yyyy.MM.dd} (the event's @timestamp, UTC) and
// %{[field]} references (a missing field becomes "unknown"), so one write can
// touch several files. write() resolves after the lines are written and every
// touched file is fsynced: a batch acknowledged through this output survives
// a power cut. Writes are serialized, so files keep the order of write()
// calls. @metadata is left out unless `metadata: true`.

export const Codec = { jsonLines: 'json_lines' } as const
export const allowedCodecs = Object.values(Codec)

export interface FileOutputConfig {
  path: string
  codec: 'json_lines'
  metadata: boolean
  max_open_files: number
  max_pending_bytes: number
}

export const fileOutputSpec: Spec = {
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
}

export interface FileOutputDeps {
  logger: Logger
  metrics: MetricsRegistry
}

function line(event: LogEvent, metadata: boolean): string {
  try {
    return (metadata ? stringifyEvent(event) : sourceOf(event)) + '\n'
  } catch {
    return safeStringify(metadata ? event : { ...event, '@metadata': undefined }) + '\n'
  }
}

export class FileOutput extends EventEmitter implements Output {
  readonly type = 'file'
  readonly config: FileOutputConfig
  readonly #path: IndexName
  readonly #logger: Logger
  readonly #handles = new Map<string, FileHandle>()
  readonly #events: Counter
  readonly #bytes: Counter
  #chain: Promise<void> = Promise.resolve()
  #pending = 0
  #needDrain = false
  #closed = false
  #healthy = true

  constructor(config: FileOutputConfig, deps: FileOutputDeps) {
    super()
    this.config = config
    this.#path = new IndexName(config.path)
    this.#logger = deps.logger.child({ component: 'output', output: 'file' })
    this.#events = deps.metrics.counter('file_events_total', 'Events written by the file output')
    this.#bytes = deps.metrics.counter('file_bytes_total', 'Bytes written by the file output')
  }

  get busy(): boolean {
    return this.#pending >= this.config.max_pending_bytes
  }

  healthy(): boolean {
    return this.#healthy
  }

  write(events: LogEvent[]): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('file output is closed'))
    // Group lines by target path, in order.
    const groups = new Map<string, string>()
    const constant = this.#path.constant === undefined ? undefined : this.config.path
    let bytes = 0
    for (const e of events) {
      const p = constant ?? this.#path.raw(e)
      const l = line(e, this.config.metadata)
      groups.set(p, (groups.get(p) ?? '') + l)
      bytes += l.length
    }
    this.#pending += bytes
    if (this.busy) this.#needDrain = true
    const run = this.#chain.then(() => this.#write(groups, events.length))
    this.#chain = run.catch(() => {})
    return run.finally(() => {
      this.#pending -= bytes
      if (this.#needDrain && this.#pending <= this.config.max_pending_bytes / 2) {
        this.#needDrain = false
        this.emit('drain')
      }
    })
  }

  async #write(groups: Map<string, string>, count: number): Promise<void> {
    try {
      const touched: FileHandle[] = []
      for (const [path, text] of groups) {
        const fh = await this.#handle(path)
        const buf = Buffer.from(text)
        let off = 0
        while (off < buf.length) off += (await fh.write(buf, off, buf.length - off)).bytesWritten
        this.#bytes.inc(buf.length)
        touched.push(fh)
      }
      for (const fh of touched) await fh.datasync()
      this.#events.inc(count)
      this.#healthy = true
    } catch (err) {
      this.#healthy = false
      const e = err instanceof IoError ? err : new IoError(`file output: ${(err as Error).message}`, { cause: err })
      this.#logger.error({ code: e.code, err: e.message }, 'file output write failed; the batch is not acknowledged')
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
      await old.close().catch(() => {})
    }
    return fh
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await this.#chain
    for (const fh of this.#handles.values()) await fh.close().catch(() => {})
    this.#handles.clear()
  }
}
