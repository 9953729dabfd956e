import { execFileSync } from 'node:child_process'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'

// TLS material generated per test run with the real openssl: a CA, a server
// certificate for localhost/127.0.0.1, a client certificate signed by the CA,
// and an unrelated "rogue" CA + client for negative tests. Nothing committed.

interface TlsMaterial {
  dir: string
  caFile: string
  serverCertFile: string
  serverKeyFile: string
  clientCertFile: string
  clientKeyFile: string
  rogueCaFile: string
  rogueClientCertFile: string
  rogueClientKeyFile: string
  ca: string
  serverCert: string
  serverKey: string
  clientCert: string
  clientKey: string
}

let cached: TlsMaterial | undefined

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] })
}

function makeCa(dir: string, name: string): void {
  openssl(['req', '-x509', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.pem`, '-days', '2', '-subj', `/CN=logyard test ${name}`,
    '-addext', 'basicConstraints=critical,CA:TRUE', '-addext', 'keyUsage=critical,keyCertSign,cRLSign'], dir)
}

function makeLeaf(dir: string, ca: string, name: string, cn: string, ext: string): void {
  writeFileSync(join(dir, `${name}.ext`), ext)
  openssl(['req', '-newkey', 'rsa:2048', '-nodes', '-keyout', `${name}.key`, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir)
  openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', `${ca}.pem`, '-CAkey', `${ca}.key`, '-CAcreateserial', '-out', `${name}.pem`, '-days', '2', '-extfile', `${name}.ext`], dir)
}

/** Generates (once per process) and returns the test TLS material. Keys are PKCS#8 PEM. */
export function tlsMaterial(): TlsMaterial {
  if (cached) return cached
  const dir = mkdtempSync(join(tmpdir(), 'logyard-tls-'))
  makeCa(dir, 'ca')
  makeLeaf(dir, 'ca', 'server', 'localhost', 'subjectAltName=DNS:localhost,IP:127.0.0.1,IP:::1\nextendedKeyUsage=serverAuth\n')
  makeLeaf(dir, 'ca', 'client', 'logyard-forwarder-test', 'extendedKeyUsage=clientAuth\n')
  makeCa(dir, 'rogue-ca')
  makeLeaf(dir, 'rogue-ca', 'rogue-client', 'rogue', 'extendedKeyUsage=clientAuth\n')
  const read = (f: string): string => readFileSync(join(dir, f), 'utf8')
  cached = {
    dir,
    caFile: join(dir, 'ca.pem'),
    serverCertFile: join(dir, 'server.pem'),
    serverKeyFile: join(dir, 'server.key'),
    clientCertFile: join(dir, 'client.pem'),
    clientKeyFile: join(dir, 'client.key'),
    rogueCaFile: join(dir, 'rogue-ca.pem'),
    rogueClientCertFile: join(dir, 'rogue-client.pem'),
    rogueClientKeyFile: join(dir, 'rogue-client.key'),
    ca: read('ca.pem'),
    serverCert: read('server.pem'),
    serverKey: read('server.key'),
    clientCert: read('client.pem'),
    clientKey: read('client.key'),
  }
  return cached
}
