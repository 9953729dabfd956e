import { randomBytes } from 'node:crypto'
import { credentials } from './auth-file.ts'
import { encryptPayload, signature } from './crypto.ts'

// Writes collectd binary-protocol datagrams the way collectd's network plugin
// does (only changed fields, then VALUES). Used by tests and benches to make
// datagrams; the receiver never needs it.

const valueTypes = { COUNTER: 0, GAUGE: 1, DERIVE: 2, ABSOLUTE: 3 } as const
export type ValueTypeName = keyof typeof valueTypes

export interface ValueListSpec {
  host: string
  plugin: string
  pluginInstance?: string
  type: string
  typeInstance?: string
  /** seconds since the epoch (written as TIME_HR) */
  time: number
  /** seconds (written as INTERVAL_HR) */
  interval?: number
  values: { type: ValueTypeName; value: number | bigint }[]
}

function stringPart(type: number, text: string): Buffer {
  const body = Buffer.from(text, 'utf8')
  const out = Buffer.alloc(5 + body.length)
  out.writeUInt16BE(type, 0)
  out.writeUInt16BE(out.length, 2)
  body.copy(out, 4)
  return out
}

function numericPart(type: number, value: bigint): Buffer {
  const out = Buffer.alloc(12)
  out.writeUInt16BE(type, 0)
  out.writeUInt16BE(12, 2)
  out.writeBigUInt64BE(value, 4)
  return out
}

function hr(seconds: number): bigint {
  return BigInt(Math.round(seconds * 1073741824))
}

function valuesPart(values: ValueListSpec['values']): Buffer {
  const n = values.length
  const out = Buffer.alloc(6 + 9 * n)
  out.writeUInt16BE(0x0006, 0)
  out.writeUInt16BE(out.length, 2)
  out.writeUInt16BE(n, 4)
  values.forEach((v, i) => {
    out[6 + i] = valueTypes[v.type]
    const at = 6 + n + 8 * i
    if (v.type === 'GAUGE') out.writeDoubleLE(Number(v.value), at)
    else if (v.type === 'DERIVE') out.writeBigInt64BE(BigInt(v.value), at)
    else out.writeBigUInt64BE(BigInt(v.value), at)
  })
  return out
}

/** Encodes value lists into parts, writing only the fields that changed (as collectd's sender does). */
export function encodeValueLists(lists: ValueListSpec[]): Buffer {
  const parts: Buffer[] = []
  let prev: Partial<ValueListSpec> = {}
  for (const vl of lists) {
    if (vl.host !== prev.host) parts.push(stringPart(0x0000, vl.host))
    if (vl.time !== prev.time) parts.push(numericPart(0x0008, hr(vl.time)))
    if (vl.interval !== undefined && vl.interval !== prev.interval) parts.push(numericPart(0x0009, hr(vl.interval)))
    if (vl.plugin !== prev.plugin) parts.push(stringPart(0x0002, vl.plugin))
    if ((vl.pluginInstance ?? '') !== (prev.pluginInstance ?? '')) parts.push(stringPart(0x0003, vl.pluginInstance ?? ''))
    if (vl.type !== prev.type) parts.push(stringPart(0x0004, vl.type))
    if ((vl.typeInstance ?? '') !== (prev.typeInstance ?? '')) parts.push(stringPart(0x0005, vl.typeInstance ?? ''))
    parts.push(valuesPart(vl.values))
    prev = vl
  }
  return Buffer.concat(parts)
}

/** Wraps a plain payload in a signature part (HMAC-SHA-256). */
export function signPacket(payload: Buffer, user: string, password: string): Buffer {
  const u = Buffer.from(user, 'utf8')
  const head = Buffer.alloc(36)
  head.writeUInt16BE(0x0200, 0)
  head.writeUInt16BE(36 + u.length, 2)
  signature(Buffer.from(password, 'utf8'), u, payload).copy(head, 4)
  return Buffer.concat([head, u, payload])
}

/** Wraps a plain payload in an encryption part (AES-256-OFB with a SHA-1 check). */
export function encryptPacket(payload: Buffer, user: string, password: string, iv: Buffer = randomBytes(16)): Buffer {
  const u = Buffer.from(user, 'utf8')
  const head = Buffer.alloc(6)
  head.writeUInt16BE(0x0210, 0)
  head.writeUInt16BE(42 + u.length + payload.length, 2)
  head.writeUInt16BE(u.length, 4)
  return Buffer.concat([head, u, iv, encryptPayload(credentials(password).aesKey, iv, payload)])
}
