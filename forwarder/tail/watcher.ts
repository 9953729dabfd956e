import { watch, type FSWatcher } from 'chokidar'
import type { Logger } from '../../core/logger.ts'
import { realpathSync, statSync } from 'node:fs'
import { globBase, globDepth, within, type PathMatcher } from './scanner.ts'

// File-system events (chokidar over inotify) so a new file is picked up
// within a second and a growing file is read at once. The periodic rescan in
// the tailer stays the safety net for anything an event misses.

interface WatchSink {
  added(path: string): void
  changed(path: string): void
  removed(path: string): void
}

export class Watcher {
  readonly #watcher: FSWatcher
  #ready: Promise<void>

  constructor(matchers: readonly PathMatcher[], sink: WatchSink, logger: Logger) {
    const bases = new Set<string>()
    // `**` is bounded like the scan (scan_max_depth). chokidar follows links
    // (entering each real directory once): its followSymlinks: false mode
    // missed a file re-created after a rename (test/forwarder/tail/recovery.test.ts).
    // What it reports is only a hint: the tailer's #resolve refuses a link, or a
    // path through a linked directory, unless follow_symlinks allows it.
    let depth = 0
    for (const m of matchers) {
      for (const p of m.patterns) {
        bases.add(globBase(p))
        depth = Math.max(depth, globDepth(p) ?? m.maxDepth)
      }
    }
    const wanted = (path: string): boolean => matchers.some((m) => m.matches(path))
    // chokidar lists directories with lstat, so a link arrives here as a link.
    // A link to a directory is entered only if an input follows links and its
    // target is inside that input's allowed directories: without this a
    // `logs/usr -> /usr` made chokidar walk all of /usr before the forwarder
    // started (> 30 s, 451 MiB). Links to files stay visible (the tailer skips
    // or follows them and says so). Sync calls, once per link met.
    const following = matchers.filter((m) => m.followSymlinks)
    const linkAllowed = (path: string): boolean => {
      try {
        if (following.length === 0) return !statSync(path).isDirectory()
        const real = realpathSync(path)
        return following.some((m) => within(real, m.allowedDirs))
      } catch {
        return true // dangling: nothing to enter
      }
    }
    this.#watcher = watch([...bases], {
      ignoreInitial: true,
      persistent: true,
      depth,
      followSymlinks: true,
      atomic: false, // a rename rotation must surface as unlink + add, not as a change
      ignored: (path, stats) => {
        if (stats === undefined) return false
        if (stats.isSymbolicLink()) return !linkAllowed(path)
        return stats.isFile() && !wanted(path)
      },
    })
    this.#watcher.on('add', (p) => {
      if (wanted(p)) sink.added(p)
    })
    this.#watcher.on('change', (p) => sink.changed(p))
    this.#watcher.on('unlink', (p) => sink.removed(p))
    this.#watcher.on('error', (err) => logger.warn({ code: 'LY_IO', err: (err as Error).message }, 'file watcher error; rescans continue'))
    this.#ready = new Promise((resolve) => this.#watcher.once('ready', () => resolve()))
  }

  ready(): Promise<void> {
    return this.#ready
  }

  close(): Promise<void> {
    return this.#watcher.close()
  }
}
