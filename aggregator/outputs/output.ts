import type { LogEvent } from '../../core/event.ts'

// The contract of an output (sink): elasticsearch, file, blackhole.
//
// `write(events)` resolves only when every event is safe: indexed (or a 409
// for its deterministic id), written and fsynced (file), or written to the
// dead-letter queue with the reason. Retriable failures are retried inside the
// output (bounded memory, capped jittered backoff) — the promise does not
// reject for them. It rejects only with a ClosedError when the output is
// destroyed before the events were safe, so the Lumberjack batch is not acked
// and the sender resends it.

export interface Output {
  readonly type: string
  write(events: LogEvent[]): Promise<void>
  /** True while in-flight work is at its bound; inputs must pause until 'drain'. */
  readonly busy: boolean
  on(event: 'drain', listener: () => void): unknown
  off(event: 'drain', listener: () => void): unknown
  /** False while the destination is unreachable (drives /healthz 503). */
  healthy(): boolean
  /** Why healthy() is false, for /healthz (e.g. "authentication failed"); undefined while healthy. */
  unhealthyReason?(): string | undefined
  /** Stop accepting, flush in-flight work up to the deadline (ms), then release resources. */
  close(deadlineMs?: number): Promise<void>
}
