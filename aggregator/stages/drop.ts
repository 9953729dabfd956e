import type { Infer, Spec } from '../../core/config/schema.ts'
import type { LogEvent } from '../../core/event.ts'
import type { Stage, StageComponent } from '../component.ts'

// drop: removes the events it sees (usually behind a `when:`). `percentage`
// drops only that share of them, sampled at random, as Logstash's drop does.

const dropSpec = {
  type: 'object',
  doc: 'drop events (use with when:)',
  fields: {
    percentage: { type: 'number', doc: 'share of the matching events to drop, 0-100', default: 100, min: 0, max: 100 },
  },
} as const satisfies Spec

type DropOptions = Infer<typeof dropSpec>

export class DropStage implements Stage {
  readonly type = 'drop'
  readonly #share: number
  readonly #random: () => number

  constructor(options: DropOptions, random: () => number = Math.random) {
    this.#share = options.percentage / 100
    this.#random = random
  }

  run(events: LogEvent[]): LogEvent[] {
    if (this.#share >= 1) return []
    if (this.#share <= 0) return events
    return events.filter(() => this.#random() >= this.#share)
  }
}

export const dropStage: StageComponent<typeof dropSpec, 'drop'> = {
  kind: 'stage',
  type: 'drop',
  spec: dropSpec,
  create: (options) => new DropStage(options),
}
