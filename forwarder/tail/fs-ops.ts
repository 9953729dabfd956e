import { close, constants, fstat, lstat, open, read, readdir, realpath, stat, type Stats } from 'node:fs'
import { promisify } from 'node:util'
import { readHead } from './fingerprint.ts'

// Every file-system call of the tailer goes through here, for two reasons.
//
// 1. Files are opened with O_RDONLY | O_NONBLOCK | O_NOFOLLOW and the
//    descriptor is fstat'ed before anything is read: a name swapped for a
//    FIFO (no writer) or a device after the scan looked at it does not block
//    a libuv threadpool thread in open(2) (O_NONBLOCK), a name swapped for a
//    symbolic link is refused by the kernel (ELOOP), and anything that is not
//    a regular file is closed at once (NotRegularFile). The tailer only ever
//    opens resolved paths (with follow_symlinks the link's target), so
//    O_NOFOLLOW is always right. O_NONBLOCK has no effect on reads of regular
//    files (open(2)).
// 2. Calls still outstanding after `read_stall_timeout` mean the reader is stuck
//    (the threadpool is blocked, or a file system hangs, e.g. a hard NFS
//    mount): stalled() names the oldest, and /healthz reports it.

const { O_RDONLY, O_NONBLOCK, O_NOFOLLOW } = constants
const OPEN_FLAGS = O_RDONLY | O_NONBLOCK | O_NOFOLLOW

const openP = promisify(open)
const fstatP = promisify(fstat)
const statP = promisify(stat)
const lstatP = promisify(lstat)
const readdirP = promisify(readdir)
const realpathP = promisify(realpath)

/** The descriptor was not a regular file (FIFO, device, socket, directory); it was closed. */
export class NotRegularFile extends Error {
  readonly kind: string
  constructor(path: string, kind: string) {
    super(`${path} is a ${kind}, not a regular file`)
    this.kind = kind
  }
}

export function fileKind(st: Stats): string {
  if (st.isFile()) return 'file'
  if (st.isDirectory()) return 'directory'
  if (st.isFIFO()) return 'fifo'
  if (st.isCharacterDevice()) return 'character device'
  if (st.isBlockDevice()) return 'block device'
  if (st.isSocket()) return 'socket'
  if (st.isSymbolicLink()) return 'symbolic link'
  return 'special file'
}

interface Op {
  op: string
  path: string
  since: number
}

export class TrackedFs {
  readonly #outstanding = new Set<Op>()

  /** Tracks a call in progress until it settles. */
  track<T>(op: string, path: string, p: Promise<T>): Promise<T> {
    const o: Op = { op, path, since: Date.now() }
    this.#outstanding.add(o)
    return p.finally(() => this.#outstanding.delete(o))
  }

  /** Calls in progress now. */
  get outstanding(): number {
    return this.#outstanding.size
  }

  /** Calls outstanding for longer than `ms`: how many, and the oldest. */
  stalled(ms: number, now = Date.now()): { count: number; oldest: { op: string; path: string; seconds: number } | undefined } {
    let count = 0
    let oldest: Op | undefined
    for (const o of this.#outstanding) {
      if (now - o.since < ms) continue
      count++
      if (!oldest || o.since < oldest.since) oldest = o
    }
    return { count, oldest: oldest && { op: oldest.op, path: oldest.path, seconds: Math.round((now - oldest.since) / 1000) } }
  }

  stat(path: string): Promise<Stats> {
    return this.track('stat', path, statP(path))
  }

  lstat(path: string): Promise<Stats> {
    return this.track('lstat', path, lstatP(path))
  }

  fstat(fd: number, path: string): Promise<Stats> {
    return this.track('fstat', path, fstatP(fd))
  }

  realpath(path: string): Promise<string> {
    return this.track('realpath', path, realpathP(path))
  }

  readdir(path: string): Promise<string[]> {
    return this.track('readdir', path, readdirP(path))
  }

  read(fd: number, buf: Buffer, position: number, path: string): Promise<number> {
    return this.track('read', path, new Promise((resolve, reject) => read(fd, buf, 0, buf.length, position, (err, n) => (err ? reject(err) : resolve(n)))))
  }

  readHead(fd: number, path: string): Promise<Buffer> {
    return this.track('read', path, readHead(fd))
  }

  /**
   * Opens a regular file for reading without blocking and without following a
   * final symbolic link; anything else is closed and refused (NotRegularFile;
   * a link gives ELOOP). Resolves with the descriptor and its fstat.
   */
  async open(path: string): Promise<{ fd: number; st: Stats }> {
    const fd = await this.track('open', path, openP(path, OPEN_FLAGS))
    let st: Stats
    try {
      st = await this.fstat(fd, path)
    } catch (err) {
      close(fd, () => {})
      throw err
    }
    if (!st.isFile()) {
      close(fd, () => {})
      throw new NotRegularFile(path, fileKind(st))
    }
    return { fd, st }
  }
}
