import { execFileSync, spawn } from 'node:child_process'
import type { ChildProcess } from 'node:child_process'
import { createHash } from 'node:crypto'
import { chmodSync, chownSync, closeSync, cpSync, existsSync, mkdirSync, mkdtempSync, openSync, readdirSync, readFileSync, renameSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { createReadStream, createWriteStream } from 'node:fs'
import { homedir, tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { Readable } from 'node:stream'
import { pipeline } from 'node:stream/promises'
import { setTimeout as sleep } from 'node:timers/promises'
import { request as httpsRequest } from 'node:https'
import { Client } from '@elastic/elasticsearch'

// A real Elasticsearch for tests, benches and the demo.
//
// The integ-test-zip of Elasticsearch 8.19 from Maven Central is downloaded
// once (sha512-verified) into the cache dir (`LOGYARD_CACHE`, default
// ~/.cache/logyard), unpacked once, and started per instance on 127.0.0.1 with
// ephemeral ports, a fresh data/logs/config dir in a temp dir, a 512 MiB heap
// and a unique cluster name. `stop()` kills the whole process group and
// deletes the temp dir; exit/signal handlers and a watchdog in the launcher
// shell (it kills the node when this process is gone) make sure nothing leaks.
//
// The integ-test-zip contains only the server plus the modules apm,
// transport-netty4, x-pack-core and x-pack-security: no `GET /` (rest-root),
// no mapper-extras (`match_only_text`), no ingest-geoip, no data streams.
// Elasticsearch refuses to run as root, so as root it runs as `nobody`.
//
// `ELASTICSEARCH_URL` set → nothing is started: the cluster at that URL is
// used (credentials may be in the URL), unless the caller asks for things only
// a private node can give (`settings`, `security`); then a node is started
// anyway. halt()/resume()/restart() need a private node.

const ES_VERSION = '8.19.21'

/**
 * A server whose Maven Central integ-test-zip this harness can run: Elasticsearch
 * here, OpenSearch in test/helpers/opensearch.ts. Both unpack to `<product>-<version>/`
 * with `bin/<product>`, take `-E` settings, write `logs/http.ports` with
 * `node.portsfile` and refuse to run as root.
 */
export interface Distribution {
  product: 'elasticsearch' | 'opensearch'
  /** For messages: "Elasticsearch 8.19.21". */
  title: string
  version: string
  /** The integ-test-zip; `${url}.sha512` is its published checksum. */
  url: string
  /** Environment variable prefix of the start script: ES_HOME… or OPENSEARCH_HOME… */
  envPrefix: 'ES' | 'OPENSEARCH'
  /** JDK major versions the server runs on (OpenSearch 2.x needs the security manager: ≤ 23). */
  java: { min: number; max: number }
}

const ELASTICSEARCH: Distribution = {
  product: 'elasticsearch',
  title: `Elasticsearch ${ES_VERSION}`,
  version: ES_VERSION,
  url: `https://repo1.maven.org/maven2/org/elasticsearch/distribution/integ-test-zip/elasticsearch/${ES_VERSION}/elasticsearch-${ES_VERSION}.zip`,
  envPrefix: 'ES',
  java: { min: 17, max: 99 },
}

export interface ElasticsearchOptions {
  /** Extra `-E` settings, e.g. `{'thread_pool.write.size': 1, 'thread_pool.write.queue_size': 1}`. */
  settings?: Record<string, string | number | boolean>
  /** Turn security on (HTTP stays plain unless `tls`); the `elastic` user gets this password. */
  security?: { password: string }
  /** HTTPS with this PEM certificate/key (needs `security`); `ca` is what clients trust (e.g. tlsMaterial()). */
  tls?: { cert: string; key: string; ca: string }
  /** JVM heap, default 512m. */
  heap?: string
  /** A node of its own even when ELASTICSEARCH_URL names a shared one (halt/resume/restart need it). */
  private?: boolean
  /** Startup timeout in ms (default 180 s, or LOGYARD_ES_START_TIMEOUT). */
  startTimeoutMs?: number
}

export interface ElasticsearchInstance<C = Client> {
  /** Base URL, e.g. http://127.0.0.1:41234 (no credentials). */
  readonly url: string
  /** An 8.x client for `url`, authenticated as `elastic` when security is on (an OpenSearch client for OpenSearch). */
  readonly client: C
  /** The server's product and version (the harness's distribution). */
  readonly distribution: Distribution
  /** One REST call with the instance's credentials/CA; `body` objects are sent as JSON. Any status resolves. */
  request(method: string, path: string, body?: unknown): Promise<{ status: number; body: any }>
  /** Basic-auth credentials when security is on. */
  readonly auth: { username: string; password: string } | undefined
  /** The CA PEM clients must trust when the node speaks HTTPS. */
  readonly ca: string | undefined
  /** True when this is the cluster from ELASTICSEARCH_URL (nothing was started). */
  readonly external: boolean
  /** Last lines of the node's log (for failure messages). */
  logTail(lines?: number): string
  /** Stops the node but keeps its data dir and port (an outage). SIGKILL simulates a crash. */
  halt(signal?: 'SIGTERM' | 'SIGKILL'): Promise<void>
  /** Starts a halted node again on the same data dir and port; resolves when it is yellow. */
  resume(): Promise<void>
  /** halt() then resume(). */
  restart(): Promise<void>
  /** Kills the node, deletes its temp dir, closes the client. Idempotent. */
  stop(): Promise<void>
  /** Process group of the running node (launcher and JVM); 0 when external or halted. */
  readonly pgid: number
  /** SIGSTOP / SIGCONT to the node's process group: a frozen, unresponsive node. */
  freeze(): void
  thaw(): void
}

// ---------------------------------------------------------------------------
// Distribution: download, verify, unpack.

function cacheDir(): string {
  return process.env.LOGYARD_CACHE ?? join(homedir(), '.cache', 'logyard')
}

async function download(url: string, file: string): Promise<void> {
  const res = await fetch(url)
  if (!res.ok || !res.body) throw new Error(`GET ${url}: HTTP ${res.status}`)
  await pipeline(Readable.fromWeb(res.body as import('node:stream/web').ReadableStream), createWriteStream(file))
}

async function sha512(file: string): Promise<string> {
  const hash = createHash('sha512')
  await pipeline(createReadStream(file), hash)
  return hash.digest('hex')
}

/** The cached zip; downloaded (to a .part file, verified against the published .sha512, renamed) when missing. */
export function elasticsearchZip(): Promise<string> {
  return distributionZip(ELASTICSEARCH)
}

async function distributionZip(dist: Distribution): Promise<string> {
  const url = dist.url
  const dir = cacheDir()
  const zip = join(dir, `${dist.product}-${dist.version}.zip`)
  if (existsSync(zip)) return zip
  mkdirSync(dir, { recursive: true })
  const part = `${zip}.part-${process.pid}`
  try {
    await download(url, part)
    const res = await fetch(`${url}.sha512`)
    if (!res.ok) throw new Error(`GET ${url}.sha512: HTTP ${res.status}`)
    const expected = (await res.text()).trim().split(/\s+/)[0]?.toLowerCase()
    const actual = await sha512(part)
    if (expected !== actual) throw new Error(`${url}: sha512 mismatch (expected ${expected}, got ${actual})`)
    renameSync(part, zip)
  } finally {
    rmSync(part, { force: true })
  }
  return zip
}

/** The uid/gid Elasticsearch runs as: ours, or `nobody` when we are root. */
function runAs(): { uid: number; gid: number } | undefined {
  if (process.getuid?.() !== 0) return undefined
  let uid = 65534
  let gid = 65534
  try {
    const line = readFileSync('/etc/passwd', 'utf8').split('\n').find((l) => l.startsWith('nobody:'))
    const parts = line?.split(':')
    if (parts && parts[2] && parts[3]) {
      uid = Number(parts[2])
      gid = Number(parts[3])
    }
  } catch {
    // keep 65534
  }
  return { uid, gid }
}

/** True when every ancestor of `dir` is traversable by "other" (needed when ES runs as nobody). */
function worldTraversable(dir: string): boolean {
  for (let d = dir; ; d = dirname(d)) {
    try {
      if ((statSync(d).mode & 0o001) === 0) return false
    } catch {
      return false
    }
    if (dirname(d) === d) return true
  }
}

function unpackTool(): (zip: string, into: string) => void {
  for (const dir of (process.env.PATH ?? '/usr/bin:/bin').split(':')) {
    if (existsSync(join(dir, 'unzip'))) return (zip, into) => execFileSync('unzip', ['-q', zip, '-d', into], { stdio: ['ignore', 'ignore', 'pipe'] })
  }
  return (zip, into) => execFileSync('python3', ['-m', 'zipfile', '-e', zip, into], { stdio: ['ignore', 'ignore', 'pipe'] })
}

/** ES_HOME, unpacked once (atomically: into a scratch dir, then renamed). */
export function elasticsearchHome(): Promise<string> {
  return distributionHome(ELASTICSEARCH)
}

export async function distributionHome(dist: Distribution): Promise<string> {
  const zip = await distributionZip(dist)
  let base = cacheDir()
  if (runAs() && !worldTraversable(base)) base = join('/var/tmp', 'logyard-cache')
  const name = `${dist.product}-${dist.version}`
  const home = join(base, name)
  if (existsSync(join(home, 'bin', dist.product))) return home
  mkdirSync(base, { recursive: true, mode: 0o755 })
  const scratch = mkdtempSync(join(base, '.unpack-'))
  try {
    unpackTool()(zip, scratch)
    const unpacked = join(scratch, name)
    // python's zipfile does not keep modes: make the scripts executable.
    for (const f of readdirSync(join(unpacked, 'bin'))) chmodSync(join(unpacked, 'bin', f), 0o755)
    execFileSync('chmod', ['-R', 'a+rX', unpacked])
    chmodSync(scratch, 0o755)
    try {
      renameSync(unpacked, home)
    } catch (err) {
      if (!existsSync(join(home, 'bin', dist.product))) throw err // someone else won the race otherwise
    }
  } finally {
    rmSync(scratch, { recursive: true, force: true })
  }
  return home
}

function javaMajor(javaHome: string): number {
  try {
    const m = /JAVA_VERSION="(\d+)/.exec(readFileSync(join(javaHome, 'release'), 'utf8'))
    return m?.[1] ? Number(m[1]) : 0
  } catch {
    return 0
  }
}

/**
 * A JDK for `dist` (default Elasticsearch: ≥ 17): <PREFIX>_JAVA_HOME, else
 * /usr/lib/jvm/java-17-openjdk-amd64, else the first fitting one under /usr/lib/jvm
 * (sorted by name: temurin-25-jdk-amd64 for OpenSearch 3.x).
 */
function javaHome(dist: Distribution = ELASTICSEARCH): string {
  const candidates: string[] = []
  const own = process.env[`${dist.envPrefix}_JAVA_HOME`]
  if (own) candidates.push(own)
  candidates.push('/usr/lib/jvm/java-17-openjdk-amd64')
  try {
    for (const d of readdirSync('/usr/lib/jvm').sort()) candidates.push(join('/usr/lib/jvm', d))
  } catch {
    // no /usr/lib/jvm
  }
  for (const c of candidates) {
    const major = javaMajor(c)
    if (existsSync(join(c, 'bin', 'java')) && major >= dist.java.min && major <= dist.java.max) return c
  }
  throw new Error(`${dist.title}: no JDK ${dist.java.min}..${dist.java.max} found (looked at ${candidates.join(', ')}); install one or set ${dist.envPrefix}_JAVA_HOME`)
}

// ---------------------------------------------------------------------------
// Process groups and cleanup.

const live = new Set<Node>()
let handlersInstalled = false

function groupMembers(pgid: number): number[] {
  const out: number[] = []
  for (const name of readdirSync('/proc')) {
    if (name.charCodeAt(0) > 57) continue
    try {
      const stat = readFileSync(`/proc/${name}/stat`, 'utf8')
      const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ')
      // fields[0] = state, fields[2] = pgrp
      if (fields[0] !== 'Z' && Number(fields[2]) === pgid) out.push(Number(name))
    } catch {
      // gone meanwhile
    }
  }
  return out
}

function killGroup(pgid: number, signal: NodeJS.Signals): void {
  try {
    process.kill(-pgid, signal)
  } catch {
    // already gone
  }
}

function cleanupAllSync(): void {
  for (const node of live) node.killSync()
}

function installHandlers(): void {
  if (handlersInstalled) return
  handlersInstalled = true
  process.once('exit', cleanupAllSync)
  for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP'] as const) {
    const onSignal = (): void => {
      cleanupAllSync()
      process.off(sig, onSignal)
      // Keep the default behaviour (die by the signal) unless someone else handles it.
      if (process.listenerCount(sig) === 0) process.kill(process.pid, sig)
    }
    process.on(sig, onSignal)
  }
}

// The launcher shell: starts ES in the background and watches this Node
// process; when it is gone (even after SIGKILL), it stops ES and removes the
// instance dir. Normal stops kill the whole group from Node.
const LAUNCHER = `
"$LOGYARD_SERVER_BIN" "$@" &
child=$!
while [ -d "/proc/$LOGYARD_PARENT" ] && [ -d "/proc/$child" ]; do sleep 1; done
if [ ! -d "/proc/$LOGYARD_PARENT" ]; then
  trap '' TERM
  kill -TERM 0
  n=0
  while [ -d "/proc/$child" ] && [ $n -lt 30 ]; do sleep 1; n=$((n+1)); done
  rm -rf "$LOGYARD_INSTANCE_DIR"
  kill -KILL 0
fi
wait $child
`

// ---------------------------------------------------------------------------
// One node.

function freshConfig(home: string, into: string): void {
  cpSync(join(home, 'config'), into, { recursive: true })
  // No GC log or heap dumps in the per-instance dir: tests do not need them.
  const jvm = readFileSync(join(into, 'jvm.options'), 'utf8')
    .split('\n')
    .filter((l) => !/^\s*(\d+-?\d*:)?-(Xlog:gc|XX:\+HeapDumpOnOutOfMemoryError|XX:HeapDumpPath)/.test(l))
    .join('\n')
  writeFileSync(join(into, 'jvm.options'), jvm)
}

function chownTree(path: string, uid: number, gid: number): void {
  execFileSync('chown', ['-R', `${uid}:${gid}`, path])
}

class Node {
  readonly dist: Distribution
  readonly dir: string
  readonly home: string
  readonly java: string
  readonly cluster: string
  readonly user: { uid: number; gid: number } | undefined
  readonly options: ElasticsearchOptions
  child: ChildProcess | undefined
  pgid = 0
  httpPort = 0
  exited: { code: number | null; signal: string | null } | undefined

  constructor(dist: Distribution, home: string, options: ElasticsearchOptions) {
    this.dist = dist
    this.home = home
    this.options = options
    this.java = javaHome(dist)
    this.user = runAs()
    this.cluster = `logyard-test-${process.pid}-${Math.random().toString(36).slice(2, 8)}`
    this.dir = mkdtempSync(join(tmpdir(), dist.product === 'elasticsearch' ? 'logyard-es-' : 'logyard-os-'))
    for (const d of ['data', 'logs', 'tmp']) mkdirSync(join(this.dir, d))
    freshConfig(home, join(this.dir, 'config'))
    if ((options.security || options.tls) && dist.product !== 'elasticsearch') throw new Error(`${dist.title}: the integ-test-zip has no security plugin (no auth, no TLS)`)
    if (options.tls) {
      if (!options.security) throw new Error('startElasticsearch: tls needs security (Elasticsearch only serves HTTPS with security on)')
      writeFileSync(join(this.dir, 'config', 'http.crt'), options.tls.cert)
      writeFileSync(join(this.dir, 'config', 'http.key'), options.tls.key, { mode: 0o600 })
    }
    if (this.user) chownTree(this.dir, this.user.uid, this.user.gid)
    live.add(this)
    installHandlers()
  }

  env(): NodeJS.ProcessEnv {
    const p = this.dist.envPrefix
    return {
      PATH: process.env.PATH ?? '/usr/bin:/bin',
      HOME: this.dir,
      LANG: 'C.UTF-8',
      // OpenSearch's start script also reads JAVA_HOME; set both.
      JAVA_HOME: this.java,
      [`${p}_HOME`]: this.home,
      [`${p}_JAVA_HOME`]: this.java,
      [`${p}_PATH_CONF`]: join(this.dir, 'config'),
      [`${p}_TMPDIR`]: join(this.dir, 'tmp'),
      [`${p}_JAVA_OPTS`]: `-Xms${this.options.heap ?? '512m'} -Xmx${this.options.heap ?? '512m'}`,
      LOGYARD_SERVER_BIN: join(this.home, 'bin', this.dist.product),
      LOGYARD_PARENT: String(process.pid),
      LOGYARD_INSTANCE_DIR: this.dir,
    }
  }

  /** Puts the bootstrap password into a fresh keystore in the instance's config dir. */
  keystore(password: string): void {
    const opts = { cwd: this.dir, env: this.env(), stdio: ['pipe', 'ignore', 'pipe'] as ('pipe' | 'ignore')[], uid: this.user?.uid, gid: this.user?.gid, timeout: 120_000 }
    const tool = join(this.home, 'bin', 'elasticsearch-keystore')
    execFileSync(tool, ['create'], { ...opts, input: '' })
    execFileSync(tool, ['add', '-x', '-f', 'bootstrap.password'], { ...opts, input: password })
  }

  args(): string[] {
    const s: Record<string, string | number | boolean> = {
      'cluster.name': this.cluster,
      'node.name': 'node-1',
      'discovery.type': 'single-node',
      'network.host': '127.0.0.1',
      'http.port': this.httpPort,
      'transport.port': 0,
      'node.portsfile': true,
      'path.data': join(this.dir, 'data'),
      'path.logs': join(this.dir, 'logs'),
      'action.destructive_requires_name': false,
      'cluster.routing.allocation.disk.threshold_enabled': false,
      ...this.options.settings,
    }
    if (this.dist.product === 'elasticsearch') s['xpack.security.enabled'] = this.options.security !== undefined
    if (this.options.security) s['xpack.security.http.ssl.enabled'] = this.options.tls !== undefined
    if (this.options.tls) {
      s['xpack.security.http.ssl.certificate'] = 'http.crt'
      s['xpack.security.http.ssl.key'] = 'http.key'
    }
    if (this.dist.product === 'elasticsearch' && existsSync(join(this.home, 'modules', 'ingest-geoip'))) s['ingest.geoip.downloader.enabled'] = false
    return Object.entries(s).map(([k, v]) => `-E${k}=${v}`)
  }

  logTail(lines = 40): string {
    const read = (f: string): string => {
      try {
        return readFileSync(f, 'utf8').split('\n').slice(-lines).join('\n')
      } catch {
        return ''
      }
    }
    return `--- ${this.cluster}.log ---\n${read(join(this.dir, 'logs', `${this.cluster}.log`))}\n--- console ---\n${read(join(this.dir, 'console.log'))}`
  }

  async start(): Promise<void> {
    const portsFile = join(this.dir, 'logs', 'http.ports')
    rmSync(portsFile, { force: true })
    const out = openSync(join(this.dir, 'console.log'), 'a')
    if (this.user) chownSync(join(this.dir, 'console.log'), this.user.uid, this.user.gid)
    this.exited = undefined
    const child = spawn('/bin/sh', ['-c', LAUNCHER, `${this.dist.product}-launcher`, ...this.args()], {
      cwd: this.dir,
      env: this.env(),
      detached: true,
      stdio: ['ignore', out, out],
      uid: this.user?.uid,
      gid: this.user?.gid,
    })
    closeSync(out)
    this.child = child
    this.pgid = child.pid ?? 0
    child.once('exit', (code, signal) => {
      this.exited = { code, signal }
    })
    child.unref()
    const timeout = this.options.startTimeoutMs ?? Number(process.env.LOGYARD_ES_START_TIMEOUT ?? 180_000)
    const deadline = Date.now() + timeout
    while (!existsSync(portsFile)) {
      if (this.exited) throw new Error(`${this.dist.title} exited during startup (${JSON.stringify(this.exited)})\n${this.logTail()}`)
      if (Date.now() > deadline) throw new Error(`${this.dist.title} did not bind HTTP within ${timeout} ms\n${this.logTail()}`)
      await sleep(250)
    }
    const first = readFileSync(portsFile, 'utf8').split('\n')[0] ?? ''
    this.httpPort = Number(first.slice(first.lastIndexOf(':') + 1))
    const headers: Record<string, string> = {}
    if (this.options.security) headers.authorization = `Basic ${Buffer.from(`elastic:${this.options.security.password}`).toString('base64')}`
    let last = ''
    while (Date.now() < deadline) {
      if (this.exited) throw new Error(`${this.dist.title} exited during startup (${JSON.stringify(this.exited)})\n${this.logTail()}`)
      try {
        const res = await this.get('/_cluster/health?wait_for_status=yellow&timeout=10s', headers)
        last = `${res.status} ${res.body}`
        if (res.status === 200) return
      } catch (err) {
        last = String(err)
      }
      await sleep(500)
    }
    throw new Error(`${this.dist.title} not healthy within ${timeout} ms (last: ${last})\n${this.logTail()}`)
  }

  get url(): string {
    return `${this.options.tls ? 'https' : 'http'}://127.0.0.1:${this.httpPort}`
  }

  get(path: string, headers: Record<string, string>): Promise<{ status: number; body: string }> {
    return this.call('GET', path, headers)
  }

  async call(method: string, path: string, headers: Record<string, string>, body?: string, timeout = 20_000): Promise<{ status: number; body: string }> {
    if (!this.options.tls) {
      const res = await fetch(`${this.url}${path}`, { method, headers, body, signal: AbortSignal.timeout(timeout) })
      return { status: res.status, body: await res.text() }
    }
    const ca = this.options.tls.ca
    return new Promise((resolve, reject) => {
      const req = httpsRequest(`${this.url}${path}`, { method, headers, ca, timeout }, (res) => {
        let body = ''
        res.setEncoding('utf8')
        res.on('data', (c: string) => (body += c))
        res.on('end', () => resolve({ status: res.statusCode ?? 0, body }))
        res.on('error', reject)
      })
      req.on('timeout', () => req.destroy(new Error('timeout')))
      req.on('error', reject)
      req.end(body)
    })
  }

  async halt(signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
    if (!this.pgid) return
    const pgid = this.pgid
    killGroup(pgid, signal)
    const deadline = Date.now() + 30_000
    while (groupMembers(pgid).length > 0) {
      if (Date.now() > deadline) killGroup(pgid, 'SIGKILL')
      await sleep(100)
    }
    // The launcher's exit event may still be queued: let it land before a
    // start() reuses `exited` (it would mark the new node as dead). Polled, not
    // awaited as an event: the child is unref'd and would not keep the loop alive.
    const child = this.child
    const until = Date.now() + 5_000
    while (child && !this.exited && child.exitCode === null && child.signalCode === null && Date.now() < until) await sleep(20)
    this.pgid = 0
  }

  killSync(): void {
    if (this.pgid) killGroup(this.pgid, 'SIGKILL')
    this.pgid = 0
    rmSync(this.dir, { recursive: true, force: true })
    live.delete(this)
  }

  async stop(): Promise<void> {
    await this.halt('SIGKILL')
    rmSync(this.dir, { recursive: true, force: true })
    live.delete(this)
  }
}

function makeClient(url: string, auth: { username: string; password: string } | undefined, ca?: string): Client {
  return new Client({ node: url, auth, requestTimeout: 60_000, tls: ca ? { ca } : undefined })
}

/** A client factory per product: the instance makes a fresh client after resume(). */
export interface ClientFactory<C> {
  make(url: string, auth: { username: string; password: string } | undefined, ca: string | undefined): C
  close(client: C): Promise<void>
}

const esClients: ClientFactory<Client> = { make: makeClient, close: (c) => c.close() }

async function rest(call: (method: string, path: string, headers: Record<string, string>, body?: string) => Promise<{ status: number; body: string }>, auth: { username: string; password: string } | undefined, method: string, path: string, body?: unknown): Promise<{ status: number; body: any }> {
  const headers: Record<string, string> = {}
  if (auth) headers.authorization = `Basic ${Buffer.from(`${auth.username}:${auth.password}`).toString('base64')}`
  let text: string | undefined
  if (body !== undefined) {
    text = typeof body === 'string' ? body : JSON.stringify(body)
    headers['content-type'] = typeof body === 'string' ? 'application/x-ndjson' : 'application/json'
  }
  const res = await call(method, path, headers, text)
  let parsed: unknown = res.body
  try {
    parsed = JSON.parse(res.body)
  } catch {
    // not JSON: keep the text
  }
  return { status: res.status, body: parsed }
}

/**
 * Starts (or, with ELASTICSEARCH_URL, attaches to) an Elasticsearch and waits
 * for yellow health. Always pair with `stop()` (e.g. `t.teardown(es.stop)`).
 * Throws with the node's log tail when it cannot start: tests never skip.
 */
export async function startElasticsearch(options: ElasticsearchOptions = {}): Promise<ElasticsearchInstance> {
  const externalUrl = process.env.ELASTICSEARCH_URL
  if (externalUrl && !options.private && !options.settings && !options.security && !options.tls) return attach(ELASTICSEARCH, externalUrl, esClients)
  return startNode(ELASTICSEARCH, options, esClients)
}

/** Starts a private node of `dist` (see startElasticsearch); OpenSearch's starter is in opensearch.ts. */
export async function startNode<C>(dist: Distribution, options: ElasticsearchOptions, clients: ClientFactory<C>): Promise<ElasticsearchInstance<C>> {
  const home = await distributionHome(dist)
  const node = new Node(dist, home, options)
  try {
    if (options.security) node.keystore(options.security.password)
    await node.start()
  } catch (err) {
    await node.stop()
    throw err
  }
  const auth = options.security ? { username: 'elastic', password: options.security.password } : undefined
  const ca = options.tls?.ca
  let client = clients.make(node.url, auth, ca)
  let stopped = false
  const instance: ElasticsearchInstance<C> = {
    get url() {
      return node.url
    },
    get client() {
      return client
    },
    distribution: dist,
    request: (method, path, body) => rest((m, p, h, b) => node.call(m, p, h, b, 120_000), auth, method, path, body),
    auth,
    ca,
    external: false,
    logTail: (lines) => node.logTail(lines),
    halt: (signal) => node.halt(signal),
    get pgid() {
      return node.exited ? 0 : node.pgid
    },
    freeze: () => {
      if (node.pgid > 0 && !node.exited) process.kill(-node.pgid, 'SIGSTOP')
    },
    thaw: () => {
      if (node.pgid > 0 && !node.exited) process.kill(-node.pgid, 'SIGCONT')
    },
    async resume() {
      await node.start()
      // The old client's connection pool may hold dead sockets and a "dead" mark.
      const old = client
      client = clients.make(node.url, auth, ca)
      await clients.close(old).catch(() => {})
    },
    async restart() {
      await node.halt('SIGTERM')
      await instance.resume()
    },
    async stop() {
      if (stopped) return
      stopped = true
      await clients.close(client).catch(() => {})
      await node.stop()
    },
  }
  return instance
}

/** An instance for an external cluster at `url` (credentials may be in the URL). */
export function attach<C>(dist: Distribution, url: string, clients: ClientFactory<C>): ElasticsearchInstance<C> {
  const parsed = new URL(url)
  const auth = parsed.username ? { username: decodeURIComponent(parsed.username), password: decodeURIComponent(parsed.password) } : undefined
  parsed.username = ''
  parsed.password = ''
  const base = parsed.toString().replace(/\/$/, '')
  const client = clients.make(base, auth, undefined)
  const unsupported = async (): Promise<never> => {
    throw new Error('halt/resume/restart need a private node: unset the *_URL variable')
  }
  const call = async (method: string, path: string, headers: Record<string, string>, body?: string): Promise<{ status: number; body: string }> => {
    const res = await fetch(`${base}${path}`, { method, headers, body, signal: AbortSignal.timeout(120_000) })
    return { status: res.status, body: await res.text() }
  }
  return {
    url: base,
    client,
    distribution: dist,
    request: (method, path, body) => rest(call, auth, method, path, body),
    auth,
    ca: undefined,
    external: true,
    logTail: () => `(external cluster ${base})`,
    halt: unsupported,
    resume: unsupported,
    restart: unsupported,
    stop: async () => {
      await clients.close(client).catch(() => {})
    },
    pgid: 0,
    freeze: () => {
      throw new Error('freeze needs a private node: unset the *_URL variable')
    },
    thaw: () => {},
  }
}

/** A unique, lowercase index name for a test (safe on a shared ELASTICSEARCH_URL cluster). */
export function testIndexName(prefix: string): string {
  return `${prefix}-${process.pid}-${Math.random().toString(36).slice(2, 8)}`.toLowerCase()
}

// `node test/helpers/elasticsearch.ts [--security PASSWORD]`: start a node,
// print its URL, stop on SIGINT/SIGTERM (for poking at it by hand).
if (import.meta.main) {
  const i = process.argv.indexOf('--security')
  const password = i > 0 ? process.argv[i + 1] : undefined
  const es = await startElasticsearch(password ? { security: { password } } : {})
  process.stdout.write(`${es.url}\n`)
  const done = (): void => {
    void es.stop().then(() => process.exit(0))
  }
  process.once('SIGINT', done)
  process.once('SIGTERM', done)
  setInterval(() => {}, 1 << 30)
}
