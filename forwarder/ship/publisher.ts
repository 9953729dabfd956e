import type { EventEmitter } from 'node:events'
import type { FramedWindow } from '../../core/lumberjack/frame-encoder.ts'

// What the forwarder needs from its output: the shape of
// core/lumberjack/client.ts's LumberjackClient, kept small so tests can run
// against anything that acknowledges windows.

export interface Publisher extends EventEmitter {
  /** Sends one window of `2J` frames; resolves when every event in it has been acknowledged. The frames' buffer is only valid until `window.release()` is called or the promise settles, whichever comes first (the batcher then reuses it): keep copies, not views. */
  sendFrames(window: FramedWindow): Promise<void>
  /** True while no further window may be started; wait for 'drain'. */
  readonly busy: boolean
  close(deadlineMs?: number): Promise<void>
}
