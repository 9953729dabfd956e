import { execFileSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// A small real tmpfs for full-disk tests (ENOSPC from the kernel, not a
// mock). Needs root (CI runs as root); unmounted in teardown.

export function mountTmpfs(t: { teardown(fn: () => void): void }, size: string, prefix = 'logyard-tmpfs-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  try {
    execFileSync('mount', ['-t', 'tmpfs', '-o', `size=${size},mode=0755`, 'tmpfs', dir], { stdio: 'pipe' })
  } catch (err) {
    rmSync(dir, { recursive: true, force: true })
    throw new Error(`cannot mount a ${size} tmpfs on ${dir} (root needed): ${(err as Error).message}`)
  }
  t.teardown(() => {
    try {
      execFileSync('umount', ['-l', dir], { stdio: 'pipe' })
    } catch {
      /* already gone */
    }
    rmSync(dir, { recursive: true, force: true })
  })
  return dir
}
