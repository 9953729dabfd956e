import { readFileSync, renameSync, existsSync, mkdirSync, unlinkSync } from 'node:fs'
import { join } from 'node:path'
import { CheckpointError } from '../core/errors.ts'
import { writeFileAtomic } from '../core/fs/atomic-write.ts'
import type { Logger } from '../core/logger.ts'
import type { Fingerprint } from './tail/fingerprint.ts'

// The registry: where each file has been read to AND acknowledged. Human
// readable JSON in data_dir, keyed by file identity (device:inode), with the
// path for people. Written atomically: registry.json.new, fsync, rename over
// registry.json, fsync of the directory. On start the .new file is tried
// first (a crash between fsync and rename leaves a complete, newer copy
// there); a registry that does not parse is renamed aside to
// registry.json.corrupt-<time> and the forwarder starts from read_from.

const REGISTRY_FILE = 'registry.json'
const REGISTRY_VERSION = 1

export interface RegistryEntry {
  /** device:inode */
  key: string
  /** stable id prefix for @metadata._id */
  id: string
  path: string
  /** acknowledged offset: every byte before it has been delivered */
  offset: number
  fingerprint: Fingerprint
  /** ISO time of the last change of this entry */
  updated: string
  /** the path no longer leads to this file (rename rotation) */
  rotated?: boolean
  /**
   * Truncation generation: how many times this file was found truncated or
   * rewritten in place (copytruncate). Part of the document id from 1 on, so
   * new bytes at an old offset get a new id; absent = 0.
   */
  generation?: number
  /** Birth time (ms) of the file, where the file system keeps it: orders rotated files. */
  birth?: number
  /** Birth time of the newest copytruncate copy already read for this file (tailer #adoptCopy). */
  copied?: number
}

/** The document-id prefix of a file in its current generation: `<id>` at 0, `<id>.<gen hex>` after truncations. */
export function idBase(id: string, generation: number | undefined): string {
  return generation ? `${id}.${generation.toString(16)}` : id
}

interface RegistryFile {
  version: number
  written: string
  files: RegistryEntry[]
}

export class Registry {
  readonly #dir: string
  readonly #file: string
  readonly #tmp: string
  readonly #logger: Logger
  readonly #entries = new Map<string, RegistryEntry>()
  #dirty = false
  /** Successful writes so far. */
  writes = 0
  /** Failed writes so far (full disk, permissions). */
  failures = 0
  /** How the registry was found at load: 'empty' | 'loaded' | 'recovered-tmp' | 'corrupt'. */
  loadedFrom = 'empty'

  constructor(dataDir: string, logger: Logger) {
    this.#dir = dataDir
    this.#file = join(dataDir, REGISTRY_FILE)
    this.#tmp = this.#file + '.new'
    this.#logger = logger
  }

  get path(): string {
    return this.#file
  }

  get size(): number {
    return this.#entries.size
  }

  get dirty(): boolean {
    return this.#dirty
  }

