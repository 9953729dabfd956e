import cluster from 'node:cluster'
import { readdirSync, readFileSync, readlinkSync } from 'node:fs'
import { createSocket, type RemoteInfo, type Socket } from 'node:dgram'
import { isIPv6 } from 'node:net'
import type { Infer, Spec } from '../../../core/config/schema.ts'
import { checkReadableFile } from '../../../core/config/files.ts'
import { ClosedError, ConfigError, ConnectionError } from '../../../core/errors.ts'
import type { LogEvent } from '../../../core/event.ts'
import { parseFieldRef } from '../../../core/fields.ts'
import { checkListenAddress, parseListenAddress } from '../../../core/net/address.ts'
import type { Logger } from '../../../core/logger.ts'
import type { Counter, MetricsRegistry } from '../../../core/metrics.ts'
import type { Input, InputComponent } from '../../component.ts'
import { AuthFile, parseAuthFile } from './auth-file.ts'
import {
  createDecoderContext,
  decodeCollectd,
  decodeErrorReasons,
  type DecodeErrorReason,
  type DecoderContext,
  eventFormats,
  type EventFormat,
  nanDropScopes,
  nanHandlings,
  securityLevels,
  type SecurityLevel,
  securityReasons,
  type SecurityReason,
} from './decoder.ts'
import { countValueLists } from './count.ts'
import { defaultTypesDbPath, loadTypesDb } from './types-db.ts'

// inputs.collectd: collectd's binary protocol over UDP. UDP cannot be pushed
// back, so datagrams wait *undecoded* in a queue bounded in events (their
// value lists, counted by a walk over the part headers) and bytes; a datagram
// that does not fit is dropped whole and counted
// (logyard_collectd_dropped_total{reason="queue_full"} in events,
// logyard_collectd_datagrams_dropped_total in datagrams), and the socket is
// not read again until the queue has drained to half: meanwhile datagrams wait
// in the kernel's receive buffer, which drops what does not fit (counted,
// reason kernel), so a flood costs no Buffer and no CPU per datagram dropped.
// Raw datagrams take
// ~30 bytes per value list where decoded events take ~20 times that and live
// long enough to reach V8's old generation: decoding only what is about to be
// delivered keeps a worker's heap small under any overload, and a dropped
// datagram costs no decode. Up to `max_inflight_batches` deliver() calls run
// at once: one whenever anything is queued, more only for full batches, so
// under load the output sees full batches back to back (the file output
// commits them with one fsync) and at a trickle one small batch at a time.
//
// Cluster workers: with `reuse_port` (default) every worker binds its own
// SO_REUSEPORT socket and the kernel spreads senders over them by source
// address/port (one collectd daemon sticks to one worker; many daemons spread).
// With reuse_port off, or when listening on port 0, workers share the
// primary's socket handle (node:cluster's default for dgram).

const dropReasons = ['queue_full', 'deliver_failed', 'shutdown'] as const
type DropReason = (typeof dropReasons)[number]


