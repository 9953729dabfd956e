// Fake timers for tests of timer-driven code: Node's built-in MockTimers
// (node:test's `mock.timers`; tap 21 ships no clock of its own unless the
// @tapjs/clock plugin is installed). Only the APIs named are faked, so
// setImmediate and I/O keep running; time moves only on tick().
import { mock } from 'node:test'

type Api = 'setTimeout' | 'setInterval' | 'setImmediate' | 'Date'

/** Fakes `apis` (default: setTimeout and Date, from `now`) until the test ends. */
export function fakeClock(t: { teardown(fn: () => void): void }, apis: Api[] = ['setTimeout', 'Date'], now = 1_000_000): { tick(ms: number): void } {
  mock.timers.enable({ apis, now })
  t.teardown(() => mock.timers.reset())
  return { tick: (ms) => mock.timers.tick(ms) }
}