  /** Reads the registry. Never throws for bad content: corrupt files are moved aside and logged. */
  load(): void {
    try {
      mkdirSync(this.#dir, { recursive: true })
    } catch (cause) {
      throw new CheckpointError(`cannot create data_dir ${this.#dir} (${(cause as NodeJS.ErrnoException).code ?? String(cause)}); create it writable for the forwarder's user`, { path: this.#dir, cause })
    }
    if (existsSync(this.#tmp)) {
      const parsed = this.#parse(this.#tmp)
      if (parsed) {
        this.#adopt(parsed)
        this.loadedFrom = 'recovered-tmp'
        this.#logger.warn({ code: 'LY_CHECKPOINT', file: this.#tmp }, 'registry: using the newer copy left by an interrupted write')
        try {
          renameSync(this.#tmp, this.#file)
        } catch {
          /* keep reading from tmp next time */
        }
        return
      }
      try {
        unlinkSync(this.#tmp)
      } catch {
        /* ignore */
      }
    }
    if (!existsSync(this.#file)) return
    const parsed = this.#parse(this.#file)
    if (parsed) {
      this.#adopt(parsed)
      this.loadedFrom = 'loaded'
      return
    }
    const aside = `${this.#file}.corrupt-${new Date().toISOString().replace(/[:.]/g, '-')}`
    try {
      renameSync(this.#file, aside)
    } catch {
      /* ignore: we still start without it */
    }
    this.loadedFrom = 'corrupt'
    const err = new CheckpointError(`registry ${this.#file} is corrupt; kept aside as ${aside}; files start from read_from`, { path: this.#file })
    this.#logger.error({ code: err.code, err: err.message, aside }, 'registry corrupt')
  }

  #parse(file: string): RegistryFile | undefined {
    try {
      const data = JSON.parse(readFileSync(file, 'utf8')) as RegistryFile
      if (typeof data !== 'object' || data === null || !Array.isArray(data.files)) return undefined
      for (const e of data.files) {
        if (typeof e?.key !== 'string' || typeof e.offset !== 'number' || !(e.offset >= 0) || typeof e.id !== 'string' || typeof e.fingerprint?.sha1 !== 'string' || typeof e.fingerprint.length !== 'number' || (e.generation !== undefined && !(Number.isInteger(e.generation) && e.generation >= 0))) return undefined
      }
      return data
    } catch {
      return undefined
    }
  }

  #adopt(data: RegistryFile): void {
    this.#entries.clear()
    for (const e of data.files) this.#entries.set(e.key, e)
  }

  get(key: string): RegistryEntry | undefined {
    return this.#entries.get(key)
  }

  entries(): IterableIterator<RegistryEntry> {
    return this.#entries.values()
  }

  set(entry: RegistryEntry): void {
    this.#entries.set(entry.key, entry)
    this.#dirty = true
  }

  /** Moves an entry's acknowledged offset (and path) forward. */
  update(key: string, offset: number, path: string, fingerprint: Fingerprint): void {
    const e = this.#entries.get(key)
    if (!e) return
    if (e.offset === offset && e.path === path && e.fingerprint.length === fingerprint.length) return
    e.offset = offset
    e.path = path
    e.fingerprint = fingerprint
    e.updated = new Date().toISOString()
    this.#dirty = true
  }

  /**
   * The file was truncated or rewritten in place: a new generation begins at
   * offset 0 with the first bytes now there. Returns the new generation. The
   * caller writes the registry (flush) before reading on, so the generation
   * of every id that leaves the process is on disk.
   */
  truncated(key: string, path: string, fingerprint: Fingerprint): number {
    const e = this.#entries.get(key)
    if (!e) return 0
    e.generation = (e.generation ?? 0) + 1
    e.offset = 0
    e.path = path
    e.fingerprint = fingerprint
    e.updated = new Date().toISOString()
    this.#dirty = true
    return e.generation
  }

  delete(key: string): void {
    if (this.#entries.delete(key)) this.#dirty = true
  }

  markDirty(): void {
    this.#dirty = true
  }

  #writing: Promise<boolean> | undefined

  #snapshot(): string {
    const body: RegistryFile = { version: REGISTRY_VERSION, written: new Date().toISOString(), files: [...this.#entries.values()] }
    return JSON.stringify(body, null, 1) + '\n'
  }

  /**
   * The periodic write, off the event loop (the fsyncs can take tens of
   * milliseconds). At most one at a time; changes made meanwhile stay dirty
   * for the next one.
   */
  flushAsync(): Promise<boolean> {
    if (this.#writing) return this.#writing
    if (!this.#dirty) return Promise.resolve(true)
    return this.#write()
  }

  /**
   * Writes the registry as it is now (after any write in progress), e.g. at
   * shutdown or before reading a truncated file again; `force` writes it even
   * when nothing changed. Returns false (logged, counted) when the write failed.
   */
  async flush(force = false): Promise<boolean> {
    while (this.#writing) await this.#writing
    if (!this.#dirty && !force) return true
    return this.#write()
  }

  #write(): Promise<boolean> {
    const text = this.#snapshot()
    this.#dirty = false
    this.#writing = writeFileAtomic(this.#file, text, { tmp: this.#tmp, mode: 0o640 }).then(
      () => {
        this.#writing = undefined
        this.writes++
        return true
      },
      (cause: unknown) => {
        this.#writing = undefined
        this.#dirty = true
        this.#failed(cause)
        return false
      },
    )
    return this.#writing
  }

  #failed(cause: unknown): void {
    this.failures++
    const code = (cause as NodeJS.ErrnoException).code
    const err = new CheckpointError(`cannot write registry ${this.#file} (${code ?? String(cause)}); offsets are kept in memory and the write is retried`, { path: this.#file, cause })
    this.#logger.error({ code: err.code, errno: code, err: err.message }, 'registry write failed')
  }
}
