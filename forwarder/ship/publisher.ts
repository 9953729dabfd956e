import type { EventEmitter } from 'node:events'

// What the forwarder needs from its output: the shape of
// core/lumberjack/client.ts's LumberjackClient, kept small so tests can run
// against anything that acknowledges windows.

export interface Publisher extends EventEmitter {
  /** Sends one window; resolves when every event in it has been acknowledged. Buffer payloads are only valid until the promise settles (the batcher then reuses their memory): keep copies, not views. */
  send(payloads: readonly (string | Buffer)[]): Promise<void>
  /** True while no further window may be started; wait for 'drain'. */
  readonly busy: boolean
  close(deadlineMs?: number): Promise<void>
}
