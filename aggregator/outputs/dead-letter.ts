import { mkdir, open, readdir, stat, unlink } from 'node:fs/promises'
import type { FileHandle } from 'node:fs/promises'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import type { Infer, Spec } from '../../core/config/schema.ts'
import { IoError } from '../../core/errors.ts'
import type { LogEvent } from '../../core/event.ts'
import type { Logger } from '../../core/logger.ts'
import type { Counter, MetricsRegistry } from '../../core/metrics.ts'
import { safeStringify } from '../../core/json.ts'

// The dead-letter queue: documents Elasticsearch refused (400 mapping
// conflicts, 404 missing index, other 4xx, a request our own bug made
// malformed) land here with the reason, instead of blocking the pipeline or
// vanishing. The batch that held them is acknowledged only after the record
// is fsynced.
//
// Layout: NDJSON files in `dead_letter.path`, one record per line:
//   {"@timestamp":"<time of failure>","reason":"400 document_parsing_exception: …",
//    "status":400,"index":"logs-web-2024.05.01","output":"elasticsearch","event":{…incl. @metadata}}
// Files are named dlq-<unix ms>-<pid>-<seq>.ndjson (pid: one writer per
// worker process, names never clash) and rotated at `max_file_bytes`.
//
// Size bound (`max_bytes`, all files in the directory): when a write would go
// over it, `when_full` decides —
//   drop_oldest (default): delete the oldest files (any worker's) until it
//     fits; the newest failures are the ones an operator replays after fixing
//     a mapping. Each deleted file is logged at error level with its size and
//     counted (logyard_dlq_dropped_bytes_total / _files_total).
//   drop_newest: do not write the new records; each dropped record is logged
//     at error level with its reason and counted (logyard_dlq_dropped_total).
//   block: wait (re-checking every 5 s) until an operator frees space; the
//     outputs stop acknowledging, backpressure reaches the forwarders, and
//     nothing is lost. A warning is logged while blocked.
// Nothing is ever dropped silently.

const WhenFull = { dropOldest: 'drop_oldest', dropNewest: 'drop_newest', block: 'block' } as const
type WhenFull = (typeof WhenFull)[keyof typeof WhenFull]
const allowedWhenFull = Object.values(WhenFull)


export const deadLetterSpec = {
  type: 'object',
  optional: true,
  doc: 'Dead-letter queue for documents Elasticsearch refused (400/404/other 4xx), as NDJSON files; unset = such documents are logged at error level and counted, then dropped',
  fields: {
    path: { type: 'string', required: true, nonEmpty: true, doc: 'Directory of the dead-letter NDJSON files (created if missing)' },
    max_bytes: { type: 'size', default: 1024 ** 3, min: 1024, doc: 'Upper bound of all dead-letter files together' },
    max_file_bytes: { type: 'size', default: 64 * 1024 ** 2, min: 1024, doc: 'A file is rotated when it reaches this size' },
    when_full: { type: 'enum', values: allowedWhenFull, default: WhenFull.dropOldest, doc: 'At max_bytes: drop_oldest deletes the oldest files, drop_newest refuses new records, block waits for space (backpressure); drops are always logged and counted' },
  },
} as const satisfies Spec

export type DeadLetterConfig = Infer<typeof deadLetterSpec>

export interface DeadLetterRecord {
  '@timestamp': string
  reason: string
  status: number
  index: string
  output: string
  event: LogEvent
}

/** Where refused documents go. `write` resolves once the records are durable (or, by policy, counted as dropped). */
export interface DeadLetterSink {
  write(records: readonly DeadLetterRecord[]): Promise<void>
  close(): Promise<void>
}

interface DeadLetterDeps {
  logger: Logger
  metrics: MetricsRegistry
}

function recordLine(r: DeadLetterRecord): string {
  try {
    return JSON.stringify(r) + '\n'
  } catch {
    return safeStringify(r) + '\n'
  }
}

const FILE_RE = /^dlq-(\d+)-(\d+)-(\d+)\.ndjson$/

interface DlqFile {
  name: string
  size: number
  ms: number
  pid: number
  seq: number
}

function order(a: DlqFile, b: DlqFile): number {
  return a.ms - b.ms || a.pid - b.pid || a.seq - b.seq
}

