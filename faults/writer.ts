import { appendFileSync, copyFileSync, existsSync, renameSync, truncateSync, unlinkSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'

// The load: JSON lines carrying a sequence number, appended to logs/app.log
// (the only path the forwarder tails), and the operations logrotate does to
// that file. Rotated names (app.log.N, app.log.ctN) are not matched.

export class SeqWriter {
  readonly file: string
  readonly dir: string
  written = 0
  /** Bytes ever written to app.log, all files and generations together. */
  bytes = 0
  renames = 0
  truncations = 0
  readonly #pad: string
  /** Every n-th line (seq % n === 0) carries an object where the mapping has text: Elasticsearch refuses it (0 = never). */
  refuseEvery = 0

  constructor(dir: string, lineBytes = 120) {
    this.dir = dir
    this.file = join(dir, 'app.log')
    this.#pad = 'x'.repeat(Math.max(0, lineBytes - 30))
    writeFileSync(this.file, '')
  }

  /** Appends `n` lines at once. */
  write(n: number): void {
    let s = ''
    for (let i = 0; i < n; i++) {
      const seq = this.written++
      s += this.refuseEvery > 0 && seq % this.refuseEvery === 0 && seq > 0 ? `{"seq":${seq},"pad":{"not":"text"}}\n` : `{"seq":${seq},"pad":"${this.#pad}"}\n`
    }
    appendFileSync(this.file, s)
    this.bytes += Buffer.byteLength(s)
  }

  /** Rename rotation: app.log → app.log.N; the next write creates a new app.log. */
  rename(): void {
    if (!existsSync(this.file)) return
    renameSync(this.file, join(this.dir, `app.log.${++this.renames}`))
    writeFileSync(this.file, '', { flag: 'a' })
  }

  /** logrotate copytruncate: copy aside, then empty in place (same inode). */
  copyTruncate(): void {
    copyFileSync(this.file, join(this.dir, `app.log.ct${++this.truncations}`))
    truncateSync(this.file, 0)
  }

  /** Deletes the rotated copies (a file deleted while it may still be read). */
  deleteRotated(name: string): void {
    try {
      unlinkSync(join(this.dir, name))
    } catch {
      /* gone */
    }
  }
}

/**
 * Writes `total` lines at `perSecond` in chunks; `every(written)` runs after
 * each chunk (rotations, kills). Paced by the clock: this is load, not
 * synchronisation.
 */
export async function pump(w: SeqWriter, total: number, perSecond: number, every?: (written: number) => Promise<void> | void, chunk = 500): Promise<void> {
  const start = Date.now()
  while (w.written < total) {
    w.write(Math.min(chunk, total - w.written))
    if (every) await every(w.written)
    const due = start + (w.written / perSecond) * 1000
    const wait = due - Date.now()
    if (wait > 0) await new Promise((r) => setTimeout(r, wait))
  }
}
