import t from 'tap'
import { X509Certificate } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { tlsMaterial } from '../helpers/tls.ts'

t.test('openssl test material chains to its CA', async (t) => {
  const m = tlsMaterial()
  const ca = new X509Certificate(m.ca)
  const server = new X509Certificate(m.serverCert)
  const client = new X509Certificate(m.clientCert)
  const rogue = new X509Certificate(readFileSync(m.rogueClientCertFile))
  t.ok(server.verify(ca.publicKey), 'server cert signed by CA')
  t.ok(client.verify(ca.publicKey), 'client cert signed by CA')
  t.ok(server.checkHost('localhost'), 'server cert names localhost')
  t.ok(server.checkIP('127.0.0.1'), 'server cert names 127.0.0.1')
  t.notOk(rogue.verify(ca.publicKey), 'rogue client is not signed by our CA')
})
