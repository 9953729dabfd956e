// The one place that decides what a `_bulk` outcome means (docs/protocols/elasticsearch-bulk.md §3).
// Pure: a response (or a transport failure) in, verdicts out. The sink's loop
// stays linear: it acts on the verdicts and never inspects statuses itself.
//
// Item level (a 200 response, matched to the request by position):
//   2xx                         → ok
//   404 without an error        → ok (a delete of a missing doc: result not_found)
//   409 on `create` with an _id → duplicate (a replay of a stored event: success)
//   408, 429, 5xx               → retry (only those items, capped jittered backoff)
//   any other 4xx (400, 403, 404, 409 on index …) → dead-letter, with the reason
//
// Whole request:
//   200 + items                 → items
//   200 + item count ≠ actions  → retry the whole request (ES 7.10.2/7.11.1 bug)
//   413                         → split in halves; one document still too large → dead-letter
//   429 circuit breaker PERMANENT → split (this request will never fit)
//   408, 429, 5xx, no response  → retry the whole request (no response also marks the cluster unhealthy)
//   401, 403                    → auth: unhealthy, alert, keep retrying slowly
//   400 and other 4xx           → bug: our request is malformed; dead-letter it with the reason, never loop

/** What happens to one document. */
export const ItemVerdict = { ok: 0, duplicate: 1, retry: 2, deadLetter: 3 } as const
export type ItemVerdict = (typeof ItemVerdict)[keyof typeof ItemVerdict]

/** What happens to a whole request. */
export const RequestVerdict = { items: 'items', retry: 'retry', split: 'split', auth: 'auth', bug: 'bug' } as const
export type RequestVerdict = (typeof RequestVerdict)[keyof typeof RequestVerdict]

export interface BulkOutcome {
  request: RequestVerdict
  /** Per document, in request order; only when `request` is `items`. */
  items: Uint8Array | undefined
  /** Per document reason (status, type: reason) for retry and dead-letter items; undefined entries otherwise. */
  reasons: (string | undefined)[] | undefined
  /** Per document HTTP status from the item (0 when there was none). */
  statuses: Uint16Array | undefined
  /** The request-level reason (for logs and the DLQ). */
  reason: string
  /** HTTP status of the request; 0 when there was no response. */
  status: number
  /** Counts per ItemVerdict (indexes 0..3). */
  counts: [number, number, number, number]
}

/** A document's action as sent: `create`/`index`, and whether it carried an `_id`. */
interface SentAction {
  op: string
  hasId: boolean
}

interface EsError {
  type?: unknown
  reason?: unknown
  caused_by?: { type?: unknown; reason?: unknown }
  durability?: unknown
  root_cause?: { durability?: unknown; type?: unknown }[]
}

function errorText(error: unknown): string {
  if (error === null || typeof error !== 'object') return typeof error === 'string' ? error : ''
  const e = error as EsError
  let text = `${String(e.type ?? 'error')}: ${String(e.reason ?? '')}`
  if (e.caused_by && typeof e.caused_by === 'object') text += ` (caused by ${String(e.caused_by.type ?? '')}: ${String(e.caused_by.reason ?? '')})`
  return text
}

/** Verdict for one item status. `hasError` is whether the item carried an `error` object. */
export function classifyItem(status: number, op: string, hasId: boolean, hasError: boolean): ItemVerdict {
  if (status >= 200 && status < 300) return ItemVerdict.ok
  if (status === 409 && op === 'create' && hasId) return ItemVerdict.duplicate
  if (status === 404 && !hasError) return ItemVerdict.ok
  if (status === 408 || status === 429 || status >= 500) return ItemVerdict.retry
  return ItemVerdict.deadLetter
}

function outcome(request: RequestVerdict, status: number, reason: string): BulkOutcome {
  return { request, items: undefined, reasons: undefined, statuses: undefined, reason, status, counts: [0, 0, 0, 0] }
}

/** True for a circuit breaker that will never let this request through. */
function permanentBreaker(error: EsError | undefined): boolean {
  if (!error) return false
  if (error.durability === 'PERMANENT') return true
  return Array.isArray(error.root_cause) && error.root_cause.some((c) => c?.durability === 'PERMANENT')
}

/** Verdict for a whole request that got a non-2xx HTTP status (body parsed when JSON). */
export function classifyRequestStatus(status: number, body: unknown, documents: number): BulkOutcome {
  const error = body !== null && typeof body === 'object' ? ((body as { error?: EsError }).error ?? undefined) : undefined
  const detail = error ? errorText(error) : typeof body === 'string' ? body.slice(0, 300) : ''
  const reason = `HTTP ${status}${detail ? ` ${detail}` : ''}`
  if (status === 413) return outcome(documents > 1 ? RequestVerdict.split : RequestVerdict.bug, status, reason)
  if (status === 429) return outcome(permanentBreaker(error) && documents > 1 ? RequestVerdict.split : RequestVerdict.retry, status, reason)
  if (status === 401 || status === 403) return outcome(RequestVerdict.auth, status, reason)
  if (status === 408 || status >= 500) return outcome(RequestVerdict.retry, status, reason)
  return outcome(RequestVerdict.bug, status, reason)
}

/** Verdict when no HTTP response arrived (connection refused/reset, timeout). */
export function classifyNoResponse(reason: string): BulkOutcome {
  return outcome(RequestVerdict.retry, 0, reason)
}

/**
 * Verdict for a 2xx response body. `actions[i]` is what document i was sent as.
 * `errors: false` takes the fast path: every item is ok without looking at it.
 */
export function classifyBulkBody(body: unknown, actions: readonly SentAction[]): BulkOutcome {
  const n = actions.length
  const b = body as { errors?: unknown; items?: unknown } | null
  if (b === null || typeof b !== 'object' || !Array.isArray(b.items)) {
    return outcome(RequestVerdict.retry, 200, 'bulk response without an items array')
  }
  const list = b.items as unknown[]
  if (list.length !== n) return outcome(RequestVerdict.retry, 200, `bulk response has ${list.length} items for ${n} actions`)
  const verdicts = new Uint8Array(n)
  const statuses = new Uint16Array(n)
  const result = outcome(RequestVerdict.items, 200, 'ok')
  result.items = verdicts
  result.statuses = statuses
  if (b.errors === false) {
    result.counts[ItemVerdict.ok] = n
    return result
  }
  const reasons: (string | undefined)[] = new Array(n)
  result.reasons = reasons
  for (let i = 0; i < n; i++) {
    const entry = list[i]
    let status = 0
    let error: unknown
    if (entry !== null && typeof entry === 'object') {
      for (const key in entry) {
        const item = (entry as Record<string, { status?: unknown; error?: unknown } | undefined>)[key]
        if (item && typeof item === 'object') {
          status = typeof item.status === 'number' ? item.status : 0
          error = item.error
        }
        break
      }
    }
    const action = actions[i]!
    // An item without a status is malformed: retrying it is the safe choice.
    const v = status === 0 ? ItemVerdict.retry : classifyItem(status, action.op, action.hasId, error !== undefined && error !== null)
    verdicts[i] = v
    statuses[i] = status
    result.counts[v]++
    if (v === ItemVerdict.retry || v === ItemVerdict.deadLetter) reasons[i] = `${status || 'no status'} ${errorText(error)}`.trimEnd()
  }
  return result
}