export const collectdInputSpec = {
  type: 'object',
  optional: true,
  doc: "collectd binary protocol over UDP (collectd's network plugin pointed at this address)",
  fields: {
    listen: {
      type: 'string',
      default: '0.0.0.0:25826',
      doc: "host:port to receive on; '[::]:25826' for IPv6 (dual stack)",
      check: checkListenAddress,
    },
    receive_buffer: { type: 'size', default: '4mb', min: 65536, doc: 'socket receive buffer (SO_RCVBUF); the kernel caps it at net.core.rmem_max' },
    reuse_port: { type: 'bool', default: true, doc: 'each cluster worker binds its own SO_REUSEPORT socket (Linux); off: workers share one socket' },
    types_db: { type: 'list', of: { type: 'string', nonEmpty: true, doc: 'path' }, coerce: true, minItems: 1, default: [defaultTypesDbPath], doc: 'types.db files naming the data sources; later files win' },
    security_level: { type: 'enum', values: securityLevels, default: 'none', doc: 'none | sign (signed or encrypted only) | encrypt (encrypted only)' },
    auth_file: { type: 'string', nonEmpty: true, doc: "collectd AuthFile ('user: password' per line); required for sign and encrypt" },
    event_format: { type: 'enum', values: eventFormats, default: 'ecs', doc: 'ecs (host.name, collectd.*) or legacy (Logstash codec field names)' },
    nan_handling: { type: 'enum', values: nanHandlings, default: 'change_value', doc: 'NaN and ±Infinity gauges: change_value (to nan_value, tagged), warn (same, logged), drop' },
    nan_value: { type: 'number', default: 0, doc: 'replacement for NaN gauges' },
    nan_tag: { type: 'string', default: '_collectdNaN', doc: 'tag added to events whose NaN was replaced' },
    nan_drop_scope: { type: 'enum', values: nanDropScopes, default: 'value_list', doc: 'with nan_handling drop: the value list, or the rest of the datagram (Logstash)' },
    prune_intervals: { type: 'bool', default: true, doc: 'legacy format only: false emits an event per interval part, as Logstash does' },
    target: { type: 'string', nonEmpty: true, doc: "legacy format only: put the codec's fields under this field (Logstash codec's target); @timestamp, @version and tags stay at the root", check: checkTarget },
    queue_max_events: { type: 'int', default: 20000, min: 1, doc: 'events (value lists) waiting in undecoded datagrams; a datagram that would pass it is dropped whole and counted' },
    queue_max_bytes: { type: 'size', default: '4mb', min: 1024, doc: 'bytes of datagrams waiting; a datagram that would pass it is dropped whole and counted' },
    batch_size: { type: 'int', default: 1000, min: 1, doc: 'events per deliver() call (rounded up to whole datagrams)' },
    max_inflight_batches: { type: 'int', default: 4, min: 1, max: 64, doc: 'deliver() calls in flight at once (more than one only for full batches)' },
  },
  check: (v: { security_level: SecurityLevel; auth_file?: string; target?: string; event_format: EventFormat } | undefined) => {
    if (v && v.security_level !== 'none' && v.auth_file === undefined) return `security_level ${v.security_level} needs auth_file (collectd's AuthFile format)`
    if (v && v.target !== undefined && v.event_format !== 'legacy') return 'target applies to event_format: legacy only (the ecs format nests its fields under collectd.* already)'
  },
} as const satisfies Spec

export type CollectdInputOptions = Infer<typeof collectdInputSpec>

function checkTarget(ref: string): string | void {
  try {
    const path = parseFieldRef(ref)
    if (path[0] === '@timestamp' || path[0] === '@metadata' || path[0] === 'tags') return `${JSON.stringify(ref)} is a field logyard keeps at the root; choose another field, e.g. collectd`
  } catch (err) {
    return `${(err as Error).message}; write fields as [a][b] or a.b`
  }
}

interface CollectdInputDeps {
  logger: Logger
  metrics: MetricsRegistry
  /** Called with one batch at a time; resolves when the events are safe. */
  deliver: (events: LogEvent[]) => Promise<void>
}

/** A received datagram waiting to be decoded, with its value lists counted (or estimated, when encrypted). */
interface Queued {
  msg: Buffer
  rinfo: RemoteInfo
  events: number
}

/** For the queue bound only: the smallest value-list part is 15 bytes plus the changed fields; 32 bytes per list errs on the side of more. */
const ENCRYPTED_BYTES_PER_LIST = 32
const LOG_EVERY_MS = 10_000

export class CollectdInput implements Input {
  readonly #options: CollectdInputOptions
  readonly #logger: Logger
  readonly #deliver: (events: LogEvent[]) => Promise<void>
  readonly #ctx: DecoderContext
  #socket: Socket | undefined
  #inode: string | undefined
  #closing = false
  #closed: Promise<void> | undefined

  // bounded queue of undecoded datagrams: a cursor-based array, compacted when the consumed head grows
  #queue: Queued[] = []
  #head = 0
  #queuedEvents = 0
  #queuedBytes = 0
  #inFlight = 0
  #pumpScheduled = false
  /** The socket's libuv handle while reading is paused (queue full), else undefined. */
  #paused: { recvStart(): number } | undefined
  #idleWaiters: (() => void)[] = []
  readonly #pumpBound = this.#pump.bind(this)
  readonly #onMessageBound = this.#onMessage.bind(this)

