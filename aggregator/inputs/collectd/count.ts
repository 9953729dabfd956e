// Counts the value lists in a collectd datagram without decoding it: a walk
// over the part headers (type, length), no strings, no events. The collectd
// input uses it to drop a datagram whose events would not fit its queue
// without paying for the decode (and the garbage) first. Part layout:
// docs/protocols/collectd.md §2.

const PART_VALUES = 0x0006
const PART_SIGN_SHA256 = 0x0200
const PART_ENCR_AES256 = 0x0210

/** Value-list parts in `buf`; -1 when they cannot be counted without decrypting (an encrypted part). */
export function countValueLists(buf: Uint8Array): number {
  let off = 0
  let lists = 0
  const end = buf.length
  while (end - off >= 4) {
    const type = (buf[off]! << 8) | buf[off + 1]!
    const len = (buf[off + 2]! << 8) | buf[off + 3]!
    if (len < 4 || len > end - off) break
    if (type === PART_VALUES) lists++
    else if (type === PART_ENCR_AES256) return -1
    // a signature part covers what follows, which is plain parts: keep walking
    else if (type === PART_SIGN_SHA256) { /* skip the signature itself */ }
    off += len
  }
  return lists
}
