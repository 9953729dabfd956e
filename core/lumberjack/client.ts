import { EventEmitter } from 'node:events'
import type { ConnectionOptions } from 'node:tls'
import type { Infer, Spec } from '../config/schema.ts'
import { connectAddressCheck, parseConnectAddress } from '../net/address.ts'
import { ClosedError, ConfigError } from '../errors.ts'
import type { Logger } from '../logger.ts'
import { Counter, type MetricsRegistry } from '../metrics.ts'
import { ClientConnection, ConnState, type ClientCounters, type ConnectionOwner, type Endpoint } from './client-connection.ts'
import { PendingWindow, type SendGroup } from './client-window.ts'
import { encodedWindowFrames, jsonFramePayloads, type EncodedWindow } from './frame-encoder.ts'
import { readPem, readPemList } from './pem.ts'

// Lumberjack v2 writer (the forwarder's `output`). send() takes one batch of
// already-encoded JSON payloads (see beats-json.ts), cuts it into windows of
// batch_size, and resolves once every event is acknowledged, across any number
// of reconnects and failovers. Delivery is at-least-once: a lost connection
// resends what was not acknowledged. Hosts are either all used at once
// (loadbalance: one connection per host pulling from one queue) or one at a
// time (failover: random start, next host after a failure).
// Events: 'drain' (busy went false after a caller saw it true).

const verificationModes = ['full', 'certificate', 'none'] as const

const DEFAULT_PORT = 5044

export const lumberjackClientSpec = {
  type: 'object',
  doc: 'Lumberjack v2 output (to logyard-aggregator or a Logstash beats input)',
  fields: {
    hosts: {
      type: 'list',
      coerce: true,
      minItems: 1,
      required: true,
      of: { type: 'string', nonEmpty: true, doc: 'host:port', check: connectAddressCheck(DEFAULT_PORT) },
      doc: `receivers as host:port (port defaults to ${DEFAULT_PORT})`,
    },
    loadbalance: { type: 'bool', default: false, doc: 'send to every host at once; false = one host at a time with failover' },
    tls: {
      type: 'object',
      optional: true,
      doc: 'use TLS; absent means plain TCP',
      check: (v: { cert?: string; key?: string }) => ((v.cert === undefined) !== (v.key === undefined) ? 'cert and key go together' : undefined),
      fields: {
        ca: { type: 'list', coerce: true, of: { type: 'string', nonEmpty: true, doc: 'CA certificate' }, doc: 'CA certificates (PEM paths or inline PEM) to trust; default: system CAs' },
        cert: { type: 'string', nonEmpty: true, doc: 'client certificate for mutual TLS' },
        key: { type: 'string', nonEmpty: true, doc: 'client private key for mutual TLS' },
        verification_mode: { type: 'enum', values: verificationModes, default: 'full', doc: 'full (chain + hostname) | certificate (chain only) | none' },
        server_name: { type: 'string', nonEmpty: true, doc: 'name to verify and send as SNI instead of the host' },
      },
    },
    compression_level: { type: 'int', min: 0, max: 9, default: 3, doc: 'zlib level of the C frame; 0 sends raw J frames' },
    batch_size: { type: 'int', min: 1, max: 2 ** 31 - 1, default: 2048, doc: 'most events per window (W)' },
    timeout: { type: 'duration', min: 10, default: 30_000, doc: 'connect deadline, and longest wait for any ACK byte while windows are in flight' },
    stall_timeout: { type: 'duration', min: 10, default: 300_000, doc: 'reconnect (and fail over) when ACKs make no progress for this long, keep-alives notwithstanding' },
    pipelining: { type: 'int', min: 1, max: 64, default: 2, doc: 'windows in flight per connection' },
    backoff: {
      type: 'object',
      doc: 'reconnect delays (capped exponential, full jitter)',
      check: (v: { init: number; max: number }) => (v.max < v.init ? 'max must be ≥ init' : undefined),
      fields: {
        init: { type: 'duration', min: 1, default: 1_000, doc: 'first reconnect delay ceiling' },
        max: { type: 'duration', min: 1, default: 60_000, doc: 'largest reconnect delay' },
      },
    },
    max_event_bytes: { type: 'size', min: 64, default: 10 * 1024 * 1024, doc: 'events larger than this are dropped (logged, counted) instead of poisoning the window forever' },
  },
} as const satisfies Spec

