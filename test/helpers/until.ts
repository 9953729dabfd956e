// Waiting on a condition in tests (never a fixed sleep as synchronisation).
import type { Test } from 'tap'

// Captured before any test fakes timers (test/helpers/clock.ts), so until()
// keeps polling in real time while a test drives the code's own timers by hand.
const realSetTimeout = globalThis.setTimeout
const now = (): number => performance.now()
const pause = (ms: number): Promise<void> => new Promise((r) => realSetTimeout(r, ms))

/**
 * Polls `fn` (sync or async) every `every` ms until it returns a truthy value (a predicate:
 * `true`) and resolves with it; an error thrown by `fn` counts as "not yet"
 * and is quoted if time runs out after `ms`.
 */
export async function until<T>(fn: () => T | false | undefined | null | Promise<T | false | undefined | null>, ms = 10_000, what = 'condition', every = 20): Promise<T> {
  const end = now() + ms
  let last: unknown
  for (;;) {
    try {
      const v = await fn()
      if (v) return v
    } catch (err) {
      last = err
    }
    if (now() > end) throw new Error(`timed out after ${ms} ms waiting for ${what}${last ? `: ${String(last)}` : ''}`)
    await pause(every)
  }
}

/**
 * "Nothing (more) happened", for the few cases where there is no later event
 * to wait for instead and the code is not driven by timers a test could fake.
 * Use it only when what must not happen is already due when it is called
 * (bytes already flushed to a loopback socket served in this same process, an
 * interval already elapsed): `quiet()` polls for `ms` and fails as soon as it
 * happens. Load can delay this process, but not reorder it: a socket that was
 * readable before the wait ends is served before the wait's own timer. So a
 * slow machine cannot make the assertion pass falsely; at worst `ms` is too
 * short for a kernel-side delay, and the test fails.
 */
export async function assertQuiet(t: Pick<Test, 'ok'>, ms: number, what: string, quiet: () => boolean): Promise<void> {
  const end = now() + ms
  while (quiet() && now() < end) await pause(20)
  t.ok(quiet(), what)
}
