import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { freePort, httpText, nodeBin, startProc, until, writeConfig } from '../../e2e/procs.ts'
import { checkHttpUrl, redactAddress, redactUrls } from '../../../core/config/url.ts'
import { ConfigError } from '../../../core/errors.ts'

// Issue 14 item 10: a host URL with credentials must never show its password
// (config errors, start-up errors, logs, /healthz), and host URLs and
// host:port options are validated fully by --check-config: exit 2 naming the
// key, and at start-up the same exit 2 instead of a raw TypeError and exit 1.

const SECRET = 'S3cretPw'
const root = join(import.meta.dirname, '..', '..', '..')
const aggregatorBin = join(root, 'bin', 'logyard-aggregator.js')
const forwarderMain = join(root, 'forwarder', 'main.ts')
const dir = mkdtempSync(join(tmpdir(), 'logyard-urls-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

function run(bin: string, args: string[]) {
  const r = spawnSync(nodeBin, [bin, ...args], { encoding: 'utf8', timeout: 60_000 })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

function aggregatorConfig(name: string, hosts: string[], extra: string[] = [], listen = '127.0.0.1:0', template = false): string {
  return writeConfig(dir, name, [
    'workers: 1',
    'inputs:',
    `  beats: {listen: '${listen}'}`,
    'output:',
    '  elasticsearch:',
    `    hosts: [${hosts.map((h) => JSON.stringify(h)).join(', ')}]`,
    `    template: {enabled: ${template}}`,
    ...extra,
  ])
}

t.test('--check-config: bad Elasticsearch URLs exit 2 naming the key, the password never printed', async (t) => {
  const cases: [string[], RegExp][] = [
    [[`ftp://elastic:${SECRET}@es.example:9200`], /LY_CONFIG: output\.elasticsearch\.hosts\[0\]: scheme must be http or https, got "ftp:\/\/" in "ftp:\/\/elastic:\*\*\*@es\.example:9200"/],
    [[`https://elastic:${SECRET}@es.example:99999`], /LY_CONFIG: output\.elasticsearch\.hosts\[0\]: port must be 1-65535, got 99999 in "https:\/\/elastic:\*\*\*@es\.example:99999"/],
    [['http://127.0.0.1:9200', `https://elastic:${SECRET}@es.example:9200x`], /LY_CONFIG: output\.elasticsearch\.hosts\[1\]: port must be a number, got "9200x"/],
    [[`https://elastic:${SECRET}@:9200`], /LY_CONFIG: output\.elasticsearch\.hosts\[0\]: has no host/],
    [[`https://elastic:${SECRET}@es.example:0`], /hosts\[0\]: port must be 1-65535, got 0/],
    [[`es.example:9200`], /hosts\[0\]: must be an http:\/\/ or https:\/\/ URL, got "es\.example:9200"/],
    [[`https://elastic:p@${SECRET}:x@es.example:99999`], /hosts\[0\]: port must be 1-65535, got 99999 in "https:\/\/elastic:\*\*\*@es\.example:99999"/],
  ]
  let i = 0
  for (const [hosts, re] of cases) {
    const r = run(aggregatorBin, ['--config', aggregatorConfig(`bad-url-${i++}.yml`, hosts), '--check-config'])
    t.equal(r.code, 2, `exit 2 for ${hosts.join(' ')}`)
    t.match(r.stderr, re)
    t.notMatch(r.stderr + r.stdout, SECRET, 'no password in the output')
    t.notMatch(r.stderr, /TypeError|at .*\.ts:\d+/, 'no raw TypeError, no stack')
  }
  const good = run(aggregatorBin, ['--config', aggregatorConfig('good-url.yml', [`https://elastic:${SECRET}@es.example:9200`, 'http://[::1]:9200/prefix']), '--check-config'])
  t.equal(good.code, 0, good.stderr)
  t.notMatch(good.stderr + good.stdout, SECRET)
})

t.test('--check-config: host:port options (listen addresses) exit 2 naming the key', async (t) => {
  const cases: [string, RegExp][] = [
    [aggregatorConfig('bad-listen-0.yml', ['http://127.0.0.1:9200'], [], '127.0.0.1:99999'), /LY_CONFIG: inputs\.beats\.listen: listen address must be host:port, got "127\.0\.0\.1:99999": port must be 0-65535, got 99999/],
    [aggregatorConfig('bad-listen-1.yml', ['http://127.0.0.1:9200'], [], '127.0.0.1:5044x'), /LY_CONFIG: inputs\.beats\.listen: listen address must be host:port, got "127\.0\.0\.1:5044x": port must be a number, got "5044x"/],
    [aggregatorConfig('bad-listen-2.yml', ['http://127.0.0.1:9200'], ['http: {listen: "127.0.0.1:9600x"}']), /LY_CONFIG: http\.listen: listen address must be host:port/],
    [aggregatorConfig('bad-listen-4.yml', ['http://127.0.0.1:9200'], [], 'local host:5044'), /LY_CONFIG: inputs\.beats\.listen: listen address must be host:port, got "local host:5044": no spaces, "\/", "\?" or "#"/],
    [aggregatorConfig('bad-listen-3.yml', ['http://127.0.0.1:9200'], ['http: {listen: "127.0.0.1:70000"}']), /LY_CONFIG: http\.listen: listen address must be host:port, got "127\.0\.0\.1:70000": port must be 0-65535, got 70000/],
  ]
  for (const [file, re] of cases) {
    const r = run(aggregatorBin, ['--config', file, '--check-config'])
    t.equal(r.code, 2, `exit 2 for ${re}`)
    t.match(r.stderr, re)
  }
})

t.test('forwarder --check-config: output.hosts with credentials or a bad port exit 2, the password never printed', async (t) => {
  const cases: [string, RegExp][] = [
    [`user:${SECRET}@aggregator.example:5044`, /LY_CONFIG: output\.hosts\[0\]: host must be host:port, got "user:\*\*\*@aggregator\.example:5044"/],
    [`https://user:${SECRET}@aggregator.example:5044`, /LY_CONFIG: output\.hosts\[0\]: host must be host:port, got "https:\/\/user:\*\*\*@aggregator\.example:5044"/],
    ['aggregator.example:99999', /LY_CONFIG: output\.hosts\[0\]: host must be host:port, got "aggregator\.example:99999": port must be 1-65535, got 99999/],
    ['aggregator.example:5044x', /LY_CONFIG: output\.hosts\[0\]: host must be host:port, got "aggregator\.example:5044x"/],
    ['127.0.0.1:0', /output\.hosts\[0\]: host must be host:port, got "127\.0\.0\.1:0": port must be 1-65535, got 0/],
  ]
  let i = 0
  for (const [host, re] of cases) {
    const file = join(dir, `fwd-${i++}.yml`)
    writeFileSync(file, JSON.stringify({ data_dir: dir, inputs: [{ paths: ['/var/log/*.log'] }], output: { hosts: ['127.0.0.1:5044', host].slice(1) } }))
    const r = run(forwarderMain, ['--config', file, '--check-config'])
    t.equal(r.code, 2, `exit 2 for ${host.replace(SECRET, '…')}`)
    t.match(r.stderr, re)
    t.notMatch(r.stderr + r.stdout, SECRET)
  }
  const listen = join(dir, 'fwd-listen.yml')
  writeFileSync(listen, JSON.stringify({ data_dir: dir, inputs: [{ paths: ['/var/log/*.log'] }], output: { hosts: ['127.0.0.1:5044'] }, http: { listen: '127.0.0.1:99999' } }))
  const r = run(forwarderMain, ['--config', listen, '--check-config'])
  t.equal(r.code, 2)
  t.match(r.stderr, /LY_CONFIG: http\.listen: listen address must be host:port, got "[^"]*": port must be 0-65535/)
})

t.test('start-up with a bad port exits 2 with the coded line, not a TypeError with exit 1', async (t) => {
  const r = run(aggregatorBin, ['--config', aggregatorConfig('startup-bad.yml', [`https://elastic:${SECRET}@es.example:99999`])])
  t.equal(r.code, 2, r.stderr)
  t.match(r.stderr, /LY_CONFIG: output\.elasticsearch\.hosts\[0\]: port must be 1-65535/)
  t.notMatch(r.stderr + r.stdout, SECRET)
  t.notMatch(r.stderr, /TypeError/)
})

t.test('running with credentials in the URL and Elasticsearch down: logs and /healthz never show the password', async (t) => {
  const esPort = await freePort() // nothing listens there
  const opsPort = await freePort()
  const file = aggregatorConfig('running.yml', [`http://elastic:${SECRET}@127.0.0.1:${esPort}`], [`    request_timeout: 1s`, `    health_check_interval: 200ms`, `http: {listen: '127.0.0.1:${opsPort}'}`], '127.0.0.1:0', true)
  const p = startProc('aggregator', file)
  t.teardown(() => p.stop())
  const health = await until(async () => {
    const h = await httpText(`http://127.0.0.1:${opsPort}/healthz`)
    return h.status === 503 && /unreachable/.test(h.body) ? h : undefined
  }, 60_000, '/healthz 503 elasticsearch unreachable')
  t.notMatch(health.body, SECRET)
  // the template install fails with the client's connection error and logs it
  const warned = await p.waitFor((r) => r.msg === 'cannot install the index template yet; retrying', 60_000, 'the template retry warning')
  t.match(String(warned.reason), /ECONNREFUSED/)
  t.equal(await p.stop(), 0)
  t.notMatch(JSON.stringify(p.records) + p.stderr(), SECRET, 'no log line or stderr holds the password')
  t.ok(p.records.length > 3, 'the aggregator did log')
})

t.test('redaction and URL checks (unit)', async (t) => {
  t.equal(redactUrls(`connect to https://u:${SECRET}@h:9200/x failed, http://h2:1 ok`), 'connect to https://u:***@h:9200/x failed, http://h2:1 ok')
  t.equal(redactUrls(`"https://tok${SECRET}@h"`), '"https://***@h"', 'a userinfo without ":" is all secret')
  t.equal(redactUrls(`https://u:a@b${SECRET}@h:1`), 'https://u:***@h:1', 'a password holding "@" is hidden whole')
  t.equal(redactAddress(`u:${SECRET}@h:5044`), 'u:***@h:5044')
  t.equal(redactAddress('h:5044'), 'h:5044')
  t.equal(new ConfigError('x', `bad https://u:${SECRET}@h`).message, 'x: bad https://u:***@h', 'every coded error is redacted')
  t.equal(checkHttpUrl('http://127.0.0.1:9200'), undefined)
  t.equal(checkHttpUrl('https://es.example'), undefined, 'the port may be left out')
  t.equal(checkHttpUrl('HTTPS://es.example:443/'), undefined)
  t.match(checkHttpUrl('http://es example:9200'), 'white space')
  t.match(checkHttpUrl('http://a%zz:9200'), 'not a valid URL')
})
