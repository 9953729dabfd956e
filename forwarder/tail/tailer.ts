import { close, type Stats } from 'node:fs'
import { basename, dirname, join } from 'node:path'
import { IoError, LimitError, TimeoutError } from '../../core/errors.ts'
import type { Logger } from '../../core/logger.ts'
import type { ForwarderConfig } from '../config.ts'
import { EventEncoder, type AgentInfo } from '../event-encoder.ts'
import { idBase, type Registry, type RegistryEntry } from '../registry.ts'
import type { Batcher } from '../ship/batcher.ts'
import { FINGERPRINT_BYTES, fileId, fileKey, fingerprintOf, sameStart, type Fingerprint } from './fingerprint.ts'
import { NotRegularFile, TrackedFs, fileKind } from './fs-ops.ts'
import { Harvester } from './harvester.ts'
import { OpenFileBudget } from './open-file-budget.ts'
import { PathMatcher, within, type ScanLimit, type ScanReport } from './scanner.ts'
import { Watcher } from './watcher.ts'

// Discovery, reading and file lifecycle. One read at a time into one shared
// buffer: harvesters wait in a ready queue and get one chunk per turn, so no
// file starves the others and memory does not grow with the number of files.
// Reading stops while the batcher is blocked (the output is busy), which is
// the whole backpressure story: the logs wait on disk.

const READ_CHUNK = 128 * 1024
const TICK_MS = 250
// At EOF a file is re-checked after 1 s, then 4 s, 16 s, up to this. File-system
// events wake it at once, so the poll is only the safety net; with 1,000 idle
// files it is what costs CPU.
const MAX_POLL_DELAY = 30_000
// While the watcher runs, writes, truncations, renames and deletions arrive as
// events, so the safety-net poll starts later and backs off further (4 s, 16 s,
// 64 s, 120 s). Files renamed away (no more events) keep the brisk 1 s poll.
const WATCHED_POLL_START = 4_000
const WATCHED_MAX_POLL_DELAY = 120_000
// While the watcher runs, only every FULL_SCAN_EVERY-th periodic rescan stats
// the paths of files that are open and still matched (the watcher reports their
// changes); the others only list the globs and stat new or closed paths.
// Measured (1,000 idle files): the stats were ~45% of the idle main thread.
const FULL_SCAN_EVERY = 6

// Paths skipped for what they are (links, FIFOs, devices) are logged once
// each; past this many lines in SKIP_LOG_WINDOW_MS the rest are only counted
// (logyard_forwarder_files_skipped_total) and summed up in the next line.
const SKIP_LOG_BURST = 20
const SKIP_LOG_WINDOW_MS = 10_000
// A bounded scan (loop, max depth, max entries) is logged at most this often per reason.
const LIMIT_LOG_EVERY_MS = 60_000

// Skipped paths remembered between scans (each scan forgets the ones gone).
const MAX_SKIPPED_REMEMBERED = 65_536

type SkipReason = 'symlink' | 'symlink_target' | 'not_regular'

export class TailStats {
  bytesRead = 0
  linesRead = 0
  eventsRead = 0
  filesOpen = 0
  filesKnown = 0
  truncations = 0
  rotations = 0
  /** Rotated files found unfinished at start and read to their end (#recoverRotated). */
  recovered = 0
  /** truncated-line counts of harvesters already forgotten */
  truncatedForgotten = 0
  readonly errors = new Map<string, number>()
  /** Paths not read for what they are, by reason (each path counted once while it stays). */
  readonly skipped: Record<SkipReason, number> = { symlink: 0, symlink_target: 0, not_regular: 0 }
  /** Scans cut short, by reason. */
  readonly scanLimited: Record<ScanLimit, number> = { loop: 0, max_depth: 0, max_entries: 0 }
  /** Times the reader was found stalled (a file-system call outstanding past read_stall_timeout). */
  stalls = 0
  countError(code: string): void {
    this.errors.set(code, (this.errors.get(code) ?? 0) + 1)
  }
}

interface TailerOptions {
  config: ForwarderConfig
  registry: Registry
  batcher: Batcher
  agent: AgentInfo
  logger: Logger
  stats: TailStats
  /** Watch the file system with chokidar (default true). */
  watch?: boolean
}

const EMPTY = Buffer.alloc(0)

export class Tailer {
  readonly #o: TailerOptions
  readonly #log: Logger
  readonly #matchers: PathMatcher[]
  readonly #byKey = new Map<string, Harvester>()
  readonly #byPath = new Map<string, Harvester>()
  readonly #ready: Harvester[] = []
  readonly #budget: OpenFileBudget
  readonly #discovering = new Set<string>()
  readonly #reported = new Map<string, string>() // path → last logged errno
  readonly #skipped = new Map<string, SkipReason>() // path → why it is not read (logged once)
  readonly #skipLog = { windowStart: 0, lines: 0, suppressed: 0 }
  readonly #limitLogged = new Map<ScanLimit, number>()
  readonly #scanSkips = new Set<string>() // linked directories the current scan did not enter
  readonly #scanReport: ScanReport
  readonly fs = new TrackedFs()
  #stalled = false
  readonly #buf = Buffer.allocUnsafe(READ_CHUNK)
  readonly #counters: { lines: number; events: number }
  readonly #onAcked: (h: Harvester, end: number) => void
  #wakeFn: (() => void) | undefined
  /** The harvester the pump is reading (#run). */
  #current: Harvester | undefined
  #stopping = false
  #copyWork: Promise<void> = Promise.resolve()
  #pump: Promise<void> | undefined
  #tick: NodeJS.Timeout | undefined
  #scanTimer: NodeJS.Timeout | undefined
  #scanning = false
  #watcher: Watcher | undefined
  #scanEvery: number
  #scans = 0
  /** Scans begun and completed (rescan); `#scanWaiters` wait on them (nextScan). */
  #scansStarted = 0
  #scansDone = 0
  #scanWaiters: { after: number; full: boolean; resolve: () => void; reject: (err: Error) => void }[] = []
  #pollStart = 1000
  #pollMax = MAX_POLL_DELAY
  #lastAt: Map<string, RegistryEntry> | undefined

