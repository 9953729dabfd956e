import { ConfigError } from '../../core/errors.ts'
import { validate, type Infer } from '../../core/config/schema.ts'
import type { Logger } from '../../core/logger.ts'
import type { Counter, MetricsRegistry } from '../../core/metrics.ts'
import type { LogEvent } from '../../core/event.ts'
import type { Stage, StageComponent } from '../component.ts'
import { compileCondition, type Condition } from './condition.ts'
import type { FailureSamples } from './failures.ts'

// The pipeline: an ordered list of `{when?, <type>: options}` items. Checking
// the list is pure (validatePipeline); building it creates the stages
// (buildPipeline — grok compiles its patterns here, so --check-config runs it).
//
// A stage with a `when:` sees only the events that match; the others pass by
// untouched and keep their place in the batch.

/** Stage components by type (stages/index.ts's registry, or a test's). */
type StageRegistry = Readonly<Record<string, StageComponent<any, string>>>

/** One validated pipeline item; over a typed registry a union narrowed by `type` (`type === 'grok'` → grok's options). */
export type StageDefinition<R extends StageRegistry = StageRegistry> = {
  [T in keyof R & string]: {
    index: number
    type: T
    /** `2:grok` — the label used in metrics and logs. */
    id: string
    component: R[T]
    options: Infer<R[T]['spec']>
    when: Condition | undefined
  }
}[keyof R & string]

function isMapping(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Validates the `pipeline:` list against the stage components. Throws ConfigError naming the index. */
export function validatePipeline<const R extends StageRegistry>(items: readonly unknown[], components: R, path = 'pipeline'): StageDefinition<R>[] {
  const byType = new Map(Object.values(components).map((c) => [c.type, c]))
  const known = [...byType.keys()].join(', ')
  return items.map((item, index) => {
    const p = `${path}[${index}]`
    if (!isMapping(item)) throw new ConfigError(p, `must be a mapping like {grok: {...}} with one stage type (${known}), got ${JSON.stringify(item)}`)
    const types = Object.keys(item).filter((k) => k !== 'when')
    if (types.length !== 1) {
      throw new ConfigError(p, types.length === 0 ? `names no stage; add one of: ${known}` : `names ${types.length} stages (${types.join(', ')}); put each in its own list item`)
    }
    const type = types[0]!
    const component = byType.get(type)
    if (!component) throw new ConfigError(`${p}.${type}`, `unknown stage type "${type}"; known types: ${known}`)
    const when = item.when === undefined || item.when === null ? undefined : compileCondition(item.when, `${p}.when`)
    const options = validate(component.spec, item[type], `${p}.${type}`)
    // The registry's entry for `type` and its validated options: the union member for `type`.
    return { index, type, id: `${index}:${type}`, component, options, when } as StageDefinition<R>
  })
}

interface PipelineContext {
  logger: Logger
  metrics: MetricsRegistry
  patternsDir: string
  /** Where recent failing lines are kept for the status page. */
  failures?: FailureSamples
}

interface Step {
  id: string
  stage: Stage
  /** The stage's failure counter, when it has one (read before/after a batch). */
  failed: Counter | undefined
  when: Condition | undefined
  in: Counter
  out: Counter
  dropped: Counter
}

export class Pipeline {
  readonly #steps: Step[]
  readonly #failures: FailureSamples | undefined
  #closed = false

  constructor(steps: Step[], failures?: FailureSamples) {
    this.#steps = steps
    this.#failures = failures
  }

  get length(): number {
    return this.#steps.length
  }

  /** Runs every stage over the batch; resolves with the events to keep, in order. */
  async run(events: LogEvent[]): Promise<LogEvent[]> {
    let batch = events
    for (let i = 0; i < this.#steps.length && batch.length > 0; i++) {
      const step = this.#steps[i]!
      batch = step.when === undefined ? await this.#runAll(step, batch) : await this.#runSome(step, batch, step.when)
    }
    return batch
  }

  async #runAll(step: Step, batch: LogEvent[]): Promise<LogEvent[]> {
    step.in.inc(batch.length)
    const failedBefore = step.failed === undefined ? 0 : step.failed.value
    const r = step.stage.run(batch)
    const out = r instanceof Promise ? await r : r
    step.out.inc(out.length)
    if (step.failed !== undefined && step.failed.value !== failedBefore && this.#failures !== undefined) this.#failures.record(step.id, out)
    if (out.length !== batch.length) step.dropped.inc(batch.length - out.length)
    return out
  }

  async #runSome(step: Step, batch: LogEvent[], when: Condition): Promise<LogEvent[]> {
    const selected: LogEvent[] = []
    for (let i = 0; i < batch.length; i++) if (when(batch[i]!)) selected.push(batch[i]!)
    if (selected.length === 0) return batch
    if (selected.length === batch.length) return this.#runAll(step, batch)
    const out = await this.#runAll(step, selected)
    if (out.length === selected.length) return batch // stages mutate in place
    const kept = new Set(out)
    const matched = new Set(selected)
    return batch.filter((e) => !matched.has(e) || kept.has(e))
  }

  async close(): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    for (const step of this.#steps) await step.stage.close?.()
  }
}

