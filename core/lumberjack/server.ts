import { EventEmitter } from 'node:events'
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net'
import type { PeerCertificate, TLSSocket } from 'node:tls'
import type { Infer, Spec } from '../config/schema.ts'
import { TlsError, type ErrorCode, type LogyardError } from '../errors.ts'
import { checkListenAddress, parseListenAddress } from '../net/address.ts'
import type { Logger } from '../logger.ts'
import { tls } from '../tls-module.ts'
import type { MetricsRegistry } from '../metrics.ts'
import { defaultDecoderLimits, type DecodedBatch, type DecoderLimits } from './frame-decoder.ts'
import { readPem, readPemList } from './pem.ts'
import { ServerConnection, type ConnectionHost, type PeerInfo, type PeerStatus } from './server-connection.ts'
import { createServerCounters, type ServerCounters } from './server-counters.ts'

// Lumberjack v2 reader (the aggregator's `inputs.beats`): plain TCP or TLS
// with optional/required client certificates, a connection cap, handshake and
// idle timeouts, per-connection ordered batch handling with keep-alives, and
// server-wide pause/resume for pipeline backpressure. See server-connection.ts
// for the per-connection rules. Events: 'connection' (PeerInfo),
// 'connectionClosed' (PeerInfo, LogyardError | undefined).

const clientAuthModes = ['none', 'optional', 'required'] as const

export const lumberjackServerSpec = {
  type: 'object',
  doc: 'Lumberjack v2 (Beats protocol) listener',
  fields: {
    listen: { type: 'string', default: '0.0.0.0:5044', doc: 'host:port to listen on (Beats default port 5044)', check: checkListenAddress },
    tls: {
      type: 'object',
      optional: true,
      doc: 'serve TLS; absent means plain TCP',
      check: (v: { client_auth: string; client_ca?: readonly string[] }) => (v.client_auth !== 'none' && !v.client_ca?.length ? `client_auth ${v.client_auth} needs client_ca` : undefined),
      fields: {
        cert: { type: 'string', required: true, nonEmpty: true, doc: 'server certificate (PEM file path or inline PEM)' },
        key: { type: 'string', required: true, nonEmpty: true, doc: 'server private key (PEM file path or inline PEM)' },
        client_ca: { type: 'list', coerce: true, of: { type: 'string', nonEmpty: true, doc: 'CA certificate' }, doc: 'CA certificates that sign client certificates' },
        client_auth: { type: 'enum', values: clientAuthModes, default: 'none', doc: 'client certificates: none | optional (verified when presented) | required' },
        min_version: { type: 'enum', values: ['TLSv1.2', 'TLSv1.3'], default: 'TLSv1.2', doc: 'lowest TLS version accepted' },
      },
    },
    max_connections: { type: 'int', min: 1, default: 1000, doc: 'connections beyond this are closed at once' },
    handshake_timeout: { type: 'duration', min: 100, default: 10_000, doc: 'TLS handshake deadline' },
    idle_timeout: { type: 'duration', min: 0, default: 60_000, doc: 'close a connection with no traffic and no pending batch after this (0 = never)' },
    keepalive_interval: { type: 'duration', min: 10, default: 5_000, doc: 'send A 0 when nothing was written for this long while a batch waits' },
    max_window: { type: 'int', min: 10_000, max: 2 ** 31 - 1, default: defaultDecoderLimits.maxWindow, doc: 'largest window (events per batch) accepted' },
    max_frame_bytes: { type: 'size', min: 1024, default: defaultDecoderLimits.maxFrameBytes, doc: 'largest J/C/D frame accepted' },
    max_inflated_bytes: { type: 'size', min: 1024, default: defaultDecoderLimits.maxInflatedBytes, doc: 'largest output of inflating one compressed frame' },
    max_batch_bytes: { type: 'size', min: 1024, default: defaultDecoderLimits.maxBatchBytes, doc: 'largest sum of event bytes in one batch' },
    max_event_depth: { type: 'int', min: 2, max: 5000, default: defaultDecoderLimits.maxEventDepth, doc: 'deepest nesting of objects/arrays in one event; a deeper event is replaced by its top-level scalar fields, tagged _eventlimit' },
    max_connections_per_address: { type: 'int', min: 0, default: 0, doc: 'connections from one source address (0 = no limit); set it when forwarders connect directly, leave 0 behind a load balancer that hides their addresses' },
    frame_timeout: { type: 'duration', min: 1000, default: '30s', doc: 'a frame or window begun must be complete within this long while the connection is being read (slow senders); longer closes it' },
    max_decoded_bytes: { type: 'size', min: 1024 * 1024, default: '128mb', doc: 'process-wide: payload bytes of decoded batches waiting or in the pipeline, over all connections; at this bound no connection is read until it falls to 3/4' },
    max_event_entries: { type: 'int', min: 10, default: defaultDecoderLimits.maxEventEntries, doc: 'most keys and array elements in one event; a wider event is replaced by its top-level scalar fields, tagged _eventlimit' },
    max_pending_batches: { type: 'int', min: 1, max: 64, default: 2, doc: 'decoded batches waiting per connection before its socket is paused' },
  },
} as const satisfies Spec

