import cluster from 'node:cluster'
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { Spec } from '../../core/config/schema.ts'
import { ClosedError, ConnectionError } from '../../core/errors.ts'
import type { LogEvent } from '../../core/event.ts'
import { checkListen, parseListen } from '../../core/http-server.ts'
import type { Logger } from '../../core/logger.ts'
import type { Counter, MetricsRegistry } from '../../core/metrics.ts'
import { AuthFile } from '../parse/collectd/auth-file.ts'
import {
  createDecoderContext,
  decodeCollectd,
  decodeErrorReasons,
  type DecodeErrorReason,
  type DecoderContext,
  eventFormats,
  type EventFormat,
  nanDropScopes,
  type NanDropScope,
  nanHandlings,
  type NanHandling,
  securityLevels,
  type SecurityLevel,
  securityReasons,
  type SecurityReason,
} from '../parse/collectd/decoder.ts'
import { defaultTypesDbPath, loadTypesDb } from '../parse/collectd/types-db.ts'

// inputs.collectd: collectd's binary protocol over UDP. UDP cannot be pushed
// back, so decoded events wait in a queue bounded in events and (estimated)
// bytes; what does not fit is dropped and counted
// (logyard_collectd_dropped_total{reason="queue_full"}). One deliver() call is
// in flight at a time; datagrams keep being decoded meanwhile.
//
// Cluster workers: with `reuse_port` (default) every worker binds its own
// SO_REUSEPORT socket and the kernel spreads senders over them by source
// address/port (one collectd daemon sticks to one worker; many daemons spread).
// With reuse_port off, or when listening on port 0, workers share the
// primary's socket handle (node:cluster's default for dgram).

export const dropReasons = ['queue_full', 'deliver_failed', 'shutdown'] as const
export type DropReason = (typeof dropReasons)[number]

export interface CollectdInputOptions {
  listen: string
  receive_buffer: number
  reuse_port: boolean
  types_db: readonly string[]
  security_level: SecurityLevel
  auth_file?: string | undefined
  event_format: EventFormat
  nan_handling: NanHandling
  nan_value: number
  nan_tag: string
  nan_drop_scope: NanDropScope
  prune_intervals: boolean
  queue_max_events: number
  queue_max_bytes: number
  batch_size: number
}

export const collectdInputSpec: Spec = {
  type: 'object',
  optional: true,
  doc: "collectd binary protocol over UDP (collectd's network plugin pointed at this address)",
  fields: {
    listen: {
      type: 'string',
      default: '0.0.0.0:25826',
      doc: "host:port to receive on; '[::]:25826' for IPv6 (dual stack)",
      check: checkListen,
    },
    receive_buffer: { type: 'size', default: '4mb', min: 65536, doc: 'socket receive buffer (SO_RCVBUF); the kernel caps it at net.core.rmem_max' },
    reuse_port: { type: 'bool', default: true, doc: 'each cluster worker binds its own SO_REUSEPORT socket (Linux); off: workers share one socket' },
    types_db: { type: 'list', of: { type: 'string', nonEmpty: true, doc: 'path' }, coerce: true, minItems: 1, default: [defaultTypesDbPath], doc: 'types.db files naming the data sources; later files win' },
    security_level: { type: 'enum', values: securityLevels, default: 'none', doc: 'none | sign (signed or encrypted only) | encrypt (encrypted only)' },
    auth_file: { type: 'string', nonEmpty: true, doc: "collectd AuthFile ('user: password' per line); required for sign and encrypt" },
    event_format: { type: 'enum', values: eventFormats, default: 'ecs', doc: 'ecs (host.name, collectd.*) or legacy (Logstash codec field names)' },
    nan_handling: { type: 'enum', values: nanHandlings, default: 'change_value', doc: 'NaN gauges: change_value (to nan_value, tagged), warn (same, logged), drop' },
    nan_value: { type: 'number', default: 0, doc: 'replacement for NaN gauges' },
    nan_tag: { type: 'string', default: '_collectdNaN', doc: 'tag added to events whose NaN was replaced' },
    nan_drop_scope: { type: 'enum', values: nanDropScopes, default: 'value_list', doc: 'with nan_handling drop: the value list, or the rest of the datagram (Logstash)' },
    prune_intervals: { type: 'bool', default: true, doc: 'legacy format only: false emits an event per interval part, as Logstash does' },
    queue_max_events: { type: 'int', default: 20000, min: 1, doc: 'events waiting for delivery; beyond it new events are dropped and counted' },
    queue_max_bytes: { type: 'size', default: '16mb', min: 1024, doc: 'estimated bytes waiting for delivery; beyond it new events are dropped and counted' },
    batch_size: { type: 'int', default: 1000, min: 1, doc: 'events per deliver() call' },
  },
  check: (v: CollectdInputOptions | undefined) => {
    if (v && v.security_level !== 'none' && v.auth_file === undefined) return `security_level ${v.security_level} needs auth_file (collectd's AuthFile format)`
  },
}

