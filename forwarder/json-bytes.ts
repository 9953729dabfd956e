import { isUtf8 } from 'node:buffer'

// Writes a line's bytes as the inside of a JSON string, straight from the
// read buffer into the output buffer: no message string, no JSON.stringify,
// no concatenation to flatten later. Valid UTF-8 is copied as is; `"`, `\`
// and control bytes are escaped (\n \r \t, other controls as \u00XX in lower
// case, like Beats). Invalid UTF-8 returns -1 and the caller takes the string
// path, which replaces bad bytes with U+FFFD.

const kEscape = new Uint8Array(256)
for (let i = 0; i < 0x20; i++) kEscape[i] = 1
kEscape[0x22] = 1
kEscape[0x5c] = 1
// kEscape plus the non-ASCII bytes: 0 means "plain ASCII, copy as is".
const kPlain = new Uint8Array(256)
for (let i = 0; i < 256; i++) kPlain[i] = kEscape[i] === 1 || i >= 0x80 ? 1 : 0
// Below this many bytes a JS byte loop beats Buffer#copy's call overhead.
const BULK_COPY_MIN = 64
const HEX = '0123456789abcdef'

/** Worst case output size for `n` input bytes. */
export function escapedBound(n: number): number {
  return n * 6
}

/** Writes `src[start, stop)`; returns the new write position, or -1 when it is not valid UTF-8. */
export function writeJsonStringBody(src: Buffer, start: number, stop: number, out: Buffer, pos: number): number {
  // Common case first: a read-only scan for the plain-ASCII prefix (no
  // stores), then one bulk copy of it. A line with nothing to escape is done
  // there; otherwise the copy-and-escape loop takes over at the first byte
  // that needs a look.
  let i = start
  while (i < stop && kPlain[src[i]!] === 0) i++
  const plain = i - start
  if (plain >= BULK_COPY_MIN) {
    src.copy(out, pos, start, i)
    pos += plain
  } else {
    for (let j = start; j < i; j++) out[pos++] = src[j]!
  }
  if (i === stop) return pos
  let ascii = true
  for (; i < stop; i++) {
    const b = src[i]!
    if (kEscape[b] === 0) {
      out[pos++] = b
      if (b >= 0x80) ascii = false
      continue
    }
    out[pos++] = 0x5c
    switch (b) {
      case 0x22: out[pos++] = 0x22; break
      case 0x5c: out[pos++] = 0x5c; break
      case 0x0a: out[pos++] = 0x6e; break
      case 0x0d: out[pos++] = 0x72; break
      case 0x09: out[pos++] = 0x74; break
      default:
        out[pos++] = 0x75
        out[pos++] = 0x30
        out[pos++] = 0x30
        out[pos++] = HEX.charCodeAt(b >> 4)
        out[pos++] = HEX.charCodeAt(b & 15)
    }
  }
  if (!ascii && !isUtf8(src.subarray(start, stop))) return -1
  return pos
}

/** Writes a non-negative integer in decimal. */
export function writeDecimal(n: number, out: Buffer, pos: number): number {
  if (n < 10) {
    out[pos] = 0x30 + n
    return pos + 1
  }
  let digits = 0
  for (let v = n; v >= 1; v = Math.floor(v / 10)) digits++
  let p = pos + digits
  for (let v = n; p > pos; v = Math.floor(v / 10)) out[--p] = 0x30 + (v % 10)
  return pos + digits
}

/** Writes a non-negative integer in lower-case hex. */
export function writeHex(n: number, out: Buffer, pos: number): number {
  if (n < 16) {
    out[pos] = HEX.charCodeAt(n)
    return pos + 1
  }
  let digits = 0
  for (let v = n; v >= 1; v = Math.floor(v / 16)) digits++
  let p = pos + digits
  for (let v = n; p > pos; v = Math.floor(v / 16)) out[--p] = HEX.charCodeAt(v % 16)
  return pos + digits
}
