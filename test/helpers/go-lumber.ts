import { execFileSync, spawn, type ChildProcess } from 'node:child_process'
import { existsSync, mkdirSync, statSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { createInterface } from 'node:readline'

// The real go-lumber library (github.com/elastic/go-lumber v0.2.0, the code
// under Filebeat's Logstash output) as two small programs in test/go/, built
// once into test/go/bin/ (gitignored) with the Go toolchain.
//
//   test/go/bin/lumber-client -addr HOST:PORT [-batch 2048] [-level 3]
//       [-timeout 30s] [-tls [-ca FILE] [-cert FILE -key FILE] [-insecure]
//       [-servername NAME]]
//     stdin: one JSON object per line, each sent unchanged as one J payload,
//     in windows of -batch events, each awaited (go-lumber SyncClient).
//     stdout: {"acked":N,"windows":W} (exit 0) or {...,"error":"..."} (exit 1)
//
//   test/go/bin/lumber-server [-addr 127.0.0.1:0] [-cert F -key F
//       [-client-ca F]] [-keepalive 3s] [-ack-delay 0s] [-max-window 10000]
//     stdout: {"listen":"127.0.0.1:PORT"} then one line per batch:
//     {"batch":K,"remote":"ip:port","events":[...]}; ACKs after printing
//     (after -ack-delay). Exits when stdin closes or on SIGTERM.
//
// From TypeScript: runGoLumberClient() and startGoLumberServer() below.

const goDir = join(dirname(fileURLToPath(import.meta.url)), '..', 'go')
const binDir = join(goDir, 'bin')

function goTool(): string {
  for (const candidate of ['/usr/local/go/bin/go', '/usr/lib/go/bin/go']) if (existsSync(candidate)) return candidate
  try {
    execFileSync('go', ['version'], { stdio: 'ignore' })
    return 'go'
  } catch {
    throw new Error('the Go toolchain is needed to build test/go (go-lumber): install golang-go (Debian) or Go ≥ 1.19')
  }
}

let built: { client: string; server: string } | undefined

function fresh(bin: string, src: string): boolean {
  return existsSync(bin) && statSync(bin).mtimeMs >= statSync(src).mtimeMs && statSync(bin).mtimeMs >= statSync(join(goDir, 'go.sum')).mtimeMs
}

/** Builds (when stale) and returns the paths of the two programs. */
function goLumberBinaries(): { client: string; server: string } {
  if (built) return built
  const client = join(binDir, 'lumber-client')
  const server = join(binDir, 'lumber-server')
  if (!fresh(client, join(goDir, 'lumber-client', 'main.go')) || !fresh(server, join(goDir, 'lumber-server', 'main.go'))) {
    mkdirSync(binDir, { recursive: true })
    // go build writes each binary via a temp file + rename, so concurrent test files are safe.
    execFileSync(goTool(), ['build', '-o', binDir + '/', './lumber-client', './lumber-server'], {
      cwd: goDir,
      stdio: ['ignore', 'ignore', 'pipe'],
      env: { ...process.env, GOFLAGS: '-mod=mod', CGO_ENABLED: '0' },
      timeout: 300_000,
    })
  }
  built = { client, server }
  return built
}

interface GoClientTls {
  ca?: string
  cert?: string
  key?: string
  insecure?: boolean
  serverName?: string
}

interface GoClientOptions {
  addr: string
  /** JSON object texts, one per event. */
  events: readonly string[]
  level?: number
  batch?: number
  timeout?: string
  tls?: GoClientTls
  /** Kill the program after this long (default 60 s). */
  killAfterMs?: number
}

interface GoClientResult {
  acked: number
  windows: number
  error?: string
  exitCode: number | null
  stderr: string
}

/** Ships `events` with the go-lumber client and reports what it saw acknowledged. */
export function runGoLumberClient(o: GoClientOptions): Promise<GoClientResult> {
  const { client } = goLumberBinaries()
  const args = ['-addr', o.addr, '-level', String(o.level ?? 3), '-batch', String(o.batch ?? 2048), '-timeout', o.timeout ?? '30s']
  if (o.tls) {
    args.push('-tls')
    if (o.tls.ca) args.push('-ca', o.tls.ca)
    if (o.tls.cert) args.push('-cert', o.tls.cert, '-key', o.tls.key ?? '')
    if (o.tls.insecure) args.push('-insecure')
    if (o.tls.serverName) args.push('-servername', o.tls.serverName)
  }
  return new Promise((resolve, reject) => {
    const child = spawn(client, args, { stdio: ['pipe', 'pipe', 'pipe'] })
    let out = ''
    let err = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d))
    const killer = setTimeout(() => child.kill('SIGKILL'), o.killAfterMs ?? 60_000)
    child.on('error', reject)
    child.on('close', (code) => {
      clearTimeout(killer)
      const last = out.trim().split('\n').pop() ?? ''
      try {
        const r = JSON.parse(last) as { acked: number; windows: number; error?: string }
        resolve({ ...r, exitCode: code, stderr: err })
      } catch {
        resolve({ acked: 0, windows: 0, error: `no report (exit ${code}): ${out} ${err}`, exitCode: code, stderr: err })
      }
    })
    child.stdin.on('error', () => {}) // the client may exit before reading everything
    child.stdin.end(o.events.join('\n') + '\n')
  })
}