export interface CollectdInputDeps {
  logger: Logger
  metrics: MetricsRegistry
  /** Called with one batch at a time; resolves when the events are safe. */
  deliver: (events: LogEvent[]) => Promise<void>
}

/** Rough in-memory cost of one decoded event, on top of its share of the datagram. */
const EVENT_OVERHEAD_BYTES = 256
const LOG_EVERY_MS = 10_000

export class CollectdInput {
  readonly #options: CollectdInputOptions
  readonly #logger: Logger
  readonly #deliver: (events: LogEvent[]) => Promise<void>
  readonly #ctx: DecoderContext
  #socket: Socket | undefined
  #closing = false
  #closed: Promise<void> | undefined

  // bounded queue: cursor-based arrays, compacted when the consumed head grows
  #events: LogEvent[] = []
  #sizes: number[] = []
  #head = 0
  #queuedBytes = 0
  #inFlight = false
  #pumpScheduled = false
  #idleWaiters: (() => void)[] = []
  readonly #pumpBound = this.#pump.bind(this)
  readonly #onMessageBound = this.#onMessage.bind(this)
  readonly #delivered = this.#onDelivered.bind(this)
  readonly #deliverFailed = this.#onDeliverFailed.bind(this)
  #batchLength = 0

  readonly #datagrams: Counter
  readonly #bytes: Counter
  readonly #values: Counter
  readonly #eventsOut: Counter
  readonly #unknownTypes: Counter
  readonly #nanReplaced: Counter
  readonly #socketErrors: Counter
  readonly #decodeErrors: Record<DecodeErrorReason, Counter>
  readonly #rejected: Record<SecurityReason, Counter>
  readonly #dropped: Record<DropReason, Counter>
  readonly #lastLog = new Map<string, number>()