/** Creates every stage (compiling grok patterns, date formats…). */
export async function buildPipeline(definitions: readonly StageDefinition[], ctx: PipelineContext): Promise<Pipeline> {
  const steps: Step[] = []
  for (const def of definitions) {
    const labels = { stage: def.id }
    let stage: Stage
    try {
      stage = await def.component.create(def.options, { logger: ctx.logger.child({ stage: def.id }), metrics: ctx.metrics, id: def.id, patternsDir: ctx.patternsDir })
    } catch (err) {
      throw stageKeyError(err, def)
    }
    steps.push({
      id: def.id,
      stage,
      failed: failureCounters.get(ctx.metrics)?.get(def.id),
      when: def.when,
      in: ctx.metrics.counter('pipeline_stage_events_in_total', 'Events entering a pipeline stage', labels),
      out: ctx.metrics.counter('pipeline_stage_events_out_total', 'Events leaving a pipeline stage', labels),
      dropped: ctx.metrics.counter('pipeline_stage_events_dropped_total', 'Events a pipeline stage dropped', labels),
    })
  }
  return new Pipeline(steps, ctx.failures)
}

/**
 * A stage's ConfigError with its full key path: stages name keys by their id
 * (`0:grok.patterns[0]`) or bare (`grok`, `pattern_definitions.X`); the
 * operator's file says `pipeline[0].grok.patterns[0]`. Paths of files (pattern
 * directories) are left as they are.
 */
function stageKeyError(err: unknown, def: StageDefinition): unknown {
  if (!(err instanceof ConfigError) || !err.path) return err
  const key = `pipeline[${def.index}].${def.type}`
  const bare = err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message
  if (err.path === def.id || err.path.startsWith(`${def.id}.`)) return new ConfigError(key + err.path.slice(def.id.length), bare, { cause: err.cause })
  if (err.path === def.type) return new ConfigError(key, bare, { cause: err.cause })
  if (!err.path.includes('/')) return new ConfigError(`${key}.${err.path}`, bare, { cause: err.cause })
  return err
}

const failureCounters = new WeakMap<MetricsRegistry, Map<string, Counter>>()

/** A failure counter every stage shares the name of: `logyard_pipeline_stage_events_failed_total{stage}`; one per stage id and registry. */
export function failureCounter(metrics: MetricsRegistry, id: string): Counter {
  let byId = failureCounters.get(metrics)
  if (byId === undefined) failureCounters.set(metrics, (byId = new Map()))
  let c = byId.get(id)
  if (c === undefined) {
    c = metrics.counter('pipeline_stage_events_failed_total', 'Events a pipeline stage could not process (tagged, passed on)', { stage: id })
    byId.set(id, c)
  }
  return c
}
