// Events are plain JSON objects shaped like Filebeat's (ECS): `@timestamp`,
// `message`, `log.file.path`, `log.offset`, `host.name`, `agent.*`, `tags`,
// `fields`, `@metadata`. Nothing wraps them on the hot path.

export type LogEvent = Record<string, unknown>

export const ECS_VERSION = '8.0.0'

