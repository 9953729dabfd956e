import { validate } from '../core/config/schema.ts'
import type { LogEvent } from '../core/event.ts'
import { parseFieldRef, setField } from '../core/fields.ts'
import { silentLogger } from '../core/logger.ts'
import { MetricsRegistry } from '../core/metrics.ts'
import { defaultPatternsDir } from './stages/grok/library.ts'
import { GrokStage, grokSpec, type GrokOptions } from './stages/grok/grok.ts'

// The grok debugger's one code path, shared by `logyard-grok` (grok-cli.ts)
// and the status page's debugger (GET /grok on the ops port): a real
// GrokStage (worker thread and watchdog included) runs the lines as events
// and each result says whether it matched, timed out, and what it cost.

interface GrokDebugFlags {
  ecs?: string
  patternsDir?: string[]
  timeoutMillis?: number
}

/** Grok options for one pattern on `message`, validated like a pipeline stage's. */
export function debugOptions(pattern: string, flags: GrokDebugFlags = {}): GrokOptions {
  const raw: Record<string, unknown> = {
    field: 'message',
    patterns: [pattern],
    ecs_compatibility: flags.ecs ?? 'v8',
    patterns_dir: flags.patternsDir ?? [],
    timeout_millis: flags.timeoutMillis ?? 1000,
  }
  return validate(grokSpec, raw, 'grok')
}

export function debugStage(options: GrokOptions, patternsDir = defaultPatternsDir): GrokStage {
  return new GrokStage(options, { logger: silentLogger(), metrics: new MetricsRegistry(), id: 'grok', patternsDir })
}

interface LineResult {
  event: LogEvent
  matched: boolean
  timedOut: boolean
}

/** The fields a stage reads (message, or the keys of its match map). */
function sourceFields(options: GrokOptions): string[] {
  return options.match !== undefined && Object.keys(options.match).length > 0 ? Object.keys(options.match) : [options.field ?? 'message']
}

/** Runs one batch of lines through the stage: every source field of each event holds its line. */
export async function matchLines(stage: GrokStage, options: GrokOptions, lines: readonly string[]): Promise<LineResult[]> {
  const paths = sourceFields(options).map((f) => parseFieldRef(f))
  const events: LogEvent[] = lines.map((line) => {
    const e: LogEvent = { message: line }
    for (const p of paths) setField(e, p, line)
    return e
  })
  const out = await stage.run(events)
  const failTags = new Set(options.tag_on_failure)
  return out.map((event) => {
    const tags = Array.isArray(event.tags) ? (event.tags as unknown[]) : []
    const timedOut = tags.includes(options.tag_on_timeout)
    return { event, timedOut, matched: !timedOut && !tags.some((t) => typeof t === 'string' && failTags.has(t)) }
  })
}
