import type { Socket } from 'node:net'
import type { Logger } from '../logger.ts'
import { codeOf, LimitError, LogyardError, ProtocolError, type ErrorCode } from '../errors.ts'
import { FrameDecoder, type DecodedBatch, type DecoderLimits } from './frame-decoder.ts'
import { ackFrame, Version } from './frame-types.ts'
import type { ServerCounters } from './server-counters.ts'

// One accepted Lumberjack connection on the reader side (docs/protocols/lumberjack.md §6):
// bytes → FrameDecoder → an ordered queue of batches → onBatch one at a time →
// `A(highestSeq)` with the batch's version byte. While a batch waits, `2A 0`
// keep-alives go out whenever nothing was written for keepaliveInterval
// (Logstash's writer-idle rule). The socket is paused while the queue holds
// maxPending batches, while the whole server is paused, or while closing, so a
// slow consumer throttles the writer through TCP.

export interface PeerInfo {
  remoteAddress: string
  remotePort?: number
  id: number
  tlsSubject?: string
  /** What the sender is, from its first window (agent.type/agent.name, e.g. "filebeat web-1"); set by the input. */
  agent?: string
}

/** One connection as the status page shows it. */
export interface PeerStatus {
  id: number
  address: string
  tls_subject: string | null
  agent: string | null
  connected_at: number
  events: number
  windows_acked: number
  /** Epoch ms of the last ACK sent (0: none yet). */
  last_ack_at: number
  windows_in_flight: number
}

export type BatchHandler = (batch: DecodedBatch, peer: PeerInfo) => Promise<void>

/** What a connection needs from its server. */
export interface ConnectionHost {
  readonly logger: Logger
  readonly counters: ServerCounters
  readonly onBatch: BatchHandler
  readonly limits: Partial<DecoderLimits>
  readonly keepaliveInterval: number
  readonly idleTimeout: number
  /** A frame or window begun must be complete within this long while the connection is read (0: no limit). */
  readonly frameTimeout?: number
  readonly maxPending: number
  isPaused(): boolean
  /** A warning a sender can cause at will: rate-limited per kind. */
  limitedWarn(kind: string, fields: { code: ErrorCode; [k: string]: unknown }, msg: string): void
  /** Process-wide budget of decoded payload bytes: taken per decoded batch, given back when it settles. */
  reserve(bytes: number): void
  release(bytes: number): void
  connectionClosed(connection: ServerConnection, reason: LogyardError | undefined): void
}

const keepaliveFrame = ackFrame(0, Version.v2)

export class ServerConnection {
  readonly peer: PeerInfo
  readonly #socket: Socket
  readonly #host: ConnectionHost
  readonly #decoder: FrameDecoder
  readonly #queue: DecodedBatch[] = []
  #inHandler = false
  #reserved = 0
  #paused = false
  #closing = false
  #closed = false
  #reason: LogyardError | undefined
  #keepalive: NodeJS.Timeout | undefined
  // set while socket.write() has returned false: the peer is not reading its ACKs
  #writeStall: NodeJS.Timeout | undefined
  // armed while a frame or window is incomplete and the socket is being read (slow senders)
  #frameTimer: NodeJS.Timeout | undefined
  readonly #onDrain = (): void => this.#drained()
  readonly #onKeepalive = (): void => this.#sendKeepalive()
  readonly #onAcked = (): void => this.#acked()
  readonly #onRejected = (err: unknown): void => this.#rejected(err)
  // status page bookkeeping: per window, never per event
  readonly connectedAt = Date.now()
  events = 0
  windowsAcked = 0
  lastAckAt = 0

