import { EventEmitter } from 'node:events'
import type { Infer, Spec } from '../../core/config/schema.ts'
import { ClosedError } from '../../core/errors.ts'
import type { LogEvent } from '../../core/event.ts'
import type { Logger } from '../../core/logger.ts'
import type { MetricsRegistry } from '../../core/metrics.ts'
import { registry, sectionFields, typeList, type Output, type OutputComponent } from '../component.ts'
import { blackholeOutput } from './blackhole.ts'
import { DeadLetterQueue, LoggingDeadLetter, type DeadLetterConfig, type DeadLetterSink } from './dead-letter.ts'
import { elasticsearchOutput, opensearchOutput } from './elasticsearch/index.ts'
import { fileOutput } from './file.ts'

// The output registry and the `output:` section: one or more of
// elasticsearch, opensearch, file, blackhole. createOutputs() builds the
// configured ones (plus the dead-letter queue from the top-level
// `dead_letter:` section) and returns ONE Output: with several configured, a
// fan-out whose write() resolves when every output has the events (safe when
// all are safe), busy while any is busy, healthy while all are healthy.
//
//   import { outputSpec, createOutputs } from './outputs/index.ts'
//   const out = await createOutputs(config.output, { logger, metrics, deadLetter: config.dead_letter })
//   await out.write(events); out.busy; out.on('drain', …); out.healthy(); await out.close(deadlineMs)

/** Every output type `output:` may name, in the order the configuration reference lists them. */
export const outputComponents = registry(elasticsearchOutput, opensearchOutput, fileOutput, blackholeOutput)

export const outputSpec = {
  type: 'object',
  doc: `Where events go: one or more of ${Object.keys(outputComponents).join(', ')} (all get every event)`,
  fields: sectionFields(outputComponents),
  check: (v: Readonly<Record<string, unknown>>) => {
    if (Object.keys(outputComponents).every((type) => v[type] === undefined)) return `configure at least one output: ${typeList(outputComponents)}`
  },
} as const satisfies Spec

export type OutputConfig = Infer<typeof outputSpec>

interface OutputDeps {
  logger: Logger
  metrics: MetricsRegistry
  /** The validated top-level `dead_letter` section; unset → refused documents are logged and counted, then dropped. */
  deadLetter?: DeadLetterConfig | undefined
}

/** Several outputs behind one: every event goes to all of them. Also owns the dead-letter queue. */
export class FanOut extends EventEmitter implements Output {
  readonly type: string
  readonly outputs: readonly Output[]
  readonly #deadLetter: DeadLetterSink
  #closed = false
  #waiting = false

  constructor(outputs: Output[], deadLetter: DeadLetterSink) {
    super()
    this.outputs = outputs
    this.type = outputs.map((o) => o.type).join('+')
    this.#deadLetter = deadLetter
    for (const o of outputs) o.on('drain', this.#onDrain)
  }

  readonly #onDrain = (): void => {
    if (this.#waiting && !this.busy) {
      this.#waiting = false
      this.emit('drain')
    }
  }

  get busy(): boolean {
    for (const o of this.outputs) {
      if (o.busy) {
        this.#waiting = true
        return true
      }
    }
    return false
  }

  healthy(): boolean {
    return this.outputs.every((o) => o.healthy())
  }

  unhealthyReason(): string | undefined {
    const bad = this.outputs.find((o) => !o.healthy())
    return bad ? (bad.unhealthyReason?.() ?? `${bad.type} output unhealthy`) : undefined
  }

  write(events: LogEvent[]): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('outputs are closed'))
    if (this.outputs.length === 1) return this.outputs[0]!.write(events)
    // each output owns the array it is given (it may empty it): one copy each
    const all = Promise.all(this.outputs.map((o) => o.write(events.slice()))).then(() => undefined)
    events.length = 0
    return all
  }

  async close(deadlineMs?: number): Promise<void> {
    if (this.#closed) return
    this.#closed = true
    await Promise.all(this.outputs.map((o) => o.close(deadlineMs)))
    for (const o of this.outputs) o.off('drain', this.#onDrain)
    await this.#deadLetter.close()
  }
}

export async function createOutputs(config: OutputConfig, deps: OutputDeps): Promise<FanOut> {
  const deadLetter: DeadLetterSink = deps.deadLetter ? await DeadLetterQueue.open(deps.deadLetter, deps) : new LoggingDeadLetter(deps)
  const outputs: Output[] = []
  try {
    for (const component of Object.values<OutputComponent<any, keyof OutputConfig>>(outputComponents)) {
      const options = config[component.type]
      if (options !== undefined) outputs.push(await component.create(options, { logger: deps.logger, metrics: deps.metrics, deadLetter }))
    }
  } catch (err) {
    await Promise.all(outputs.map((o) => o.close(0)))
    await deadLetter.close()
    throw err
  }
  return new FanOut(outputs, deadLetter)
}
