import { deflateSync, inflateSync } from 'node:zlib'
import { deflatePooled } from './deflater.ts'
import { SizedBufferPool } from '../buffer-pool.ts'
import { COMPRESSED_HEADER_BYTES, FrameType, JSON_HEADER_BYTES, Version, WINDOW_FRAME_BYTES } from './frame-types.ts'

// Writer side of Lumberjack v2: one window = `2W <n>` followed by either one
// `2C <len> <zlib(2J…2J)>` (level 1–9) or the raw `2J` frames (level 0),
// numbered 1..n. The whole window is built in one buffer and written with one
// socket write, as go-lumber does.

/** The `2J` frames of `payloads`, seq 1..n, in one exactly-sized buffer. */
export function encodeJsonFrames(payloads: readonly (string | Buffer)[]): Buffer {
  return writeJsonFrames(payloads, framesBytes(payloads), undefined)
}

function framesBytes(payloads: readonly (string | Buffer)[]): number {
  let total = 0
  for (let i = 0; i < payloads.length; i++) {
    const p = payloads[i]!
    total += JSON_HEADER_BYTES + (typeof p === 'string' ? Buffer.byteLength(p) : p.length)
  }
  return total
}

// Writes the frames (`total` bytes, from framesBytes) at the start of `into`
// when it is big enough, else into a new exactly-sized buffer; returns the
// frames' bytes.
function writeJsonFrames(payloads: readonly (string | Buffer)[], total: number, into: Buffer | undefined): Buffer {
  const n = payloads.length
  const out = into !== undefined && into.length >= total ? into.subarray(0, total) : Buffer.allocUnsafe(total)
  let off = 0
  for (let i = 0; i < n; i++) {
    const p = payloads[i]!
    const len = typeof p === 'string' ? Buffer.byteLength(p) : p.length
    writeJsonFrameHeader(out, off, i + 1, len)
    off += JSON_HEADER_BYTES
    if (typeof p === 'string') out.write(p, off, len, 'utf8')
    else p.copy(out, off)
    off += len
  }
  return out
}

function windowHeader(count: number, extra: number): Buffer {
  const head = Buffer.allocUnsafe(WINDOW_FRAME_BYTES + extra)
  head[0] = Version.v2
  head[1] = FrameType.window
  head.writeUInt32BE(count, 2)
  return head
}

/** `2W` + `2C{2J…}` (or raw `2J` frames when level is 0), seq 1..N. */
export function encodeWindow(payloads: readonly (string | Buffer)[], level: number): Buffer {
  const frames = encodeJsonFrames(payloads)
  if (level <= 0) return Buffer.concat([windowHeader(payloads.length, 0), frames])
  const body = deflateSync(frames, { level: Math.min(9, level) })
  const head = compressedWindowHeader(payloads.length, body.length)
  return Buffer.concat([head, body], head.length + body.length)
}

/** The `2W` + `2C` header (12 bytes) of a compressed window of `count` events whose zlib body is `bodyBytes` long. */
function compressedWindowHeader(count: number, bodyBytes: number): Buffer {
  const head = windowHeader(count, COMPRESSED_HEADER_BYTES)
  head[6] = Version.v2
  head[7] = FrameType.compressed
  head.writeUInt32BE(bodyBytes, 8)
  return head
}

/**
 * encodeWindow with the deflate done in libuv's threadpool (zlib's async API),
 * so the caller's thread keeps reading and encoding while a window compresses.
 * `done` gets the window as the header and then the zlib body in one or more
 * chunks (written back to back; no concatenation copy), or at level 0 as the
 * header and the raw frames.
 */
export function encodeWindowAsync(payloads: readonly (string | Buffer)[], level: number, done: (err: Error | null, parts: Buffer[]) => void): void {
  const count = payloads.length
  if (level <= 0) {
    done(null, [windowHeader(count, 0), encodeJsonFrames(payloads)])
    return
  }
  // The uncompressed frames are only zlib's input: their buffer goes back to
  // a small pool when the deflate finishes, so a steady stream of windows
  // does not allocate (and have V8 account and collect) ~1 MiB each.
  const total = framesBytes(payloads)
  const buf = scratch.take(total)
  deflateFrames(count, writeJsonFrames(payloads, total, buf), level, (err, parts) => {
    scratch.give(buf)
    done(err, parts)
  })
}

/**
 * A window already in its wire form, built by the caller as it encoded the
 * events (the forwarder's batcher): `body` is what follows the `2W <count>`
 * frame — the `2J` frames numbered 1..count, zlib-compressed (`compressed`,
 * sent as one `2C` frame) or raw — in one or more buffers sent back to back.
 */
export interface EncodedWindow {
  readonly count: number
  readonly body: readonly Buffer[]
  readonly bodyBytes: number
  readonly compressed: boolean
  /** The largest event (a `2J` payload) in the window. */
  readonly maxEventBytes: number
}

/** The window's wire bytes: its header, then its body. */
export function encodedWindowParts(w: EncodedWindow): Buffer[] {
  return [w.compressed ? compressedWindowHeader(w.count, w.bodyBytes) : windowHeader(w.count, 0), ...w.body]
}

/** The window's `2J` frames in one buffer (inflated when compressed): for the rare paths that need its events. */
export function encodedWindowFrames(w: EncodedWindow): Buffer {
  const body = w.body.length === 1 ? w.body[0]! : Buffer.concat(w.body as Buffer[], w.bodyBytes)
  return w.compressed ? inflateSync(body) : body
}

/** Writes the 10-byte `2J` header of frame `seq` with a `len`-byte payload at `pos`. */
export function writeJsonFrameHeader(out: Buffer, pos: number, seq: number, len: number): void {
  // Byte stores rather than writeUInt32BE: this runs once per event.
  out[pos] = Version.v2
  out[pos + 1] = FrameType.json
  out[pos + 2] = seq >>> 24
  out[pos + 3] = (seq >>> 16) & 0xff
  out[pos + 4] = (seq >>> 8) & 0xff
  out[pos + 5] = seq & 0xff
  out[pos + 6] = len >>> 24
  out[pos + 7] = (len >>> 16) & 0xff
  out[pos + 8] = (len >>> 8) & 0xff
  out[pos + 9] = len & 0xff
}

/** Views of the payloads of back-to-back `2J` frames. Throws on anything else. */
export function jsonFramePayloads(frames: Buffer): Buffer[] {
  const out: Buffer[] = []
  let off = 0
  while (off < frames.length) {
    if (frames.length - off < JSON_HEADER_BYTES || frames[off] !== Version.v2 || frames[off + 1] !== FrameType.json) throw new Error(`not a 2J frame at byte ${off}`)
    const len = frames.readUInt32BE(off + 6)
    const start = off + JSON_HEADER_BYTES
    if (start + len > frames.length) throw new Error(`2J frame at byte ${off} runs past the end`)
    out.push(frames.subarray(start, start + len))
    off = start + len
  }
  return out
}

function deflateFrames(count: number, frames: Buffer, level: number, done: (err: Error | null, parts: Buffer[]) => void): void {
  deflatePooled(frames, Math.min(9, level), (err, body, bodyBytes) => {
    if (err) done(err, [])
    else done(null, [compressedWindowHeader(count, bodyBytes), ...body])
  })
}

// Scratch buffers for encodeWindowAsync's frames: at most one per window
// compressing at a time is worth keeping (pipelining is small); frames over
// 8 MiB are not kept (a rare huge window must not pin its memory); sizes are
// rounded up to 64 KiB, so a window a little larger than the last still fits.
const scratch = new SizedBufferPool(4, 64 << 10, 8 << 20)