/** Lists the dead-letter files of a directory, oldest first. */
export async function listDeadLetterFiles(dir: string): Promise<{ name: string; path: string; size: number }[]> {
  const out: DlqFile[] = []
  for (const name of await readdir(dir)) {
    const m = FILE_RE.exec(name)
    if (!m) continue
    try {
      const s = await stat(join(dir, name))
      out.push({ name, size: s.size, ms: Number(m[1]), pid: Number(m[2]), seq: Number(m[3]) })
    } catch {
      // deleted meanwhile
    }
  }
  return out.sort(order).map((f) => ({ name: f.name, path: join(dir, f.name), size: f.size }))
}

export class DeadLetterQueue implements DeadLetterSink {
  readonly config: DeadLetterConfig
  readonly #logger: Logger
  readonly #written: Counter
  readonly #dropped: Counter
  readonly #droppedFiles: Counter
  readonly #droppedBytes: Counter
  readonly #rollbacks: Counter
  #fh: FileHandle | undefined
  #fileName = ''
  #fileBytes = 0
  #seq = 0
  /** Bytes of all files in the directory as of the last scan plus what we wrote since. */
  #total = 0
  #chain: Promise<void> = Promise.resolve()
  #closed = false

  private constructor(config: DeadLetterConfig, deps: DeadLetterDeps) {
    this.config = config
    this.#logger = deps.logger.child({ component: 'dead_letter' })
    this.#written = deps.metrics.counter('dlq_records_total', 'Records written to the dead-letter queue')
    this.#dropped = deps.metrics.counter('dlq_dropped_total', 'Dead-letter records not written because the queue was full (drop_newest)')
    this.#droppedFiles = deps.metrics.counter('dlq_dropped_files_total', 'Dead-letter files deleted to make room (drop_oldest)')
    this.#droppedBytes = deps.metrics.counter('dlq_dropped_bytes_total', 'Bytes of dead-letter files deleted to make room (drop_oldest)')
    this.#rollbacks = deps.metrics.counter('dlq_write_failures_total', 'Dead-letter writes that failed (disk full, I/O error) and were cut back to the last whole record; retried, the batch waits')
    deps.metrics.observe('dlq_bytes', 'Bytes in the dead-letter directory', 'gauge', () => this.#total)
  }

  static async open(config: DeadLetterConfig, deps: DeadLetterDeps): Promise<DeadLetterQueue> {
    try {
      await mkdir(config.path, { recursive: true })
    } catch (err) {
      throw new IoError(`dead_letter.path: cannot create ${config.path}: ${(err as Error).message}`, { path: config.path, cause: err })
    }
    const q = new DeadLetterQueue(config, deps)
    await q.#rescan()
    return q
  }

  get totalBytes(): number {
    return this.#total
  }

  async #rescan(): Promise<DlqFile[]> {
    const files = (await listDeadLetterFiles(this.config.path)).map((f) => {
      const m = FILE_RE.exec(f.name)!
      return { name: f.name, size: f.size, ms: Number(m[1]), pid: Number(m[2]), seq: Number(m[3]) }
    })
    this.#total = files.reduce((s, f) => s + f.size, 0)
    return files
  }

  write(records: readonly DeadLetterRecord[]): Promise<void> {
    if (records.length === 0) return Promise.resolve()
    const run = this.#chain.then(() => this.#write(records))
    this.#chain = run.catch(() => {})
    return run
  }

