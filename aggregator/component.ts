import type { Logger } from '../core/logger.ts'
import type { MetricsRegistry } from '../core/metrics.ts'
import type { LogEvent } from '../core/event.ts'
import type { Spec } from '../core/config/schema.ts'

// The contract every pipeline stage (transform) implements. Transforms are
// verbs named as in the config: grok, json, date, mutate, drop, …
//
// A stage works on a batch. It mutates events in place and returns the events
// to keep (the same array when nothing was dropped). Per-event failures never
// throw: they tag the event (`_grokparsefailure`, `_jsonparsefailure`, …) and
// count. A stage may be async (grok runs on worker threads with a watchdog).

export interface StageContext {
  logger: Logger
  metrics: MetricsRegistry
  /** Stage position in the pipeline, used in metric labels: e.g. `2:grok`. */
  id: string
  /** Directory holding the bundled pattern library (grok). */
  patternsDir: string
}

export interface Stage {
  readonly type: string
  run(events: LogEvent[]): LogEvent[] | Promise<LogEvent[]>
  close?(): Promise<void>
}

/** What a stage module exports: its option table and a factory taking the validated options. */
export interface StageModule<O = any> {
  type: string
  spec: Spec
  create(options: O, ctx: StageContext): Stage | Promise<Stage>
}