/** The validated listener options (the type of validate(lumberjackServerSpec, …)). */
export type ServerOptions = Infer<typeof lumberjackServerSpec>

export interface LumberjackServerInit extends Partial<ServerOptions> {
  logger: Logger
  metrics?: MetricsRegistry
  /** Extra labels on every metric series (e.g. { input: 'beats' }). */
  metricLabels?: Record<string, string>
  onBatch: (batch: DecodedBatch, peer: PeerInfo) => Promise<void>
}

function subjectText(cert: PeerCertificate): string | undefined {
  const s = cert.subject as unknown as Record<string, string | string[]> | undefined
  if (!s) return undefined
  return Object.entries(s)
    .map(([k, v]) => `${k}=${Array.isArray(v) ? v.join('+') : v}`)
    .join(',')
}

export class LumberjackServer extends EventEmitter {
  readonly #options: ServerOptions
  readonly #host: ConnectionHost
  readonly #counters: ServerCounters
  readonly #logger: Logger
  readonly #server: NetServer
  readonly #tls: boolean
  readonly #connections = new Set<ServerConnection>()
  readonly #rawSockets = new Set<Socket>()
  #nextId = 1
  #paused = false
  #decoded = 0
  readonly #byAddress = new Map<string, number>()
  readonly #peerAddress = new WeakMap<Socket, string>()
  readonly #lastWarn = new Map<string, number>()
  #overBudget = false
  #lastBudgetLog = 0
  #closing: Promise<void> | undefined

