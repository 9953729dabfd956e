import { EventEmitter } from 'node:events'
import type { Infer, Spec } from '../../core/config/schema.ts'
import { ClosedError } from '../../core/errors.ts'
import type { LogEvent } from '../../core/event.ts'
import type { Logger } from '../../core/logger.ts'
import type { Counter, MetricsRegistry } from '../../core/metrics.ts'
import type { Output, OutputComponent } from '../component.ts'

// Discards every event and counts it: the sink for benchmarks (pipeline cost
// without an indexer) and for checking a config. Never busy, always healthy.
// With `print_interval` it logs the event rate.


const blackholeSpec = {
  type: 'object',
  optional: true,
  doc: 'Discard events, counting them (benchmarks, dry runs)',
  fields: {
    print_interval: { type: 'duration', default: 0, doc: 'Log the event count and rate this often (0 = never)' },
  },
} as const satisfies Spec

type BlackholeConfig = Infer<typeof blackholeSpec>

export class BlackholeOutput extends EventEmitter implements Output {
  readonly type = 'blackhole'
  events = 0
  batches = 0
  readonly #counter: Counter
  readonly #timer: NodeJS.Timeout | undefined
  #closed = false

  constructor(config: BlackholeConfig, deps: { logger: Logger; metrics: MetricsRegistry }) {
    super()
    this.#counter = deps.metrics.counter('blackhole_events_total', 'Events discarded by the blackhole output')
    if (config.print_interval > 0) {
      const logger = deps.logger.child({ component: 'output', output: 'blackhole' })
      let last = 0
      this.#timer = setInterval(() => {
        logger.info({ events: this.events, rate: Math.round(((this.events - last) * 1000) / config.print_interval) }, 'blackhole')
        last = this.events
      }, config.print_interval)
      this.#timer.unref()
    }
  }

  get busy(): boolean {
    return false
  }

  healthy(): boolean {
    return true
  }

  write(events: LogEvent[]): Promise<void> {
    if (this.#closed) return Promise.reject(new ClosedError('blackhole output is closed'))
    this.events += events.length
    this.batches++
    this.#counter.inc(events.length)
    return Promise.resolve()
  }

  async close(): Promise<void> {
    this.#closed = true
    if (this.#timer) clearInterval(this.#timer)
  }
}

export const blackholeOutput: OutputComponent<typeof blackholeSpec, 'blackhole'> = {
  kind: 'output',
  type: 'blackhole',
  spec: blackholeSpec,
  create: (options, ctx) => new BlackholeOutput(options, ctx),
}
