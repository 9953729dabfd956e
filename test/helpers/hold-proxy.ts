import { createServer, request, type IncomingMessage, type Server, type ServerResponse } from 'node:http'

// An HTTP pass-through in front of a real Elasticsearch that can withhold
// the answers to _bulk requests after Elasticsearch has executed them: the
// window "indexed but not yet acknowledged" made wide enough to crash a
// process in it. Everything else passes unchanged.

interface HoldProxy {
  url: string
  /** While true, _bulk answers are kept back (the request reached Elasticsearch). */
  holding: boolean
  /** _bulk requests Elasticsearch answered and whose answer is being withheld. */
  held: number
  close(): Promise<void>
}

export async function startHoldProxy(target: string): Promise<HoldProxy> {
  const t = new URL(target)
  const open = new Set<ServerResponse>()
  const proxy: HoldProxy = {
    url: '',
    holding: false,
    held: 0,
    close: async () => {
      for (const r of open) r.destroy()
      await new Promise<void>((resolve) => server.close(() => resolve()))
    },
  }
  const server: Server = createServer((req: IncomingMessage, res: ServerResponse) => {
    open.add(res)
    res.on('close', () => open.delete(res))
    const up = request({ host: t.hostname, port: t.port, method: req.method, path: req.url, headers: req.headers }, (answer) => {
      const chunks: Buffer[] = []
      answer.on('data', (c: Buffer) => chunks.push(c))
      answer.on('end', () => {
        if (proxy.holding && req.url?.includes('_bulk')) {
          proxy.held++
          return // never answered: the caller's process is killed meanwhile
        }
        res.writeHead(answer.statusCode ?? 502, answer.headers)
        res.end(Buffer.concat(chunks))
      })
    })
    up.on('error', () => res.destroy())
    req.pipe(up)
  })
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve))
  proxy.url = `http://127.0.0.1:${(server.address() as { port: number }).port}`
  return proxy
}
