// Limits on the shape of one decoded event, against poison events: JSON
// nested so deep that a later JSON.stringify or structuredClone overflows
// the stack (V8's JSON.parse itself does not recurse), or so wide (a million
// keys) that stages and the bulk encoder block the event loop for seconds.
// An event over a limit is not refused: the window would be resent forever.
// It is replaced by a small event that keeps its top-level scalar fields
// (strings cut to 32 KiB), its @metadata scalars (so the _id and a replay's
// dedupe survive), the tag `_eventlimit` and the reason in `error.message`,
// so the batch completes and the operator finds it in Elasticsearch.
//
// Cost: an object walk, only for payloads big enough to break a limit
// (a level of nesting takes at least 1 byte, an entry at least 2), so the
// ordinary ~1 KiB event never pays for it.

interface EventLimits {
  /** Deepest nesting of objects/arrays accepted (the top-level object is depth 1). */
  maxDepth: number
  /** Most keys + array elements accepted in one event, all levels together. */
  maxEntries: number
}

export const defaultEventLimits: Readonly<EventLimits> = Object.freeze({ maxDepth: 1000, maxEntries: 100_000 })

const EVENT_LIMIT_TAG = '_eventlimit'
const MAX_KEPT_STRING = 32 * 1024

/** Payload size below which no event can break `limits` (so the walk is skipped). */
export function checkThreshold(limits: EventLimits): number {
  return Math.min(2 * limits.maxDepth, 2 * limits.maxEntries)
}

/** 'depth' or 'entries' when `event` breaks a limit, else undefined. Iterative: no recursion. */
export function eventLimitBroken(event: unknown, limits: EventLimits): 'depth' | 'entries' | undefined {
  const values: unknown[] = [event]
  const depths: number[] = [1]
  let entries = 0
  while (values.length > 0) {
    const v = values.pop()
    const d = depths.pop()!
    if (d > limits.maxDepth) return 'depth'
    if (Array.isArray(v)) {
      entries += v.length
      if (entries > limits.maxEntries) return 'entries'
      for (let i = 0; i < v.length; i++) {
        const x = v[i]
        if (x !== null && typeof x === 'object') {
          values.push(x)
          depths.push(d + 1)
        }
      }
    } else {
      const o = v as Record<string, unknown>
      for (const k in o) {
        if (++entries > limits.maxEntries) return 'entries'
        const x = o[k]
        if (x !== null && typeof x === 'object') {
          values.push(x)
          depths.push(d + 1)
        }
      }
    }
  }
  return undefined
}

function scalar(v: unknown): unknown {
  if (typeof v === 'string') return v.length > MAX_KEPT_STRING ? v.slice(0, MAX_KEPT_STRING) : v
  if (typeof v === 'number' || typeof v === 'boolean') return v
  return undefined
}

/** The small stand-in for an event over a limit (see the file comment). */
export function limitedEvent(event: Record<string, unknown>, reason: 'depth' | 'entries', limits: EventLimits): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  let n = 0
  for (const k in event) {
    if (++n > 1000) break
    const s = scalar(event[k])
    if (s !== undefined) out[k] = s
  }
  const meta = event['@metadata']
  if (meta !== null && typeof meta === 'object' && !Array.isArray(meta)) {
    const m: Record<string, unknown> = {}
    let i = 0
    for (const k in meta as Record<string, unknown>) {
      if (++i > 100) break
      const s = scalar((meta as Record<string, unknown>)[k])
      if (s !== undefined) m[k] = s
    }
    out['@metadata'] = m
  }
  out.tags = [EVENT_LIMIT_TAG]
  out.error = { message: reason === 'depth' ? `event nested deeper than ${limits.maxDepth} levels; only its top-level scalar fields were kept` : `event has more than ${limits.maxEntries} keys and array elements; only its top-level scalar fields were kept` }
  return out
}