  constructor(socket: Socket, peer: PeerInfo, host: ConnectionHost) {
    this.#socket = socket
    this.peer = peer
    this.#host = host
    this.#decoder = new FrameDecoder(host.limits)
    socket.setNoDelay(true)
    if (host.idleTimeout > 0) socket.setTimeout(host.idleTimeout)
    socket.on('data', (chunk: Buffer) => this.#data(chunk))
    socket.on('timeout', () => this.#idle())
    socket.on('error', (err: NodeJS.ErrnoException) => {
      host.logger.debug({ peer: peer.remoteAddress, conn: peer.id, err: err.message, errno: err.code }, 'lumberjack connection error')
    })
    socket.on('close', () => this.#onClose())
    this.#updateFlow()
  }

  /** Batches decoded and not yet acknowledged (including the one in onBatch). */
  get pending(): number {
    return this.#queue.length
  }

  get closed(): boolean {
    return this.#closed
  }

  status(): PeerStatus {
    const p = this.peer
    return {
      id: p.id,
      address: p.remotePort === undefined ? p.remoteAddress : p.remoteAddress.includes(':') ? `[${p.remoteAddress}]:${p.remotePort}` : `${p.remoteAddress}:${p.remotePort}`,
      tls_subject: p.tlsSubject ?? null,
      agent: p.agent ?? null,
      connected_at: this.connectedAt,
      events: this.events,
      windows_acked: this.windowsAcked,
      last_ack_at: this.lastAckAt,
      windows_in_flight: this.#queue.length,
    }
  }

  /** Re-evaluates pause/resume (server-wide pause changed). */
  updateFlow(): void {
    this.#updateFlow()
  }

  /** Stop reading; end the connection once every queued batch has been acknowledged. */
  shutdown(): void {
    this.#closing = true
    this.#updateFlow()
    if (this.#queue.length === 0) this.#end()
  }

  destroy(): void {
    this.#socket.destroy()
  }

  #data(chunk: Buffer): void {
    const counters = this.#host.counters
    counters.bytesRead.inc(chunk.length)
    let batches: DecodedBatch[]
    try {
      batches = this.#decoder.push(chunk)
    } catch (err) {
      this.#fail(err)
      return
    }
    this.#checkIncomplete()
    if (batches.length === 0) return
    for (const batch of batches) {
      counters.batches.inc()
      counters.events.inc(batch.events.length)
      this.events += batch.events.length
      counters.payloadBytes.inc(batch.bytes)
      this.#reserved += batch.bytes
      this.#host.reserve(batch.bytes)
      this.#queue.push(batch)
    }
    this.#updateFlow()
    this.#pump()
  }

  #pump(): void {
    while (!this.#inHandler && !this.#closed && this.#queue.length > 0) {
      const batch = this.#queue[0]!
      if (batch.events.length === 0) {
        // W 0: no events to hand over; answer A 0 in order (Logstash ≥ 6.7).
        this.#queue.shift()
        this.#write(ackFrame(0, batch.version === 1 ? Version.v1 : Version.v2))
        this.#host.counters.acks.inc()
        continue
      }
      this.#inHandler = true
      this.#armKeepalive()
      let pending: Promise<void>
      try {
        pending = this.#host.onBatch(batch, this.peer)
      } catch (err) {
        pending = Promise.reject(err)
      }
      pending.then(this.#onAcked, this.#onRejected)
    }
    // empty windows answered above leave the queue shorter than when the read paused it
    this.#updateFlow()
    if (this.#closing && this.#queue.length === 0 && !this.#inHandler) this.#end()
  }

  #acked(): void {
    this.#inHandler = false
    const batch = this.#queue.shift()
    if (batch) this.#giveBack(batch.bytes)
    if (batch && !this.#closed) {
      this.#write(ackFrame(batch.highestSeq, batch.version === 1 ? Version.v1 : Version.v2))
      this.#host.counters.acks.inc()
      this.windowsAcked++
      this.lastAckAt = Date.now()
    }
    this.#updateFlow() // disarms the keep-alive when nothing is awaited any more
    this.#pump()
  }

  #rejected(err: unknown): void {
    this.#inHandler = false
    this.#host.counters.batchesRejected.inc()
    if (this.#closed) return
    this.#host.logger.warn(
      { peer: this.peer.remoteAddress, conn: this.peer.id, err: err instanceof Error ? err.message : String(err), code: codeOf(err, 'LY_IO') },
      'batch not accepted downstream; closing the connection without ACK so the sender retries',
    )
    this.#queue.length = 0
    this.#giveBack(this.#reserved)
    this.#socket.destroy()
  }

  #giveBack(bytes: number): void {
    if (bytes === 0) return
    this.#reserved -= bytes
    this.#host.release(bytes)
  }

  #write(frame: Buffer): void {
    if (this.#closed || this.#socket.destroyed) return
    if (!this.#socket.write(frame) && this.#writeStall === undefined) this.#stalled()
    if (this.#keepalive) this.#keepalive.refresh()
  }

  /**
   * The peer does not read what we write (a client that never reads its ACKs
   * grew the server by ~6 MiB/s): stop reading from it — no new windows, so
   * no new ACKs — until the buffered bytes drain, and close it if they do
   * not within idle_timeout (60 s by default).
   */
  #stalled(): void {
    this.#host.counters.writeStalls.inc()
    const deadline = this.#host.idleTimeout > 0 ? this.#host.idleTimeout : 60_000
    this.#writeStall = setTimeout(() => {
      this.#host.counters.writeStallClosed.inc()
      this.#fail(new LimitError(`peer did not read its ACKs for ${deadline / 1000} s (${this.#socket.writableLength} bytes buffered)`))
    }, deadline)
    this.#socket.once('drain', this.#onDrain)
    this.#updateFlow()
  }

