import type { Dir } from 'node:fs'
import { lstat, opendir, realpath, stat } from 'node:fs/promises'
import { basename, matchesGlob, resolve } from 'node:path'

// Glob discovery: walks the directories below the fixed part of each pattern
// of an input (`**`, braces and classes are matched with node:path
// matchesGlob) and filters `exclude`. A pattern without a slash in `exclude`
// is matched against the file name, so `*.gz` means what an operator expects.
//
// The walk is ours, not node:fs glob, so that it is bounded whatever is put
// in a watched directory: at most `maxDepth` levels below the fixed part, at
// most `maxEntries` directory entries per scan (streamed with opendir, never a
// whole listing in memory), every directory entered once per scan by its
// (device, inode) — a loop such as `up -> ..` is seen and left — and a
// symbolic link to a directory is entered only with follow_symlinks and only
// when its target lies inside the allowed directories. Symbolic links to files
// are returned like files: the tailer decides (tailer.ts #resolve).

export type ScanLimit = 'max_depth' | 'max_entries' | 'loop'

export interface ScanReport {
  /** A symlinked directory that was not entered (follow_symlinks off, or its target is outside the allowed directories). */
  skipped(path: string, reason: 'symlink' | 'symlink_target', target?: string): void
  /** The walk was bounded. */
  limited(reason: ScanLimit, path: string): void
}

interface ScanOptions {
  followSymlinks: boolean
  /** With followSymlinks: directories a link may lead into besides the globs' fixed parts. */
  targetDirs: readonly string[]
  maxDepth: number
  maxEntries: number
  /** Wraps each file-system call (the tailer's stall detection, fs-ops.ts). */
  track: <T>(op: string, path: string, p: Promise<T>) => Promise<T>
}

interface ScanResult {
  paths: string[]
  /** False when maxEntries cut the walk short: paths not returned may still exist. */
  complete: boolean
  /** Directory entries looked at. */
  entries: number
}

const MAGIC = /[*?[\]{}]/

interface WalkState {
  entries: number
  complete: boolean
  depthLimited: boolean
  loops: number
}

const noReport: ScanReport = { skipped() {}, limited() {} }

export class PathMatcher {
  readonly #paths: readonly string[]
  readonly #exclude: readonly string[]
  readonly #o: ScanOptions
  #allowed: string[]
  #bases: { base: string; real: string }[]

  constructor(paths: readonly string[], exclude: readonly string[], options: Partial<ScanOptions> = {}) {
    this.#paths = paths
    this.#exclude = exclude
    this.#o = { followSymlinks: false, targetDirs: [], maxDepth: 16, maxEntries: 100_000, track: (_op, _path, p) => p, ...options }
    this.#allowed = this.#targetDirs().map((d) => resolve(d))
    this.#bases = this.#paths.map((p) => ({ base: globBase(p), real: resolve(globBase(p)) }))
  }

  get patterns(): readonly string[] {
    return this.#paths
  }

  get followSymlinks(): boolean {
    return this.#o.followSymlinks
  }

  get maxDepth(): number {
    return this.#o.maxDepth
  }

  /** Real paths of the directories a followed link may lead into (refreshed by every scan). */
  get allowedDirs(): readonly string[] {
    return this.#allowed
  }

  #targetDirs(): readonly string[] {
    return [...this.#paths.map(globBase), ...this.#o.targetDirs]
  }

  async refreshAllowed(): Promise<void> {
    const real = (d: string): Promise<string> => this.#o.track('realpath', d, realpath(d)).catch(() => resolve(d))
    this.#allowed = await Promise.all(this.#targetDirs().map(real))
    this.#bases = await Promise.all(this.#paths.map(async (p) => ({ base: globBase(p), real: await real(globBase(p)) })))
  }

  /**
   * Is `real` (the realpath of `path`) where `path` leads without a link below
   * the fixed part of a glob? False for a path through a symlinked directory.
   */
  linkFree(path: string, real: string): boolean {
    for (const b of this.#bases) {
      const under = b.base === '/' ? path : path.startsWith(b.base + '/') ? path.slice(b.base.length) : undefined
      if (under !== undefined && real === (b.real === '/' ? under : b.real + under)) return true
    }
    return false
  }

  excluded(path: string): boolean {
    for (const x of this.#exclude) {
      if (x.includes('/') ? matchesGlob(path, x) : matchesGlob(basename(path), x)) return true
    }
    return false
  }

