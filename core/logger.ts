import { pino, type Logger, type LevelWithSilent } from 'pino'

export type { Logger }

// JSON lines on stdout (journald collects them). One root logger per process;
// components take `logger.child({ component: 'tail' })`.

interface LoggerOptions {
  name: string
  level?: LevelWithSilent
  /** Write to this fd instead of stdout (tests use 2 to keep stdout for data). */
  fd?: number
}

export function createLogger(options: LoggerOptions): Logger {
  const level = options.level ?? ((process.env.LOGYARD_LOG_LEVEL as LevelWithSilent | undefined) ?? 'info')
  return pino(
    {
      name: options.name,
      level,
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
