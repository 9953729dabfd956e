import { pino, type Logger } from 'pino'
import type { ObjectSpec } from './config/schema.ts'

export type { Logger }

// JSON lines on stdout (journald collects them). One root logger per process;
// components take `logger.child({ component: 'tail' })`.

/**
 * The log levels, most verbose first (pino's order), and `silent`. The one
 * list: both programs' `logging.level` option (`loggingSpec`) and
 * LOGYARD_LOG_LEVEL are checked against it.
 */
export const logLevels = ['trace', 'debug', 'info', 'warn', 'error', 'fatal', 'silent'] as const
type LogLevel = (typeof logLevels)[number]

/** Environment variable that overrides `logging.level` of either program's configuration. */
const logLevelEnv = 'LOGYARD_LOG_LEVEL'

/** Both programs' `logging` section; LOGYARD_LOG_LEVEL overrides `level` (an option's `env`, see core/config/schema.ts). */
export const loggingSpec = {
  type: 'object',
  doc: 'log output (JSON lines on stdout)',
  fields: { level: { type: 'enum', values: logLevels, default: 'info', env: logLevelEnv, doc: 'log level' } },
} as const satisfies ObjectSpec

interface LoggerOptions {
  name: string
  level: LogLevel
  /** Write to this fd instead of stdout (tests use 2 to keep stdout for data). */
  fd?: number
}

export function createLogger(options: LoggerOptions): Logger {
  return pino(
    {
      name: options.name,
      level: options.level,
      base: { pid: process.pid },
      timestamp: pino.stdTimeFunctions.isoTime,
      formatters: { level: (label) => ({ level: label }) },
    },
    pino.destination({ fd: options.fd ?? 1, sync: true }),
  )
}

/** A logger that drops everything; for tests and benches. */
export function silentLogger(): Logger {
  return pino({ level: 'silent' })
}
