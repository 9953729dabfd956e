import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from 'node:fs'
import { createServer } from 'node:net'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nodeBin, writeConfig } from '../../e2e/procs.ts'
import { until } from '../../helpers/until.ts'

// What an operator reads in the journal (issue 20 items 3 and 6): every
// warning or error carries a `code`, and no line carries a key twice (the
// aggregator's output lines had "component" twice).

const root = join(import.meta.dirname, '..', '..', '..')
const dir = mkdtempSync(join(tmpdir(), 'logyard-loglines-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

async function closedPort(): Promise<number> {
  const s = createServer()
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r))
  const port = (s.address() as { port: number }).port
  await new Promise<void>((r) => s.close(() => r()))
  return port
}

t.test('aggregator log lines: Elasticsearch unreachable at start — the template retry is coded, "component" once per line', async (t) => {
  const port = await closedPort()
  const file = writeConfig(dir, 'agg.yml', [
    'workers: 1',
    'inputs:',
    "  beats: {listen: '127.0.0.1:0'}",
    'output:',
    `  elasticsearch: {hosts: ['http://127.0.0.1:${port}'], retry_max: 200ms}`,
    `dead_letter: {path: '${join(dir, 'dlq')}'}`,
  ])
  const child = spawn(nodeBin, [join(root, 'bin', 'logyard-aggregator.js'), '--config', file], { stdio: ['ignore', 'pipe', 'pipe'] })
  const exited = new Promise<number | null>((r) => child.once('exit', (code) => r(code)))
  t.teardown(() => child.kill('SIGKILL'))
  let out = ''
  child.stdout!.setEncoding('utf8').on('data', (d: string) => (out += d))
  child.stderr!.setEncoding('utf8').on('data', (d: string) => (out += d))
  await until(() => /cannot install the index template yet/.test(out), 60_000, 'the template retry line').catch((err: unknown) => {
    throw new Error(`${(err as Error).message}: ${out.slice(-2000)}`)
  })
  child.kill('SIGTERM')
  await exited
  const lines = out.split('\n').filter((l) => l.startsWith('{'))
  t.ok(lines.length >= 2, `${lines.length} log lines`)
  for (const line of lines) {
    const keys = [...line.matchAll(/"([A-Za-z_]+)":/g)].map((m) => m[1]!)
    // Only top-level keys can repeat through pino's child bindings; nested objects (counters) are not checked.
    t.ok(keys.filter((k) => k === 'component').length <= 1, `"component" at most once: ${line.slice(0, 200)}`)
  }
  const retry = lines.map((l) => JSON.parse(l) as Record<string, unknown>).find((r) => /cannot install the index template yet/.test(String(r.msg)))
  t.equal(retry?.code, 'LY_CONNECTION', 'the template retry carries a code')
  t.equal(retry?.component, 'output')
  for (const r of lines.map((l) => JSON.parse(l) as Record<string, unknown>)) {
    if (r.level === 'warn' || r.level === 'error' || r.level === 'fatal') t.match(String(r.code), /^LY_[A-Z_]+$/, `coded: ${r.msg}`)
  }
})

// Every warn/error/fatal call in the programs' sources passes a `code` (the
// README's troubleshooting table is keyed by it). A call without one is found
// here before an operator finds it in the journal.
t.test('every logger.warn/error/fatal call in the sources passes a code', async (t) => {
  const files: string[] = []
  const walk = (d: string): void => {
    for (const name of readdirSync(d)) {
      const p = join(d, name)
      if (statSync(p).isDirectory()) walk(p)
      else if (p.endsWith('.ts')) files.push(p)
    }
  }
  for (const d of ['aggregator', 'core', 'forwarder']) walk(join(root, d))
  const missing: string[] = []
  let calls = 0
  for (const f of files) {
    const text = readFileSync(f, 'utf8')
    for (const m of text.matchAll(/\b(?:logger|log|#logger|#log|ctx\.logger|#host\.logger|o\.logger)\.(warn|error|fatal)\(/g)) {
      calls++
      // The first argument: up to the message string (or the end of a short window).
      const arg = text.slice(m.index! + m[0].length, m.index! + m[0].length + 400).split(/,\s*['`"]/)[0]!
      if (!/\bcode\b/.test(arg) && !/^(?:fields|obj)\b/.test(arg.trim())) missing.push(`${f.slice(root.length)}:${text.slice(0, m.index).split('\n').length}`)
    }
  }
  t.ok(calls > 20, `${calls} calls checked`)
  t.same(missing, [], 'calls without a code')
})
