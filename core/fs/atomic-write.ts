import { open, rename, unlink } from 'node:fs/promises'
import { dirname } from 'node:path'

// Replacing a small state file so that a crash at any moment leaves either
// the old content or the new one, whole: the new content goes to a temporary
// file next to it, is fsynced, renamed over the file (atomic within one file
// system), and the directory is fsynced so the rename itself is on disk.
// The forwarder's registry and agent.json use it; after a crash between the
// fsync and the rename, the temporary file holds a complete newer copy (the
// registry reads it first on start).

interface AtomicWriteOptions {
  /** The temporary file; default `<file>.new`, in the same directory. */
  tmp?: string
  /** Permission bits of a new file; default 0o640. */
  mode?: number
}

/**
 * Writes `data` to `file` atomically (temporary file, fsync, rename, fsync of
 * the directory), off the event loop. Throws the file-system error; the
 * temporary file is removed when the write or the rename failed.
 */
export async function writeFileAtomic(file: string, data: string | Uint8Array, options: AtomicWriteOptions = {}): Promise<void> {
  const tmp = options.tmp ?? `${file}.new`
  try {
    const fh = await open(tmp, 'w', options.mode ?? 0o640)
    try {
      await fh.writeFile(data)
      await fh.sync()
    } finally {
      await fh.close()
    }
    await rename(tmp, file)
  } catch (err) {
    await unlink(tmp).catch(() => {})
    throw err
  }
  const dh = await open(dirname(file), 'r')
  try {
    await dh.sync()
  } finally {
    await dh.close()
  }
}
