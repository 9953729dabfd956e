import t from 'tap'
import { mkdtempSync, rmSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { tlsMaterial } from '../../helpers/tls.ts'
import { httpText, startProc, writeConfig, type LogRecord, type Proc } from '../../e2e/procs.ts'

// Start-up of a multi-worker aggregator as a real process tree. A worker that
// cannot start for a reason a restart cannot fix (a port held by another
// process, a tls.cert that cannot be read) stops the whole aggregator with
// exit 1 (bind) or 2 (config) and one coded log line, instead of the primary
// restarting it forever; /healthz never answers 200 meanwhile. A SIGTERM that
// arrives while the workers are still starting stops everything promptly.

const tls = tlsMaterial()
const dir = mkdtempSync(join(tmpdir(), 'logyard-startup-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

function config(name: string, lines: string[]): string {
  return writeConfig(dir, name, [
    'workers: 2',
    ...lines,
    'output:',
    `  file: {path: '${join(dir, `${name}.ndjson`)}'}`,
    "http: {listen: '127.0.0.1:0'}",
  ])
}

/** Polls /healthz from the moment the ops endpoint listens until the process exits; returns every status seen. */
async function healthWhileRunning(proc: Proc): Promise<number[]> {
  const seen: number[] = []
  let exited = false
  void proc.exited.then(() => { exited = true })
  let ops: LogRecord
  try {
    ops = await proc.waitFor((r) => r.msg === 'http ops endpoint listening', 60_000, 'ops endpoint')
  } catch {
    return seen // exited before the endpoint listened: it never answered 200 either
  }
  const url = `http://127.0.0.1:${String(ops.listen).split(':').pop()}/healthz`
  while (!exited) {
    try {
      seen.push((await httpText(url)).status)
    } catch {
      // closed while exiting
    }
    await new Promise((r) => setImmediate(r))
  }
  return seen
}

async function exitOf(proc: Proc, ms = 90_000): Promise<number | null> {
  let timer: NodeJS.Timeout | undefined
  const code = await Promise.race([proc.exited, new Promise<'timeout'>((r) => { timer = setTimeout(() => r('timeout'), ms) })])
  clearTimeout(timer)
  if (code === 'timeout') {
    await proc.stop(1000)
    throw new Error(`still running after ${ms} ms; last logs: ${JSON.stringify(proc.records.slice(-5))}`)
  }
  return code
}

t.test('workers: 2 and the beats port held by another process: exit 1, coded, never healthy, no restart loop', async (t) => {
  const holder = createServer()
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => holder.close(() => r())))
  const port = (holder.address() as { port: number }).port
  const proc = startProc('aggregator', config('held.yml', ['inputs:', `  beats: {listen: '127.0.0.1:${port}'}`]))
  t.teardown(() => proc.stop(5000))
  const health = healthWhileRunning(proc)
  const code = await exitOf(proc)
  t.equal(code, 1, 'exit 1 (runtime: the port is in use)')
  const fatal = proc.records.find((r) => r.msg === 'worker failed during start-up; stopping the aggregator')
  t.ok(fatal, 'the primary says why it stops')
  t.equal(fatal?.code, 'LY_CONNECTION')
  t.match(String(fatal?.err), new RegExp(`inputs\\.beats: cannot listen on 127\\.0\\.0\\.1:${port}: .*EADDRINUSE`))
  t.notOk(proc.records.some((r) => r.msg === 'worker died; restarting'), 'no restart loop')
  t.notOk(proc.records.some((r) => r.msg === 'worker ready'), 'no worker ever served')
  const uncoded = proc.records.filter((r) => (r.level === 'error' || r.level === 'fatal' || r.level === 'warn') && typeof r.code !== 'string')
  t.same(uncoded, [], 'every warning and error line has a code')
  t.notMatch(proc.stderr(), /\n\s+at /, 'no stack trace')
  const statuses = await health
  t.notOk(statuses.includes(200), `/healthz never 200 (saw ${[...new Set(statuses)].join(', ') || 'no answer'})`)
})

t.test('workers: 2 and a missing tls.cert: exit 2 naming inputs.beats.tls.cert', async (t) => {
  const missing = join(dir, 'no-such-cert.pem')
  const proc = startProc('aggregator', config('nocert.yml', ['inputs:', "  beats:", "    listen: '127.0.0.1:0'", `    tls: {cert: '${missing}', key: '${tls.serverKeyFile}'}`]))
  t.teardown(() => proc.stop(5000))
  const health = healthWhileRunning(proc)
  t.equal(await exitOf(proc), 2, 'exit 2: systemd RestartPreventExitStatus=2 applies')
  const fatal = proc.records.find((r) => r.msg === 'worker failed during start-up; stopping the aggregator')
  t.equal(fatal?.code, 'LY_CONFIG')
  t.match(String(fatal?.err), /^inputs\.beats\.tls\.cert: cannot read ".*no-such-cert\.pem"/)
  t.notOk(proc.records.some((r) => r.msg === 'worker died; restarting'), 'no restart loop')
  t.notOk((await health).includes(200), '/healthz never 200')
})

t.test('workers: 1 and the ops port in use: exit 1 with a coded line, no stack trace', async (t) => {
  const holder = createServer()
  await new Promise<void>((r) => holder.listen(0, '127.0.0.1', r))
  t.teardown(() => new Promise<void>((r) => holder.close(() => r())))
  const port = (holder.address() as { port: number }).port
  const file = writeConfig(dir, 'ops-held.yml', ['workers: 1', 'inputs:', "  beats: {listen: '127.0.0.1:0'}", 'output:', `  file: {path: '${join(dir, 'o.ndjson')}'}`, `http: {listen: '127.0.0.1:${port}'}`])
  const proc = startProc('aggregator', file)
  t.teardown(() => proc.stop(5000))
  t.equal(await exitOf(proc), 1)
  const fatal = proc.records.find((r) => r.msg === 'start-up failed')
  t.equal(fatal?.code, 'LY_CONNECTION')
  t.match(String(fatal?.err), /^http\.listen: cannot listen on 127\.0\.0\.1:\d+: .*EADDRINUSE/)
  t.match(proc.stderr(), /logyard-aggregator: LY_CONNECTION: http\.listen: cannot listen/)
  t.notMatch(proc.stderr(), /\n\s+at /, 'no stack trace')
})

t.test('SIGTERM while the workers are still starting: a prompt, clean exit 0', async (t) => {
  // A long shutdown_timeout: a stop lost on its way to a starting worker would
  // keep the process alive for 60 s + 5 s and end with SIGKILLs.
  const proc = startProc('aggregator', config('early.yml', ['inputs:', "  beats: {listen: '127.0.0.1:0'}", 'shutdown_timeout: 60s']))
  t.teardown(() => proc.stop(5000))
  await proc.waitFor((r) => r.msg === 'cluster primary started' || r.msg === 'worker ready', 60_000, 'primary started')
  const readyBefore = proc.records.filter((r) => r.msg === 'worker ready').length
  t.comment(`workers ready before the SIGTERM: ${readyBefore}`)
  proc.child.kill('SIGTERM')
  t.equal(await exitOf(proc, 40_000), 0, 'exit 0, well before shutdown_timeout')
  t.notOk(proc.records.some((r) => r.msg === 'worker did not stop in time; killing it'), 'no worker had to be killed')
  t.notOk(proc.records.some((r) => r.msg === 'worker died; restarting'), 'no restart')
  const stopped = proc.records.filter((r) => r.msg === 'worker stopped')
  t.equal(stopped.length, 2, 'both workers stopped')
})