  constructor(options: TailerOptions) {
    this.#o = options
    this.#log = options.logger
    this.#matchers = options.config.inputs.map(
      (i) => new PathMatcher(i.paths, i.exclude, { followSymlinks: i.follow_symlinks, targetDirs: i.symlink_target_dirs, maxDepth: i.scan_max_depth, maxEntries: i.scan_max_entries, track: (op, path, p) => this.fs.track(op, path, p) }),
    )
    this.#scanReport = {
      skipped: (path, reason, target) => {
        this.#scanSkips.add(path)
        this.#skip(path, reason, target === undefined ? 'symbolic link to a directory not entered (follow_symlinks is off)' : `symbolic link to a directory leading to ${target}, outside the allowed directories (see symlink_target_dirs)`)
      },
      limited: (reason, path) => this.#limited(reason, path),
    }
    this.#counters = { lines: 0, events: 0 }
    this.#budget = new OpenFileBudget(options.config.max_open_files, (open) => (options.stats.filesOpen = open))
    this.#scanEvery = Math.min(...options.config.inputs.map((i) => i.scan_frequency))
    this.#onAcked = (h, end) => options.registry.update(h.key, end, h.path, h.fingerprint)
    options.batcher.onUnblocked = () => this.wake()
  }

  get openFiles(): number {
    return this.#budget.open
  }

  get knownFiles(): number {
    return this.#byKey.size
  }

  get linesRead(): number {
    return this.#counters.lines
  }

  get eventsRead(): number {
    return this.#counters.events
  }

  /**
   * Scans completed (the initial ones included): logyard_forwarder_scans_total.
   * A counter that stays flat while scan_frequency passes is a stuck scanner.
   */
  get scans(): number {
    return this.#scansDone
  }

  /**
   * Resolves once a scan begun after this call has completed, so everything on
   * disk before the call has been looked at (with `full`: a scan that also
   * stats the files already open, which the watcher otherwise reports; see
   * FULL_SCAN_EVERY). Rejects when the tailer stops first.
   */
  nextScan(options: { full?: boolean } = {}): Promise<void> {
    if (this.#stopping) return Promise.reject(new Error('tailer stopped'))
    return new Promise((resolve, reject) => this.#scanWaiters.push({ after: this.#scansStarted, full: options.full === true, resolve, reject }))
  }

  /** Files waiting for a free handle (over max_open_files). */
  waitingPaths(): IterableIterator<string> {
    return this.#budget.waitingPaths()
  }

  harvesters(): IterableIterator<Harvester> {
    return this.#byKey.values()
  }

  async start(): Promise<void> {
    await this.rescan(true)
    if (this.#o.watch !== false) {
      const sink = {
        added: (p: string) => void this.#discover(p, false),
        changed: (p: string) => this.#pathChanged(p),
        removed: (p: string) => this.#pathChanged(p),
      }
      // #log already binds component: tail; a second `component` would repeat the key in every line.
      this.#watcher = new Watcher(this.#matchers, sink, this.#log.child({ subcomponent: 'watcher' }))
      await this.#watcher.ready()
      this.#pollStart = WATCHED_POLL_START
      this.#pollMax = WATCHED_MAX_POLL_DELAY
      // Files created while the watcher was starting.
      await this.rescan(false)
    }
    this.#tick = setInterval(() => this.#onTick(), TICK_MS)
    this.#scanTimer = setInterval(() => void this.rescan(false), this.#scanEvery)
    this.#pump = this.#run()
  }

  /** Stops reading; flushes held multiline events into the batcher; closes handles. */
  async stop(): Promise<void> {
    if (this.#stopping) return
    this.#stopping = true
    clearInterval(this.#tick)
    clearInterval(this.#scanTimer)
    for (const w of this.#scanWaiters.splice(0)) w.reject(new Error('tailer stopped'))
    this.wake()
    await this.#pump
    await this.#watcher?.close()
    const ts = new Date().toISOString()
    for (const h of this.#byKey.values()) {
      h.flushMultiline(ts)
      if (h.isOpen) this.#closeFd(h)
    }
  }

  wake(): void {
    const f = this.#wakeFn
    if (f) {
      this.#wakeFn = undefined
      f()
    }
  }

  #enqueue(h: Harvester): void {
    if (h.poll.queued || this.#stopping) return
    h.poll.queued = true
    this.#ready.push(h)
    this.wake()
  }

  async #run(): Promise<void> {
    while (!this.#stopping) {
      if (this.#o.batcher.blocked || this.#ready.length === 0) {
        await new Promise<void>((resolve) => {
          this.#wakeFn = resolve
        })
        continue
      }
      const h = this.#ready.shift()!
      h.poll.queued = false
      if (h.state === 'forgotten') continue
      // While it is read, only the pump changes the harvester's state (#onTick and rescan leave it alone).
      this.#current = h
      try {
        await this.#readOnce(h)
      } catch (err) {
        this.#ioError(h.path, err, 'read')
        if (h.isOpen) this.#closeFd(h)
      } finally {
        this.#current = undefined
      }
    }
  }

  async #readOnce(h: Harvester): Promise<void> {
    if (!h.isOpen && !(await this.#reopen(h))) return
    // A file that was at its end (a poll, or a file-system event): one fstat
    // says whether there is anything to read, more cheaply than a read that
    // returns 0 — with 1,000 idle files each poll wave was ~40% reads.
    if (h.state === 'eof' && !(await this.#checkAtEof(h))) return
    const start = h.readOffset
    const n = await this.fs.read(h.fd, this.#buf, start, h.path)
    if (n > 0) {
      // A copytruncate that regrew the file past our offset shows only in its
      // first bytes. They are compared AFTER the read (1 KiB against up to
      // 128 KiB): bytes read before a truncation that lands between a check and
      // the read would otherwise take the old generation's ids at offsets the
      // logrotate copy holds too, and those copy lines would answer 409.
      if (start > 0 && h.fingerprint.length > 0) {
        h.poll.lastHeadCheck = Date.now()
        const head = await this.fs.readHead(h.fd, h.path)
        if (!sameStart(h.fingerprint, head)) {
          await this.#truncated(h, 'first bytes changed')
          return
        }
      }
      // A short fingerprint grows from the bytes actually read, never from a
      // later look at the head (which may already be a new generation's).
      if (start < FINGERPRINT_BYTES && h.fingerprint.length === start) {
        const head = Buffer.concat([h.headBytes ?? Buffer.alloc(0), this.#buf.subarray(0, Math.min(n, FINGERPRINT_BYTES - start))])
        if (head.length === start + Math.min(n, FINGERPRINT_BYTES - start)) {
          h.fingerprintFromRead(head)
          // The first bytes of a generation begun by a truncation: copies made
          // between that truncation and now hold generations never read.
          if (start === 0 && h.lateCopiesAfter > 0) this.#queueCopyWork(() => this.#adoptLateCopies(h, head))
        }
      }
      this.#o.stats.bytesRead += n
      h.poll.delay = this.#pollStart
      h.consume(this.#buf.subarray(0, n), new Date().toISOString())
      this.#o.stats.linesRead = this.#counters.lines
      this.#o.stats.eventsRead = this.#counters.events
      this.#enqueue(h)
      return
    }
    h.eof()
    if (await this.#checkAtEof(h)) this.#enqueue(h)
  }

  // At the end of what could be read: truncated? replaced? grown meanwhile?
  // deleted? True when there are bytes to read at readOffset; otherwise the
  // harvester is scheduled (next poll), restarted or forgotten here.
  async #checkAtEof(h: Harvester): Promise<boolean> {
    if (!h.isOpen) return false
    const st = await this.fs.fstat(h.fd, h.path)
    const now = Date.now()
    if (st.size < h.readOffset) {
      h.sizeSeen(st.size)
      await this.#truncated(h, `size ${st.size} < offset ${h.readOffset}`)
      return false
    }
    const changed = h.statSeen(st.size, st.mtimeMs)
    // The first bytes are re-read only when the file changed: a copytruncate that
    // already grew past our offset shows up as different first bytes.
    // A change within a second of the last look is looked at a second later
    // (headStale): a file emptied and refilled to the same size shows nothing else.
    if (changed) h.poll.headStale = true
    // (A fingerprint that reads can grow — begun at 0 — is left to them.)
    const growable = h.fingerprint.length > 0 && h.headBytes === undefined && h.fingerprint.length < FINGERPRINT_BYTES && st.size > h.fingerprint.length
    if (growable || (h.poll.headStale && now - h.poll.lastHeadCheck >= 1000)) {
      h.poll.lastHeadCheck = now
      h.poll.headStale = false
      const head = await this.fs.readHead(h.fd, h.path)
      if (!sameStart(h.fingerprint, head)) {
        await this.#truncated(h, 'first bytes changed')
        return false
      }
      if (growable && head.length > h.fingerprint.length) h.fingerprintFromHead(head)
    }
    if (st.size > h.readOffset) return true // deleted or not, read to the end first
    if (h.recovered) {
      // A rotated file finished after a restart: forgotten (registry entry
      // included) once everything in it is acknowledged.
      h.flushMultiline(new Date(now).toISOString())
      if (h.ackedOffset >= h.readOffset && h.acks.pending === 0) {
        this.#log.info({ path: h.path, key: h.key, offset: h.readOffset }, 'rotated file finished after restart; forgetting it')
        this.#forget(h)
        this.#o.registry.delete(h.key)
        return false
      }
    }
    if (st.nlink === 0) {
      // Deleted and read to the end: release the disk space.
      this.#log.info({ path: h.path, offset: h.readOffset }, 'file deleted and read to the end; closing')
      this.#forget(h)
      return false
    }
    h.poll.next = now + (h.poll.headStale ? Math.min(h.poll.delay, 1000) : h.poll.delay)
    // A rotated file (renamed away, still open) gets no file-system events: keep polling it briskly.
    if (!h.removed) h.poll.delay = Math.min(h.poll.delay * 4, this.#pollMax)
    return false
  }

  // copytruncate (or a rewrite in place): a new truncation generation begins
  // at offset 0. Its number is part of every later document id (registry.ts
  // idBase), so new bytes at an old offset never reuse an old id, and the
  // registry is written before anything of the new generation is read: a
  // crash after this point replays the new bytes under the same ids.
  async #truncated(h: Harvester, why: string): Promise<void> {
    this.#o.stats.truncations++
    const from = h.readOffset
    const before = { fingerprint: h.fingerprint, id: h.encoder.idBase, acked: h.ackedOffset, key: h.key }
    // Not read until the registry holds the new generation; its fingerprint grows from what is read of it.
    h.truncated()
    h.poll.lastHeadCheck = Date.now()
    h.poll.headStale = false
    const registry = this.#o.registry
    const generation = registry.truncated(h.key, h.path, h.fingerprint)
    const entry = registry.get(h.key)
    if (entry) h.encoder.setIdBase(idBase(entry.id, generation))
    this.#log.info({ path: h.path, offset: from, why, generation }, 'file truncated or replaced in place; reading again from offset 0')
    try {
      await registry.flush()
    } finally {
      h.registryWritten()
    }
    // File-system birth times come from a coarse clock: a copy made just after
    // this may look a few ms older.
    h.expectLateCopies(Date.now() - 100, before.fingerprint)
    this.#enqueue(h)
    this.#queueCopyWork(() => this.#adoptCopy(h.path, h.inputIndex, before))
  }

  /** Copy adoptions run one at a time: two scans must never both start the same copy. */
  #queueCopyWork(fn: () => Promise<void>): void {
    this.#copyWork = this.#copyWork.then(fn).catch((err: unknown) => this.#ioError('(copytruncate copies)', err, 'scan'))
  }

  // After a truncation was seen, the file may be copied and truncated again
  // before the first byte of the new generation is read (the forwarder lags,
  // paused by back-pressure): nothing of that generation was read, so no
  // fingerprint can show the change. When the first bytes of the generation
  // are read, copies born since the last adopted one (or since the truncation
  // was seen) that are not copies of what is read now are read whole.
  async #adoptLateCopies(h: Harvester, head: Buffer): Promise<void> {
    const { since, previous } = h.takeLateCopies()
    if (this.#stopping || h.state === 'forgotten') return
    const entry = this.#o.registry.get(h.key)
    const after = Math.max(entry?.copied ?? 0, since)
    const found = await this.#unknownCopies(h.path, h.inputIndex, (b) => b > after, true)
    let newest = 0
    for (const c of found) {
      const n = Math.min(c.head.length, head.length)
      if (n > 0 && c.head.subarray(0, n).equals(head.subarray(0, n))) continue // a copy of the generation read now
      if (previous && previous.length > 0 && sameStart(previous, c.head)) continue // of the generation before: adopted from our offset, or read already
      if (await this.#adoptOne(c.p, c.key, h.inputIndex, undefined)) newest = Math.max(newest, c.birth)
    }
    if (newest > 0 && entry) {
      entry.copied = Math.max(entry.copied ?? 0, newest)
      void this.#o.registry.flushAsync()
    }
  }

  // logrotate's copytruncate copies the file aside, then empties it. What we
  // had not read by then is only in the copy: find it (a sibling named like
  // the file, unknown to us, starting with the ended generation's first
  // bytes; the newest such) and read it from our acknowledged offset under
  // that generation's ids, so what was already delivered answers 409. Unknown
  // siblings born after the previous such copy of this file (or after this
  // one, the first time) are copies of generations we never saw (several
  // truncations while we lagged or were down): each is read whole.
  async #adoptCopy(path: string, inputIndex: number, before: { fingerprint: Fingerprint; id: string; acked: number; key: string }): Promise<void> {
    if (before.fingerprint.length === 0 || this.#stopping) return
    const candidates = await this.#unknownCopies(path, inputIndex, () => true, false)
    let anchor = -1
    for (const [i, c] of candidates.entries()) {
      if (await this.#adoptOne(c.p, c.key, inputIndex, before)) {
        anchor = i
        break
      }
    }
    if (anchor < 0) return
    const entry = this.#o.registry.get(before.key)
    const anchorBirth = candidates[anchor]!.birth
    const after = entry?.copied ?? anchorBirth
    for (const [i, c] of candidates.entries()) {
      if (i !== anchor && c.birth > after) await this.#adoptOne(c.p, c.key, inputIndex, undefined)
    }
    if (entry) entry.copied = Math.max(anchorBirth, ...candidates.filter((c) => c.birth > after).map((c) => c.birth))
    void this.#o.registry.flushAsync()
  }

  /**
   * Siblings named like `path` (app.log.1, app.log-2024…), matched by no input,
   * unknown to the tailer and the registry, whose birth time passes `born`: newest first,
   * with their first bytes when `withHead` (otherwise only lstat'ed: #adoptOne
   * opens and reads the one it tries).
   */
  async #unknownCopies(path: string, inputIndex: number, born: (ms: number) => boolean, withHead: boolean): Promise<{ p: string; key: string; birth: number; head: Buffer }[]> {
    const dir = dirname(path)
    const base = basename(path)
    const matcher = this.#matchers[inputIndex]
    let names: string[]
    try {
      names = await this.fs.readdir(dir)
    } catch {
      return []
    }
    const out: { p: string; key: string; birth: number; head: Buffer }[] = []
    for (const name of names) {
      if (name === base || !name.startsWith(base)) continue
      const p = join(dir, name)
      if (matcher?.excluded(p) || matcher?.matches(p)) continue
      let fd = -1
      try {
        // lstat: a link named like a copy is never followed; fs.open refuses FIFOs and devices without blocking.
        const st = await this.fs.lstat(p)
        const key = fileKey(st.dev, st.ino)
        if (!st.isFile() || !born(st.birthtimeMs) || this.#byKey.has(key) || this.#o.registry.get(key)) continue
        if (!withHead) {
          out.push({ p, key, birth: st.birthtimeMs, head: EMPTY })
          continue
        }
        let fst: Stats
        ;({ fd, st: fst } = await this.fs.open(p))
        if (fileKey(fst.dev, fst.ino) === key) out.push({ p, key, birth: fst.birthtimeMs, head: await this.fs.readHead(fd, p) })
      } catch {
        /* gone */
      } finally {
        if (fd >= 0) close(fd, () => {})
      }
    }
    return out.sort((a, b) => b.birth - a.birth)
  }

  /** Reads one copy: from `before.acked` under `before.id` when its first bytes match, or whole (`before` undefined). */
  async #adoptOne(p: string, key: string, inputIndex: number, before: { fingerprint: Fingerprint; id: string; acked: number } | undefined): Promise<boolean> {
    let fd = -1
    try {
      let st: Stats
      ;({ fd, st } = await this.fs.open(p))
      if (fileKey(st.dev, st.ino) !== key || this.#byKey.has(key)) return false
      const head = await this.fs.readHead(fd, p)
      if (this.#byKey.has(key)) return false // started by another scan meanwhile
      if (before && (head.length < before.fingerprint.length || !sameStart(before.fingerprint, head) || st.size <= before.acked)) return false
      const id = before ? before.id : fileId(key, st.birthtimeMs, head)
      const offset = before ? before.acked : 0
      this.#o.registry.set({ key, id, path: p, offset, fingerprint: fingerprintOf(head), updated: new Date().toISOString(), birth: st.birthtimeMs })
      this.#startRotated(p, fd, st, head, key, id, offset, inputIndex)
      fd = -1
      this.#log.info({ path: p, offset, size: st.size, whole: !before }, 'copytruncate: reading the copy')
      return true
    } catch (err) {
      this.#openError(p, err)
      return false
    } finally {
      if (fd >= 0) close(fd, () => {})
    }
  }

  /** A file-system call outstanding longer than read_stall_timeout: what and where (for /healthz). */
  stalled(): { count: number; oldest: { op: string; path: string; seconds: number } | undefined } {
    return this.fs.stalled(this.#o.config.read_stall_timeout)
  }

  #checkStall(): void {
    const s = this.stalled()
    if (s.count > 0 && !this.#stalled) {
      this.#stalled = true
      this.#o.stats.stalls++
      this.#o.stats.countError('LY_TIMEOUT')
      const e = new TimeoutError(`reader stalled: ${s.oldest!.op} of ${s.oldest!.path} outstanding for ${s.oldest!.seconds}s (read_stall_timeout ${this.#o.config.read_stall_timeout}ms); /healthz answers 503 until it completes`, { path: s.oldest!.path })
      this.#log.error({ code: e.code, op: s.oldest!.op, path: s.oldest!.path, seconds: s.oldest!.seconds, stalled: s.count }, e.message)
    } else if (s.count === 0 && this.#stalled) {
      this.#stalled = false
      this.#log.warn({ code: 'LY_TIMEOUT' }, 'reader no longer stalled')
    }
  }

  #onTick(): void {
    this.#checkStall()
    const now = Date.now()
    let ts: string | undefined
    for (const h of this.#byKey.values()) {
      const ml = h.multiline
      if (ml?.pending && now - ml.lastPush >= ml.timeout) h.flushMultiline((ts ??= new Date(now).toISOString()))
      if (h.state === 'eof' && !h.poll.queued && h !== this.#current) {
        if (now - h.lastData >= h.input.close_inactive) {
          this.#log.debug({ path: h.path }, 'close_inactive: closing idle file')
          h.flushMultiline((ts ??= new Date(now).toISOString()))
          this.#closeFd(h)
          if (h.removed) this.#forget(h)
        } else if (now >= h.poll.next) {
          this.#enqueue(h)
        }
      }
    }
  }

  // A file-system event for `path`: the file there grew, was replaced or went
  // away. discover() stats it: a known file is queued for reading, a new
  // inode at the path (rename rotation) becomes a new harvester and the old
  // one is finished promptly.
  #pathChanged(path: string): void {
    const h = this.#byPath.get(path)
    if (h?.isOpen) {
      h.poll.delay = this.#pollStart
      this.#enqueue(h)
    }
    if (h || this.#matchers.some((m) => m.matches(path))) void this.#discover(path, false)
  }

  /**
   * Full glob scan: new files, renames, closed files that grew, forgotten files.
   * `full`: stat the open files too, whatever FULL_SCAN_EVERY says. Returns at
   * once while another scan runs (nextScan() waits for the next one).
   */
  async rescan(initial: boolean, full = false): Promise<void> {
    if (this.#scanning || this.#stopping) return
    this.#scanning = true
    const cheap = !initial && !full && this.#watcher !== undefined && ++this.#scans % FULL_SCAN_EVERY !== 0
    const number = ++this.#scansStarted
    let completed = false
    try {
      const seen = new Set<string>()
      const done = new Set<string>()
      // Inputs whose scan was cut short (scan_max_entries): their files not seen may still exist.
      const incomplete = new Set<number>()
      this.#scanSkips.clear()
      for (let i = 0; i < this.#matchers.length; i++) {
        const m = this.#matchers[i]!
        const scan = await m.scan(this.#scanReport)
        if (!scan.complete) incomplete.add(i)
        for (const path of scan.paths) {
          if (done.has(path)) continue
          done.add(path)
          if (cheap) {
            const known = this.#byPath.get(path)
            if (known !== undefined && known.isOpen && !known.removed) {
              seen.add(known.key)
              continue
            }
          }
          let st: Stats
          let link = false
          try {
            st = await this.fs.lstat(path)
            if (st.isSymbolicLink()) {
              if (!m.followSymlinks) {
                this.#skip(path, 'symlink', 'symbolic link not followed (follow_symlinks is off)')
                continue
              }
              link = true
              st = await this.fs.stat(path)
            }
          } catch (err) {
            this.#ioError(path, err, 'stat')
            continue
          }
          if (st.isDirectory()) continue
          if (!st.isFile()) {
            this.#skip(path, 'not_regular', `a ${fileKind(st)}, not a regular file`)
            continue
          }
          const key = fileKey(st.dev, st.ino)
          seen.add(key)
          await this.#consider(path, key, st, i, initial, link)
        }
      }
      if (this.#stopping) return
      // Skipped paths no longer there are forgotten (memory stays bounded by what the directories hold).
      if (incomplete.size === 0) for (const p of this.#skipped.keys()) if (!done.has(p) && !this.#scanSkips.has(p)) this.#skipped.delete(p)
      if (initial) await this.#recoverRotated(seen)
      for (const h of [...this.#byKey.values()]) {
        if (seen.has(h.key) || incomplete.has(h.inputIndex)) continue
        if (!h.isOpen && h !== this.#current) this.#forget(h)
        else h.markRemoved() // no longer matched (renamed away or deleted): forget once closed
      }
      for (const e of [...this.#o.registry.entries()]) {
        if (!seen.has(e.key) && !this.#byKey.has(e.key) && incomplete.size === 0 && this.#o.config.inputs.some((i) => i.clean_removed)) this.#o.registry.delete(e.key)
      }
      while (!this.#budget.full) {
        const w = this.#budget.next()
        if (!w) break
        await this.#discover(w.path, w.initial)
      }
      completed = true
    } catch (err) {
      this.#ioError('(scan)', err, 'scan')
    } finally {
      this.#scanning = false
      if (completed) this.#scanCompleted(number, !cheap)
    }
  }

  #scanCompleted(number: number, full: boolean): void {
    this.#scansDone++
    if (this.#scanWaiters.length === 0) return
    this.#scanWaiters = this.#scanWaiters.filter((w) => {
      if (number <= w.after || (w.full && !full)) return true
      w.resolve()
      return false
    })
  }

  async #consider(path: string, key: string, st: Stats, inputIndex: number, initial: boolean, link: boolean): Promise<void> {
    const h = this.#byKey.get(key)
    if (!h) {
      await this.#discover(path, initial, inputIndex)
      return
    }
    h.markPresent()
    // A link to a file already read under another name is that file: no second harvester, no rename.
    if (h.path !== path && !link) this.#renamed(h, path)
    if (!h.isOpen) {
      if (st.size !== h.readOffset) this.#enqueue(h) // reopened by the read (truncation is found there)
    } else if (h.state === 'eof' && !h.poll.queued && st.size !== h.size) {
      this.#enqueue(h)
    }
  }

  #renamed(h: Harvester, path: string): void {
    this.#o.stats.rotations++
    this.#log.info({ from: h.path, to: path }, 'file renamed')
    if (this.#byPath.get(h.path) === h) this.#byPath.delete(h.path)
    h.renamed(path) // now known by a name that is not a link
    this.#byPath.set(path, h)
    this.#o.registry.update(h.key, h.ackedOffset, path, h.fingerprint)
  }

  async #discover(path: string, initial: boolean, inputIndex = -1): Promise<void> {
    if (this.#stopping || this.#discovering.has(path)) return
    if (inputIndex < 0) inputIndex = this.#matchers.findIndex((m) => m.matches(path))
    const input = this.#o.config.inputs[inputIndex]
    if (!input) return
    this.#discovering.add(path)
    let fd = -1
    try {
      const found = await this.#resolve(path, inputIndex)
      if (!found) return
      const st0 = found.st
      const key0 = fileKey(st0.dev, st0.ino)
      const known = this.#byKey.get(key0)
      if (known) {
        known.markPresent()
        if (found.link) {
          // The link's target is read already (under its own name): one harvester per file.
          this.#enqueue(known)
          return
        }
        if (known.path !== path) this.#renamed(known, path)
        if (this.#byPath.get(path) !== known) this.#byPath.set(path, known)
        this.#enqueue(known)
        return
      }
      if (input.ignore_older > 0 && st0.mtimeMs < Date.now() - input.ignore_older && !this.#o.registry.get(key0)) return
      if (this.#budget.full) {
        if (this.#budget.wait(path, initial)) this.#log.debug({ path }, 'max_open_files reached; file waits')
        return
      }
      let st: Stats
      try {
        ;({ fd, st } = await this.fs.open(found.openPath))
      } catch (err) {
        this.#openError(path, err)
        return
      }
      const key = fileKey(st.dev, st.ino)
      if (this.#byKey.has(key)) return // raced with another discovery
      const head = await this.fs.readHead(fd, path)
      const registry = this.#o.registry
      const entry = registry.get(key)
      let offset: number
      let id: string
      let adopt: { fingerprint: Fingerprint; id: string; acked: number; key: string } | undefined
      if (entry && entry.fingerprint.length <= head.length && sameStart(entry.fingerprint, head) && entry.offset <= st.size) {
        offset = entry.offset
        id = idBase(entry.id, entry.generation)
      } else if (entry) {
        // Truncated or rewritten while we were stopped (or the inode was reused):
        // the next truncation generation of the same id, written before reading.
        adopt = { fingerprint: entry.fingerprint, id: idBase(entry.id, entry.generation), acked: entry.offset, key }
        offset = 0
        const generation = registry.truncated(key, path, fingerprintOf(head))
        id = idBase(entry.id, generation)
        this.#o.stats.truncations++
        this.#log.info({ path, key, was: entry.path, offset: entry.offset, size: st.size, generation }, 'known inode holds different content (truncation while stopped, or inode reuse); reading from 0')
        await registry.flush()
      } else {
        // read_from applies at the first start only (no registry yet): after a
        // restart a file the registry does not know appeared while we were
        // down (a rotation) and is read whole.
        offset = initial && input.read_from === 'end' && (registry.loadedFrom === 'empty' || registry.loadedFrom === 'corrupt') ? st.size : 0
        id = fileId(key, st.birthtimeMs, head)
        const before = initial ? this.#lastKnownAt(path) : undefined
        registry.set({ key, id, path, offset, fingerprint: fingerprintOf(head), updated: new Date().toISOString(), birth: st.birthtimeMs })
        // Rotated while we were down: files born between the one we knew here and this one.
        if (before?.birth) void this.#findUnseen(path, before.birth, st.birthtimeMs, inputIndex)
        // Known on disk promptly: if we die and the file is rotated away before
        // the next start, the restart can still find it by its inode.
        void registry.flushAsync()
      }
      const h = this.#newHarvester(key, path, inputIndex, head, offset, st, id, { openPath: found.openPath !== path ? found.openPath : undefined })
      h.open(fd)
      // Stopped after a truncation was seen and before anything of the new
      // generation was acknowledged: copies made since are generations never read.
      if (entry?.generation && !adopt && entry.fingerprint.length === 0 && offset === 0 && head.length > 0) {
        h.expectLateCopies(Date.parse(entry.updated), undefined)
        this.#queueCopyWork(() => this.#adoptLateCopies(h, head))
      }
      fd = -1
      this.#budget.opened()
      const prev = this.#byPath.get(path)
      if (prev && prev !== h) {
        // The path now leads to a new file (rename rotation): finish the old one promptly.
        prev.markRemoved()
        prev.poll.delay = 1000
        this.#enqueue(prev)
        // Files born between the two and renamed away before we saw them (a rotation storm).
        if (prev.birthMs > 0) void this.#findUnseen(path, prev.birthMs, st.birthtimeMs, inputIndex)
      }
      this.#byKey.set(key, h)
      this.#byPath.set(path, h)
      this.#reported.delete(path)
      this.#skipped.delete(path)
      this.#log.info({ path, key, offset, size: st.size, ...(h.openPath ? { target: h.openPath } : {}) }, 'tailing file')
      this.#enqueue(h)
      if (adopt) this.#queueCopyWork(() => this.#adoptCopy(path, inputIndex, adopt))
    } catch (err) {
      this.#openError(path, err)
    } finally {
      if (fd >= 0) close(fd, () => {})
      this.#discovering.delete(path)
    }
  }

  // What `path` (a name the scan or the watcher found) leads to, or undefined
  // when it is not to be read (skipped, reported) or is gone. Without
  // follow_symlinks a symbolic link is refused. With it, the path is resolved
  // once (realpath) and must lead inside the allowed directories; the file is
  // then opened by its real path with O_NOFOLLOW and known by the target's
  // device and inode, so a link and its target share one harvester.
  async #resolve(path: string, inputIndex: number): Promise<{ openPath: string; st: Stats; link: boolean } | undefined> {
    const m = this.#matchers[inputIndex]!
    let st: Stats
    try {
      st = await this.fs.lstat(path)
    } catch (err) {
      this.#ioError(path, err, 'stat')
      return undefined
    }
    const link = st.isSymbolicLink()
    // The file already read under this very name (a change event): vetted when it was found.
    const current = this.#byPath.get(path)
    if (!link && current !== undefined && current.key === fileKey(st.dev, st.ino) && st.isFile()) return { openPath: current.openPath ?? path, st, link }
    if (link && !m.followSymlinks) {
      this.#skip(path, 'symlink', 'symbolic link not followed (follow_symlinks is off)')
      return undefined
    }
    let openPath = path
    if (!m.followSymlinks) {
      // The name itself is no link; neither may a directory on the way be
      // (defence in depth: neither the scan nor the watcher enters linked directories).
      let real: string
      try {
        real = await this.fs.realpath(path)
      } catch (err) {
        this.#ioError(path, err, 'stat')
        return undefined
      }
      if (!m.linkFree(path, real)) {
        this.#skip(path, 'symlink', `reached through a symbolic link to a directory (leads to ${real}); not followed (follow_symlinks is off)`)
        return undefined
      }
    } else {
      try {
        openPath = await this.fs.realpath(path)
      } catch (err) {
        this.#ioError(path, err, 'stat')
        return undefined
      }
      if (!within(openPath, m.allowedDirs)) {
        this.#skip(path, 'symlink_target', `leads to ${openPath}, outside the allowed directories (${m.allowedDirs.join(', ')}; see symlink_target_dirs)`)
        return undefined
      }
      if (link) {
        try {
          st = await this.fs.lstat(openPath)
        } catch (err) {
          this.#ioError(path, err, 'stat')
          return undefined
        }
      }
    }
    if (st.isDirectory()) return undefined
    if (!st.isFile()) {
      this.#skip(path, 'not_regular', `a ${fileKind(st)}, not a regular file`)
      return undefined
    }
    return { openPath, st, link }
  }

  /** An open refused or failed: a FIFO/device or a link swapped in is skipped and counted; anything else is an I/O error. */
  #openError(path: string, err: unknown): void {
    if (err instanceof NotRegularFile) this.#skip(path, 'not_regular', `a ${err.kind}, not a regular file (found when opening)`)
    else if ((err as NodeJS.ErrnoException)?.code === 'ELOOP') this.#skip(path, 'symlink', 'became a symbolic link (refused when opening, O_NOFOLLOW)')
    else this.#ioError(path, err, 'open')
  }

  // A path not read for what it is: counted and logged once while it stays
  // (code LY_IO), with at most SKIP_LOG_BURST lines per SKIP_LOG_WINDOW_MS so
  // a directory filled with links or FIFOs cannot flood the log.
  #skip(path: string, reason: SkipReason, why: string): void {
    if (this.#skipped.get(path) === reason) return
    if (this.#skipped.size >= MAX_SKIPPED_REMEMBERED) this.#skipped.clear() // names churned between scans; logging stays rate-limited
    this.#skipped.set(path, reason)
    this.#o.stats.skipped[reason]++
    const now = Date.now()
    const l = this.#skipLog
    if (now - l.windowStart >= SKIP_LOG_WINDOW_MS) {
      l.windowStart = now
      l.lines = 0
    }
    if (l.lines >= SKIP_LOG_BURST) {
      l.suppressed++
      return
    }
    l.lines++
    const suppressed = l.suppressed
    l.suppressed = 0
    const e = new IoError(`${path} is not read: ${why}`, { path })
    this.#log.warn({ code: e.code, reason, path, ...(suppressed > 0 ? { suppressed } : {}) }, e.message)
  }

  #limited(reason: ScanLimit, path: string): void {
    this.#o.stats.scanLimited[reason]++
    const now = Date.now()
    if (now - (this.#limitLogged.get(reason) ?? -Infinity) < LIMIT_LOG_EVERY_MS) return
    this.#limitLogged.set(reason, now)
    const what =
      reason === 'loop'
        ? `directory loop at ${path} (a directory inside itself, by device and inode); not entered again`
        : reason === 'max_depth'
          ? `scan_max_depth reached at ${path}; deeper directories are not scanned`
          : `scan_max_entries reached at ${path}; the rest is left for the next scan`
    const e = new LimitError(what, { path })
    this.#log.warn({ code: e.code, reason, path, count: this.#o.stats.scanLimited[reason] }, `${e.message} (logged at most every ${LIMIT_LOG_EVERY_MS / 1000}s; see logyard_forwarder_scan_limited_total)`)
  }

  // Reopens a file closed by close_inactive. False when it cannot be read now.
  async #reopen(h: Harvester): Promise<boolean> {
    if (this.#budget.full) {
      this.#budget.wait(h.path, false)
      return false
    }
    let fd: number
    let st: Stats
    try {
      ;({ fd, st } = await this.fs.open(h.openPath ?? h.path))
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code
      if (code === 'ENOENT' || code === 'ELOOP' || err instanceof NotRegularFile) {
        // Gone, or the name now leads to a link, FIFO or device: this file is gone from our view.
        if (code !== 'ENOENT') this.#openError(h.path, err)
        this.#forget(h)
      } else this.#ioError(h.path, err, 'open')
      return false
    }
    if (fileKey(st.dev, st.ino) !== h.key) {
      // The path leads to another file now; this one is gone from our view.
      close(fd, () => {})
      const path = h.path
      this.#forget(h)
      void this.#discover(path, false)
      return false
    }
    h.open(fd)
    this.#budget.opened()
    if (st.size < h.readOffset) {
      await this.#truncated(h, `size ${st.size} < offset ${h.readOffset} after reopen`)
      return false
    }
    // Truncated and regrown past our offset while closed: only the first bytes tell.
    const head = await this.fs.readHead(fd, h.path)
    h.poll.lastHeadCheck = Date.now()
    if (!sameStart(h.fingerprint, head)) {
      await this.#truncated(h, 'first bytes changed while closed')
      return false
    }
    return true
  }

  #closeFd(h: Harvester): void {
    if (!h.isOpen) return
    // A partial last line is read again on reopen.
    close(h.close(), () => {})
    this.#budget.closed()
    const w = this.#stopping ? undefined : this.#budget.next()
    if (w) void this.#discover(w.path, w.initial)
  }

  #forget(h: Harvester): void {
    h.flushMultiline(new Date().toISOString())
    this.#closeFd(h)
    h.forget()
    this.#o.stats.truncatedForgotten += h.splitter.truncatedLines
    this.#byKey.delete(h.key)
    if (this.#byPath.get(h.path) === h) this.#byPath.delete(h.path)
    if (h.input.clean_removed) this.#o.registry.delete(h.key)
  }

  // After a restart: registry entries whose file no path leads to any more
  // were renamed away (rotation) or deleted while we were down or before
  // they were finished. Each is looked for by device and inode at its last
  // path, then in that path's directory; one found with the same first bytes
  // and unread bytes is read to its end from the acknowledged offset (whether
  // or not its new name matches `paths`), then forgotten.
  async #recoverRotated(seen: Set<string>): Promise<void> {
    for (const e of [...this.#o.registry.entries()]) {
      if (seen.has(e.key) || this.#byKey.has(e.key) || this.#stopping) continue
      const found = await this.#findByKey(e.key, e.path)
      if (!found) continue
      let fd = -1
      try {
        let st: Stats
        ;({ fd, st } = await this.fs.open(found))
        if (fileKey(st.dev, st.ino) !== e.key) continue
        const head = await this.fs.readHead(fd, found)
        if (!sameStart(e.fingerprint, head) || st.size <= e.offset) continue
        let inputIndex = this.#matchers.findIndex((m) => m.matches(e.path))
        if (inputIndex < 0) inputIndex = 0
        this.#startRotated(found, fd, st, head, e.key, idBase(e.id, e.generation), e.offset, inputIndex)
        fd = -1
        seen.add(e.key)
        this.#log.warn({ code: 'LY_IO', path: found, was: e.path, key: e.key, offset: e.offset, size: st.size }, 'unfinished rotated file found after restart; reading it to its end')
      } catch (err) {
        this.#openError(found, err)
      } finally {
        if (fd >= 0) close(fd, () => {})
      }
    }
  }

  /** A harvester for the file `key` at `path`, reading from `offset` under event id `id`. */
  #newHarvester(key: string, path: string, inputIndex: number, head: Buffer, offset: number, st: Stats, id: string, more: { openPath?: string | undefined; recovered?: boolean }): Harvester {
    const input = this.#o.config.inputs[inputIndex]!
    return new Harvester({
      key,
      path,
      ...more,
      input,
      inputIndex,
      fingerprint: fingerprintOf(head),
      offset,
      size: st.size,
      birthMs: st.birthtimeMs,
      encoder: new EventEncoder(this.#o.agent, input, path, id),
      batcher: this.#o.batcher,
      counters: this.#counters,
      onAcked: this.#onAcked,
    })
  }

  /** A harvester for a rotated file found by #recoverRotated or #findUnseen: read to its end, then forgotten. */
  #startRotated(path: string, fd: number, st: Stats, head: Buffer, key: string, id: string, offset: number, inputIndex: number): void {
    const h = this.#newHarvester(key, path, inputIndex, head, offset, st, id, { recovered: true }) // removed too: forgotten once read to its end
    h.open(fd)
    this.#budget.opened()
    this.#o.stats.recovered++
    this.#byKey.set(key, h)
    this.#enqueue(h)
  }

  /** The registry entry of the file last known at `path` (for the first scan after a start). */
  #lastKnownAt(path: string): RegistryEntry | undefined {
    if (!this.#lastAt) {
      this.#lastAt = new Map()
      for (const e of this.#o.registry.entries()) {
        const prev = this.#lastAt.get(e.path)
        if (e.birth && (!prev || (prev.birth ?? 0) < e.birth)) this.#lastAt.set(e.path, e)
      }
    }
    return this.#lastAt.get(path)
  }

  // A rotation storm (or rotations while we were down) can create a file at
  // `path` and rename it away before we ever open it. Such files are found in
  // the directory: named like the tailed file plus a suffix (app.log.1,
  // app.log-20240501), not excluded, unknown, and born after the file we knew
  // at `path` and before the one there now. Each is read whole, then forgotten.
  async #findUnseen(path: string, after: number, before: number, inputIndex: number): Promise<void> {
    if (!(after > 0 && before >= after) || this.#stopping) return
    // inclusive: coarse clocks; known files are skipped by key
    const unseen = await this.#unknownCopies(path, inputIndex, (b) => b >= after && b <= before, false)
    let found = 0
    for (const c of unseen) {
      if (!(await this.#adoptOne(c.p, c.key, inputIndex, undefined))) continue
      found++
      this.#log.warn({ code: 'LY_IO', path: c.p, key: c.key, tailed: path }, 'rotated file never seen at its first name; reading it whole')
    }
    if (found > 0) void this.#o.registry.flushAsync()
  }

  /** The path of the file `key` (device:inode): its last known path, else a name in that directory. */
  async #findByKey(key: string, last: string): Promise<string | undefined> {
    const at = async (p: string): Promise<boolean> => {
      try {
        const st = await this.fs.lstat(p) // links are not followed here: the file itself was known
        return st.isFile() && fileKey(st.dev, st.ino) === key
      } catch {
        return false
      }
    }
    if (await at(last)) return last
    const dir = dirname(last)
    let names: string[]
    try {
      names = await this.fs.readdir(dir)
    } catch {
      return undefined
    }
    for (const n of names) {
      const p = join(dir, n)
      if (p !== last && (await at(p))) return p
    }
    return undefined
  }

  #ioError(path: string, err: unknown, op: string): void {
    const errno = (err as NodeJS.ErrnoException)?.code ?? 'EUNKNOWN'
    if (errno === 'ENOENT' && op === 'stat') return // vanished between listing and stat: normal churn
    this.#o.stats.countError('LY_IO')
    if (this.#reported.get(path) === errno) return
    this.#reported.set(path, errno)
    const e = new IoError(`cannot ${op} ${path} (${errno}); the file is skipped and retried on the next scan`, { path, cause: err })
    this.#log.error({ code: e.code, errno, path, op, err: e.message }, 'file error')
  }
}
