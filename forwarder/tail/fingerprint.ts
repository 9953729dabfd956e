import { createHash } from 'node:crypto'
import { read } from 'node:fs'

// A file is known by device + inode AND a checksum of its first bytes. The
// inode alone is not enough: after a delete the kernel happily hands the same
// inode to the next file (inode reuse). Files shorter than the window are
// fingerprinted over what they have; the window grows with the file, and a
// stored fingerprint still matches as long as the first `length` bytes are the
// same.

export const FINGERPRINT_BYTES = 1024

export interface Fingerprint {
  /** How many leading bytes the checksum covers (≤ FINGERPRINT_BYTES). */
  length: number
  /** sha1 hex of those bytes. */
  sha1: string
}

export function fileKey(dev: number | bigint, ino: number | bigint): string {
  return `${dev}:${ino}`
}

function checksum(bytes: Buffer): string {
  return createHash('sha1').update(bytes).digest('hex')
}

/** Reads up to FINGERPRINT_BYTES from the start of an open file. */
export function readHead(fd: number): Promise<Buffer> {
  const buf = Buffer.allocUnsafe(FINGERPRINT_BYTES)
  return new Promise((resolve, reject) => {
    read(fd, buf, 0, FINGERPRINT_BYTES, 0, (err, n) => (err ? reject(err) : resolve(buf.subarray(0, n))))
  })
}

export function fingerprintOf(head: Buffer): Fingerprint {
  return { length: head.length, sha1: checksum(head) }
}

/** Is `head` (the current first bytes) the same file content that `fp` was taken from? */
export function sameStart(fp: Fingerprint, head: Buffer): boolean {
  if (head.length < fp.length) return false
  return checksum(fp.length === head.length ? head : head.subarray(0, fp.length)) === fp.sha1
}

/**
 * The stable document-id prefix of a file: 16 hex chars from its identity at
 * first sight. Stored in the registry, so it survives restarts and renames;
 * a reused inode gets a new one because its first bytes differ.
 */
export function fileId(key: string, birth: number, head: Buffer): string {
  return createHash('sha1').update(`${key}:${birth}:`).update(head).digest('hex').slice(0, 16)
}