/** The validated `output` options (the type of validate(lumberjackClientSpec, …)). */
export type ClientOptions = Infer<typeof lumberjackClientSpec>
/** `tls` of ClientOptions: `ca` absent → Node's default CAs; `server_name` is verified and sent as SNI instead of the host. */
type ClientTlsOptions = NonNullable<ClientOptions['tls']>

/** "host:port", "host" (port 5044), "[v6]:port" → endpoint (core/net/address.ts). */
export function parseEndpoint(text: string): Endpoint {
  return { ...parseConnectAddress(text, DEFAULT_PORT), name: text.trim() }
}

export interface LumberjackClientInit extends Partial<Omit<ClientOptions, 'hosts'>> {
  hosts: readonly string[]
  logger: Logger
  metrics?: MetricsRegistry
  metricLabels?: Record<string, string>
  /** Random source for the failover start host and backoff jitter (tests pin it). */
  random?: () => number
}

const counterHelp: Record<keyof ClientCounters, [string, string]> = {
  connects: ['lumberjack_client_connects_total', 'Connections established to receivers'],
  connectFailures: ['lumberjack_client_connect_failures_total', 'Connection attempts that failed'],
  windowsSent: ['lumberjack_client_windows_sent_total', 'Windows written (including resends)'],
  windowsAcked: ['lumberjack_client_windows_acked_total', 'Windows fully acknowledged'],
  eventsAcked: ['lumberjack_client_events_acked_total', 'Events acknowledged'],
  bytesWritten: ['lumberjack_client_written_bytes_total', 'Frame bytes written (before TLS)'],
  keepalivesReceived: ['lumberjack_client_keepalives_total', 'Keep-alive ACKs (A 0 or repeated seq) received'],
  timeouts: ['lumberjack_client_timeouts_total', 'Connections dropped for no ACK within timeout'],
  stalls: ['lumberjack_client_stalls_total', 'Connections dropped for no progress within stall_timeout'],
  protocolErrors: ['lumberjack_client_protocol_errors_total', 'Connections dropped for a bad ACK'],
  resentEvents: ['lumberjack_client_resent_events_total', 'Events sent again after a connection loss'],
  droppedOversize: ['lumberjack_client_dropped_oversize_total', 'Events dropped for exceeding max_event_bytes'],
}

function tlsOptions(t: ClientTlsOptions | undefined): ConnectionOptions | undefined {
  if (!t) return undefined
  const ca = readPemList(t.ca, 'output.tls.ca')
  const o: ConnectionOptions = { rejectUnauthorized: t.verification_mode !== 'none' }
  if (ca) o.ca = ca
  if (t.cert !== undefined && t.key !== undefined) {
    o.cert = readPem(t.cert, 'output.tls.cert')
    o.key = readPem(t.key, 'output.tls.key')
  }
  if (t.verification_mode === 'certificate') o.checkServerIdentity = () => undefined
  if (t.server_name !== undefined) o.servername = t.server_name
  return o
}

// Windows beyond the pipelining bound that the client takes and compresses
// ahead (in libuv's pool) while the ones in flight wait for their ACKs. Without
// it a freed slot waits for a whole deflate before anything is written: at full
// speed the forwarder's reads then stalled on every ACK (measured: steady rate
// 43–57 → see bench/README.md).
const COMPRESS_AHEAD = 1

export class LumberjackClient extends EventEmitter {
  readonly #o: ClientOptions
  readonly #endpoints: Endpoint[]
  readonly #conns: ClientConnection[] = []
  readonly #queue: PendingWindow[] = []
  readonly #owner: ConnectionOwner
  readonly #counters: ClientCounters
  readonly #logger: Logger
  #closed = false
  /** Past close()'s deadline: no more connecting or sending. */
  #shutdown = false
  #needDrain = false
  #idleWaiters: (() => void)[] = []

