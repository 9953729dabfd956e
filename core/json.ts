// JSON for events: BigInt values written exactly (JSON.rawJSON), and a form
// that never throws for what must be written whatever it holds (the
// dead-letter queue, the file output's fallback).

/** Node 24's JSON.rawJSON: a toJSON() result JSON.stringify writes as this exact text. */
export const rawJSON = (JSON as unknown as { rawJSON(text: string): unknown }).rawJSON
/** Node 24's JSON.isRawJSON: true for a value rawJSON made (parseExact's exact numbers). */
const isRawJSON = (JSON as unknown as { isRawJSON(value: unknown): boolean }).isRawJSON

function bigintReplacer(_key: string, value: unknown): unknown {
  return typeof value === 'bigint' ? rawJSON(value.toString()) : value
}

/** JSON.stringify that also writes BigInt values exactly. Throws for cycles. */
export function stringifyEvent(value: unknown): string {
  try {
    return JSON.stringify(value)
  } catch (err) {
    if (err instanceof TypeError && /BigInt/i.test(err.message)) return JSON.stringify(value, bigintReplacer)
    throw err
  }
}

/** JSON that never throws: BigInt exact, cycles as "[Circular]". */
export function safeStringify(value: unknown): string {
  return JSON.stringify(bounded(value, 0, new Set<object>(), { entries: 0 }))
}

/** How deep and how wide safeStringify copies; beyond, a placeholder string. */
const SAFE_MAX_DEPTH = 64
const SAFE_MAX_ENTRIES = 100_000

/**
 * A copy JSON.stringify cannot fail on: BigInt written exactly, a reference to
 * an ancestor (a real cycle) as "[Circular]" while an object merely shared by
 * two fields is written twice, nesting below SAFE_MAX_DEPTH as "[depth limit]"
 * and entries past SAFE_MAX_ENTRIES dropped. The recursion is bounded by
 * SAFE_MAX_DEPTH, so a 100,000-deep event cannot overflow the stack here.
 */
function bounded(v: unknown, depth: number, ancestors: Set<object>, budget: { entries: number }): unknown {
  if (typeof v === 'bigint') return rawJSON(v.toString())
  if (v === null || typeof v !== 'object') return v
  // an exact number from parseExact: JSON.stringify writes its text verbatim,
  // a copy would be written as {"rawJSON":"…"}
  if (isRawJSON(v)) return v
  if (ancestors.has(v)) return '[Circular]'
  if (depth >= SAFE_MAX_DEPTH) return '[depth limit]'
  const toJSON = (v as { toJSON?: unknown }).toJSON
  if (typeof toJSON === 'function') return (toJSON as () => unknown).call(v)
  ancestors.add(v)
  let out: unknown
  if (Array.isArray(v)) {
    const a: unknown[] = []
    for (let i = 0; i < v.length && budget.entries++ < SAFE_MAX_ENTRIES; i++) a.push(bounded(v[i], depth + 1, ancestors, budget))
    out = a
  } else {
    const o: Record<string, unknown> = {}
    for (const k in v as Record<string, unknown>) {
      if (budget.entries++ >= SAFE_MAX_ENTRIES) break
      o[k] = bounded((v as Record<string, unknown>)[k], depth + 1, ancestors, budget)
    }
    out = o
  }
  ancestors.delete(v)
  return out
}

/**
 * JSON.parse that keeps every number as it was written: one whose text a
 * double would change (an integer beyond 2^53, `2.50`, `1e21`) becomes a
 * rawJSON value that JSON.stringify writes back verbatim. For the rare path
 * that turns an encoded document back into an event (the dead-letter queue).
 */
export function parseExact(text: string): unknown {
  return JSON.parse(text, exactNumber as (key: string, value: unknown) => unknown)
}

function exactNumber(_key: string, value: unknown, context?: { source?: string }): unknown {
  if (typeof value === 'number' && context?.source !== undefined && String(value) !== context.source) return rawJSON(context.source)
  return value
}
