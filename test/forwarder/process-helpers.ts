import { spawn, type ChildProcess } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { silentLogger } from '../../core/logger.ts'
import { LumberjackServer } from '../../core/lumberjack/server.ts'
import { tlsMaterial } from '../helpers/tls.ts'

// Real processes: the forwarder as a child (node forwarder/main.ts with a
// real config file) and the real LumberjackServer as an ack-only receiver in
// the test process.

export const repoRoot = fileURLToPath(new URL('../../', import.meta.url))
export const nodeBin = process.execPath
export const mainTs = join(repoRoot, 'forwarder/main.ts')

interface Received {
  message: string
  offset: number
  path: string
  id: string
}

export class Receiver {
  readonly events: Received[] = []
  port = 0
  readonly tls: boolean
  #server: LumberjackServer | undefined
  batches = 0
  /** While set, batches are recorded on arrival but not acknowledged until it resolves. */
  hold: Promise<void> | undefined

  constructor(tls = true) {
    this.tls = tls
  }

  async start(port = this.port): Promise<number> {
    const m = tlsMaterial()
    this.#server = new LumberjackServer({
      listen: `127.0.0.1:${port}`,
      logger: silentLogger(),
      ...(this.tls ? { tls: { cert: m.serverCertFile, key: m.serverKeyFile, client_ca: [m.caFile], client_auth: 'required', min_version: 'TLSv1.2' } } : {}),
      onBatch: async (batch) => {
        this.batches++
        for (const e of batch.events as any[]) this.events.push({ message: e.message, offset: e.log?.offset, path: e.log?.file?.path, id: e['@metadata']?._id })
        if (this.hold) await this.hold
      },
    })
    const addr = await this.#server.listen()
    this.port = addr.port
    return addr.port
  }

  /** Open connections (a killed sender's count once its socket is closed and its last bytes read). */
  get connections(): number {
    return this.#server?.connections ?? 0
  }

  async stop(): Promise<void> {
    await this.#server?.close(1000)
    this.#server = undefined
  }

  output(extra: Record<string, unknown> = {}): Record<string, unknown> {
    const m = tlsMaterial()
    return {
      hosts: [`127.0.0.1:${this.port}`],
      ...(this.tls ? { tls: { ca: m.caFile, cert: m.clientCertFile, key: m.clientKeyFile } } : {}),
      backoff: { init: '100ms', max: '500ms' },
      ...extra,
    }
  }

  messages(): string[] {
    return this.events.map((e) => e.message)
  }
}

interface ForwarderChild {
  child: ChildProcess
  /** Parsed JSON log lines so far. */
  logs: () => Record<string, any>[]
  stderr: () => string
  exited: Promise<number | null>
}

export function writeConfig(dir: string, config: Record<string, unknown>, name = 'forwarder.yml'): string {
  const file = join(dir, name)
  writeFileSync(file, JSON.stringify(config, null, 1)) // JSON is YAML
  return file
}

export function spawnForwarder(args: string[], options: { uid?: number; gid?: number; env?: NodeJS.ProcessEnv } = {}): ForwarderChild {
  // Another user: setpriv drops to it and exec()s (same pid, so signals reach
  // node); `env -u NODE_OPTIONS` drops tap's process-info hook, which would
  // try to write under .tap/ as that user.
  const [cmd, argv] =
    options.uid === undefined
      ? [nodeBin, [mainTs, ...args]]
      : ['setpriv', [`--reuid=${options.uid}`, `--regid=${options.gid ?? options.uid}`, '--clear-groups', 'env', '-u', 'NODE_OPTIONS', nodeBin, mainTs, ...args]]
  const child = spawn(cmd, argv, { cwd: repoRoot, stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...options.env } })
  let out = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (err += d))
  const exited = new Promise<number | null>((resolve) => child.on('exit', (code, signal) => resolve(code ?? (signal ? -1 : null))))
  return {
    child,
    logs: () =>
      out
        .split('\n')
        .filter((l) => l.startsWith('{'))
        .map((l) => {
          try {
            return JSON.parse(l) as Record<string, any>
          } catch {
            return {}
          }
        }),
    stderr: () => err + out,
    exited,
  }
}

/** Resident set size of a process in MiB (Linux /proc). */
export function rssMiB(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : 0
}

export { until } from '../helpers/until.ts'

export function lines(prefix: string, from: number, to: number): string {
  let s = ''
  for (let i = from; i < to; i++) s += `${prefix} ${i}\n`
  return s
}
