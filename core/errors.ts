// One error family for the whole product. Codes are stable strings that
// operators grep for and the README's troubleshooting table explains.
// Every message passes through redactUrls: a URL's password never reaches a
// log line or stderr (`https://user:***@host:9200`).

import { redactUrls } from './config/url.ts'

export const errorCodes = [
  'LY_CONFIG', // configuration is invalid (exit 2)
  'LY_USAGE', // command line is invalid (exit 2)
  'LY_PROTOCOL', // a peer broke the wire protocol; that connection is closed
  'LY_LIMIT', // a size/count limit was exceeded (frame, inflate, window, line)
  'LY_TLS', // TLS handshake or certificate problem
  'LY_CONNECTION', // connect/reset/refused
  'LY_TIMEOUT', // ack, connect, handshake, bulk timeouts
  'LY_CHECKPOINT', // registry read/write problems
  'LY_IO', // file system problems (permissions, full disk, missing file)
  'LY_ES_BULK', // Elasticsearch rejected a request or a document
  'LY_CLOSED', // use after close/shutdown
  'LY_WORKER', // a cluster worker died unexpectedly (the primary restarts it)
  'LY_UNSAFE_VALUE', // an event field would have steered a file path or index name (escaped)
] as const

export type ErrorCode = (typeof errorCodes)[number]

const kBrand = Symbol('logyard.error')

interface ErrorDetails {
  cause?: unknown
  path?: string
  offset?: number
  endpoint?: string
  status?: number
}

export class LogyardError extends Error {
  readonly code: ErrorCode
  readonly path: string | undefined
  readonly offset: number | undefined
  readonly endpoint: string | undefined
  readonly status: number | undefined
  readonly [kBrand] = true

  constructor(code: ErrorCode, message: string, details: ErrorDetails = {}) {
    super(redactUrls(message), details.cause === undefined ? undefined : { cause: details.cause })
    this.name = new.target.name
    this.code = code
    this.path = details.path
    this.offset = details.offset
    this.endpoint = details.endpoint
    this.status = details.status
  }

  static is(value: unknown): value is LogyardError {
    return typeof value === 'object' && value !== null && (value as { [kBrand]?: boolean })[kBrand] === true
  }
}

/** A configuration key is wrong. `path` is the dotted key path, e.g. `output.hosts[0]`. */
export class ConfigError extends LogyardError {
  constructor(path: string, message: string, details: ErrorDetails = {}) {
    super('LY_CONFIG', path ? `${path}: ${message}` : message, { ...details, path })
  }
}

/** The same error with its key path under `prefix` (e.g. `tls.cert` → `inputs.beats.tls.cert`); other errors unchanged. */
export function underKey(err: unknown, prefix: string): unknown {
  if (!(err instanceof ConfigError) || err.path === undefined) return err
  const bare = err.path && err.message.startsWith(`${err.path}: `) ? err.message.slice(err.path.length + 2) : err.message
  return new ConfigError(err.path ? `${prefix}.${err.path}` : prefix, bare, { cause: err.cause })
}

export class UsageError extends LogyardError {
  constructor(message: string) {
    super('LY_USAGE', message)
  }
}

/** A peer sent bytes that break the protocol. `offset` is the stream byte offset when known. */
export class ProtocolError extends LogyardError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('LY_PROTOCOL', message, details)
  }
}

/** A configured bound was exceeded (frame size, inflated size, window, line length). */
export class LimitError extends LogyardError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('LY_LIMIT', message, details)
  }
}

export class TlsError extends LogyardError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('LY_TLS', message, details)
  }
}

export class ConnectionError extends LogyardError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('LY_CONNECTION', message, details)
  }
}

export class TimeoutError extends LogyardError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('LY_TIMEOUT', message, details)
  }
}

export class CheckpointError extends LogyardError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('LY_CHECKPOINT', message, details)
  }
}

export class IoError extends LogyardError {
  constructor(message: string, details: ErrorDetails = {}) {
    super('LY_IO', message, details)
  }
}

export class ClosedError extends LogyardError {
  constructor(message = 'closed') {
    super('LY_CLOSED', message)
  }
}

/** Exit codes shared by every CLI. */
export const ExitCode = { ok: 0, runtime: 1, config: 2 } as const

/** The `code` to log for any error: its own LY_* code, or `fallback` for an uncoded one (every logged error carries a code). */
export function codeOf(err: unknown, fallback: ErrorCode): ErrorCode {
  return LogyardError.is(err) ? err.code : fallback
}
