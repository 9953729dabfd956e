import { deflate, deflateSync } from 'node:zlib'
import { COMPRESSED_HEADER_BYTES, FrameType, JSON_HEADER_BYTES, Version, WINDOW_FRAME_BYTES } from './frame-types.ts'

// Writer side of Lumberjack v2: one window = `2W <n>` followed by either one
// `2C <len> <zlib(2J…2J)>` (level 1–9) or the raw `2J` frames (level 0),
// numbered 1..n. The whole window is built in one buffer and written with one
// socket write, as go-lumber does.

/** The `2J` frames of `payloads`, seq 1..n, in one exactly-sized buffer. */
export function encodeJsonFrames(payloads: readonly (string | Buffer)[]): Buffer {
  const n = payloads.length
  const lengths = new Array<number>(n)
  let total = 0
  for (let i = 0; i < n; i++) {
    const p = payloads[i]!
    const len = typeof p === 'string' ? Buffer.byteLength(p) : p.length
    lengths[i] = len
    total += JSON_HEADER_BYTES + len
  }
  const out = Buffer.allocUnsafe(total)
  let off = 0
  for (let i = 0; i < n; i++) {
    const p = payloads[i]!
    const len = lengths[i]!
    out[off] = Version.v2
    out[off + 1] = FrameType.json
    out.writeUInt32BE(i + 1, off + 2)
    out.writeUInt32BE(len, off + 6)
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
  const head = windowHeader(payloads.length, COMPRESSED_HEADER_BYTES)
  head[6] = Version.v2
  head[7] = FrameType.compressed
  head.writeUInt32BE(body.length, 8)
  return Buffer.concat([head, body], head.length + body.length)
}

/** The `2W` + `2C` header (12 bytes) of a compressed window of `count` events whose zlib body is `bodyBytes` long. */
export function compressedWindowHeader(count: number, bodyBytes: number): Buffer {
  const head = windowHeader(count, COMPRESSED_HEADER_BYTES)
  head[6] = Version.v2
  head[7] = FrameType.compressed
  head.writeUInt32BE(bodyBytes, 8)
  return head
}

/**
 * encodeWindow with the deflate done in libuv's threadpool (zlib's async API),
 * so the caller's thread keeps reading and encoding while a window compresses.
 * `done` gets the window as [header, body] (two buffers, written back to back;
 * no concatenation copy) or, at level 0, as one buffer.
 */
export function encodeWindowAsync(payloads: readonly (string | Buffer)[], level: number, done: (err: Error | null, parts: Buffer[]) => void): void {
  const frames = encodeJsonFrames(payloads)
  const count = payloads.length
  if (level <= 0) {
    done(null, [windowHeader(count, 0), frames])
    return
  }
  deflate(frames, { level: Math.min(9, level) }, (err, body) => {
    if (err) done(err, [])
    else done(null, [compressedWindowHeader(count, body.length), body])
  })
}
