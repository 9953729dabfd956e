import { connect, type Socket } from 'node:net'
import { connect as tlsConnect, type ConnectionOptions } from 'node:tls'
import { Writable } from 'node:stream'
import { pino, type Logger } from 'pino'

// Test-side helpers: a raw byte-level Lumberjack writer (to script exact
// inputs against our server) and a logger whose lines the test can read.

interface RawPeer {
  socket: Socket
  /** Everything the server sent so far. */
  received(): Buffer
  /** Resolves when at least n bytes arrived (rejects on timeout). */
  waitBytes(n: number, timeoutMs?: number): Promise<Buffer>
  /** Resolves when the server closed the connection. */
  closed: Promise<void>
  isClosed(): boolean
}

function wrap(socket: Socket): RawPeer {
  let buf = Buffer.alloc(0)
  let closed = false
  const waiters: (() => void)[] = []
  socket.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d])
    for (const w of waiters.splice(0)) w()
  })
  socket.on('error', () => {})
  const closedP = new Promise<void>((resolve) =>
    socket.once('close', () => {
      closed = true
      for (const w of waiters.splice(0)) w()
      resolve()
    }),
  )
  return {
    socket,
    received: () => buf,
    closed: closedP,
    isClosed: () => closed,
    waitBytes(n, timeoutMs = 5000) {
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`timed out waiting for ${n} bytes, have ${buf.toString('hex')}`)), timeoutMs)
        const check = (): void => {
          if (buf.length >= n) {
            clearTimeout(timer)
            resolve(buf)
          } else if (closed) {
            clearTimeout(timer)
            reject(new Error(`closed with ${buf.length} of ${n} bytes: ${buf.toString('hex')}`))
          } else waiters.push(check)
        }
        check()
      })
    },
  }
}

export function rawPeer(port: number, host = '127.0.0.1'): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const s = connect({ port, host }, () => resolve(wrap(s)))
    s.once('error', reject)
  })
}

export function tlsPeer(port: number, options: ConnectionOptions): Promise<RawPeer> {
  return new Promise((resolve, reject) => {
    const s = tlsConnect({ port, host: '127.0.0.1', servername: 'localhost', ...options }, () => resolve(wrap(s)))
    s.once('error', reject)
  })
}

interface CapturedLogger {
  logger: Logger
  lines: Record<string, unknown>[]
}

export function captureLogger(level = 'debug'): CapturedLogger {
  const lines: Record<string, unknown>[] = []
  const stream = new Writable({
    write(chunk, _enc, cb) {
      for (const l of String(chunk).split('\n')) if (l) lines.push(JSON.parse(l) as Record<string, unknown>)
      cb()
    },
  })
  return { logger: pino({ level }, stream), lines }
}

export const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms))

export { until } from '../../helpers/until.ts'
