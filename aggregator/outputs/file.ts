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
  try {
    return (metadata ? stringifyEvent(event) : sourceOf(event)) + '\n'
  } catch {
    return safeStringify(metadata ? event : { ...event, '@metadata': undefined }) + '\n'
  }
}

/** The lines of one batch for one path, written as UTF-8 straight into a buffer (no string concatenation). */
class Lines {
  buf: Buffer
  length = 0
  constructor(first: number) {
    this.buf = Buffer.allocUnsafe(Math.max(4096, first))
  }
  add(text: string): number {
    const need = this.length + text.length * 3
    if (need > this.buf.length) {
      const grown = Buffer.allocUnsafe(Math.max(need, this.buf.length * 2))
      this.buf.copy(grown, 0, 0, this.length)
      this.buf = grown
    }
    const n = this.buf.write(text, this.length, 'utf8')
    this.length += n
    return n
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
        if (lines === undefined) groups.set(p, (lines = new Lines(256 * 64)))
      } else if (lines === undefined) {
        groups.set(constant, (lines = new Lines(256 * events.length)))
      }
      bytes += lines.add(line(e, this.config.metadata))
    }
    if (this.#path.escapedCount !== escaped && Date.now() - this.#escapedLogged >= 60_000) {
      this.#escapedLogged = Date.now()
      this.#logger.warn({ code: 'LY_UNSAFE_VALUE', escaped: this.#path.escapedCount, path: this.config.path }, 'field values in output.file.path were escaped (separator, leading dot, control character or over 200 bytes); logged at most once a minute, counted in logyard_file_path_values_escaped_total')
    }
    this.#pending += bytes
    if (this.busy) this.#needDrain = true
    const done = new Promise<void>((resolve, reject) => this.#queue.push({ groups, count: events.length, resolve, reject }))
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
          let off = 0
          while (off < lines.length) off += (await fh.write(lines.buf, off, lines.length - off)).bytesWritten
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
