import type { EventEmitter } from 'node:events'
import type { EncodedWindow } from '../../core/lumberjack/frame-encoder.ts'

// What the forwarder needs from its output: the shape of
// core/lumberjack/client.ts's LumberjackClient, kept small so tests can run
// against anything that acknowledges windows.

export interface Publisher extends EventEmitter {
  /** Sends one window in wire form (its `2J` frames, compressed or raw); resolves when every event in it has been acknowledged. Its buffers stay unchanged until then. */
  sendEncoded(window: EncodedWindow): Promise<void>
  /** True while no further window may be started; wait for 'drain'. */
  readonly busy: boolean
  close(deadlineMs?: number): Promise<void>
  /** Each connection to a receiver, for GET /status (absent: the output cannot tell). */
  connections?(): { endpoint: string | null; state: string; windows_in_flight: number }[]
}
