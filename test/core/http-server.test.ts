import t from 'tap'
import { connect } from 'node:net'
import { once } from 'node:events'
import { OPS_MAX_CONNECTIONS, startOpsServer } from '../../core/http-server.ts'
import { silentLogger } from '../../core/logger.ts'
import { until } from '../helpers/until.ts'

t.test('healthz follows the health function; metrics are served', async (t) => {
  let ok = true
  const server = await startOpsServer({
    listen: '127.0.0.1:0',
    logger: silentLogger(),
    health: () => (ok ? { ok, status: 'ok' } : { ok, status: 'draining' }),
    metrics: () => 'logyard_up 1\n',
  })
  t.teardown(() => server.close())
  const addr = server.address()
  const port = typeof addr === 'object' && addr ? addr.port : 0
  const base = `http://127.0.0.1:${port}`
  let res = await fetch(`${base}/healthz`)
  t.equal(res.status, 200)
  ok = false
  res = await fetch(`${base}/healthz`)
  t.equal(res.status, 503)
  t.match(await res.json(), { ok: false, status: 'draining' })
  res = await fetch(`${base}/metrics`)
  t.equal(res.status, 200)
  t.match(await res.text(), /^logyard_up 1\n# HELP logyard_ops_http_refused_total/)
  t.equal((await fetch(`${base}/nope`)).status, 404)
})

t.test('read-only and bounded: 405 for anything but GET/HEAD (TRACE too), a connection cap, counted refusals', async (t) => {
  const server = await startOpsServer({ listen: '127.0.0.1:0', logger: silentLogger(), health: () => ({ ok: true, status: 'ok' }), metrics: () => '' })
  t.teardown(() => server.close())
  const port = (server.address() as { port: number }).port
  const base = `http://127.0.0.1:${port}`
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH']) {
    const res = await fetch(`${base}/healthz`, { method })
    t.equal(res.status, 405, `${method} → 405`)
    t.equal(res.headers.get('allow'), 'GET, HEAD')
  }
  // fetch refuses TRACE itself: send it raw
  const raw = connect(port, '127.0.0.1')
  await once(raw, 'connect')
  raw.write('TRACE /healthz HTTP/1.1\r\nHost: x\r\n\r\n')
  let text = ''
  raw.on('data', (d: Buffer) => (text += d.toString()))
  await once(raw, 'end')
  t.match(text, /^HTTP\/1\.1 405/, 'TRACE → 405')
  t.equal((await fetch(`${base}/healthz`, { method: 'HEAD' })).status, 200, 'HEAD is allowed')
  // hold the maximum number of idle connections open; the next one is closed at once
  const held: ReturnType<typeof connect>[] = []
  for (let i = 0; i < OPS_MAX_CONNECTIONS; i++) {
    const c = connect(port, '127.0.0.1')
    await once(c, 'connect')
    held.push(c)
  }
  t.teardown(() => { for (const c of held) c.destroy() })
  const extra = connect(port, '127.0.0.1')
  await once(extra, 'close')
  t.pass('the connection beyond the cap is closed by the server')
  for (const c of held) c.destroy()
  // a fetch may fail while the held connections are still closing: until() counts that as "not yet"
  const metrics = await until(async () => {
    const text = await (await fetch(`${base}/metrics`)).text()
    return /reason="max_connections"\} [1-9]/.test(text) && text
  }, 10_000, 'the max_connections refusal in /metrics')
  t.match(metrics, /logyard_ops_http_refused_total\{reason="method"\} 5\n/)
  t.match(metrics, /logyard_ops_http_refused_total\{reason="max_connections"\} [1-9]/)
})
