import { EventEmitter } from 'node:events'
import { setTimeout as sleep } from 'node:timers/promises'
import { createGzip, type ZlibOptions } from 'node:zlib'
import { Backoff } from '../../../core/backoff.ts'
import { ClosedError, codeOf, type ErrorCode } from '../../../core/errors.ts'
import { redactUrls } from '../../../core/config/url.ts'
import type { LogEvent } from '../../../core/event.ts'
import type { Logger } from '../../../core/logger.ts'
import { latencyBuckets, type Counter, type Histogram, type MetricsRegistry } from '../../../core/metrics.ts'
import type { DeadLetterRecord, DeadLetterSink } from '../dead-letter.ts'
import type { Output } from '../../component.ts'
import { createTransport, type BulkTransport, type Product } from './bulk-transport.ts'
import { resolveLegacyIndex, type ElasticsearchOutputConfig } from './es-config.ts'
import { BulkEncoder, bulkBodyRuns, unencodedDoc, writeBulkBody, type BulkDoc } from './es-encoder.ts'
import { classifyBulkBody, classifyNoResponse, classifyRequestStatus, ItemVerdict, RequestVerdict, type BulkOutcome } from './es-retry.ts'
import { indexTemplateBody, unknownMapperType } from './es-template.ts'

// The Elasticsearch and OpenSearch outputs: our own `_bulk` loop (not
// helpers.bulk, see docs/protocols/elasticsearch-bulk.md §5). One loop for both
// products: the three calls it makes go through a BulkTransport
// (bulk-transport.ts), the official client of the product underneath.
//
//   write(events) ─► encode each event once (es-encoder) ─► pending queue
//   pump: while fewer than `concurrency` requests are in flight, take up to
//   max_bulk_docs / max_bulk_bytes from the queue and run one request loop:
//     send (gzip) ─► es-retry verdicts ─► ok/duplicate: settled
//                                        dead-letter: DLQ (fsynced), settled
//                                        retry: only those items, after a capped
//                                               full-jitter backoff, same slot
//                    request retry (429/5xx/no response/item count mismatch): backoff, resend
//                    split (413): halves, one after the other; one doc still too big → DLQ
//                    auth (401/403): unhealthy, error log, resend every auth_retry_interval
//                    bug (400…): DLQ with the reason, error log, never loop
//   write() resolves when all of its events are settled.
//
// Memory: accepted-but-unsettled documents are bounded by max_pending_bytes /
// max_pending_docs. At the bound `busy` is true and further write() calls
// wait for room (one write may overshoot by its own size); 'drain' fires when
// pending falls to half the bound. During an outage the request loops keep
// their documents and back off, the queue fills, and backpressure reaches the
// inputs: memory stays flat.
//
// Health: false after a request or probe got no response (or 401, 502-504),
// true after any other response. A probe (GET _cluster/health) runs every
// health_check_interval.
//
// Without @metadata._id a retry after a timeout can store a document twice
// (at least once); with it the replay is a 409 = duplicate = success.

/**
 * gzip of a body given as its runs (bulkBodyRuns): each run is fed to one
 * stream as it lies in the encoder's chunks, so a body that spans chunks is
 * not first copied into one buffer (that copy was ~1.4x the documents' bytes
 * allocated outside the heap in the pipeline bench, the second largest source
 * of the allocations that start V8's full collections).
 */
function gzipRuns(runs: readonly Buffer[], options: ZlibOptions): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    const z = createGzip(options)
    const out: Buffer[] = []
    let n = 0
    z.on('data', (c: Buffer) => {
      out.push(c)
      n += c.length
    })
    z.on('error', reject)
    z.on('end', () => resolve(out.length === 1 ? out[0]! : Buffer.concat(out, n)))
    for (const r of runs) z.write(r)
    z.end()
  })
}

/** Keeps every item (status is always there), so positions still match the request. */
const FILTER_PATH = 'errors,items.*.status,items.*.error,error,status'