  constructor(init: LumberjackClientInit) {
    super()
    if (init.hosts.length === 0) throw new ConfigError('output.hosts', 'needs at least one host')
    const o: ClientOptions = {
      hosts: init.hosts,
      loadbalance: init.loadbalance ?? false,
      compression_level: init.compression_level ?? 3,
      batch_size: init.batch_size ?? 2048,
      timeout: init.timeout ?? 30_000,
      stall_timeout: init.stall_timeout ?? 300_000,
      pipelining: Math.max(1, init.pipelining ?? 2),
      backoff: init.backoff ?? { init: 1_000, max: 60_000 },
      max_event_bytes: init.max_event_bytes ?? 10 * 1024 * 1024,
      ...(init.tls ? { tls: init.tls } : {}),
    }
    this.#o = o
    this.#logger = init.logger
    this.#endpoints = o.hosts.map(parseEndpoint)
    const counters = {} as Record<keyof ClientCounters, Counter>
    for (const key of Object.keys(counterHelp) as (keyof ClientCounters)[]) {
      const [name, doc] = counterHelp[key]
      counters[key] = init.metrics ? init.metrics.counter(name, doc, init.metricLabels) : new Counter()
    }
    this.#counters = counters
    init.metrics?.observe('lumberjack_client_inflight_windows', 'Windows sent and not yet acknowledged', 'gauge', () => this.inflight, init.metricLabels)
    init.metrics?.observe('lumberjack_client_queued_windows', 'Windows waiting for a connection', 'gauge', () => this.#queue.length, init.metricLabels)

    const self = this
    const random = init.random ?? Math.random
    let failoverIndex = Math.min(this.#endpoints.length - 1, Math.floor(random() * this.#endpoints.length))
    this.#owner = {
      logger: init.logger,
      counters,
      level: o.compression_level,
      pipelining: o.pipelining,
      timeout: o.timeout,
      stallTimeout: o.stall_timeout,
      tls: tlsOptions(o.tls),
      take: () => self.#queue.shift(),
      giveBack: (windows) => {
        self.#queue.unshift(...windows)
        self.#dispatch()
      },
      windowDone: (w) => self.#windowDone(w),
      nextEndpoint: (current, failed) => {
        if (o.loadbalance) return current!
        if (current === undefined || failed) {
          if (current !== undefined) failoverIndex = (failoverIndex + 1) % self.#endpoints.length
          return self.#endpoints[failoverIndex]!
        }
        return current
      },
      stateChanged: () => self.#dispatch(),
    }
    const backoff = { ...o.backoff, random }
    if (o.loadbalance) for (const ep of this.#endpoints) this.#conns.push(new ClientConnection(this.#owner, ep, backoff))
    else this.#conns.push(new ClientConnection(this.#owner, undefined, backoff))
  }

  /** Each connection's target, state and windows in flight (the forwarder's status). */
  connections(): { endpoint: string | null; state: string; windows_in_flight: number }[] {
    return this.#conns.map((c) => ({ endpoint: c.endpoint?.name ?? null, state: c.state, windows_in_flight: c.inflight }))
  }

  get counters(): Readonly<ClientCounters> {
    return this.#counters
  }

  /** Windows written and not yet acknowledged, over all connections. */
  get inflight(): number {
    let n = 0
    for (const c of this.#conns) n += c.inflight
    return n
  }

  /** Windows not yet acknowledged (queued + in flight). */
  get pending(): number {
    return this.#queue.length + this.inflight
  }

  /**
   * True while pending windows fill every connection's pipelining bound plus
   * the COMPRESS_AHEAD windows that wait compressed; wait for 'drain'.
   */
  get busy(): boolean {
    const busy = this.pending >= this.#bound
    if (busy) this.#needDrain = true
    return busy
  }

  get #bound(): number {
    return this.#o.pipelining * this.#conns.length + COMPRESS_AHEAD
  }

  /** Ships one batch; resolves when every event is acknowledged. Rejects only with ClosedError after close(). */
  send(payloads: readonly (string | Buffer)[]): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('lumberjack client is closed'))
    let list = payloads
    const max = this.#o.max_event_bytes
    for (let i = 0; i < payloads.length; i++) {
      const p = payloads[i]!
      const size = typeof p === 'string' ? (p.length * 3 > max ? Buffer.byteLength(p) : p.length) : p.length
      if (size > max) {
        list = payloads.filter((q) => (typeof q === 'string' ? Buffer.byteLength(q) : q.length) <= max)
        const dropped = payloads.length - list.length
        this.#counters.droppedOversize.inc(dropped)
        this.#logger.warn({ code: 'LY_LIMIT', dropped, max_event_bytes: max }, `dropped ${dropped} event(s) larger than max_event_bytes`)
        break
      }
    }
    if (list.length === 0) return Promise.resolve()
    return new Promise<void>((resolve, reject) => {
      const size = this.#o.batch_size
      const group: SendGroup = { remaining: Math.ceil(list.length / size), resolve, reject }
      if (list.length <= size) this.#queue.push(new PendingWindow(list, group))
      else for (let i = 0; i < list.length; i += size) this.#queue.push(new PendingWindow(list.slice(i, i + size), group))
      this.#dispatch()
    })
  }

