import type { LogEvent } from '../../core/event.ts'

// Recent failing lines per pipeline stage, for the status page. The pipeline
// calls record() only after a batch in which the stage's failure counter
// rose, and at most once per stage every SAMPLE_INTERVAL_MS, so a stage that
// fails every event costs one comparison per batch, not a scan per event.
// Bounded: PER_STAGE samples per stage, lines cut to LINE_CHARS.

export interface FailureSample {
  /** Epoch ms. */
  at: number
  tags: string[]
  line: string
}

const FAILURE_SAMPLES_PER_STAGE = 5
export const FAILURE_LINE_CHARS = 300
const SAMPLE_INTERVAL_MS = 200
const MAX_SCAN = 1000

/** The part of an event shown for a failure: its message, else its JSON, cut short. */
function failureLine(event: LogEvent, chars = FAILURE_LINE_CHARS): string {
  const m = event.message
  let text: string
  if (typeof m === 'string') text = m.length > chars ? m.slice(0, chars) : m
  else {
    try {
      text = JSON.stringify(event) ?? ''
    } catch {
      text = '[unprintable event]'
    }
  }
  return text.length > chars ? text.slice(0, chars) + '…' : text
}

export class FailureSamples {
  readonly #samples = new Map<string, FailureSample[]>()
  readonly #last = new Map<string, number>()

  /** Takes up to `max` events tagged with a failure tag (`_…`) from a batch the stage failed some of. */
  record(stage: string, events: readonly LogEvent[], max = 3): void {
    const now = Date.now()
    if (now - (this.#last.get(stage) ?? 0) < SAMPLE_INTERVAL_MS) return
    this.#last.set(stage, now)
    let list = this.#samples.get(stage)
    if (list === undefined) this.#samples.set(stage, (list = []))
    let taken = 0
    const n = Math.min(events.length, MAX_SCAN)
    for (let i = 0; i < n && taken < max; i++) {
      const e = events[i]!
      const tags = e.tags
      if (!Array.isArray(tags)) continue
      const failureTags = tags.filter((t): t is string => typeof t === 'string' && t.startsWith('_')).slice(0, 8)
      if (failureTags.length === 0) continue
      list.push({ at: now, tags: failureTags, line: failureLine(e) })
      if (list.length > FAILURE_SAMPLES_PER_STAGE) list.shift()
      taken++
    }
  }

  /** stage id → most recent samples, oldest first. */
  snapshot(): Record<string, FailureSample[]> {
    const out: Record<string, FailureSample[]> = {}
    for (const [stage, list] of this.#samples) if (list.length > 0) out[stage] = list.map((s) => ({ ...s, tags: [...s.tags] }))
    return out
  }
}
