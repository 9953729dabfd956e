// docs/protocols/lumberjack.md §12 conformance vectors, as bytes.
const hex = (s: string): Buffer => Buffer.from(s.replace(/\s+/g, ''), 'hex')

export const L1 = hex('32 57 00 00 00 01')
export const L2 = hex('32 4a 00 00 00 01 00 00 00 13 7b226d657373616765223a2268656c6c6f227d')
export const L3 = hex('32 4a 00 00 00 02 00 00 00 13 7b226d657373616765223a22776f726c64227d')
export const L4 = hex('32 43 00 00 00 23 785e33f2626060600462e16aa5dcd4e2e2c4f454252ba58cd49c9c7ca55a0053220744')
export const L5 = hex('32 41 00 00 00 01')
export const L6 = hex('32 41 00 00 00 00')
export const L7 = Buffer.concat([
  hex('31 57 00 00 00 01'),
  hex('31 44 00000001 00000002 00000004 6c696e65 00000005 68656c6c6f 00000004 686f7374 00000002 6831'),
])
export const L8 = hex('31 41 00 00 00 01')

export function windowFrame(n: number, version = 0x32): Buffer {
  const b = Buffer.alloc(6)
  b[0] = version
  b[1] = 0x57
  b.writeUInt32BE(n, 2)
  return b
}

export function jsonFrame(seq: number, payload: string | Buffer): Buffer {
  const body = typeof payload === 'string' ? Buffer.from(payload) : payload
  const h = Buffer.alloc(10)
  h[0] = 0x32
  h[1] = 0x4a
  h.writeUInt32BE(seq, 2)
  h.writeUInt32BE(body.length, 6)
  return Buffer.concat([h, body])
}

export function compressedFrame(body: Buffer): Buffer {
  const h = Buffer.alloc(6)
  h[0] = 0x32
  h[1] = 0x43
  h.writeUInt32BE(body.length, 2)
  return Buffer.concat([h, body])
}
