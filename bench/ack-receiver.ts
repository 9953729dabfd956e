import { readFileSync } from 'node:fs'
import { createServer, type Server, type TLSSocket } from 'node:tls'
import { inflateSync } from 'node:zlib'
import type { AddressInfo } from 'node:net'
import { ackFrame, FrameType, Version } from '../core/lumberjack/frame-types.ts'

// The forwarder bench's peer: "a receiver that only acks" (issue 4). It does
// what any Lumberjack v2 server must before it may acknowledge — TLS, inflate
// every `C` frame, walk every `J` frame checking its sequence number — and
// nothing more: no JSON.parse of each event (the aggregator's own decode cost
// is measured by the lumberjack and aggregator scenarios). One event per
// window is parsed as a check that the payload is the JSON it claims to be.
// Anything unexpected throws: a bench must not count bytes it did not get.

interface AckReceiverTls {
  cert: string
  key: string
  ca: string
}

export class AckReceiver {
  events = 0
  windows = 0
  checked = 0
  /** [time (ms, performance.now), cumulative events] at every ACK sent. */
  readonly acks: [number, number][] = []
  #server: Server

  constructor(tls: AckReceiverTls, check: (event: Record<string, unknown>) => void) {
    this.#server = createServer({ cert: readFileSync(tls.cert), key: readFileSync(tls.key), ca: readFileSync(tls.ca), requestCert: true, rejectUnauthorized: true }, (sock) => this.#serve(sock, check))
  }

  async listen(): Promise<number> {
    await new Promise<void>((resolve) => this.#server.listen(0, '127.0.0.1', resolve))
    return (this.#server.address() as AddressInfo).port
  }

  async close(): Promise<void> {
    await new Promise<void>((resolve) => this.#server.close(() => resolve()))
  }

  #serve(sock: TLSSocket, check: (event: Record<string, unknown>) => void): void {
    let buf: Buffer = Buffer.alloc(0)
    let windowSize = 0
    let seq = 0
    sock.on('error', () => sock.destroy())
    sock.on('data', (chunk: Buffer) => {
      buf = buf.length === 0 ? chunk : Buffer.concat([buf, chunk])
      let off = 0
      for (;;) {
        if (buf.length - off < 6) break
        if (buf[off] !== Version.v2) throw new Error(`ack-receiver: version byte ${buf[off]}`)
        const type = buf[off + 1]
        if (type === FrameType.window) {
          windowSize = buf.readUInt32BE(off + 2)
          seq = 0
          off += 6
        } else if (type === FrameType.compressed) {
          const len = buf.readUInt32BE(off + 2)
          if (buf.length - off - 6 < len) break
          const frames = inflateSync(buf.subarray(off + 6, off + 6 + len))
          off += 6 + len
          seq = this.#walk(frames, seq, check)
          if (seq === windowSize) {
            this.windows++
            this.acks.push([performance.now(), this.events])
            sock.write(ackFrame(seq))
          }
        } else throw new Error(`ack-receiver: unexpected frame type ${type} outside a compressed frame`)
      }
      buf = off === buf.length ? Buffer.alloc(0) : buf.subarray(off)
    })
  }

  #walk(frames: Buffer, seq: number, check: (event: Record<string, unknown>) => void): number {
    let off = 0
    const first = seq
    while (off < frames.length) {
      if (frames[off] !== Version.v2 || frames[off + 1] !== FrameType.json) throw new Error('ack-receiver: expected a 2J frame inside C')
      const n = frames.readUInt32BE(off + 2)
      if (n !== seq + 1) throw new Error(`ack-receiver: sequence ${n} after ${seq}`)
      const len = frames.readUInt32BE(off + 6)
      if (n === first + 1) {
        check(JSON.parse(frames.toString('utf8', off + 10, off + 10 + len)) as Record<string, unknown>)
        this.checked++
      }
      seq = n
      off += 10 + len
      this.events++
    }
    if (off !== frames.length) throw new Error('ack-receiver: truncated J frame')
    return seq
  }
}

/**
 * Steady-state rate between the first ACK (the sender is up and connected)
 * and the first ACK that covers all but the last window of `total` events
 * (the last one may wait for the sender's linger): events per second.
 */
export function steadyRate(acks: readonly [number, number][], total: number, window: number): { eventsPerS: number; seconds: number; events: number } {
  const first = acks[0]
  const last = acks.find((a) => a[1] >= total - window)
  if (!first || !last || last[0] <= first[0]) return { eventsPerS: NaN, seconds: 0, events: 0 }
  const seconds = (last[0] - first[0]) / 1000
  const events = last[1] - first[1]
  return { eventsPerS: events / seconds, seconds, events }
}
