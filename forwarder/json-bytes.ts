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
const HEX = '0123456789abcdef'

/** Worst case output size for `n` input bytes. */
export function escapedBound(n: number): number {
  return n * 6
}

/** Writes `src[start, stop)`; returns the new write position, or -1 when it is not valid UTF-8. */
export function writeJsonStringBody(src: Buffer, start: number, stop: number, out: Buffer, pos: number): number {
  // One pass that copies and escapes: for ~150-byte lines a byte loop beats
  // Buffer#copy calls (argument checks, a view per call).
  let ascii = true
  for (let i = start; i < stop; i++) {
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