  #drained(): void {
    clearTimeout(this.#writeStall)
    this.#writeStall = undefined
    this.#updateFlow()
  }

  #armKeepalive(): void {
    if (this.#host.keepaliveInterval <= 0) return
    if (this.#keepalive) this.#keepalive.refresh()
    else this.#keepalive = setTimeout(this.#onKeepalive, this.#host.keepaliveInterval)
  }

  #disarmKeepalive(): void {
    if (this.#keepalive) {
      clearTimeout(this.#keepalive)
      this.#keepalive = undefined
    }
  }

  /**
   * A batch is (or may be) waiting on this connection: queued, in the
   * handler, or — while the whole server is paused — possibly unread in the
   * kernel buffer, where we cannot see it. Keep-alives then keep the sender
   * from timing out and reconnecting in a loop during a long outage; a stray
   * A 0 is harmless to a writer (Beats and go-lumber read it as keep-alive).
   */
  #awaiting(): boolean {
    return this.#queue.length > 0 || this.#inHandler || (this.#host.isPaused() && !this.#closing)
  }

  #sendKeepalive(): void {
    this.#keepalive = undefined
    if (this.#closed || !this.#awaiting()) return
    if (this.#writeStall !== undefined) {
      this.#armKeepalive() // nothing more to a peer that reads nothing
      return
    }
    this.#host.counters.keepalives.inc()
    this.#write(keepaliveFrame)
    this.#armKeepalive()
  }

  #updateFlow(): void {
    if (this.#closed) return
    const pause = this.#closing || this.#host.isPaused() || this.#queue.length >= this.#host.maxPending || this.#writeStall !== undefined
    if (pause && !this.#paused) {
      this.#paused = true
      this.#socket.pause()
      this.#clearFrameTimer() // our pause, not the sender's slowness
    } else if (!pause && this.#paused) {
      this.#paused = false
      this.#socket.resume()
      this.#checkIncomplete()
    }
    if (this.#awaiting()) {
      if (!this.#keepalive) this.#armKeepalive()
    } else this.#disarmKeepalive()
  }

  #checkIncomplete(): void {
    const limit = this.#host.frameTimeout ?? 0
    if (limit <= 0 || this.#closed) return
    const incomplete = this.#decoder.buffered > 0 || this.#decoder.inWindow
    if (!incomplete) this.#clearFrameTimer()
    else if (this.#frameTimer === undefined && !this.#paused) {
      this.#frameTimer = setTimeout(() => {
        this.#frameTimer = undefined
        this.#fail(new LimitError(`frame or window not completed within frame_timeout (${limit / 1000} s; ${this.#decoder.buffered} bytes of it received)`))
      }, limit)
    }
  }

  #clearFrameTimer(): void {
    if (this.#frameTimer !== undefined) {
      clearTimeout(this.#frameTimer)
      this.#frameTimer = undefined
    }
  }

  #idle(): void {
    // Keep-alives count as writes, so a connection with a batch pending does
    // not reach here; close only really idle connections (Logstash: 60 s).
    if (this.#awaiting()) return
    this.#host.counters.idleClosed.inc()
    this.#host.logger.debug({ peer: this.peer.remoteAddress, conn: this.peer.id }, 'closing idle lumberjack connection')
    this.#socket.destroy()
  }

  #fail(err: unknown): void {
    const e = LogyardError.is(err) ? err : new ProtocolError(`decoder failed: ${(err as Error)?.message ?? String(err)}`, { cause: err })
    this.#reason = e
    if (e.code === 'LY_LIMIT') this.#host.counters.limitErrors.inc()
    else this.#host.counters.protocolErrors.inc()
    // rate-limited per sender and reason: one address repeating an error cannot flood the log
    this.#host.limitedWarn(`close:${e.code}:${this.peer.remoteAddress}:${e.message.replace(/\d+/g, 'N').slice(0, 80)}`, { peer: this.peer.remoteAddress, conn: this.peer.id, code: e.code, offset: e.offset, reason: e.message }, 'closing lumberjack connection: ' + e.message)
    this.#queue.length = 0
    this.#giveBack(this.#reserved)
    this.#socket.destroy()
  }

  #end(): void {
    if (this.#closed) return
    const socket = this.#socket
    socket.end()
    // Do not wait for the peer's FIN: once our last ACK is flushed, we're done.
    if (socket.writableFinished) socket.destroy()
    else socket.once('finish', () => socket.destroy())
  }

  #onClose(): void {
    if (this.#closed) return
    this.#closed = true
    this.#clearFrameTimer()
    this.#queue.length = 0
    this.#giveBack(this.#reserved)
    this.#disarmKeepalive()
    clearTimeout(this.#writeStall)
    this.#host.connectionClosed(this, this.#reason)
  }
}
