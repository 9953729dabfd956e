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
// Runs of at least this many plain bytes go out in one Buffer#copy; shorter
// ones byte by byte (the call costs more than it saves below ~32 bytes).
const BULK_COPY_MIN = 32
// After an escape, up to this many bytes are copied while they are checked
// (the next `"` of `"GET / HTTP/1.1" 200 512 "-"` is that close); a run
// still going past it is scanned a word at a time and copied in bulk.
const SHORT_RUN = 16
const HEX = '0123456789abcdef'

// The source's bytes as 32-bit words, to test four at a time for a byte that
// needs escaping (below). One view per ArrayBuffer, remade when the source
// changes: the tailer reads every file into one 128 KiB buffer, so that is
// about twice per read (a line that spans two reads comes from the line
// splitter's carry buffer), not per line.
let wordsOf: ArrayBufferLike | undefined
let words: Int32Array<ArrayBufferLike> = new Int32Array(0)

/** Worst case output size for `n` input bytes. */
export function escapedBound(n: number): number {
  return n * 6
}

function writeEscape(b: number, out: Buffer, pos: number): number {
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
  return pos
}

/** Writes `src[start, stop)`; returns the new write position, or -1 when it is not valid UTF-8. */
export function writeJsonStringBody(src: Buffer, start: number, stop: number, out: Buffer, pos: number): number {
  // A line is runs of plain bytes between bytes to escape. A long run (the
  // whole of most lines; the user agent of an nginx line) is found without a
  // store, four bytes per test, and copied in one call; a short one, between
  // quotes close together, is copied byte by byte as it is checked. Bytes
  // from 0x80 up count as plain and are OR-ed into `hi`: a line with any
  // of them gets one isUtf8() at the end.
  //
  // The word test, for x = four bytes (an unsigned 32-bit subtraction, so
  // borrows cross bytes; it can only misplace a hit, above a real one, never
  // invent one, and a hit word is then read byte by byte):
  //   (x - 0x20202020) & ~x & 0x80808080   a byte below 0x20
  //   (t - 0x01010101) & ~t & 0x80808080   a zero byte of t = x ^ 0x22222222 (`"`) or x ^ 0x5c5c5c5c (`\`)
  // A byte from 0x80 up has its top bit clear in ~x / ~t, so it sets none.
  const ab = src.buffer
  if (ab !== wordsOf) {
    wordsOf = ab
    words = new Int32Array(ab, 0, ab.byteLength >> 2)
  }
  const view = words
  const base = src.byteOffset
  const wordsEnd = (base + stop) >> 2 // words wholly before stop
  let i = start
  let hi = 0
  let b = 0
  for (;;) {
    // A long run: find its end, then copy it.
    const run = i
    while (i < stop && ((base + i) & 3) !== 0 && kEscape[(b = src[i]!)] === 0) {
      hi |= b
      i++
    }
    if (i < stop && ((base + i) & 3) === 0) {
      let w = (base + i) >> 2
      while (w < wordsEnd) {
        const x = view[w]!
        const q = x ^ 0x22222222
        const s = x ^ 0x5c5c5c5c
        if ((((x - 0x20202020) & ~x) | ((q - 0x01010101) & ~q) | ((s - 0x01010101) & ~s)) & 0x80808080) break
        hi |= x
        w++
      }
      i = (w << 2) - base
      while (i < stop && kEscape[(b = src[i]!)] === 0) {
        hi |= b
        i++
      }
    }
    const n = i - run
    if (n >= BULK_COPY_MIN) {
      src.copy(out, pos, run, i)
      pos += n
    } else {
      for (let j = run; j < i; j++) out[pos++] = src[j]!
    }
    // The byte at i needs escaping (or the line is done); then short runs
    // byte by byte until one is longer than SHORT_RUN.
    for (;;) {
      if (i >= stop) return (hi & 0x80808080) !== 0 && !isUtf8(src.subarray(start, stop)) ? -1 : pos
      pos = writeEscape(src[i]!, out, pos)
      i++
      const limit = i + SHORT_RUN < stop ? i + SHORT_RUN : stop
      while (i < limit && kEscape[(b = src[i]!)] === 0) {
        hi |= b
        out[pos++] = b
        i++
      }
      if (i === limit && i < stop) break
    }
  }
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
