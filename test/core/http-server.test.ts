import t from 'tap'
import { checkListen, parseListen, startOpsServer } from '../../core/http-server.ts'
import { silentLogger } from '../../core/logger.ts'

t.test('parseListen', async (t) => {
  t.same(parseListen('127.0.0.1:5066'), { host: '127.0.0.1', port: 5066 })
  t.same(parseListen('[::1]:9600'), { host: '::1', port: 9600 })
  t.same(parseListen(':9600'), { host: '0.0.0.0', port: 9600 })
  t.same(parseListen('9600', '127.0.0.1'), { host: '127.0.0.1', port: 9600 })
  t.throws(() => parseListen('localhost'), /host:port/)
  t.throws(() => parseListen('0.0.0.0:99999'), /port must be at most 65535, got 99999/)
  t.equal(checkListen('127.0.0.1:5044'), undefined)
  t.match(checkListen('[::1]:70000'), /at most 65535/)
})

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
  t.equal(await res.text(), 'logyard_up 1\n')
  t.equal((await fetch(`${base}/nope`)).status, 404)
})
