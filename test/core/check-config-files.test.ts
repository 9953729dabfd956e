import t from 'tap'
import { spawnSync } from 'node:child_process'
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tlsMaterial } from '../helpers/tls.ts'

// `--check-config` of both real CLIs checks the files a configuration names
// (issue 20 item 2): TLS certificates/keys/CAs readable and parseable, the key
// matching its certificate, the collectd auth_file, and the directories the
// process writes (forwarder data_dir, aggregator dead_letter.path and the
// file output's directory) writable or creatable. Every failure exits 2 and
// names the full key; the good configs exit 0.

const root = join(import.meta.dirname, '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'logyard-checkfiles-'))
chmodSync(dir, 0o755)
t.teardown(() => rmSync(dir, { recursive: true, force: true }))
const tls = tlsMaterial()

function cli(program: 'forwarder' | 'aggregator', config: unknown, as?: number) {
  const file = join(dir, `${program}-${Math.random().toString(36).slice(2)}.yml`)
  writeFileSync(file, JSON.stringify(config)) // JSON is YAML
  chmodSync(file, 0o644)
  const bin = join(root, 'bin', `logyard-${program}.js`)
  const argv = [bin, '--config', file, '--check-config']
  const r = as === undefined
    ? spawnSync(process.execPath, argv, { encoding: 'utf8', timeout: 60_000 })
    : spawnSync('setpriv', [`--reuid=${as}`, `--regid=${as}`, '--clear-groups', 'env', '-u', 'NODE_OPTIONS', process.execPath, ...argv], { encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const garbage = join(dir, 'garbage.pem')
writeFileSync(garbage, '-----BEGIN CERTIFICATE-----\nbm90IGEgY2VydGlmaWNhdGU=\n-----END CERTIFICATE-----\n')
const notPem = join(dir, 'not-pem.txt')
writeFileSync(notPem, 'hello\n')
const aFile = join(dir, 'plain-file')
writeFileSync(aFile, 'x')

t.test('logyard-forwarder --check-config checks output.tls files and data_dir', async (t) => {
  const base = (tlsOpts: Record<string, unknown> | undefined, dataDir = join(dir, 'fwd-data')) => ({
    data_dir: dataDir,
    inputs: [{ paths: ['/var/log/*.log'] }],
    output: { hosts: ['127.0.0.1:5044'], ...(tlsOpts ? { tls: tlsOpts } : {}) },
  })
  const good = cli('forwarder', base({ ca: tls.caFile, cert: tls.clientCertFile, key: tls.clientKeyFile }))
  t.equal(good.code, 0, good.stderr)
  t.match(good.stdout, /configuration ok/)
  t.notOk(existsSync(join(dir, 'fwd-data')), 'a missing data_dir that could be created is ok, and check-config does not create it')

  const cases: [Record<string, unknown>, RegExp][] = [
    [base({ ca: join(dir, 'missing-ca.pem') }), /LY_CONFIG: output\.tls\.ca\[0\]: cannot read ".*missing-ca\.pem" \(ENOENT\)/],
    [base({ ca: notPem }), /LY_CONFIG: output\.tls\.ca\[0\]: .* holds no PEM certificate/],
    [base({ ca: garbage }), /LY_CONFIG: output\.tls\.ca\[0\]: .* is not a valid certificate/],
    [base({ cert: tls.clientCertFile, key: join(dir, 'missing.key') }), /LY_CONFIG: output\.tls\.key: cannot read/],
    [base({ cert: tls.clientCertFile, key: tls.clientCertFile }), /LY_CONFIG: output\.tls\.key: .* is not a readable private key/],
    [base({ cert: tls.clientCertFile, key: tls.serverKeyFile }), /LY_CONFIG: output\.tls\.key: does not match the certificate in output\.tls\.cert/],
    [base(undefined, join(aFile, 'sub')), /LY_CONFIG: data_dir: cannot create directory .*plain-file is not a directory/],
    [base(undefined, aFile), /LY_CONFIG: data_dir: .* exists and is not a directory/],
  ]
  for (const [config, re] of cases) {
    const r = cli('forwarder', config)
    t.equal(r.code, 2, `exit 2 for ${re}`)
    t.match(r.stderr, re)
    t.notMatch(r.stdout, /configuration ok/)
  }
})

t.test('a data_dir the service user cannot write is refused (run as nobody)', async (t) => {
  const locked = join(dir, 'locked')
  mkdirSync(locked, { mode: 0o755 }) // owned by root: nobody may read, not write
  const existing = cli('forwarder', { data_dir: locked, inputs: [{ paths: ['/var/log/*.log'] }], output: { hosts: ['h:1'] } }, 65534)
  t.equal(existing.code, 2, existing.stderr)
  t.match(existing.stderr, /LY_CONFIG: data_dir: directory ".*locked" is not writable for this user \(EACCES\)/)
  const missing = cli('forwarder', { data_dir: join(locked, 'a', 'b'), inputs: [{ paths: ['/var/log/*.log'] }], output: { hosts: ['h:1'] } }, 65534)
  t.equal(missing.code, 2, missing.stderr)
  t.match(missing.stderr, /LY_CONFIG: data_dir: cannot create directory .*: .*locked is not writable for this user/)
  const dlq = cli('aggregator', { inputs: { beats: { listen: '127.0.0.1:1' } }, output: { blackhole: {} }, dead_letter: { path: join(locked, 'dlq') } }, 65534)
  t.equal(dlq.code, 2, dlq.stderr)
  t.match(dlq.stderr, /LY_CONFIG: dead_letter\.path: cannot create directory/)
  t.same(readdirSync(locked), [], 'no probe file left behind')
})

t.test('logyard-aggregator --check-config checks beats TLS, ES CA, auth_file, dead_letter and file output directories', async (t) => {
  const authFile = join(dir, 'collectd.auth')
  writeFileSync(authFile, 'alice: secret\n')
  const emptyAuth = join(dir, 'empty.auth')
  writeFileSync(emptyAuth, '# nobody\n')
  const base = (over: { beatsTls?: unknown; esCa?: string; auth?: string; dlq?: string; filePath?: string } = {}) => ({
    workers: 1,
    inputs: {
      beats: { listen: '127.0.0.1:1', ...(over.beatsTls ? { tls: over.beatsTls } : {}) },
      collectd: { listen: '127.0.0.1:1', ...(over.auth ? { security_level: 'sign', auth_file: over.auth } : {}) },
    },
    output: {
      elasticsearch: { hosts: ['https://127.0.0.1:9200'], ...(over.esCa ? { tls: { ca: over.esCa } } : {}) },
      file: { path: over.filePath ?? join(dir, 'out', '%{+yyyy.MM.dd}', 'events.ndjson') },
    },
    dead_letter: { path: over.dlq ?? join(dir, 'dlq') },
  })
  const goodTls = { cert: tls.serverCertFile, key: tls.serverKeyFile, client_ca: [tls.caFile], client_auth: 'required' }
  const good = cli('aggregator', base({ beatsTls: goodTls, esCa: tls.caFile, auth: authFile }))
  t.equal(good.code, 0, good.stderr)
  t.match(good.stdout, /configuration ok/)

  const cases: [unknown, RegExp][] = [
    [base({ beatsTls: { ...goodTls, cert: join(dir, 'nope.pem') } }), /LY_CONFIG: inputs\.beats\.tls\.cert: cannot read ".*nope\.pem" \(ENOENT\)/],
    [base({ beatsTls: { ...goodTls, key: tls.clientKeyFile } }), /LY_CONFIG: inputs\.beats\.tls\.key: does not match the certificate in inputs\.beats\.tls\.cert/],
    [base({ beatsTls: { ...goodTls, client_ca: [garbage] } }), /LY_CONFIG: inputs\.beats\.tls\.client_ca\[0\]: .* is not a valid certificate/],
    [base({ esCa: join(dir, 'no-ca.pem') }), /LY_CONFIG: output\.elasticsearch\.tls\.ca: cannot read/],
    [{ ...base(), output: { opensearch: { hosts: ['https://127.0.0.1:9200'], tls: { ca: join(dir, 'no-ca.pem') } } } }, /LY_CONFIG: output\.opensearch\.tls\.ca: cannot read/],
    [base({ auth: join(dir, 'no.auth') }), /LY_CONFIG: inputs\.collectd\.auth_file: cannot read ".*no\.auth" \(ENOENT\)/],
    [base({ auth: emptyAuth }), /LY_CONFIG: inputs\.collectd\.auth_file: .* holds no 'user: password' line/],
    [{ ...base(), inputs: { collectd: { listen: '127.0.0.1:1', types_db: [join(dir, 'no-types.db')] } } }, /LY_CONFIG: inputs\.collectd\.types_db: cannot read types\.db file .*no-types\.db/],
    [base({ dlq: join(aFile, 'dlq') }), /LY_CONFIG: dead_letter\.path: cannot create directory .*plain-file is not a directory/],
    [base({ filePath: join(aFile, 'x', 'events.ndjson') }), /LY_CONFIG: output\.file\.path: cannot create directory/],
  ]
  for (const [config, re] of cases) {
    const r = cli('aggregator', config)
    t.equal(r.code, 2, `exit 2 for ${re}`)
    t.match(r.stderr, re)
    t.notMatch(r.stdout, /configuration ok/)
  }
})
