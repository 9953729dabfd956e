import { createRequire } from 'node:module'
import type { Server } from 'node:http'
import type { Logger } from './logger.ts'

// The small operations endpoint both programs expose: /healthz for load
// balancers and systemd watchdogs, /metrics in Prometheus text format.

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

export interface OpsServerOptions {
  listen: string // host:port
  health: () => Health
  metrics: () => string | Promise<string>
  logger: Logger
}

export function parseListen(listen: string, defaultHost = '0.0.0.0'): { host: string; port: number } {
  const text = listen.trim()
  const m = /^(?:\[([^\]]+)\]|([^:]*)):(\d+)$/.exec(text)
  const out = m ? { host: m[1] ?? (m[2] || defaultHost), port: Number(m[3]) } : /^\d+$/.test(text) ? { host: defaultHost, port: Number(text) } : undefined
  if (!out) throw new RangeError(`listen address must be host:port, got ${JSON.stringify(listen)}`)
  if (out.port > 65535) throw new RangeError(`port must be at most 65535, got ${out.port}`)
  return out
}

/** Config check for `listen` keys (Spec.check): the parse error, or nothing. */
export function checkListen(value: string): string | undefined {
  try {
    parseListen(value)
    return undefined
  } catch (err) {
    return (err as Error).message
  }
}

export async function startOpsServer(options: OpsServerOptions): Promise<Server> {
  const { host, port } = parseListen(options.listen, '127.0.0.1')
  const server = createServer((req, res) => {
    const url = (req.url ?? '/').split('?')[0]
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
            res.end(body)
          },
          (err: unknown) => {
            res.writeHead(500, { 'content-type': 'text/plain' })
            res.end(String(err) + '\n')
          },
        )
      return
    }
    res.writeHead(404, { 'content-type': 'text/plain' })
    res.end('not found: try /healthz or /metrics\n')
  })
  server.keepAliveTimeout = 5000
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject)
    server.listen(port, host, () => {
      server.off('error', reject)
      resolve()
    })
  })
  const addr = server.address()
  options.logger.info({ listen: typeof addr === 'object' && addr ? `${addr.address}:${addr.port}` : options.listen }, 'http ops endpoint listening')
  return server
}
