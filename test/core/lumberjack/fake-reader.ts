import { createServer, type Server, type Socket } from 'node:net'
import { inflateSync } from 'node:zlib'

// A scripted Lumberjack reader for the writer's error table (docs/protocols/lumberjack.md
// §12 "Writer tests"): an independent, minimal parser of what our client
// writes, and explicit control over every ACK byte it sends back.

export interface ReceivedWindow {
  count: number
  compressed: boolean
  /** The J frames' bytes as they would appear uncompressed (inflated C body, or the raw frames). */
  frames: Buffer
  seqs: number[]
  payloads: string[]
}

export interface FakeConn {
  socket: Socket
  index: number
  windows: ReceivedWindow[]
  ack(seq: number, version?: number): void
  send(bytes: Buffer): void
}

interface FakeReader {
  port: number
  conns: FakeConn[]
  windows(): ReceivedWindow[]
  close(): Promise<void>
}

function parseJ(frames: Buffer, count: number): { seqs: number[]; payloads: string[]; used: number } | undefined {
  const seqs: number[] = []
  const payloads: string[] = []
  let p = 0
  for (let i = 0; i < count; i++) {
    if (frames.length - p < 10) return undefined
    if (frames[p] !== 0x32 || frames[p + 1] !== 0x4a) throw new Error(`expected 2J at ${p}: ${frames.subarray(p, p + 2).toString('hex')}`)
    const len = frames.readUInt32BE(p + 6)
    if (frames.length - p - 10 < len) return undefined
    seqs.push(frames.readUInt32BE(p + 2))
    payloads.push(frames.toString('utf8', p + 10, p + 10 + len))
    p += 10 + len
  }
  return { seqs, payloads, used: p }
}

/** onWindow is called for every complete window with the connection it came on. */
export async function fakeReader(onWindow: (conn: FakeConn, w: ReceivedWindow) => void, onConnect?: (conn: FakeConn) => void): Promise<FakeReader> {
  const conns: FakeConn[] = []
  const server: Server = createServer((socket) => {
    let buf = Buffer.alloc(0)
    const conn: FakeConn = {
      socket,
      index: conns.length,
      windows: [],
      ack(seq, version = 0x32) {
        const b = Buffer.alloc(6)
        b[0] = version
        b[1] = 0x41
        b.writeUInt32BE(seq, 2)
        if (!socket.destroyed) socket.write(b)
      },
      send(bytes) {
        if (!socket.destroyed) socket.write(bytes)
      },
    }
    conns.push(conn)
    socket.on('error', () => {})
    socket.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      for (;;) {
        if (buf.length < 6) return
        if (buf[0] !== 0x32 || buf[1] !== 0x57) throw new Error(`expected 2W, got ${buf.subarray(0, 2).toString('hex')}`)
        const count = buf.readUInt32BE(2)
        let w: ReceivedWindow
        if (buf[7] === 0x43) {
          if (buf.length < 12) return
          const len = buf.readUInt32BE(8)
          if (buf.length < 12 + len) return
          const frames = inflateSync(buf.subarray(12, 12 + len))
          const j = parseJ(frames, count)
          if (!j || j.used !== frames.length) throw new Error('C frame does not hold exactly the window')
          w = { count, compressed: true, frames, seqs: j.seqs, payloads: j.payloads }
          buf = buf.subarray(12 + len)
        } else {
          const j = parseJ(buf.subarray(6), count)
          if (!j) return
          w = { count, compressed: false, frames: Buffer.from(buf.subarray(6, 6 + j.used)), seqs: j.seqs, payloads: j.payloads }
          buf = buf.subarray(6 + j.used)
        }
        conn.windows.push(w)
        onWindow(conn, w)
      }
    })
    onConnect?.(conn)
  })
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r))
  const port = (server.address() as { port: number }).port
  return {
    port,
    conns,
    windows: () => conns.flatMap((c) => c.windows),
    close: () =>
      new Promise<void>((r) => {
        for (const c of conns) c.socket.destroy()
        server.close(() => r())
      }),
  }
}

/** A port with nothing listening (bound then released). */
export async function deadPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}
