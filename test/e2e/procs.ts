import { spawn, type ChildProcess } from 'node:child_process'
import { writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { join } from 'node:path'
import { until as untilCondition } from '../helpers/until.ts'

// Real logyard processes for end-to-end tests: the aggregator and the
// forwarder as children (bin/*.js on the pinned Node 24), their JSON log
// lines parsed so a test can wait for "listening" and read bound ports.

const root = join(import.meta.dirname, '..', '..')
export const nodeBin = join(root, 'node_modules', '.bin', 'node')

export interface LogRecord {
  msg?: string
  level?: string
  pid?: number
  [key: string]: unknown
}

export interface Proc {
  child: ChildProcess
  records: LogRecord[]
  stderr(): string
  /** Resolves with the first record (already seen or future) matching. */
  waitFor(pred: (r: LogRecord) => boolean, ms?: number, what?: string): Promise<LogRecord>
  /** SIGTERM, wait for exit (SIGKILL after `ms`); resolves with the exit code. */
  stop(ms?: number): Promise<number | null>
  exited: Promise<number | null>
}

export function startProc(script: 'aggregator' | 'forwarder', configFile: string, extraArgs: string[] = [], env: NodeJS.ProcessEnv = {}): Proc {
  const child = spawn(nodeBin, [join(root, 'bin', `logyard-${script}.js`), '--config', configFile, ...extraArgs], {
    stdio: ['ignore', 'pipe', 'pipe'],
    env: { ...process.env, ...env },
  })
  const records: LogRecord[] = []
  const waiters: { pred: (r: LogRecord) => boolean; resolve: (r: LogRecord) => void }[] = []
  let buf = ''
  let err = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => {
    buf += d
    let nl
    while ((nl = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, nl)
      buf = buf.slice(nl + 1)
      let rec: LogRecord
      try {
        rec = JSON.parse(line) as LogRecord
      } catch {
        continue
      }
      records.push(rec)
      for (let i = waiters.length - 1; i >= 0; i--) {
        if (waiters[i]!.pred(rec)) {
          waiters[i]!.resolve(rec)
          waiters.splice(i, 1)
        }
      }
    }
  })
  child.stderr!.setEncoding('utf8').on('data', (d: string) => {
    err += d
  })
  const exited = new Promise<number | null>((resolve) => child.once('exit', (code) => resolve(code)))
  let dead = false
  void exited.then(() => { dead = true })
  return {
    child,
    records,
    exited,
    stderr: () => err,
    waitFor(pred, ms = 60_000, what = 'log record') {
      const hit = records.find(pred)
      if (hit) return Promise.resolve(hit)
      return new Promise((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`${script}: no ${what} within ${ms} ms; stderr: ${err.slice(-2000)}; last logs: ${JSON.stringify(records.slice(-5))}`)), ms)
        const w = { pred, resolve: (r: LogRecord) => { clearTimeout(timer); resolve(r) } }
        waiters.push(w)
        void exited.then((code) => {
          if (waiters.includes(w)) {
            clearTimeout(timer)
            reject(new Error(`${script} exited (${code}) before ${what}; stderr: ${err.slice(-2000)}; last logs: ${JSON.stringify(records.slice(-5))}`))
          }
        })
      })
    },
    async stop(ms = 20_000) {
      if (dead) return child.exitCode
      child.kill('SIGTERM')
      const timer = setTimeout(() => child.kill('SIGKILL'), ms)
      const code = await exited
      clearTimeout(timer)
      return code
    },
  }
}

export function writeConfig(dir: string, name: string, lines: string[]): string {
  const file = join(dir, name)
  writeFileSync(file, lines.join('\n') + '\n')
  return file
}

/** test/helpers/until.ts, polling every 250 ms by default (the conditions here are HTTP requests and file reads). */
export function until<T>(fn: () => Promise<T | undefined | false> | T | undefined | false, ms: number, what: string, every = 250): Promise<T> {
  return untilCondition(fn, ms, what, every)
}

export async function httpText(url: string): Promise<{ status: number; body: string }> {
  const res = await fetch(url)
  return { status: res.status, body: await res.text() }
}

/** A TCP port free on 127.0.0.1 right now (for configs that need a fixed port, e.g. HAProxy's backends). */
export async function freePort(): Promise<number> {
  const srv = createServer()
  await new Promise<void>((r) => srv.listen(0, '127.0.0.1', r))
  const port = (srv.address() as { port: number }).port
  await new Promise((r) => srv.close(r))
  return port
}