interface ElasticsearchDeps {
  logger: Logger
  metrics: MetricsRegistry
  deadLetter: DeadLetterSink
  /** Name in logs, metrics and DLQ records (default: the product, "elasticsearch" or "opensearch"). */
  name?: string
  /** The server product (default elasticsearch): picks the client (bulk-transport.ts). */
  product?: Product
}

interface ElasticsearchStats {
  requests: number
  indexed: number
  duplicates: number
  deadLettered: number
  retriedDocs: number
  retriedRequests: number
  splits: number
  bytesSent: number
}

class Ticket {
  remaining: number
  settled = false
  readonly promise: Promise<void>
  resolve!: () => void
  reject!: (err: Error) => void

  constructor(n: number) {
    this.remaining = n
    this.promise = new Promise<void>((resolve, reject) => {
      this.resolve = resolve
      this.reject = reject
    })
  }
}

/** The message of an error from the client, a URL's password as `***` (it goes to logs, DLQ reasons). */
function errorMessage(err: unknown): string {
  return redactUrls(err instanceof Error ? err.message : String(err))
}

function statusOf(err: unknown): number {
  const meta = (err as { meta?: { statusCode?: unknown } } | null)?.meta
  return typeof meta?.statusCode === 'number' ? meta.statusCode : 0
}


export class ElasticsearchOutput extends EventEmitter implements Output {
  /** "elasticsearch" or "opensearch". */
  readonly type: Product
  readonly name: string
  readonly transport: BulkTransport
  readonly encoder: BulkEncoder
  readonly #config: ElasticsearchOutputConfig
  readonly #logger: Logger
  readonly #dlq: DeadLetterSink
  readonly #abort = new AbortController()
  readonly #tickets = new Set<Ticket>()
  readonly #gzip: ZlibOptions | undefined

  #queue: BulkDoc[] = []
  #head = 0
  #queuedBytes = 0
  #oldestAt = 0
  #inFlight = 0
  #pendingDocs = 0
  #pendingBytes = 0
  #waiters: (() => void)[] = []
  #needDrain = false
  #pumpScheduled = false
  #lingerTimer: NodeJS.Timeout | undefined
  #healthTimer: NodeJS.Timeout | undefined
  #healthy = false
  /** The last answer that made us unhealthy was a 401. */
  #authFailed = false
  #probeOkAt = 0
  #ready = false
  #readyPromise: Promise<void> = Promise.resolve()
  #closing = false
  #closed = false
  #lastLog = new Map<string, number>()

  readonly stats: ElasticsearchStats = { requests: 0, indexed: 0, duplicates: 0, deadLettered: 0, retriedDocs: 0, retriedRequests: 0, splits: 0, bytesSent: 0 }
  readonly #mIndexed: Counter
  readonly #mDuplicates: Counter
  readonly #mDeadLettered: Counter
  readonly #mRetriedDocs: Counter
  readonly #mRequests: Record<string, Counter>
  readonly #mBytes: Counter
  readonly #mLatency: Histogram