  async #write(records: readonly DeadLetterRecord[]): Promise<void> {
    let text = ''
    for (const r of records) text += recordLine(r)
    const bytes = Buffer.byteLength(text)
    if (!(await this.#makeRoom(bytes, records))) return
    if (!this.#fh || this.#fileBytes + bytes > this.config.max_file_bytes) await this.#rotate()
    const buf = Buffer.from(text)
    const fh = this.#fh!
    const start = this.#fileBytes
    let off = 0
    try {
      while (off < buf.length) {
        const { bytesWritten } = await fh.write(buf, off, buf.length - off)
        off += bytesWritten
      }
      await fh.datasync()
    } catch (err) {
      // All or nothing: a short write or ENOSPC leaves part of a record; cut
      // the file back to the last whole record before the caller retries.
      await this.#rollback(fh, start, off)
      const errno = (err as NodeJS.ErrnoException).code
      throw new IoError(`dead letter: cannot write ${join(this.config.path, this.#fileName || '?')} (${errno ?? (err as Error).message}); the records are not written and the batch is not acknowledged`, { path: this.config.path, cause: err })
    }
    this.#fileBytes += bytes
    this.#total += bytes
    this.#written.inc(records.length)
  }

  async #rollback(fh: FileHandle, size: number, written: number): Promise<void> {
    this.#rollbacks.inc()
    try {
      await fh.truncate(size)
      await fh.datasync()
      this.#logger.error({ code: 'LY_IO', file: this.#fileName, bytes: written, size }, 'dead-letter write failed; the partial record was cut off (file back to its last whole record)')
    } catch (err) {
      // Cannot even cut it back: leave this file, later records go to a new one.
      this.#logger.error({ code: 'LY_IO', file: this.#fileName, err: (err as Error).message }, 'dead-letter write failed and the partial record could not be cut off; the file is closed')
      await this.#closeFile()
    }
  }

  /** Applies `when_full`; false when the records were dropped (drop_newest). */
  async #makeRoom(bytes: number, records: readonly DeadLetterRecord[]): Promise<boolean> {
    const max = this.config.max_bytes
    if (this.#total + bytes <= max) return true
    let files = await this.#rescan() // other workers write here too
    if (this.#total + bytes <= max) return true
    switch (this.config.when_full) {
      case WhenFull.dropNewest:
        this.#dropped.inc(records.length)
        for (const r of records) {
          this.#logger.error({ code: 'LY_IO', reason: r.reason, status: r.status, index: r.index, event: r.event }, 'dead-letter queue full (max_bytes %d): record dropped', max)
        }
        return false
      case WhenFull.block: {
        let warned = 0
        while (this.#total + bytes > max && !this.#closed) {
          if (Date.now() - warned > 60_000) {
            warned = Date.now()
            this.#logger.warn({ code: 'LY_IO', bytes: this.#total, max }, 'dead-letter queue full: blocked until space is freed in %s', this.config.path)
          }
          await sleep(5000)
          await this.#rescan()
        }
        return true
      }
      default: {
        for (const f of files) {
          if (this.#total + bytes <= max) break
          if (f.name === this.#fileName) continue // ours, open: deleted last
          await this.#drop(f)
        }
        if (this.#total + bytes > max && this.#fh) {
          // Only our current file is left: close it and start over.
          const current = { name: this.#fileName, size: this.#fileBytes }
          await this.#closeFile()
          await this.#drop(current)
        }
        files = []
        return true
      }
    }
  }

  async #drop(f: { name: string; size: number }): Promise<void> {
    try {
      await unlink(join(this.config.path, f.name))
    } catch {
      return // someone else removed it
    }
    this.#total -= f.size
    this.#droppedFiles.inc()
    this.#droppedBytes.inc(f.size)
    this.#logger.error({ code: 'LY_IO', file: f.name, bytes: f.size, max: this.config.max_bytes }, 'dead-letter queue full: oldest file deleted (its records are lost)')
  }

  async #rotate(): Promise<void> {
    await this.#closeFile()
    const name = `dlq-${Date.now()}-${process.pid}-${this.#seq++}.ndjson`
    try {
      this.#fh = await open(join(this.config.path, name), 'a', 0o640)
    } catch (err) {
      throw new IoError(`dead letter: cannot open ${join(this.config.path, name)}: ${(err as Error).message}`, { path: this.config.path, cause: err })
    }
    this.#fileName = name
    this.#fileBytes = 0
  }

  async #closeFile(): Promise<void> {
    const fh = this.#fh
    this.#fh = undefined
    this.#fileName = ''
    if (fh) await fh.close().catch(() => {})
  }

  async close(): Promise<void> {
    this.#closed = true
    await this.#chain
    await this.#closeFile()
  }
}

/**
 * Used when no `dead_letter` is configured: refused documents are logged at
 * error level (reason, index and the event itself) and counted, then dropped.
 */
export class LoggingDeadLetter implements DeadLetterSink {
  readonly #logger: Logger
  readonly #dropped: Counter

  constructor(deps: DeadLetterDeps) {
    this.#logger = deps.logger.child({ component: 'dead_letter' })
    this.#dropped = deps.metrics.counter('dlq_dropped_total', 'Refused documents dropped (no dead_letter.path configured, or the queue was full)')
  }

  async write(records: readonly DeadLetterRecord[]): Promise<void> {
    this.#dropped.inc(records.length)
    for (const r of records) {
      this.#logger.error({ code: 'LY_ES_BULK', reason: r.reason, status: r.status, index: r.index, event: r.event }, 'document refused and no dead_letter.path configured: dropped')
    }
  }

  async close(): Promise<void> {}
}

/** A DLQ that keeps records in memory (tests and the replay tool). */
export class MemoryDeadLetter implements DeadLetterSink {
  readonly records: DeadLetterRecord[] = []
  async write(records: readonly DeadLetterRecord[]): Promise<void> {
    this.records.push(...records)
  }
  async close(): Promise<void> {}
}