  constructor(init: LumberjackServerInit) {
    super()
    const o: ServerOptions = {
      listen: init.listen ?? '127.0.0.1:0',
      max_connections: init.max_connections ?? 1000,
      handshake_timeout: init.handshake_timeout ?? 10_000,
      idle_timeout: init.idle_timeout ?? 60_000,
      keepalive_interval: init.keepalive_interval ?? 5_000,
      max_window: init.max_window ?? defaultDecoderLimits.maxWindow,
      max_frame_bytes: init.max_frame_bytes ?? defaultDecoderLimits.maxFrameBytes,
      max_inflated_bytes: init.max_inflated_bytes ?? defaultDecoderLimits.maxInflatedBytes,
      max_batch_bytes: init.max_batch_bytes ?? defaultDecoderLimits.maxBatchBytes,
      max_event_depth: init.max_event_depth ?? defaultDecoderLimits.maxEventDepth,
      max_event_entries: init.max_event_entries ?? defaultDecoderLimits.maxEventEntries,
      max_decoded_bytes: init.max_decoded_bytes ?? 128 * 1024 * 1024,
      max_connections_per_address: init.max_connections_per_address ?? 0,
      frame_timeout: init.frame_timeout ?? 30_000,
      max_pending_batches: init.max_pending_batches ?? 2,
      ...(init.tls ? { tls: init.tls } : {}),
    }
    this.#options = o
    this.#logger = init.logger
    this.#counters = createServerCounters(init.metrics, init.metricLabels)
    init.metrics?.observe('lumberjack_connections', 'Open Lumberjack connections', 'gauge', () => this.#connections.size, init.metricLabels)
    init.metrics?.observe('lumberjack_decoded_bytes', 'Payload bytes of decoded batches held (queued or in the pipeline), all connections', 'gauge', () => this.#decoded, init.metricLabels)
    const self = this
    this.#host = {
      logger: init.logger,
      counters: this.#counters,
      onBatch: init.onBatch,
      limits: { maxFrameBytes: o.max_frame_bytes, maxInflatedBytes: o.max_inflated_bytes, maxWindow: o.max_window, maxBatchBytes: o.max_batch_bytes, maxEventDepth: o.max_event_depth, maxEventEntries: o.max_event_entries } satisfies DecoderLimits,
      keepaliveInterval: o.keepalive_interval,
      idleTimeout: o.idle_timeout,
      frameTimeout: o.frame_timeout,
      maxPending: o.max_pending_batches,
      isPaused: () => self.#paused || self.#overBudget,
      reserve: (n) => self.#reserve(n),
      limitedWarn: (kind, fields, msg) => self.#limitedWarn(kind, fields, msg),
      release: (n) => self.#release(n),
      connectionClosed: (c, reason) => self.#closed(c, reason),
    }

    if (o.tls) {
      const t = o.tls
      const ca = readPemList(t.client_ca, 'tls.client_ca')
      this.#tls = true
      this.#server = tls.createServer({
        cert: readPem(t.cert, 'tls.cert'),
        key: readPem(t.key, 'tls.key'),
        ...(ca ? { ca } : {}),
        requestCert: t.client_auth !== 'none',
        // verified in #secure, so a refusal is logged with the peer and the reason (unknown CA, expired, none)
        rejectUnauthorized: false,
        handshakeTimeout: o.handshake_timeout,
        minVersion: t.min_version,
      })
      this.#server.on('secureConnection', (socket: TLSSocket) => this.#secure(socket))
      this.#server.on('tlsClientError', (err: NodeJS.ErrnoException, socket: TLSSocket) => {
        this.#counters.tlsErrors.inc()
        const e = new TlsError(`TLS handshake failed: ${err.message}`, { cause: err })
        this.#limitedWarn('tls', { peer: this.#peerAddress.get(socket) ?? socket.remoteAddress, code: e.code, reason: err.message, errno: err.code }, e.message)
        socket.destroy()
      })
    } else {
      this.#tls = false
      this.#server = createNetServer()
    }
    // Count and cap on the raw TCP connection, before any TLS work.
    this.#server.on('connection', (socket: Socket) => this.#raw(socket))
    this.#server.on('error', (err) => this.#logger.error({ code: 'LY_CONNECTION', err: err.message }, 'lumberjack listener error'))
  }

  /** The open connections, the `limit` with the most events first (status page). */
  peers(limit: number): PeerStatus[] {
    const out: PeerStatus[] = []
    for (const c of this.#connections) out.push(c.status())
    out.sort((a, b) => b.events - a.events)
    return out.length > limit ? out.slice(0, limit) : out
  }

  /** Open connections (after the TLS handshake). */
  get connections(): number {
    return this.#connections.size
  }

  get counters(): Readonly<ServerCounters> {
    return this.#counters
  }

  listen(): Promise<{ host: string; port: number }> {
    const { host, port } = parseListenAddress(this.#options.listen)
    return new Promise((resolve, reject) => {
      const onError = (err: Error): void => reject(err)
      this.#server.once('error', onError)
      this.#server.listen({ host, port }, () => {
        this.#server.off('error', onError)
        const a = this.#server.address()
        const bound = typeof a === 'object' && a ? { host: a.address, port: a.port } : { host, port }
        this.#logger.info({ ...bound, tls: this.#tls, client_auth: this.#options.tls?.client_auth }, 'lumberjack listening')
        resolve(bound)
      })
    })
  }

  /** A warning an attacker could repeat at will: at most one per kind every 10 s (the counters have the totals). */
  #limitedWarn(kind: string, fields: { code: ErrorCode; [k: string]: unknown }, msg: string): void {
    const now = Date.now()
    if (now - (this.#lastWarn.get(kind) ?? 0) < 10_000) return
    if (this.#lastWarn.size >= 10_000) this.#lastWarn.clear()
    this.#lastWarn.set(kind, now)
    this.#logger.warn(fields, `${msg} (logged at most every 10s; see /metrics)`)
  }

  /** Decoded payload bytes held by all connections (queued or in the handler). */
  get decodedBytes(): number {
    return this.#decoded
  }

  #reserve(n: number): void {
    this.#decoded += n
    if (this.#overBudget || this.#decoded < this.#options.max_decoded_bytes) return
    this.#overBudget = true
    this.#counters.budgetPauses.inc()
    const now = Date.now()
    if (now - this.#lastBudgetLog >= 10_000) {
      this.#lastBudgetLog = now
      this.#logger.warn({ code: 'LY_LIMIT', decoded_bytes: this.#decoded, max_decoded_bytes: this.#options.max_decoded_bytes, connections: this.#connections.size }, 'decoded batches reached max_decoded_bytes: no connection is read until they drain (logged at most every 10s)')
    }
    for (const c of this.#connections) c.updateFlow()
  }

  #release(n: number): void {
    this.#decoded -= n
    if (!this.#overBudget || this.#decoded > this.#options.max_decoded_bytes * 0.75) return
    this.#overBudget = false
    for (const c of this.#connections) c.updateFlow()
  }

  /** Stop reading every socket (pipeline backpressure). */
  pauseAll(): void {
    if (this.#paused) return
    this.#paused = true
    for (const c of this.#connections) c.updateFlow()
  }

  resumeAll(): void {
    if (!this.#paused) return
    this.#paused = false
    for (const c of this.#connections) c.updateFlow()
  }

  /** Stop accepting; let batches already decoded finish and be ACKed until the deadline; then destroy what is left. */
  close(deadlineMs = 10_000): Promise<void> {
    this.#closing ??= this.#close(deadlineMs)
    return this.#closing
  }

  async #close(deadlineMs: number): Promise<void> {
    const listening = new Promise<void>((resolve) => this.#server.close(() => resolve()))
    for (const c of this.#connections) c.shutdown()
    const drained = new Promise<void>((resolve) => {
      if (this.#connections.size === 0) return resolve()
      const check = (): void => {
        if (this.#connections.size === 0) {
          this.off('connectionClosed', check)
          resolve()
        }
      }
      this.on('connectionClosed', check)
    })
    let timer: NodeJS.Timeout | undefined
    const deadline = new Promise<void>((resolve) => {
      timer = setTimeout(resolve, deadlineMs)
    })
    await Promise.race([drained, deadline])
    clearTimeout(timer)
    for (const c of this.#connections) c.destroy()
    for (const s of this.#rawSockets) s.destroy()
    await listening
    this.#logger.info({ counters: Object.fromEntries(Object.entries(this.#counters).map(([k, v]) => [k, v.value])) }, 'lumberjack listener closed')
  }

  #raw(socket: Socket): void {
    const address = socket.remoteAddress ?? 'unknown'
    const perAddress = this.#options.max_connections_per_address
    const fromAddress = this.#byAddress.get(address) ?? 0
    if (this.#closing || this.#rawSockets.size >= this.#options.max_connections || (perAddress > 0 && fromAddress >= perAddress)) {
      const reason = this.#closing ? 'closing' : this.#rawSockets.size >= this.#options.max_connections ? 'max_connections' : 'max_connections_per_address'
      this.#counters.connectionsRejected.inc()
      this.#limitedWarn('refused', { code: 'LY_LIMIT', peer: address, reason, max_connections: this.#options.max_connections, max_connections_per_address: perAddress }, `lumberjack connection refused: ${reason}`)
      socket.destroy()
      return
    }
    this.#rawSockets.add(socket)
    this.#byAddress.set(address, fromAddress + 1)
    this.#peerAddress.set(socket, address)
    socket.once('close', () => {
      this.#rawSockets.delete(socket)
      const n = (this.#byAddress.get(address) ?? 1) - 1
      if (n <= 0) this.#byAddress.delete(address)
      else this.#byAddress.set(address, n)
    })
    if (!this.#tls) this.#accept(socket, undefined)
  }

  #secure(socket: TLSSocket): void {
    let subject: string | undefined
    if (this.#options.tls?.client_auth !== 'none') {
      const cert = socket.getPeerCertificate()
      const presented = cert && Object.keys(cert).length > 0
      const required = this.#options.tls?.client_auth === 'required'
      if ((presented && !socket.authorized) || (!presented && required)) {
        // a presented certificate must verify (optional and required); required: one must be presented
        this.#counters.tlsErrors.inc()
        const why = presented ? certReason(String(socket.authorizationError)) : 'no client certificate presented'
        const e = new TlsError(`client certificate rejected: ${why}`)
        const peer = this.#peerAddress.get(socket) ?? socket.remoteAddress
        this.#limitedWarn(`cert:${peer}:${why}`, { peer, code: e.code, reason: why, subject: presented ? subjectText(cert) : undefined }, e.message)
        socket.destroy()
        return
      }
      if (presented) subject = subjectText(cert)
    }
    this.#accept(socket, subject)
  }

  #accept(socket: Socket, tlsSubject: string | undefined): void {
    const peer: PeerInfo = { remoteAddress: socket.remoteAddress ?? '', id: this.#nextId++ }
    if (socket.remotePort !== undefined) peer.remotePort = socket.remotePort
    if (tlsSubject !== undefined) peer.tlsSubject = tlsSubject
    this.#counters.connections.inc()
    const conn = new ServerConnection(socket, peer, this.#host)
    this.#connections.add(conn)
    this.#logger.debug({ peer: peer.remoteAddress, conn: peer.id, tls_subject: tlsSubject }, 'lumberjack connection')
    this.emit('connection', peer)
    if (this.#closing) conn.shutdown()
  }

  #closed(conn: ServerConnection, reason: LogyardError | undefined): void {
    this.#connections.delete(conn)
    this.emit('connectionClosed', conn.peer, reason)
  }
}

/** OpenSSL's verify codes in words an operator searches for. */
function certReason(code: string): string {
  if (/UNABLE_TO_GET_ISSUER_CERT|UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|CERT_SIGNATURE_FAILURE|UNABLE_TO_GET_ISSUER/.test(code)) return `unknown CA (${code})`
  if (/CERT_HAS_EXPIRED/.test(code)) return `certificate expired (${code})`
  if (/CERT_NOT_YET_VALID/.test(code)) return `certificate not yet valid (${code})`
  return code
}