  constructor(config: ElasticsearchOutputConfig, deps: ElasticsearchDeps) {
    super()
    this.#config = config
    this.type = deps.product ?? 'elasticsearch'
    this.name = deps.name ?? this.type
    this.#logger = deps.logger.child({ component: 'output', output: this.name })
    this.#dlq = deps.deadLetter
    this.transport = createTransport(this.type, config)
    this.encoder = new BulkEncoder({ index: config.index, legacyIndex: resolveLegacyIndex(config), missingField: config.index_missing_field, op: config.action, pipeline: config.pipeline })
    this.#gzip = config.compression === 'gzip' ? { level: config.compression_level, chunkSize: 64 * 1024 } : undefined
    const m = deps.metrics
    const labels = { output: this.name }
    this.#mIndexed = m.counter('es_docs_indexed_total', 'Documents Elasticsearch stored', labels)
    this.#mDuplicates = m.counter('es_docs_duplicate_total', 'Documents already stored (409 on create with a deterministic id), counted as success', labels)
    this.#mDeadLettered = m.counter('es_docs_dead_lettered_total', 'Documents refused by Elasticsearch and sent to the dead-letter queue', labels)
    this.#mRetriedDocs = m.counter('es_docs_retried_total', 'Document resends (429/5xx items, or whole requests retried)', labels)
    this.#mBytes = m.counter('es_bulk_bytes_total', 'Uncompressed _bulk body bytes sent', labels)
    this.#mLatency = m.histogram('es_bulk_duration_seconds', 'Time from sending a _bulk request to its answer (or failure)', latencyBuckets, labels)
    this.#mRequests = {}
    for (const v of [...Object.values(RequestVerdict), 'no_response'] as const) {
      this.#mRequests[v] = m.counter('es_bulk_requests_total', '_bulk requests by outcome', { ...labels, outcome: v })
    }
    m.observe('es_pending_docs', 'Documents accepted but not yet stored', 'gauge', () => this.#pendingDocs, labels)
    m.observe('es_pending_bytes', 'Bytes accepted but not yet stored', 'gauge', () => this.#pendingBytes, labels)
    m.observe('es_in_flight_requests', '_bulk requests in flight (including their backoff waits)', 'gauge', () => this.#inFlight, labels)
    m.observe('es_healthy', '1 while Elasticsearch answers', 'gauge', () => (this.#healthy ? 1 : 0), labels)
    m.observe('es_index_missing_field_total', 'Events whose index template referenced a missing field', 'counter', () => this.encoder.index.missingFields + (this.encoder.legacyIndex?.missingFields ?? 0), labels)
    m.observe('es_index_values_escaped_total', 'Field values in the index name whose leading dot was escaped (no hidden or system index from an event)', 'counter', () => this.encoder.index.escapedValues + (this.encoder.legacyIndex?.escapedValues ?? 0), labels)
  }

  /** Creates the output: probes health once, starts the periodic probe and the template install. */
  static async create(config: ElasticsearchOutputConfig, deps: ElasticsearchDeps): Promise<ElasticsearchOutput> {
    const out = new ElasticsearchOutput(config, deps)
    await out.start()
    return out
  }

  async start(): Promise<void> {
    await this.#probe()
    this.#healthTimer = setInterval(() => void this.#probe(), this.#config.health_check_interval)
    this.#healthTimer.unref()
    if (this.#config.template.enabled) {
      this.#readyPromise = this.#installTemplate().finally(() => {
        this.#ready = true
        this.#schedule()
      })
    } else {
      this.#ready = true
    }
  }

  /** Resolves when the index template is installed (or skipped); sending waits for it. */
  ready(): Promise<void> {
    return this.#readyPromise
  }

  get busy(): boolean {
    return this.#pendingBytes >= this.#config.max_pending_bytes || this.#pendingDocs >= this.#config.max_pending_docs
  }

  healthy(): boolean {
    return this.#healthy
  }

  unhealthyReason(): string | undefined {
    if (this.#healthy) return undefined
    return this.#authFailed ? `${this.type} authentication failed (401: check output.${this.type}.auth)` : `${this.type} unreachable`
  }

  get pendingDocs(): number {
    return this.#pendingDocs
  }

  async write(events: LogEvent[]): Promise<void> {
    if (this.#closing) throw new ClosedError(`${this.type} output is closed`)
    if (events.length === 0) return
    while (this.busy) {
      await new Promise<void>((resolve) => this.#waiters.push(resolve))
      if (this.#closing) throw new ClosedError(`${this.type} output is closed`)
    }
    const ticket = new Ticket(events.length)
    this.#tickets.add(ticket)
    let refused: BulkDoc[] | undefined
    let reasons: string[] | undefined
    if (this.#head === this.#queue.length) this.#oldestAt = Date.now()
    for (let i = 0; i < events.length; i++) {
      const doc = this.encoder.encode(events[i]!, ticket)
      if (typeof doc === 'string') {
        ;(refused ??= []).push(unencodedDoc(events[i]!, this.encoder.op, this.encoder.indexOf(events[i]!), ticket))
        ;(reasons ??= []).push(doc)
        continue
      }
      this.#queue.push(doc)
      this.#queuedBytes += doc.bytes
      this.#pendingBytes += doc.bytes
    }
    this.#pendingDocs += events.length
    // The documents are text now: let go of the events (the Output contract
    // gives us the array), so they die young instead of waiting for the answer.
    events.length = 0
    if (this.busy) this.#needDrain = true
    if (refused) void this.#deadLetter(refused, reasons!, 0)
    this.#schedule()
    return ticket.promise
  }

  // -- scheduling ------------------------------------------------------------

  #schedule(): void {
    if (this.#pumpScheduled) return
    this.#pumpScheduled = true
    setImmediate(this.#pumpBound)
  }

  readonly #pumpBound = (): void => {
    this.#pumpScheduled = false
    this.#pump()
  }

  #pump(): void {
    if (!this.#ready || this.#closed) return
    const c = this.#config
    while (this.#inFlight < c.concurrency) {
      const queued = this.#queue.length - this.#head
      if (queued === 0) return
      if (c.flush_interval > 0 && !this.#closing && queued < c.max_bulk_docs && this.#queuedBytes < c.max_bulk_bytes) {
        const wait = this.#oldestAt + c.flush_interval - Date.now()
        if (wait > 0) {
          if (!this.#lingerTimer) {
            this.#lingerTimer = setTimeout(() => {
              this.#lingerTimer = undefined
              this.#pump()
            }, wait)
          }
          return
        }
      }
      const batch = this.#take()
      this.#inFlight++
      void this.#run(batch).finally(this.#runDone)
    }
  }

  readonly #runDone = (): void => {
    this.#inFlight--
    this.#pump()
  }

  #take(): BulkDoc[] {
    const c = this.#config
    const q = this.#queue
    const start = this.#head
    let end = start
    let bytes = 0
    while (end < q.length && end - start < c.max_bulk_docs) {
      const b = q[end]!.bytes
      if (end > start && bytes + b > c.max_bulk_bytes) break
      bytes += b
      end++
    }
    const batch = q.slice(start, end)
    this.#head = end
    this.#queuedBytes -= bytes
    if (this.#head === q.length) {
      this.#queue = []
      this.#head = 0
    } else {
      if (this.#head > 4096 && this.#head * 2 > q.length) {
        this.#queue = q.slice(this.#head)
        this.#head = 0
      }
      this.#oldestAt = Date.now()
    }
    return batch
  }

  // -- one request slot ------------------------------------------------------

  async #run(batch: BulkDoc[]): Promise<void> {
    const backoff = new Backoff({ initial: this.#config.retry_initial, max: this.#config.retry_max })
    const stack: BulkDoc[][] = [batch]
    let noResponseStreak = 0
    while (stack.length > 0 && !this.#closed) {
      const docs = stack.pop()!
      let outcome: BulkOutcome
      try {
        outcome = await this.#send(docs)
      } catch (err) {
        if (this.#closed) return
        this.#warn('send', { code: codeOf(err, 'LY_CONNECTION'), err: errorMessage(err) }, 'bulk request failed unexpectedly; retrying')
        stack.push(docs)
        await this.#sleep(backoff.next())
        continue
      }
      this.#mRequests[outcome.status === 0 ? 'no_response' : outcome.request]!.inc()
      switch (outcome.request) {
        case RequestVerdict.items: {
          noResponseStreak = 0
          const retry = await this.#applyItems(docs, outcome)
          if (retry.length > 0) {
            this.stats.retriedDocs += retry.length
            this.#mRetriedDocs.inc(retry.length)
            stack.push(retry)
            await this.#sleep(backoff.next())
          } else {
            backoff.reset()
          }
          break
        }
        case RequestVerdict.retry: {
          // An oversized body can look like a reset connection (ES answers 413
          // and closes while we still send): split after repeated no-responses
          // while the health probe says the cluster answers.
          if (outcome.status === 0) noResponseStreak++
          if (outcome.status === 0 && noResponseStreak >= 3 && this.#clusterAnswers() && docs.length > 1) {
            noResponseStreak = 0
            this.#split(stack, docs)
            break
          }
          this.stats.retriedRequests++
          this.stats.retriedDocs += docs.length
          this.#mRetriedDocs.inc(docs.length)
          this.#warn(`retry:${outcome.status}`, { code: outcome.status > 0 ? 'LY_ES_BULK' : 'LY_CONNECTION', status: outcome.status, reason: outcome.reason, docs: docs.length }, 'bulk request failed; retrying with backoff')
          stack.push(docs)
          await this.#sleep(backoff.next())
          break
        }
        case RequestVerdict.split:
          this.#split(stack, docs)
          break
        case RequestVerdict.auth: {
          this.#setHealthy(false)
          this.#error('auth', { code: 'LY_ES_BULK', status: outcome.status, reason: outcome.reason }, `${this.transport.title} refused our credentials or privileges; retrying every auth_retry_interval`)
          stack.push(docs)
          await this.#sleep(Math.max(this.#config.auth_retry_interval, backoff.next()))
          break
        }
        default: {
          // bug: the request itself is malformed (or one document alone is too large).
          this.#error('bug', { code: 'LY_ES_BULK', status: outcome.status, reason: outcome.reason, docs: docs.length }, `${this.transport.title} rejected the bulk request as malformed; its documents go to the dead-letter queue`)
          await this.#deadLetter(docs, docs.map(() => `request rejected: ${outcome.reason}`), outcome.status)
          break
        }
      }
    }
  }

  #split(stack: BulkDoc[][], docs: BulkDoc[]): void {
    this.stats.splits++
    const half = Math.ceil(docs.length / 2)
    // LIFO: push the second half first so the first half goes first.
    stack.push(docs.slice(half), docs.slice(0, half))
  }

  async #send(docs: BulkDoc[]): Promise<BulkOutcome> {
    let bytes = 0
    for (let i = 0; i < docs.length; i++) bytes += docs[i]!.bytes
    const headers: Record<string, string> = {}
    let payload: Buffer
    if (this.#gzip) {
      payload = await gzipRuns(bulkBodyRuns(docs), this.#gzip)
      headers['content-encoding'] = 'gzip'
    } else payload = writeBulkBody(docs, bytes)
    this.stats.requests++
    this.stats.bytesSent += bytes
    this.#mBytes.inc(bytes)
    const t0 = performance.now()
    try {
      const body = await this.transport.bulk(payload, headers, FILTER_PATH, { timeout: this.#config.request_timeout, signal: this.#abort.signal })
      this.#mLatency.observe((performance.now() - t0) / 1000)
      this.#setHealthy(true)
      return classifyBulkBody(body, docs)
    } catch (err) {
      this.#mLatency.observe((performance.now() - t0) / 1000)
      if (this.#closed) throw err
      const status = statusOf(err)
      if (status > 0) {
        this.#setHealthy(!(status === 401 || status === 502 || status === 503 || status === 504), status === 401)
        return classifyRequestStatus(status, (err as { meta?: { body?: unknown } }).meta?.body, docs.length)
      }
      this.#setHealthy(false)
      return classifyNoResponse(errorMessage(err))
    }
  }

  /** Settles ok/duplicate items, dead-letters refused ones; returns the ones to retry, in order. */
  async #applyItems(docs: BulkDoc[], outcome: BulkOutcome): Promise<BulkDoc[]> {
    const verdicts = outcome.items!
    const retry: BulkDoc[] = []
    let dead: BulkDoc[] | undefined
    let reasons: string[] | undefined
    let statuses: number[] | undefined
    for (let i = 0; i < docs.length; i++) {
      const v = verdicts[i]
      if (v === ItemVerdict.ok || v === ItemVerdict.duplicate) this.#settle(docs[i]!)
      else if (v === ItemVerdict.retry) {
        docs[i]!.detach() // its neighbours are settled: do not keep their chunk alive while it waits
        retry.push(docs[i]!)
      }
      else {
        ;(dead ??= []).push(docs[i]!)
        ;(reasons ??= []).push(outcome.reasons?.[i] ?? 'refused')
        ;(statuses ??= []).push(outcome.statuses?.[i] ?? 0)
      }
    }
    const ok = outcome.counts[ItemVerdict.ok]
    const dup = outcome.counts[ItemVerdict.duplicate]
    this.stats.indexed += ok
    this.stats.duplicates += dup
    this.#mIndexed.inc(ok)
    this.#mDuplicates.inc(dup)
    if (dead) await this.#deadLetter(dead, reasons!, statuses!)
    this.#release()
    return retry
  }

  /** Writes refused documents to the DLQ (retrying the DLQ itself until it works), then settles them. */
  async #deadLetter(docs: BulkDoc[], reasons: string[], status: number | number[]): Promise<void> {
    const now = new Date().toISOString()
    const records: DeadLetterRecord[] = docs.map((d, i) => ({
      '@timestamp': now,
      reason: reasons[i]!,
      status: typeof status === 'number' ? status : (status[i] ?? 0),
      index: d.index,
      output: this.name,
      event: d.eventOf(),
    }))
    const backoff = new Backoff({ initial: 500, max: 30_000 })
    for (;;) {
      try {
        await this.#dlq.write(records)
        break
      } catch (err) {
        if (this.#closed) return
        this.#error('dlq', { code: 'LY_IO', err: errorMessage(err) }, 'cannot write the dead-letter queue; the batch stays unacknowledged and is retried')
        await this.#sleep(backoff.next())
        if (this.#closed) return
      }
    }
    this.stats.deadLettered += docs.length
    this.#mDeadLettered.inc(docs.length)
    for (const d of docs) this.#settle(d)
    this.#release()
  }

  #settle(doc: BulkDoc): void {
    this.#pendingDocs--
    this.#pendingBytes -= doc.bytes
    doc.done() // its bytes may now be written over (the encoder reuses the chunk once all of its documents are done)
    const t = doc.owner as Ticket
    if (--t.remaining === 0 && !t.settled) {
      t.settled = true
      this.#tickets.delete(t)
      t.resolve()
    }
  }

  #release(): void {
    while (this.#waiters.length > 0 && !this.busy) this.#waiters.shift()!()
    if (this.#needDrain && this.#pendingBytes <= this.#config.max_pending_bytes / 2 && this.#pendingDocs <= this.#config.max_pending_docs / 2) {
      this.#needDrain = false
      this.emit('drain')
    }
  }

  // -- health, template, logs -------------------------------------------------

  #setHealthy(ok: boolean, authFailed = false): void {
    const auth = !ok && authFailed
    if (ok === this.#healthy && auth === this.#authFailed) return
    this.#healthy = ok
    this.#authFailed = auth
    const title = this.transport.title
    if (ok) this.#logger.info(`${title} reachable`)
    else if (auth) this.#logger.warn({ code: 'LY_ES_BULK', status: 401 }, `${title} authentication failed (401): check output.${this.type}.auth`)
    else this.#logger.warn({ code: 'LY_CONNECTION' }, `${title} unreachable`)
  }

  /** True when the health probe got an answer recently (bulk requests may still fail). */
  #clusterAnswers(): boolean {
    return Date.now() - this.#probeOkAt < 2 * this.#config.health_check_interval + 1000
  }

  async #probe(): Promise<void> {
    try {
      await this.transport.health({ timeout: Math.min(this.#config.health_check_interval * 2, 10_000), signal: this.#abort.signal })
      this.#probeOkAt = Date.now()
      this.#setHealthy(true)
    } catch (err) {
      if (this.#closed) return
      const status = statusOf(err)
      // 403: reachable, but the user may lack the monitor privilege: no change.
      if (status === 403) return
      this.#setHealthy(status > 0 && status !== 401 && status < 502, status === 401)
    }
  }

  /** The ECS template for `index`, then the legacy one (Logstash's legacy mappings) for `legacy_index`. */
  async #installTemplate(): Promise<void> {
    await this.#installOne(this.#config.template.name, this.encoder.index.pattern, 'ecs')
    if (this.encoder.legacyIndex !== undefined) await this.#installOne(`${this.#config.template.name}-legacy`, this.encoder.legacyIndex.pattern, 'legacy')
  }

  async #installOne(name: string, pattern: string, layout: 'ecs' | 'legacy'): Promise<void> {
    const t = this.#config.template
    let messageType: 'match_only_text' | 'text' = 'match_only_text'
    const backoff = new Backoff({ initial: 500, max: 30_000 })
    while (!this.#closed) {
      try {
        // The legacy template one above: should legacy_index's pattern overlap index's (logs-legacy-* in logs-*-*), it wins.
        const body = indexTemplateBody({ name, pattern, priority: layout === 'legacy' ? t.priority + 1 : t.priority, shards: t.shards, replicas: t.replicas, messageType, layout })
        await this.transport.putIndexTemplate(name, body, !t.overwrite, this.#abort.signal)
        this.#logger.info({ template: name, pattern, message: messageType }, 'index template installed')
        return
      } catch (err) {
        if (this.#closed) return
        const status = statusOf(err)
        const reason = JSON.stringify((err as { meta?: { body?: unknown } }).meta?.body ?? errorMessage(err))
        if (status === 400 && messageType === 'match_only_text' && unknownMapperType(reason)) {
          messageType = 'text'
          continue
        }
        if (status === 400 && !t.overwrite && /already exists/.test(reason)) return
        if (status >= 400 && status < 500 && status !== 401 && status !== 408 && status !== 429) {
          this.#logger.error({ code: 'LY_ES_BULK', status, reason }, 'cannot install the index template; indexing without it')
          return
        }
        this.#warn('template', { code: status > 0 ? 'LY_ES_BULK' : 'LY_CONNECTION', status, reason }, 'cannot install the index template yet; retrying')
        await this.#sleep(backoff.next())
      }
    }
  }

  #rateLimited(key: string): boolean {
    const now = Date.now()
    const last = this.#lastLog.get(key) ?? 0
    if (now - last < 10_000) return true
    this.#lastLog.set(key, now)
    return false
  }

  #warn(key: string, obj: { code: ErrorCode; [k: string]: unknown }, msg: string): void {
    if (!this.#rateLimited(key)) this.#logger.warn(obj, msg)
  }

  #error(key: string, obj: { code: ErrorCode; [k: string]: unknown }, msg: string): void {
    if (!this.#rateLimited(key)) this.#logger.error(obj, msg)
  }

  async #sleep(ms: number): Promise<void> {
    try {
      await sleep(ms, undefined, { signal: this.#abort.signal })
    } catch {
      // aborted by close
    }
  }

  // -- lifecycle ---------------------------------------------------------------

  /** Stops accepting, sends what is pending until `deadlineMs`, then aborts the rest (their write() rejects with ClosedError). */
  async close(deadlineMs = 30_000): Promise<void> {
    if (this.#closing) {
      while (!this.#closed) await sleep(20)
      return
    }
    this.#closing = true
    for (const w of this.#waiters.splice(0)) w()
    if (this.#lingerTimer) clearTimeout(this.#lingerTimer)
    this.#lingerTimer = undefined
    this.#pump()
    const deadline = Date.now() + deadlineMs
    while ((this.#pendingDocs > 0 || this.#inFlight > 0) && Date.now() < deadline) {
      this.#schedule()
      await sleep(Math.min(50, Math.max(1, deadline - Date.now())))
    }
    this.#closed = true
    this.#abort.abort()
    if (this.#healthTimer) clearInterval(this.#healthTimer)
    for (const t of this.#tickets) {
      if (!t.settled) {
        t.settled = true
        t.reject(new ClosedError(`${this.type} output closed before these events were stored`))
      }
    }
    this.#tickets.clear()
    await this.transport.close().catch(() => {})
    if (this.#pendingDocs > 0) this.#logger.warn({ code: 'LY_CLOSED', pending: this.#pendingDocs }, 'closed with unsent documents; their batches were not acknowledged')
  }
}