  /**
   * send() for a window already in wire form (EncodedWindow: the forwarder
   * compresses as it batches): sent as it is. Its buffers must stay unchanged
   * until the promise settles. A window larger than batch_size, or with an
   * event over max_event_bytes, is taken apart and takes send()'s path.
   */
  sendEncoded(window: EncodedWindow): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('lumberjack client is closed'))
    if (window.count === 0) return Promise.resolve()
    if (window.count > this.#o.batch_size || window.maxEventBytes > this.#o.max_event_bytes) return this.send(jsonFramePayloads(encodedWindowFrames(window)))
    return new Promise<void>((resolve, reject) => {
      this.#queue.push(new PendingWindow(window, { remaining: 1, resolve, reject }))
      this.#dispatch()
    })
  }

  /** Stop taking sends; wait up to the deadline for pending windows to be acknowledged; then reject the rest with ClosedError. */
  async close(deadlineMs = 10_000): Promise<void> {
    this.#closed = true
    if (this.pending > 0) {
      let timer: NodeJS.Timeout | undefined
      await Promise.race([
        new Promise<void>((resolve) => this.#idleWaiters.push(resolve)),
        new Promise<void>((resolve) => {
          timer = setTimeout(resolve, deadlineMs)
        }),
      ])
      clearTimeout(timer)
    }
    this.#shutdown = true
    for (const c of this.#conns) c.close()
    const rest = this.#queue.splice(0)
    const err = new ClosedError('lumberjack client closed before these events were acknowledged')
    const groups = new Set(rest.map((w) => w.group))
    for (const g of groups) g.reject(err)
    this.#idleWaiters = []
  }

  #dispatch(): void {
    if (this.#shutdown || this.#queue.length === 0) return
    for (const c of this.#conns) {
      if (c.state === ConnState.idle || c.state === ConnState.ready) c.kick()
      if (this.#queue.length === 0) break
    }
    // Windows still queued start compressing now, so that when an ACK frees a
    // slot the next window goes out at once instead of after its deflate.
    const ahead = Math.min(COMPRESS_AHEAD, this.#queue.length)
    for (let i = 0; i < ahead; i++) this.#queue[i]!.precompress(this.#o.compression_level)
  }

  #windowDone(w: PendingWindow): void {
    w.release()
    const g = w.group
    if (--g.remaining === 0) g.resolve()
    if (this.#needDrain && this.pending < this.#bound) {
      this.#needDrain = false
      queueMicrotask(() => this.emit('drain'))
    }
    if (this.pending === 0 && this.#idleWaiters.length > 0) {
      for (const fn of this.#idleWaiters.splice(0)) fn()
    }
  }
}
