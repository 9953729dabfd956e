import t from 'tap'
import { createHash } from 'node:crypto'
import { deriveBeatId } from '../../../../aggregator/inputs/beats/beats-input.ts'

// A derived id must not change between releases: after an upgrade a Beat may
// resend a window the old aggregator indexed, and only the same id makes that
// a 409. The ids are checked against the definition computed independently
// here: SHA-1 fed the parts one by one, each followed by a NUL (agent id or
// name or host name, file path, inode, device id, fingerprint, offset), then
// the message; base64url, prefixed `fb-`.

function reference(who: string, file: { path: string; inode?: unknown; device_id?: unknown; fingerprint?: unknown }, offset: number, message: string): string {
  const h = createHash('sha1')
  h.update(who).update('\0').update(file.path).update('\0')
  for (const v of [file.inode, file.device_id, file.fingerprint]) h.update(v === undefined ? '' : String(v)).update('\0')
  h.update(String(offset)).update('\0').update(message)
  return 'fb-' + h.digest('base64url')
}

t.test('derived ids equal the piecewise SHA-1 definition, with every optional part and non-ASCII text', async (t) => {
  const cases: { agent?: Record<string, unknown>; host?: Record<string, unknown>; file: { path: string; inode?: unknown; device_id?: unknown; fingerprint?: unknown }; offset: number; message: unknown; who: string }[] = [
    { agent: { id: 'a-1', name: 'web-1' }, file: { path: '/var/log/nginx/access.log' }, offset: 0, message: '10.0.0.1 - - "GET / HTTP/1.1" 200 1', who: 'a-1' },
    { agent: { name: 'web-1' }, file: { path: '/var/log/a.log', inode: '1835017', device_id: '64768' }, offset: 160, message: 'héllo ✓ 🚀', who: 'web-1' },
    { host: { name: 'h' }, file: { path: '/var/log/ü.log', inode: 1835017, device_id: 64768, fingerprint: 'ab12' }, offset: 2 ** 40, message: 'lone surrogates \ud800 and \udc00 at the ends \ud83d', who: 'h' },
    { agent: { id: '\udc00starts low' }, file: { path: 'p\ud800' }, offset: 7, message: '\udc00', who: '\udc00starts low' },
    { agent: { id: 'a' }, file: { path: '/x' }, offset: 1, message: { structured: true } as unknown, who: 'a' },
  ]
  for (const c of cases) {
    const event = { message: c.message, log: { offset: c.offset, file: c.file }, ...(c.agent ? { agent: c.agent } : {}), ...(c.host ? { host: c.host } : {}) }
    const message = typeof c.message === 'string' ? c.message : JSON.stringify(c.message)
    t.equal(deriveBeatId(event as never), reference(c.who, c.file, c.offset, message), JSON.stringify(c.file))
  }
})
