import { createRequire } from 'node:module'
import type { Server } from 'node:http'
import type { Logger } from './logger.ts'
import { ConnectionError } from './errors.ts'
import { parseListenAddress } from './net/address.ts'

// The small operations endpoint both programs expose: /healthz for load
// balancers and systemd watchdogs, /metrics in Prometheus text format.
// Read-only and bounded: GET and HEAD only (405 otherwise), at most
// OPS_MAX_CONNECTIONS open connections (more are closed at once), idle
// connections closed after OPS_IDLE_TIMEOUT_MS, a request's headers due within
// OPS_HEADERS_TIMEOUT_MS. Refusals are counted in
// logyard_ops_http_refused_total{reason} (appended to /metrics) and logged
// with code LY_LIMIT at most every 10 s.

// node:http through require, not an ESM import: the ESM facade reads every
// export of node:http, and its lazy WebSocket/EventSource getters then load
// all of undici (measured: +13 MiB RSS, +80 ms CPU at start-up).
const { createServer } = createRequire(import.meta.url)('node:http') as typeof import('node:http')

export interface Health {
  ok: boolean
  /** Short reason shown in the body, e.g. "draining" or "elasticsearch unreachable". */
  status: string
  details?: Record<string, unknown>
}

export interface OpsResponse {
  status: number
  type: string
  body: string
  headers?: Record<string, string>
}

/**
 * An extra read-only GET path (the status page, /status JSON, the grok
 * debugger). `refuse` counts and logs a refusal under `reason` (one of
 * OpsServerOptions.refusalReasons) the same way as the built-in ones.
 */
export type OpsRoute = (query: URLSearchParams, ctx: { peer: string | undefined; refuse(reason: string, detail: string): void }) => OpsResponse | Promise<OpsResponse>

interface OpsServerOptions {
  listen: string // host:port
  health: () => Health
  metrics: () => string | Promise<string>
  logger: Logger
  /** Extra GET/HEAD paths → handlers. */
  routes?: Record<string, OpsRoute>
  /** Refusal reasons the routes use, listed in logyard_ops_http_refused_total from the start. */
  refusalReasons?: readonly string[]
}

export const OPS_MAX_CONNECTIONS = 64
const OPS_IDLE_TIMEOUT_MS = 30_000
const OPS_HEADERS_TIMEOUT_MS = 10_000

export async function startOpsServer(options: OpsServerOptions): Promise<Server> {
  const { host, port } = parseListenAddress(options.listen, '127.0.0.1')
  const refused: Record<string, number> = { method: 0, max_connections: 0 }
  for (const r of options.refusalReasons ?? []) refused[r] = 0
  let lastLog = 0
  const refuse = (reason: string, peer: string | undefined, detail: string): void => {
    refused[reason] = (refused[reason] ?? 0) + 1
    const now = Date.now()
    if (now - lastLog < 10_000) return
    lastLog = now
    options.logger.warn({ code: 'LY_LIMIT', reason, peer, refused: { ...refused } }, `ops endpoint refused a request: ${detail} (logged at most every 10s; see logyard_ops_http_refused_total)`)
  }
  const refusedText = (): string =>
    '# HELP logyard_ops_http_refused_total Requests and connections the ops endpoint refused, by reason\n# TYPE logyard_ops_http_refused_total counter\n' +
    Object.entries(refused).map(([r, n]) => `logyard_ops_http_refused_total{reason="${r}"} ${n}\n`).join('')
  const server = createServer((req, res) => {
    if (req.method !== 'GET' && req.method !== 'HEAD') {
      refuse('method', req.socket.remoteAddress, `method ${String(req.method).slice(0, 16)} not allowed`)
      res.writeHead(405, { 'content-type': 'text/plain', allow: 'GET, HEAD', connection: 'close' })
      res.end('method not allowed: the ops endpoint is read-only (GET, HEAD)\n')
      return
    }
    const raw = req.url ?? '/'
    const q = raw.indexOf('?')
    const url = q < 0 ? raw : raw.slice(0, q)
    if (url === '/healthz' || url === '/health') {
      const h = options.health()
      res.writeHead(h.ok ? 200 : 503, { 'content-type': 'application/json' })
      res.end(JSON.stringify(h) + '\n')
      return
    }
    if (url === '/metrics') {
      Promise.resolve()
        .then(() => options.metrics())
        .then(
          (body) => {
            res.writeHead(200, { 'content-type': 'text/plain; version=0.0.4' })
            res.end(body + refusedText())
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' })
            res.end(String(err) + '\n')
          },
        )
      return
    }
    const route = options.routes?.[url]
    if (route) {
      const peer = req.socket.remoteAddress
      Promise.resolve()
        .then(() => route(new URLSearchParams(q < 0 ? '' : raw.slice(q + 1)), { peer, refuse: (reason, detail) => refuse(reason, peer, detail) }))
        .then(
          (r) => {
            res.writeHead(r.status, { 'content-type': r.type, 'cache-control': 'no-store', ...r.headers })
            res.end(r.body)
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' })
            res.end(String(err) + '\n')
          },
        )
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end(`not found: try /healthz or /metrics${Object.keys(options.routes ?? {}).map((p) => ' or ' + p).join('')}\n`)
  })
  server.keepAliveTimeout = 5000
  server.maxConnections = OPS_MAX_CONNECTIONS
  server.headersTimeout = OPS_HEADERS_TIMEOUT_MS
  server.requestTimeout = OPS_HEADERS_TIMEOUT_MS
  server.timeout = OPS_IDLE_TIMEOUT_MS // an idle socket (no request in flight) is destroyed
  server.on('drop', (d?: { remoteAddress?: string }) => refuse('max_connections', d?.remoteAddress, `more than ${OPS_MAX_CONNECTIONS} connections`))
  await new Promise<void>((resolve, reject) => {
    const onError = (err: Error): void => reject(new ConnectionError(`http.listen: cannot listen on ${options.listen}: ${err.message}`, { cause: err, endpoint: options.listen }))
    server.once('error', onError)
    server.listen(port, host, () => {
      server.off('error', onError)
      resolve()
    })
  })
  const addr = server.address()
  options.logger.info({ listen: typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : options.listen }, 'http ops endpoint listening')
  return server
}
