import { connect as netConnect, isIP, type Socket } from 'node:net'
import type { ConnectionOptions } from 'node:tls'
import { Backoff } from '../backoff.ts'
import { tls } from '../tls-module.ts'
import { ConnectionError, LogyardError, ProtocolError, TimeoutError, TlsError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import type { Counter } from '../metrics.ts'
import type { PendingWindow } from './client-window.ts'
import { ACK_FRAME_BYTES, FrameType, Version } from './frame-types.ts'

// One writer connection (docs/protocols/lumberjack.md §5). It pulls windows from the client
// while fewer than `pipelining` are unacknowledged, writes each as one buffer,
// and matches ACKs to the oldest window in flight. `A 0` and repeated seqs
// only prove liveness; progress is a higher seq. Two deadlines, checked by a
// coarse tick: `timeout` without any bytes from the reader, and
// `stallTimeout` without progress (keep-alives from a stuck reader do not
// count). Any failure closes the socket, hands unacknowledged windows back
// (rewound past any partial ACK) and reconnects after a jittered backoff.

export interface Endpoint {
  host: string
  port: number
  /** "host:port" as configured, for logs. */
  name: string
}

export interface ClientCounters {
  connects: Counter
  connectFailures: Counter
  windowsSent: Counter
  windowsAcked: Counter
  eventsAcked: Counter
  bytesWritten: Counter
  keepalivesReceived: Counter
  timeouts: Counter
  stalls: Counter
  protocolErrors: Counter
  resentEvents: Counter
  droppedOversize: Counter
}

/** What a connection needs from its client. */
export interface ConnectionOwner {
  readonly logger: Logger
  readonly counters: ClientCounters
  readonly level: number
  readonly pipelining: number
  readonly timeout: number
  readonly stallTimeout: number
  readonly tls: ConnectionOptions | undefined
  /** Next window to send, or undefined. */
  take(): PendingWindow | undefined
  /** Windows back to the front of the queue after a failure, in order. */
  giveBack(windows: PendingWindow[]): void
  windowDone(window: PendingWindow): void
  /** Picks the endpoint for the next connection attempt (failover moves on after a failure). */
  nextEndpoint(current: Endpoint | undefined, failed: boolean): Endpoint
  stateChanged(): void
}

export const ConnState = { idle: 'idle', connecting: 'connecting', ready: 'ready', backoff: 'backoff', closed: 'closed' } as const
export type ConnState = (typeof ConnState)[keyof typeof ConnState]

export class ClientConnection {
  readonly #owner: ConnectionOwner
  readonly #backoff: Backoff
  #endpoint: Endpoint | undefined
  #state: ConnState = ConnState.idle
  #socket: Socket | undefined
  readonly #inflight: PendingWindow[] = []
  readonly #ack = Buffer.alloc(ACK_FRAME_BYTES)
  #ackHave = 0
  #lastRead = 0
  #lastProgress = 0
  #tick: NodeJS.Timeout | undefined
  #retry: NodeJS.Timeout | undefined
  #connectTimer: NodeJS.Timeout | undefined
  #failedLast = false
  /** Connection attempt number; compression results of an earlier attempt are ignored. */
  #gen = 0
  /** Leading #inflight windows already written to the socket (the rest are compressing). */
  #written = 0

  constructor(owner: ConnectionOwner, endpoint: Endpoint | undefined, backoff: { init: number; max: number; random: () => number }) {
    this.#owner = owner
    this.#endpoint = endpoint
    this.#backoff = new Backoff({ initial: backoff.init, max: backoff.max, random: backoff.random })
  }

  get state(): ConnState {
    return this.#state
  }

  get inflight(): number {
    return this.#inflight.length
  }

  get endpoint(): Endpoint | undefined {
    return this.#endpoint
  }

  /** Called when there is work: connect if idle, else send what fits. */
  kick(): void {
    if (this.#state === ConnState.idle) this.#connect()
    else if (this.#state === ConnState.ready) this.#fill()
  }

  /** Tear down now; unacknowledged windows are handed back. */
  close(): void {
    if (this.#state === ConnState.closed) return
    this.#state = ConnState.closed
    clearTimeout(this.#retry)
    this.#drop()
  }

  #connect(): void {
    const owner = this.#owner
    const ep = owner.nextEndpoint(this.#endpoint, this.#failedLast)
    this.#endpoint = ep
    this.#state = ConnState.connecting
    this.#ackHave = 0
    this.#gen++
    this.#written = 0
    let socket: Socket
    if (owner.tls) {
      const opts: ConnectionOptions = { ...owner.tls, host: ep.host, port: ep.port }
      if (!isIP(ep.host) && opts.servername === undefined) opts.servername = ep.host
      socket = tls.connect(opts, () => this.#connected())
    } else {
      socket = netConnect({ host: ep.host, port: ep.port }, () => this.#connected())
    }
    this.#socket = socket
    socket.setNoDelay(true)
    this.#connectTimer = setTimeout(() => this.#fail(new TimeoutError(`connect to ${ep.name} timed out after ${owner.timeout} ms`, { endpoint: ep.name })), owner.timeout)
    socket.on('data', (chunk: Buffer) => this.#data(chunk))
    socket.on('error', (err: NodeJS.ErrnoException) => {
      const tlsProblem = owner.tls && (err.code?.startsWith('ERR_TLS') || err.code?.startsWith('ERR_SSL') || /certificate|self.signed|altname|handshake/i.test(err.message))
      const e = tlsProblem
        ? new TlsError(`TLS with ${ep.name} failed: ${err.message}`, { endpoint: ep.name, cause: err })
        : new ConnectionError(`connection to ${ep.name} failed: ${err.message}`, { endpoint: ep.name, cause: err })
      this.#fail(e)
    })
    socket.on('close', () => {
      if (this.#socket === socket) this.#fail(new ConnectionError(`connection to ${ep.name} closed by peer`, { endpoint: ep.name }))
    })
  }

  #connected(): void {
    clearTimeout(this.#connectTimer)
    this.#state = ConnState.ready
    this.#failedLast = false
    this.#owner.counters.connects.inc()
    this.#owner.logger.info({ endpoint: this.#endpoint?.name }, 'lumberjack connected')
    const every = Math.max(20, Math.min(1000, Math.floor(Math.min(this.#owner.timeout, this.#owner.stallTimeout) / 4)))
    this.#tick = setInterval(() => this.#check(), every)
    this.#tick.unref()
    this.#owner.stateChanged()
    this.#fill()
  }

  // Takes windows while fewer than `pipelining` are unacknowledged and starts
  // compressing each in libuv's threadpool (zlib's async API), so the main
  // thread goes on reading files while windows compress. Finished windows are
  // written strictly in the order they were taken (#writeReady).
  #fill(): void {
    const owner = this.#owner
    const socket = this.#socket
    while (this.#state === ConnState.ready && socket && this.#inflight.length < owner.pipelining) {
      const w = owner.take()
      if (!w) break
      if (this.#inflight.length === 0) this.#lastRead = this.#lastProgress = Date.now()
      this.#inflight.push(w)
      w.attempts++
      w.wire = undefined
      w.wireGen = -1
      if (w.attempts > 1) owner.counters.resentEvents.inc(w.count)
      w.encodeAsync(owner.level, this.#encodedFor(w, this.#gen))
    }
  }

  // One callback per window (not per event): remembers the attempt it belongs to.
  #encodedFor(w: PendingWindow, gen: number): (err: Error | null, parts: Buffer[]) => void {
    return (err, parts) => {
      if (gen !== this.#gen || this.#state !== ConnState.ready || !this.#inflight.includes(w)) return // connection lost meanwhile; the window was handed back
      if (err) {
        this.#fail(new ConnectionError(`cannot compress a window for ${this.#endpoint?.name}: ${err.message}`, { endpoint: this.#endpoint?.name, cause: err }))
        return
      }
      w.wire = parts
      w.wireGen = gen
      this.#writeReady()
    }
  }

  #writeReady(): void {
    const socket = this.#socket
    if (!socket) return
    const owner = this.#owner
    const gen = this.#gen
    let corked = false
    while (this.#written < this.#inflight.length) {
      const w = this.#inflight[this.#written]!
      if (w.wireGen !== gen || w.wire === undefined) break
      if (!corked) {
        socket.cork()
        corked = true
      }
      let bytes = 0
      for (const part of w.wire) {
        bytes += part.length
        socket.write(part)
      }
      w.wire = undefined
      this.#written++
      owner.counters.windowsSent.inc()
      owner.counters.bytesWritten.inc(bytes)
    }
    if (corked) socket.uncork()
  }

  #data(chunk: Buffer): void {
    this.#lastRead = Date.now()
    let i = 0
    while (i < chunk.length) {
      const n = Math.min(ACK_FRAME_BYTES - this.#ackHave, chunk.length - i)
      chunk.copy(this.#ack, this.#ackHave, i, i + n)
      this.#ackHave += n
      i += n
      if (this.#ackHave < ACK_FRAME_BYTES) break
      this.#ackHave = 0
      if (this.#ack[0] !== Version.v2 || this.#ack[1] !== FrameType.ack) {
        this.#fail(new ProtocolError(`expected a 2A ACK frame, got bytes ${this.#ack.toString('hex')}`, { endpoint: this.#endpoint?.name }))
        return
      }
      if (!this.#onAck(this.#ack.readUInt32BE(2))) return
    }
    this.#fill()
  }

  /** Returns false when the connection failed. */
  #onAck(seq: number): boolean {
    const owner = this.#owner
    const head = this.#inflight[0]
    if (seq === 0) {
      owner.counters.keepalivesReceived.inc()
      return true
    }
    if (!head || this.#written === 0) {
      this.#fail(new ProtocolError(`ACK ${seq} with no window in flight`, { endpoint: this.#endpoint?.name }))
      return false
    }
    if (seq > head.count) {
      this.#fail(new ProtocolError(`invalid sequence number received (seq=${seq}, expected=${head.count})`, { endpoint: this.#endpoint?.name }))
      return false
    }
    if (seq <= head.acked) {
      owner.counters.keepalivesReceived.inc() // a repeat: liveness, not progress
      return true
    }
    owner.counters.eventsAcked.inc(seq - head.acked)
    head.acked = seq
    this.#lastProgress = Date.now()
    this.#backoff.reset()
    if (seq === head.count) {
      this.#inflight.shift()
      this.#written--
      owner.counters.windowsAcked.inc()
      owner.windowDone(head)
    }
    return true
  }

  #check(): void {
    if (this.#state !== ConnState.ready || this.#inflight.length === 0) return
    const now = Date.now()
    const owner = this.#owner
    const name = this.#endpoint?.name
    if (now - this.#lastRead > owner.timeout) {
      owner.counters.timeouts.inc()
      this.#fail(new TimeoutError(`no ACK from ${name} within ${owner.timeout} ms`, { endpoint: name }))
    } else if (now - this.#lastProgress > owner.stallTimeout) {
      owner.counters.stalls.inc()
      this.#fail(new TimeoutError(`${name} made no progress for ${owner.stallTimeout} ms (only keep-alives); declaring it stalled`, { endpoint: name }))
    }
  }

  /** Close the socket and hand back in-flight windows. */
  #drop(): number {
    clearTimeout(this.#connectTimer)
    clearInterval(this.#tick)
    this.#tick = undefined
    const socket = this.#socket
    this.#socket = undefined
    if (socket) socket.destroy()
    this.#gen++
    this.#written = 0
    const back = this.#inflight.splice(0)
    for (const w of back) {
      w.rewind()
      w.wire = undefined
    }
    if (back.length > 0) this.#owner.giveBack(back)
    return back.length
  }

  #fail(err: LogyardError): void {
    if (this.#state === ConnState.closed || this.#state === ConnState.backoff || this.#state === ConnState.idle) return
    const wasReady = this.#state === ConnState.ready
    const hadWork = this.#inflight.length
    const owner = this.#owner
    if (err.code === 'LY_PROTOCOL') owner.counters.protocolErrors.inc()
    if (!wasReady) owner.counters.connectFailures.inc()
    this.#drop()
    // A reader closing an idle connection (Logstash after 60 s) is routine:
    // go idle and reconnect on the next send, without backoff.
    if (wasReady && hadWork === 0 && err.code === 'LY_CONNECTION') {
      owner.logger.debug({ endpoint: this.#endpoint?.name, reason: err.message }, 'idle lumberjack connection closed')
      this.#state = ConnState.idle
      owner.stateChanged()
      return
    }
    this.#failedLast = true
    const delay = this.#backoff.next()
    owner.logger.warn({ endpoint: this.#endpoint?.name, code: err.code, reason: err.message, windows_returned: hadWork, retry_in_ms: delay }, 'lumberjack connection failed: ' + err.message)
    this.#state = ConnState.backoff
    owner.stateChanged()
    this.#retry = setTimeout(() => {
      if (this.#state !== ConnState.backoff) return
      this.#state = ConnState.idle
      this.#owner.stateChanged()
    }, delay)
  }
}