interface GoServerOptions {
  tls?: { cert: string; key: string; clientCa?: string }
  keepalive?: string
  ackDelay?: string
  maxWindow?: number
}

interface GoServerBatch {
  batch: number
  remote: string
  events: Record<string, unknown>[]
}

interface GoLumberServer {
  host: string
  port: number
  readonly batches: GoServerBatch[]
  /** Total events received so far. */
  readonly events: number
  /** Resolves once at least `n` events arrived; rejects after timeoutMs. */
  waitForEvents(n: number, timeoutMs?: number): Promise<void>
  stop(): Promise<void>
}

/** Starts the go-lumber server on 127.0.0.1:0. */
export function startGoLumberServer(o: GoServerOptions = {}): Promise<GoLumberServer> {
  const { server } = goLumberBinaries()
  const args = ['-addr', '127.0.0.1:0', '-keepalive', o.keepalive ?? '3s', '-ack-delay', o.ackDelay ?? '0s', '-max-window', String(o.maxWindow ?? 10000)]
  if (o.tls) {
    args.push('-cert', o.tls.cert, '-key', o.tls.key)
    if (o.tls.clientCa) args.push('-client-ca', o.tls.clientCa)
  }
  const child: ChildProcess = spawn(server, args, { stdio: ['pipe', 'pipe', 'pipe'] })
  const batches: GoServerBatch[] = []
  let events = 0
  let waiters: { n: number; resolve: () => void }[] = []
  let stderr = ''
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    if (stderr.length < 65536) stderr += d
  })
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()))
  return new Promise((resolve, reject) => {
    const startTimer = setTimeout(() => {
      child.kill('SIGKILL')
      reject(new Error(`lumber-server did not start: ${stderr}`))
    }, 30_000)
    child.once('error', reject)
    const lines = createInterface({ input: child.stdout! })
    lines.on('line', (line) => {
      const msg = JSON.parse(line) as { listen?: string } & Partial<GoServerBatch>
      if (msg.listen) {
        clearTimeout(startTimer)
        const i = msg.listen.lastIndexOf(':')
        resolve({
          host: msg.listen.slice(0, i),
          port: Number(msg.listen.slice(i + 1)),
          batches,
          get events() {
            return events
          },
          waitForEvents(n, timeoutMs = 30_000) {
            if (events >= n) return Promise.resolve()
            return new Promise<void>((ok, fail) => {
              const timer = setTimeout(() => fail(new Error(`go-lumber server got ${events} of ${n} events`)), timeoutMs)
              waiters.push({ n, resolve: () => (clearTimeout(timer), ok()) })
            })
          },
          async stop() {
            child.stdin!.end()
            const killer = setTimeout(() => child.kill('SIGKILL'), 5_000)
            await exited
            clearTimeout(killer)
          },
        })
        return
      }
      batches.push(msg as GoServerBatch)
      events += msg.events?.length ?? 0
      waiters = waiters.filter((w) => (events >= w.n ? (w.resolve(), false) : true))
    })
    child.once('exit', (code) => {
      clearTimeout(startTimer)
      reject(new Error(`lumber-server exited (${code}) before listening: ${stderr}`))
    })
  })
}
