import type { Logger } from '../core/logger.ts'
import type { MetricsRegistry } from '../core/metrics.ts'
import type { LogEvent } from '../core/event.ts'
import type { Infer, ObjectSpec } from '../core/config/schema.ts'
import type { PeerStatus } from '../core/lumberjack/server-connection.ts'
import type { DeadLetterSink } from './outputs/dead-letter.ts'

// The one contract of logyard-aggregator's components, as Vector has sources,
// transforms and sinks: inputs (beats, collectd), stages (grok, json, date,
// mutate, drop) and outputs (elasticsearch, opensearch, file, blackhole).
//
// A component is an object with its `type` (the config key that selects it),
// its option table `spec` (declared `as const satisfies Spec`, so its options
// type is `Infer<typeof spec>`), an optional `checkFiles` (--check-config: the
// files the options name are readable, the directories writable) and
// `create(options, ctx)`, which builds the running part. Each role has one
// registry listing its components (inputs/index.ts, stages/index.ts,
// outputs/index.ts); the config's `inputs:` and `output:` sections and the
// pipeline's stage types come from them, so a new component is one folder (or
// file) plus one registry line.

interface ComponentBase<S extends ObjectSpec, T extends string, O> {
  /** The config key: `inputs.<type>`, `output.<type>`, a pipeline item's `<type>:`. */
  readonly type: T
  readonly spec: S
  /** --check-config: every file the options name is readable, every directory written writable; throws a ConfigError naming `key.…`. */
  checkFiles?(options: O, key: string): void
}

// ---- inputs (sources) ----

export interface InputContext {
  logger: Logger
  metrics: MetricsRegistry
  /** Hands a batch to the pipeline; resolves when the output made every kept event safe (only then may the input acknowledge it). */
  deliver: (events: LogEvent[]) => Promise<void>
}

/** A running input, as the aggregator drives it. */
export interface Input {
  /** Opens sockets; resolves with what it bound (logged, reported to the primary). */
  start(): Promise<Record<string, unknown>>
  /** Stops accepting; in-flight batches may finish until the deadline (ms). */
  close(deadlineMs: number): Promise<void>
  /** Backpressure: stop reading (inputs that can push back; UDP cannot). */
  pause?(): void
  resume?(): void
  /** The `limit` senders with the most events, for the status page (connection-oriented inputs). */
  peers?(limit: number): PeerStatus[]
}

export interface InputComponent<S extends ObjectSpec = ObjectSpec, T extends string = string> extends ComponentBase<S, T, Infer<S>> {
  readonly kind: 'input'
  create(options: Infer<S>, ctx: InputContext): Input
}

// ---- stages (transforms) ----
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

export interface StageComponent<S extends ObjectSpec = ObjectSpec, T extends string = string> extends ComponentBase<S, T, Infer<S>> {
  readonly kind: 'stage'
  create(options: Infer<S>, ctx: StageContext): Stage | Promise<Stage>
}

// ---- outputs (sinks) ----
//
// `write(events)` resolves only when every event is safe: indexed (or a 409
// for its deterministic id), written and fsynced (file), or written to the
// dead-letter queue with the reason. Retriable failures are retried inside the
// output (bounded memory, capped jittered backoff) — the promise does not
// reject for them. It rejects only with a ClosedError when the output is
// destroyed before the events were safe, so the Lumberjack batch is not acked
// and the sender resends it.
//
// `write()` takes the array: the caller must not read it after the call. An
// output may empty it once it holds the events in a form of its own (the
// Elasticsearch output does, after encoding), so the events can be collected
// while the request is in flight rather than live until the answer.

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

export interface OutputContext {
  logger: Logger
  metrics: MetricsRegistry
  /** Where documents the destination refuses go (the top-level `dead_letter:` queue, or logged and counted). */
  deadLetter: DeadLetterSink
}

export interface OutputComponent<S extends ObjectSpec = ObjectSpec, T extends string = string> extends ComponentBase<S, T, Infer<S>> {
  readonly kind: 'output'
  create(options: Infer<S>, ctx: OutputContext): Output | Promise<Output>
}

// ---- registries ----

type AnyComponent = InputComponent<any, string> | StageComponent<any, string> | OutputComponent<any, string>

/** A role's registry, keyed by component type: `registry(beatsInput, collectdInput)` → `{ beats, collectd }` (in that order). */
export function registry<const C extends readonly AnyComponent[]>(...components: C): { readonly [E in C[number] as E['type']]: E } {
  return Object.freeze(Object.fromEntries(components.map((c) => [c.type, c]))) as never
}

/**
 * The fields of a config section holding one optional key per component of a
 * registry (`inputs:`, `output:`), in registry order; `Infer` of an object
 * spec with these fields has one optional options object per type.
 */
export function sectionFields<const R extends Readonly<Record<string, AnyComponent>>>(components: R): { readonly [K in keyof R]: R[K]['spec'] & { readonly optional: true } } {
  return Object.fromEntries(Object.entries(components).map(([type, c]) => [type, { ...c.spec, optional: true }])) as never
}

/** `a, b or c` — the types of a registry, as error messages list them. */
export function typeList(components: Readonly<Record<string, unknown>>, separator = ', '): string {
  const types = Object.keys(components)
  return types.length < 2 ? types.join('') : `${types.slice(0, -1).join(separator)} or ${types.at(-1)}`
}
