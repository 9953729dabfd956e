// Waiting on a condition in tests (never a fixed sleep as synchronisation).

/**
 * Polls `fn` every `every` ms until it returns a truthy value (a predicate:
 * `true`) and resolves with it; an error thrown by `fn` counts as "not yet"
 * and is quoted if time runs out after `ms`.
 */
export async function until<T>(fn: () => T | false | undefined | null | Promise<T | false | undefined | null>, ms = 10_000, what = 'condition', every = 20): Promise<T> {
  const end = Date.now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (Date.now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await new Promise((r) => setTimeout(r, every))
  }
}