  matches(path: string): boolean {
    if (this.excluded(path)) return false
    for (const p of this.#paths) if (matchesGlob(path, p)) return true
    return false
  }

  /**
   * Every path matching a pattern and no exclude (files, links and others; the
   * caller looks at each), within the bounds.
   */
  async scan(report: ScanReport = noReport): Promise<ScanResult> {
    await this.refreshAllowed()
    const out = new Set<string>()
    const state: WalkState = { entries: 0, complete: true, depthLimited: false, loops: 0 }
    const track = this.#o.track
    for (const pattern of this.#paths) {
      if (!state.complete) break
      if (!MAGIC.test(pattern)) {
        // A plain path: no listing needed.
        try {
          await track('lstat', pattern, lstat(pattern))
          if (!this.excluded(pattern)) out.add(pattern)
        } catch {
          /* not there (yet) */
        }
        continue
      }
      const base = globBase(pattern)
      const rest = pattern.slice(base === '/' ? 1 : base.length + 1).split('/')
      const walk = new Walk(this, pattern, rest, out, state, report, this.#o)
      await walk.dir(base, 0, new Set())
    }
    return { paths: [...out], complete: state.complete, entries: state.entries }
  }
}

/** Is `real` (a resolved path) `dir` or below it? */
export function within(real: string, dirs: readonly string[]): boolean {
  for (const d of dirs) {
    if (real === d || real.startsWith(d.endsWith('/') ? d : d + '/')) return true
  }
  return false
}

class Walk {
  readonly #m: PathMatcher
  readonly #segs: string[]
  readonly #globstar: number
  readonly #prune: boolean
  readonly #out: Set<string>
  readonly #state: WalkState
  readonly #report: ScanReport
  readonly #o: ScanOptions

  constructor(m: PathMatcher, pattern: string, segs: string[], out: Set<string>, state: WalkState, report: ScanReport, o: ScanOptions) {
    this.#m = m
    this.#segs = segs
    this.#globstar = segs.findIndex((s) => s.includes('**'))
    // Braces may hold slashes: then segments cannot be matched one by one.
    this.#prune = !pattern.includes('{')
    this.#out = out
    this.#state = state
    this.#report = report
    this.#o = o
  }

  // May a directory named `name`, `depth` levels below the base, hold matches?
  #descend(name: string, depth: number): boolean {
    const i = depth - 1
    if (this.#globstar >= 0 && this.#globstar <= i) return true
    if (i >= this.#segs.length - 1) return false
    return !this.#prune || matchesGlob(name, this.#segs[i]!)
  }

  // `ancestors`: (device, inode) of the directories on the way here. A
  // directory met again below itself is a loop; one met on another branch
  // (two links to one directory) is the same files under other names, which
  // the tailer's device+inode identity already folds into one harvester.
  async dir(path: string, depth: number, ancestors: Set<string>): Promise<void> {
    const s = this.#state
    if (!s.complete) return
    let key: string
    try {
      const st = await this.#o.track('stat', path, stat(path))
      if (!st.isDirectory()) return
      key = `${st.dev}:${st.ino}`
    } catch {
      return // gone, or unreadable: the rest of the scan goes on
    }
    if (ancestors.has(key)) {
      s.loops++
      this.#report.limited('loop', path)
      return
    }
    ancestors.add(key)
    const track = this.#o.track
    let dir: Dir | undefined
    try {
      dir = await track('opendir', path, opendir(path, { bufferSize: 64 }))
      for (;;) {
        const d = await track('readdir', path, dir.read())
        if (d === null) break
        if (++s.entries > this.#o.maxEntries) {
          if (s.complete) this.#report.limited('max_entries', path)
          s.complete = false
          break
        }
        const p = path === '/' ? `/${d.name}` : `${path}/${d.name}`
        if (d.isDirectory()) {
          await this.#child(p, d.name, depth + 1, ancestors)
        } else if (d.isSymbolicLink()) {
          if (this.#m.matches(p)) this.#out.add(p) // the tailer decides
          if (!this.#descend(d.name, depth + 1)) continue
          if (!this.#o.followSymlinks) {
            // Not entered; reported only when it is a directory (one stat, links only).
            if (await this.#isDir(p)) this.#report.skipped(p, 'symlink')
            continue
          }
          if (!(await this.#isDir(p))) continue
          let real: string
          try {
            real = await track('realpath', p, realpath(p))
          } catch {
            continue
          }
          if (!within(real, this.#m.allowedDirs)) {
            this.#report.skipped(p, 'symlink_target', real)
            continue
          }
          await this.#child(p, d.name, depth + 1, ancestors)
        } else if (this.#m.matches(p)) {
          this.#out.add(p)
        }
      }
    } catch {
      // Unreadable directory: the rest of the scan goes on.
    } finally {
      ancestors.delete(key)
      dir?.close().catch(() => {})
    }
  }

  async #isDir(p: string): Promise<boolean> {
    try {
      return (await this.#o.track('stat', p, stat(p))).isDirectory()
    } catch {
      return false
    }
  }

  async #child(p: string, name: string, depth: number, ancestors: Set<string>): Promise<void> {
    if (!this.#descend(name, depth)) return
    if (depth > this.#o.maxDepth) {
      if (!this.#state.depthLimited) this.#report.limited('max_depth', p)
      this.#state.depthLimited = true
      return
    }
    await this.dir(p, depth, ancestors)
  }
}

/** The directory part of a glob before its first wildcard segment. */
export function globBase(pattern: string): string {
  const parts = pattern.split('/')
  const fixed: string[] = []
  for (const part of parts.slice(0, -1)) {
    if (MAGIC.test(part)) break
    fixed.push(part)
  }
  const base = fixed.join('/')
  return base === '' ? '/' : base
}

/** How many directory levels below globBase a pattern can reach; undefined for `**`. */
export function globDepth(pattern: string): number | undefined {
  if (pattern.includes('**')) return undefined
  const base = globBase(pattern)
  const rest = pattern.slice(base === '/' ? 1 : base.length + 1)
  return rest.split('/').length - 1
}
