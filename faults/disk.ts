import { execFileSync } from 'node:child_process'
import { closeSync, existsSync, mkdirSync, openSync, readdirSync, readFileSync, rmSync, unlinkSync, writeSync } from 'node:fs'
import { join } from 'node:path'

// Full disks for the DLQ and data_dir scenarios: a small real tmpfs (root),
// filled with a filler file until the kernel answers ENOSPC, emptied again
// by deleting the filler.

export function mount(dir: string, size: string): () => void {
  mkdirSync(dir, { recursive: true })
  execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' })
  return () => {
    execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
    rmSync(dir, { recursive: true, force: true })
  }
}

/** Fills the file system of `dir` with `dir/filler` until ENOSPC. */
export function fill(dir: string): void {
  const fd = openSync(join(dir, 'filler'), 'a')
  const block = Buffer.alloc(4096, 120)
  try {
    for (;;) writeSync(fd, block)
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOSPC') throw err
  } finally {
    closeSync(fd)
  }
}

export function unfill(dir: string): void {
  unlinkSync(join(dir, 'filler'))
}

/** The `seq` of every record in the dead-letter files under `dirs`. */
export function dlqSeqs(dirs: string[]): number[] {
  const out: number[] = []
  for (const d of dirs) {
    if (!existsSync(d)) continue
    for (const name of readdirSync(d)) {
      if (!name.endsWith('.ndjson')) continue
      for (const l of readFileSync(join(d, name), 'utf8').split('\n')) {
        if (!l) continue
        const seq = (JSON.parse(l) as { event?: { seq?: unknown } }).event?.seq
        if (typeof seq === 'number') out.push(seq)
      }
    }
  }
  return out
}