  constructor(options: CollectdInputOptions, deps: CollectdInputDeps) {
    this.#options = options
    this.#logger = deps.logger.child({ component: 'collectd' })
    this.#deliver = deps.deliver
    const { db, problems } = loadTypesDb(options.types_db)
    for (const p of problems) this.#logger.warn({ code: 'LY_CONFIG', file: p.file, line: p.line }, `types.db: ${p.message}; line skipped`)
    this.#ctx = createDecoderContext({
      typesDb: db,
      securityLevel: options.security_level,
      credentials: options.auth_file === undefined ? undefined : new AuthFile(options.auth_file),
      eventFormat: options.event_format,
      nanHandling: options.nan_handling,
      nanValue: options.nan_value,
      nanTag: options.nan_tag,
      nanDropScope: options.nan_drop_scope,
      pruneIntervals: options.prune_intervals,
    })
    const m = deps.metrics
    this.#datagrams = m.counter('collectd_datagrams_total', 'collectd datagrams received')
    this.#bytes = m.counter('collectd_bytes_total', 'collectd datagram bytes received')
    this.#values = m.counter('collectd_values_total', 'collectd values decoded in dispatched value lists')
    this.#eventsOut = m.counter('collectd_events_total', 'collectd events delivered downstream')
    this.#unknownTypes = m.counter('collectd_unknown_types_total', 'value lists whose type is not in types.db (kept with positional names)')
    this.#nanReplaced = m.counter('collectd_nan_replaced_total', 'NaN gauges replaced by nan_value')
    this.#socketErrors = m.counter('collectd_socket_errors_total', 'UDP socket errors')
    this.#decodeErrors = Object.fromEntries(decodeErrorReasons.map((r) => [r, m.counter('collectd_decode_errors_total', 'collectd datagram problems by reason', { reason: r })])) as Record<DecodeErrorReason, Counter>
    this.#rejected = Object.fromEntries(securityReasons.map((r) => [r, m.counter('collectd_security_rejected_total', 'collectd datagrams (or parts) refused by the security level, by reason', { reason: r })])) as Record<SecurityReason, Counter>
    this.#dropped = Object.fromEntries(dropReasons.map((r) => [r, m.counter('collectd_dropped_total', 'decoded collectd events dropped, by reason', { reason: r })])) as Record<DropReason, Counter>
    m.observe('collectd_queue_events', 'collectd events waiting for delivery', 'gauge', () => this.queuedEvents)
    m.observe('collectd_queue_bytes', 'estimated bytes of collectd events waiting for delivery', 'gauge', () => this.#queuedBytes)
  }

  get queuedEvents(): number {
    return this.#events.length - this.#head
  }

  async start(): Promise<{ address: string; port: number }> {
    if (this.#socket || this.#closing) throw new ClosedError('CollectdInput.start() called twice or after close()')
    const { host, port } = parseListen(this.#options.listen)
    const v6 = isIPv6(host)
    const reusePort = this.#options.reuse_port && port !== 0
    const socket = createSocket({ type: v6 ? 'udp6' : 'udp4', reusePort, recvBufferSize: this.#options.receive_buffer })
    this.#socket = socket
    await new Promise<void>((resolve, reject) => {
      const onError = (err: Error): void => {
        socket.close()
        this.#socket = undefined
        reject(new ConnectionError(`inputs.collectd: cannot listen on ${this.#options.listen}: ${err.message}`, { cause: err, endpoint: this.#options.listen }))
      }
      socket.once('error', onError)
      // exclusive: a cluster worker binds its own socket (SO_REUSEPORT) instead of sharing the primary's handle
      socket.bind({ address: host, port, exclusive: reusePort || !cluster.isWorker }, () => {
        socket.off('error', onError)
        resolve()
      })
    })
    socket.on('error', (err) => {
      this.#socketErrors.inc()
      this.#logger.error({ code: 'LY_CONNECTION', err }, 'collectd socket error')
    })
    socket.on('message', this.#onMessageBound)
    let effective = 0
    try {
      effective = socket.getRecvBufferSize()
    } catch {
      // not available on every platform
    }
    const a = socket.address()
    this.#logger.info({ address: a.address, port: a.port, receive_buffer: effective, requested_receive_buffer: this.#options.receive_buffer, reuse_port: reusePort, security_level: this.#options.security_level }, 'collectd input listening')
    // Linux reports twice the granted size; less than requested means net.core.rmem_max capped it.
    if (effective > 0 && effective < this.#options.receive_buffer) {
      this.#logger.warn({ receive_buffer: effective, requested: this.#options.receive_buffer }, 'collectd receive buffer capped by the kernel; raise net.core.rmem_max to avoid drops in bursts')
    }
    return { address: a.address, port: a.port }
  }

  #onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    this.#datagrams.inc()
    this.#bytes.inc(msg.length)
    const res = decodeCollectd(msg, this.#ctx)
    this.#values.inc(res.values)
    if (res.unknownTypes > 0) {
      this.#unknownTypes.inc(res.unknownTypes)
      this.#limitedLog('unknown_type', rinfo, 'collectd value list with a type not in types.db (or a different value count); kept with positional names value0, value1…')
    }
    if (res.nanReplaced > 0) {
      this.#nanReplaced.inc(res.nanReplaced)
      if (this.#options.nan_handling === 'warn') this.#limitedLog('nan', rinfo, `NaN gauge replaced by ${this.#options.nan_value}`)
    }
    for (let i = 0; i < res.errors.length; i++) {
      const reason = res.errors[i] as DecodeErrorReason
      this.#decodeErrors[reason].inc()
      if (reason !== 'nan_dropped' || this.#options.nan_handling !== 'drop') this.#limitedLog(`decode:${reason}`, rinfo, `collectd datagram problem: ${reason}`, 'LY_PROTOCOL')
    }
    for (let i = 0; i < res.rejections.length; i++) {
      const reason = res.rejections[i] as SecurityReason
      this.#rejected[reason].inc()
      this.#limitedLog(`security:${reason}`, rinfo, `collectd datagram refused at security level ${this.#options.security_level}: ${reason}`, 'LY_PROTOCOL')
    }
    const n = res.events.length
    if (n === 0) return
    const each = Math.ceil(msg.length / n) + EVENT_OVERHEAD_BYTES
    const maxEvents = this.#options.queue_max_events
    const maxBytes = this.#options.queue_max_bytes
    let dropped = 0
    for (let i = 0; i < n; i++) {
      if (this.#closing || this.#events.length - this.#head >= maxEvents || this.#queuedBytes + each > maxBytes) {
        dropped++
        continue
      }
      this.#events.push(res.events[i] as LogEvent)
      this.#sizes.push(each)
      this.#queuedBytes += each
    }
    if (dropped > 0) {
      this.#dropped.queue_full.inc(dropped)
      this.#limitedLog('queue_full', rinfo, 'collectd queue full: events dropped (delivery is slower than collectd sends)', 'LY_LIMIT')
    }
    if (!this.#inFlight && !this.#pumpScheduled) {
      this.#pumpScheduled = true
      setImmediate(this.#pumpBound) // gather the datagrams of this loop turn into one batch
    }
  }

  #pump(): void {
    this.#pumpScheduled = false
    if (this.#inFlight) return
    const available = this.#events.length - this.#head
    if (available === 0) {
      this.#notifyIdle()
      return
    }
    const take = Math.min(available, this.#options.batch_size)
    const batch = this.#events.slice(this.#head, this.#head + take)
    for (let i = this.#head; i < this.#head + take; i++) this.#queuedBytes -= this.#sizes[i] as number
    this.#head += take
    if (this.#head === this.#events.length) {
      this.#events.length = 0
      this.#sizes.length = 0
      this.#head = 0
    } else if (this.#head > 4096 && this.#head * 2 > this.#events.length) {
      this.#events.splice(0, this.#head)
      this.#sizes.splice(0, this.#head)
      this.#head = 0
    }
    this.#inFlight = true
    this.#batchLength = take
    let p: Promise<void>
    try {
      p = this.#deliver(batch)
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then(this.#delivered, this.#deliverFailed)
  }

  #onDelivered(): void {
    this.#eventsOut.inc(this.#batchLength)
    this.#afterDelivery()
  }

  #onDeliverFailed(err: unknown): void {
    this.#dropped.deliver_failed.inc(this.#batchLength)
    this.#logger.error({ code: 'LY_IO', err, events: this.#batchLength }, 'collectd batch could not be delivered; events dropped (UDP cannot be replayed)')
    this.#afterDelivery()
  }

  #afterDelivery(): void {
    this.#inFlight = false
    this.#batchLength = 0
    this.#pump()
  }

  #notifyIdle(): void {
    const waiters = this.#idleWaiters
    this.#idleWaiters = []
    for (const w of waiters) w()
  }

  #limitedLog(key: string, rinfo: RemoteInfo, message: string, code?: string): void {
    const now = Date.now()
    const last = this.#lastLog.get(key)
    if (last !== undefined && now - last < LOG_EVERY_MS) return
    this.#lastLog.set(key, now)
    this.#logger.warn({ code, from: `${rinfo.address}:${rinfo.port}` }, `${message} (logged at most every ${LOG_EVERY_MS / 1000}s; see /metrics)`)
  }

  /** Stops receiving, then delivers what is queued until `deadlineMs`; the rest is dropped and counted (reason shutdown). */
  close(deadlineMs = 5000): Promise<void> {
    if (this.#closed) return this.#closed
    this.#closing = true
    this.#closed = (async () => {
      const socket = this.#socket
      if (socket) {
        socket.off('message', this.#onMessageBound)
        await new Promise<void>((resolve) => socket.close(() => resolve()))
      }
      if (this.#inFlight || this.queuedEvents > 0) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          new Promise<void>((resolve) => {
            this.#idleWaiters.push(resolve)
            if (!this.#inFlight && !this.#pumpScheduled) this.#pump()
          }),
          new Promise<void>((resolve) => {
            timer = setTimeout(resolve, deadlineMs)
          }),
        ])
        clearTimeout(timer)
      }
      const left = this.queuedEvents
      if (left > 0) {
        this.#dropped.shutdown.inc(left)
        this.#logger.warn({ events: left }, 'collectd input closed before its queue drained; events dropped')
        this.#events.length = 0
        this.#sizes.length = 0
        this.#head = 0
        this.#queuedBytes = 0
      }
    })()
    return this.#closed
  }
}
