// Events are plain JSON objects shaped like Filebeat's (ECS): `@timestamp`,
// `message`, `log.file.path`, `log.offset`, `host.name`, `agent.*`, `tags`,
// `fields`, `@metadata`. Nothing wraps them on the hot path.

export type LogEvent = Record<string, unknown>

/** A unit of work between stages: events plus their serialized size. */
export interface EventBatch {
  events: LogEvent[]
  bytes: number
}

export const ECS_VERSION = '8.0.0'

/** Filebeat-style timestamp: UTC, exactly 3 fractional digits, `Z`. */
export function beatsTimestamp(ms: number = Date.now()): string {
  return new Date(ms).toISOString()
}
