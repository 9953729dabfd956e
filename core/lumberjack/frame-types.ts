// Lumberjack byte values (docs/protocols/lumberjack.md §2). Every integer on the wire is a
// big-endian u32.

export const Version = { v1: 0x31, v2: 0x32 } as const

export const FrameType = {
  window: 0x57, // 'W'
  json: 0x4a, // 'J'
  compressed: 0x43, // 'C'
  ack: 0x41, // 'A'
  data: 0x44, // 'D' (v1 key/value)
} as const

export const WINDOW_FRAME_BYTES = 6
export const JSON_HEADER_BYTES = 10
export const COMPRESSED_HEADER_BYTES = 6
export const ACK_FRAME_BYTES = 6
export const DATA_HEADER_BYTES = 10

/** A 6-byte ACK frame: `<version> 'A' <seq>`. */
export function ackFrame(seq: number, version: number = Version.v2): Buffer {
  const b = Buffer.allocUnsafe(ACK_FRAME_BYTES)
  b[0] = version
  b[1] = FrameType.ack
  b.writeUInt32BE(seq >>> 0, 2)
  return b
}

/** How a first byte that is not '1'/'2' is described in logs (Logstash logs it in decimal). */
export function describeBadVersion(byte: number): string {
  if (byte === 0x16) return `unsupported protocol version ${byte} (0x16: a TLS handshake reached a plain-text listener)`
  if (byte === 0x47 || byte === 0x48 || byte === 0x50) return `unsupported protocol version ${byte} ('${String.fromCharCode(byte)}': an HTTP request or health probe?)`
  return `unsupported protocol version ${byte}`
}