  readonly #datagrams: Counter
  readonly #bytes: Counter
  readonly #values: Counter
  readonly #eventsOut: Counter
  readonly #unknownTypes: Counter
  readonly #nanReplaced: Counter
  readonly #infinities: Counter
  readonly #socketErrors: Counter
  readonly #decodeErrors: Record<DecodeErrorReason, Counter>
  readonly #rejected: Record<SecurityReason, Counter>
  readonly #dropped: Record<DropReason, Counter>
  readonly #droppedDatagrams: Counter
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
      target: options.target,
    })
    const m = deps.metrics
    this.#datagrams = m.counter('collectd_datagrams_total', 'collectd datagrams received')
    this.#bytes = m.counter('collectd_bytes_total', 'collectd datagram bytes received')
    this.#values = m.counter('collectd_values_total', 'collectd values decoded in dispatched value lists')
    this.#eventsOut = m.counter('collectd_events_total', 'collectd events delivered downstream')
    this.#unknownTypes = m.counter('collectd_unknown_types_total', 'value lists whose type is not in types.db (kept with positional names)')
    this.#nanReplaced = m.counter('collectd_nan_replaced_total', 'NaN gauges replaced by nan_value')
    this.#infinities = m.counter('collectd_infinite_gauges_total', '±Infinity gauges (no JSON form), handled by nan_handling: replaced by nan_value or dropped')
    this.#socketErrors = m.counter('collectd_socket_errors_total', 'UDP socket errors')
    this.#decodeErrors = Object.fromEntries(decodeErrorReasons.map((r) => [r, m.counter('collectd_decode_errors_total', 'collectd datagram problems by reason', { reason: r })])) as Record<DecodeErrorReason, Counter>
    this.#rejected = Object.fromEntries(securityReasons.map((r) => [r, m.counter('collectd_security_rejected_total', 'collectd datagrams (or parts) refused by the security level, by reason', { reason: r })])) as Record<SecurityReason, Counter>
    this.#dropped = Object.fromEntries(dropReasons.map((r) => [r, m.counter('collectd_dropped_total', 'decoded collectd events dropped, by reason', { reason: r })])) as Record<DropReason, Counter>
    const dgHelp = 'collectd datagrams dropped whole: queue_full (the input queue), kernel (the socket receive buffer, from /proc/net/udp)'
    this.#droppedDatagrams = m.counter('collectd_datagrams_dropped_total', dgHelp, { reason: 'queue_full' })
    m.observe('collectd_datagrams_dropped_total', dgHelp, 'counter', () => this.kernelDrops, { reason: 'kernel' })
    m.observe('collectd_queue_events', 'collectd events (value lists) waiting for delivery', 'gauge', () => this.queuedEvents)
    m.observe('collectd_queue_bytes', 'bytes of collectd datagrams waiting to be decoded and delivered', 'gauge', () => this.#queuedBytes)
    m.observe('collectd_batches_in_flight', 'collectd batches handed to the pipeline and not yet safe', 'gauge', () => this.#inFlight)
  }

  /**
   * Datagrams the kernel dropped because this socket's receive buffer was
   * full (its `drops` column in /proc/net/udp or udp6, found by the socket's
   * inode): invisible to the process otherwise. Exported as
   * logyard_collectd_datagrams_dropped_total{reason="kernel"}. 0 where /proc is not there.
   */
  get kernelDrops(): number {
    const inode = this.#inode
    if (inode === undefined) return 0
    // sl local rem st tx:rx tr:when retrnsmt uid timeout inode ref pointer drops
    for (const cols of udpRows()) if (cols[9] === inode) return Number(cols[12] ?? 0)
    return 0
  }

  /** Events waiting: value lists counted in the queued datagrams (encrypted ones estimated). */
  get queuedEvents(): number {
    return this.#queuedEvents
  }

  async start(): Promise<{ address: string; port: number }> {
    if (this.#socket || this.#closing) throw new ClosedError('CollectdInput.start() called twice or after close()')
    const { host, port } = parseListenAddress(this.#options.listen)
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
    this.#inode = socketInode(socket.address().port)
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
      this.#logger.warn({ code: 'LY_LIMIT', receive_buffer: effective, requested: this.#options.receive_buffer }, 'collectd receive buffer capped by the kernel; raise net.core.rmem_max to avoid drops in bursts')
    }
    return { address: a.address, port: a.port }
  }

  #onMessage(msg: Buffer, rinfo: RemoteInfo): void {
    this.#datagrams.inc()
    this.#bytes.inc(msg.length)
    // Value lists counted by a walk over the part headers; an encrypted datagram is estimated from its size.
    const lists = countValueLists(msg)
    const estimate = lists >= 0 ? lists : Math.ceil(msg.length / ENCRYPTED_BYTES_PER_LIST)
    const queued = this.queuedEvents
    if (this.#closing || (queued > 0 && (queued + estimate > this.#options.queue_max_events || this.#queuedBytes + msg.length > this.#options.queue_max_bytes))) {
      this.#droppedDatagrams.inc()
      if (lists > 0) this.#dropped.queue_full.inc(lists)
      this.#limitedLog('queue_full', rinfo, 'collectd queue full: datagrams dropped undecoded (delivery is slower than collectd sends)', 'LY_LIMIT')
      if (!this.#closing) this.#pauseReading()
      return
    }
    this.#queue.push({ msg, rinfo, events: estimate })
    this.#queuedEvents += estimate
    this.#queuedBytes += msg.length
    if (!this.#pumpScheduled && this.#inFlight < this.#options.max_inflight_batches) {
      this.#pumpScheduled = true
      setImmediate(this.#pumpBound) // gather the datagrams of this loop turn into one batch
    }
  }

  /** Decodes one datagram, counting and logging what it held; its events go onto `into`. */
  #decode(msg: Buffer, rinfo: RemoteInfo, into: LogEvent[]): void {
    const res = decodeCollectd(msg, this.#ctx)
    this.#values.inc(res.values)
    if (res.unknownTypes > 0) {
      this.#unknownTypes.inc(res.unknownTypes)
      this.#limitedLog('unknown_type', rinfo, 'collectd value list with a type not in types.db (or a different value count); kept with positional names value0, value1…', 'LY_PROTOCOL')
    }
    if (res.nanReplaced > 0) {
      this.#nanReplaced.inc(res.nanReplaced)
      if (this.#options.nan_handling === 'warn') this.#limitedLog('nan', rinfo, `NaN gauge replaced by ${this.#options.nan_value}`)
    }
    if (res.infinities > 0) {
      this.#infinities.inc(res.infinities)
      if (this.#options.nan_handling === 'warn') this.#limitedLog('infinity', rinfo, `±Infinity gauge replaced by ${this.#options.nan_value}`)
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
    for (let i = 0; i < res.events.length; i++) into.push(res.events[i] as LogEvent)
  }

  #pump(): void {
    this.#pumpScheduled = false
    const batchSize = this.#options.batch_size
    for (;;) {
      if (this.#queue.length === this.#head) {
        if (this.#inFlight === 0) this.#notifyIdle()
        return
      }
      // one batch whenever anything waits; more at once only when they are full
      if (this.#inFlight >= this.#options.max_inflight_batches || (this.#inFlight > 0 && this.#queuedEvents < batchSize && !this.#closing)) return
      this.#dispatch(batchSize)
    }
  }

  /** Decodes queued datagrams (whole ones) until the batch holds `batchSize` events or the queue is empty, and delivers it. */
  #dispatch(batchSize: number): void {
    const batch: LogEvent[] = []
    while (batch.length < batchSize && this.#head < this.#queue.length) {
      const q = this.#queue[this.#head]!
      this.#queue[this.#head++] = undefined as unknown as Queued
      this.#queuedEvents -= q.events
      this.#queuedBytes -= q.msg.length
      this.#decode(q.msg, q.rinfo, batch)
    }
    if (this.#head === this.#queue.length) {
      this.#queue.length = 0
      this.#head = 0
    } else if (this.#head > 1024 && this.#head * 2 > this.#queue.length) {
      this.#queue.splice(0, this.#head)
      this.#head = 0
    }
    if (batch.length === 0) return
    this.#inFlight++
    const take = batch.length // deliver() takes the array: it may be empty afterwards
    let p: Promise<void>
    try {
      p = this.#deliver(batch)
    } catch (err) {
      p = Promise.reject(err)
    }
    p.then(() => this.#onDelivered(take), (err: unknown) => this.#onDeliverFailed(err, take))
  }

  #onDelivered(events: number): void {
    this.#eventsOut.inc(events)
    this.#afterDelivery()
  }

  #onDeliverFailed(err: unknown, events: number): void {
    this.#dropped.deliver_failed.inc(events)
    this.#logger.error({ code: 'LY_IO', err, events }, 'collectd batch could not be delivered; events dropped (UDP cannot be replayed)')
    this.#afterDelivery()
  }

  #afterDelivery(): void {
    this.#inFlight--
    this.#pump()
    if (this.#paused !== undefined && this.#queuedEvents <= this.#options.queue_max_events / 2 && this.#queuedBytes <= this.#options.queue_max_bytes / 2) {
      const handle = this.#paused
      this.#paused = undefined
      if (!this.#closing) handle.recvStart()
    }
  }

  /**
   * Stops reading the socket while the queue is full: what arrives meanwhile
   * waits in the kernel's receive buffer, which drops (and counts, reason
   * kernel) what does not fit. Reading a datagram only to drop it cost a
   * Buffer and CPU; at 800k values/s offered to the file output 3 of 4 were.
   * Node has no public pause for dgram sockets: this uses the socket's handle
   * (recvStop/recvStart) when it is there, and keeps reading otherwise.
   */
  #pauseReading(): void {
    if (this.#paused !== undefined || this.#socket === undefined) return
    const state = Object.getOwnPropertySymbols(this.#socket).find((s) => s.description === 'state symbol')
    const handle = state === undefined ? undefined : (this.#socket as unknown as Record<symbol, { handle?: { recvStop?: () => number; recvStart?: () => number } }>)[state]?.handle
    if (typeof handle?.recvStop !== 'function' || typeof handle.recvStart !== 'function') return
    handle.recvStop()
    this.#paused = handle as { recvStart(): number }
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
      if (this.#inFlight > 0 || this.queuedEvents > 0) {
        let timer: NodeJS.Timeout | undefined
        await Promise.race([
          new Promise<void>((resolve) => {
            this.#idleWaiters.push(resolve)
            if (!this.#pumpScheduled) this.#pump()
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
        this.#logger.warn({ code: 'LY_CLOSED', events: left }, 'collectd input closed before its queue drained; events dropped')
        this.#queue.length = 0
        this.#head = 0
        this.#queuedEvents = 0
        this.#queuedBytes = 0
      }
    })()
    return this.#closed
  }
}

/**
 * The inode of this process's UDP socket bound to `port`: the rows of
 * /proc/net/udp{,6} with that local port whose inode is one of this
 * process's descriptors (/proc/self/fd). A cluster worker's SO_REUSEPORT
 * socket is its own, so workers do not count each other's drops.
 */
function socketInode(port: number): string | undefined {
  try {
    const mine = new Set<string>()
    for (const fd of readdirSync('/proc/self/fd')) {
      try {
        const m = /^socket:\[(\d+)\]$/.exec(readlinkSync(`/proc/self/fd/${fd}`))
        if (m) mine.add(m[1]!)
      } catch {
        // closed meanwhile
      }
    }
    const hexPort = ':' + port.toString(16).toUpperCase().padStart(4, '0')
    for (const cols of udpRows()) if (cols[1]?.endsWith(hexPort) && mine.has(cols[9] ?? '')) return cols[9]
  } catch {
    // no /proc: kernel drops stay 0
  }
  return undefined
}

/** The rows of /proc/net/udp and udp6, split into columns (none where /proc is not there). */
function* udpRows(): Generator<string[]> {
  for (const table of ['/proc/net/udp', '/proc/net/udp6']) {
    let text: string
    try {
      text = readFileSync(table, 'latin1')
    } catch {
      continue
    }
    for (const line of text.split('\n')) yield line.trim().split(/\s+/)
  }
}

export const collectdInput: InputComponent<typeof collectdInputSpec, 'collectd'> = {
  kind: 'input',
  type: 'collectd',
  spec: collectdInputSpec,
  checkFiles: (options, key) => {
    loadTypesDb(options.types_db) // the same read (and error) as at start-up
    if (options.auth_file !== undefined) {
      const users = parseAuthFile(checkReadableFile(options.auth_file, `${key}.auth_file`))
      if (users.size === 0) throw new ConfigError(`${key}.auth_file`, `${JSON.stringify(options.auth_file)} holds no 'user: password' line`)
    }
  },
  create: (options, ctx) => new CollectdInput(options, ctx),
}
