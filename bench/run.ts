// npm run bench [-- --quick] [scenario-prefix …] [--out FILE]
//
// Imports every bench/scenarios/*.ts, runs the ones selected (all by default,
// or those whose name starts with a given prefix) and prints one JSON object
// per measured case on stdout, one per line. `--quick` is what CI runs.
// `--write-readme` rewrites the results table in bench/README.md (with
// `--from FILE`, from a saved run's JSON lines, e.g. CI's bench-quick.jsonl). Each
// scenario runs in its own child process (`--child FILE`), so the peak RSS
// and CPU it reports are its own.

import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import type { BenchResult, Scenario } from './harness.ts'

const args = process.argv.slice(2)
const machineInfo = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', mem_gib: Math.round(totalmem() / 2 ** 30), node: process.version }
const machine = machineInfo
const quick = args.includes('--quick')
const writeReadme = args.includes('--write-readme')
const outIndex = args.indexOf('--out')
const outFile = outIndex >= 0 ? args[outIndex + 1] : undefined
const selectors = args.filter((a, i) => !a.startsWith('--') && !(i > 0 && ['--out', '--child', '--from'].includes(args[i - 1]!)))

const dir = join(import.meta.dirname, 'scenarios')
const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()
const childIndex = args.indexOf('--child')
const fromIndex = args.indexOf('--from')

if (fromIndex >= 0) {
  // `--write-readme --from FILE`: rebuild bench/README.md's table from a saved run (JSON lines).
  const saved = readFileSync(args[fromIndex + 1]!, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as BenchResult & { bench?: string; error?: string })
  const header = saved.find((r) => r.bench === 'logyard') as unknown as { quick: boolean; machine: typeof machineInfo } | undefined
  updateReadme(saved.filter((r) => typeof r.scenario === 'string' && !r.error), header?.machine ?? machineInfo, header?.quick ?? quick)
  process.exit(0)
}

async function load(f: string): Promise<Scenario | undefined> {
  const mod = (await import(join(dir, f))) as { default?: Scenario }
  if (!mod.default || typeof mod.default.run !== 'function') {
    process.stderr.write(`bench: ${f} has no default Scenario export, skipped\n`)
    return undefined
  }
  return mod.default
}

if (childIndex >= 0) {
  // Child mode: run one scenario file and print its results, one JSON per line.
  const s = await load(args[childIndex + 1]!)
  if (!s) process.exit(2)
  const results = await s.run({ quick })
  for (const r of results) process.stdout.write(JSON.stringify(r) + '\n')
  process.exit(0)
}

// Each scenario runs in a fresh child process, so its peak RSS and CPU are its own.
const scenarios: { file: string; scenario: Scenario }[] = []
for (const f of files) {
  const s = await load(f)
  if (s) scenarios.push({ file: f, scenario: s })
}

const selected = selectors.length === 0 ? scenarios : scenarios.filter(({ scenario: s }) => selectors.some((p) => s.name.startsWith(p)))
if (selected.length === 0) {
  process.stderr.write(`bench: no scenario matches ${selectors.join(', ')}; known: ${scenarios.map(({ scenario: s }) => s.name).join(', ')}\n`)
  process.exit(2)
}

process.stdout.write(JSON.stringify({ bench: 'logyard', quick, machine, started: new Date().toISOString() }) + '\n')

function runChild(file: string): Promise<{ code: number | null; lines: string[] }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--expose-gc', import.meta.filename, '--child', file, ...(quick ? ['--quick'] : [])], { stdio: ['ignore', 'pipe', 'inherit'] })
    let out = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d))
    child.on('error', reject)
    child.on('exit', (code) => resolve({ code, lines: out.split('\n').filter(Boolean) }))
  })
}

const all: BenchResult[] = []
let failed = 0
for (const { file, scenario: s } of selected) {
  process.stderr.write(`bench: ${s.name} — ${s.description}${quick ? ' (quick)' : ''}\n`)
  const { code, lines } = await runChild(file)
  for (const line of lines) {
    try {
      const r = JSON.parse(line) as BenchResult
      all.push(r)
      process.stdout.write(JSON.stringify(r) + '\n')
    } catch {
      process.stderr.write(`bench: ${s.name}: ${line}\n`)
    }
  }
  if (code !== 0) {
    failed++
    process.stdout.write(JSON.stringify({ scenario: s.name, error: `exited with ${code}` }) + '\n')
  }
}

if (outFile) writeFileSync(outFile, all.map((r) => JSON.stringify(r)).join('\n') + '\n')
if (writeReadme) updateReadme(all, machine, quick)
process.exitCode = failed > 0 ? 1 : 0

function updateReadme(results: BenchResult[], machine: typeof machineInfo, quick: boolean): void {
  const file = join(import.meta.dirname, 'README.md')
  const text = readFileSync(file, 'utf8')
  const rows = results.map((r) =>
    `| ${r.scenario} | ${r.throughput.toLocaleString('en-US')} ${r.unit} | ${r.mib_per_s ?? ''} | ${r.cpu_s} | ${r.peak_rss_mib} | ${r.limit ? `${r.limit.name}: ${Math.round(r.limit.throughput).toLocaleString('en-US')} ${r.limit.unit}` : ''} | ${r.ratio ?? ''} | ${r.target ?? ''} |`)
  const table = [
    `Measured ${new Date().toISOString().slice(0, 10)} on ${machine.cpus} × ${machine.cpu_model}, ${machine.mem_gib} GiB, Node ${machine.node}${quick ? ' (quick mode)' : ''}.`,
    '',
    '| scenario | throughput | MiB/s | CPU s | peak RSS MiB | limit (same run) | ratio | target |',
    '|---|---|---|---|---|---|---|---|',
    ...rows,
  ].join('\n')
  const begin = '<!-- results:begin -->'
  const end = '<!-- results:end -->'
  const next = text.includes(begin) ? text.replace(new RegExp(`${begin}[\\s\\S]*${end}`), `${begin}\n${table}\n${end}`) : `${text}\n${begin}\n${table}\n${end}\n`
  writeFileSync(file, next)
}
