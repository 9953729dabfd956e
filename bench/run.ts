// npm run bench [-- --quick] [scenario-prefix …] [--out FILE]
//
// Imports every bench/scenarios/*.ts, runs the ones selected (all by default,
// or those whose name starts with a given prefix) and prints one JSON object
// per measured case on stdout, one per line. `--quick` is what CI runs.
// `--write-readme` rewrites the results table in bench/README.md.

import { readdirSync, readFileSync, writeFileSync } from 'node:fs'
import { cpus, totalmem } from 'node:os'
import { join } from 'node:path'
import type { BenchResult, Scenario } from './harness.ts'

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const writeReadme = args.includes('--write-readme')
const outIndex = args.indexOf('--out')
const outFile = outIndex >= 0 ? args[outIndex + 1] : undefined
const selectors = args.filter((a, i) => !a.startsWith('--') && !(outIndex >= 0 && i === outIndex + 1))

const dir = join(import.meta.dirname, 'scenarios')
const files = readdirSync(dir).filter((f) => f.endsWith('.ts')).sort()

const scenarios: Scenario[] = []
for (const f of files) {
  const mod = (await import(join(dir, f))) as { default?: Scenario }
  if (!mod.default || typeof mod.default.run !== 'function') {
    process.stderr.write(`bench: ${f} has no default Scenario export, skipped\n`)
    continue
  }
  scenarios.push(mod.default)
}

const selected = selectors.length === 0 ? scenarios : scenarios.filter((s) => selectors.some((p) => s.name.startsWith(p)))
if (selected.length === 0) {
  process.stderr.write(`bench: no scenario matches ${selectors.join(', ')}; known: ${scenarios.map((s) => s.name).join(', ')}\n`)
  process.exit(2)
}

const machine = { cpus: cpus().length, cpu_model: cpus()[0]?.model ?? 'unknown', mem_gib: Math.round(totalmem() / 2 ** 30), node: process.version }
process.stdout.write(JSON.stringify({ bench: 'logyard', quick, machine, started: new Date().toISOString() }) + '\n')

const all: BenchResult[] = []
let failed = 0
for (const s of selected) {
  process.stderr.write(`bench: ${s.name} — ${s.description}${quick ? ' (quick)' : ''}\n`)
  try {
    const results = await s.run({ quick })
    for (const r of results) {
      all.push(r)
      process.stdout.write(JSON.stringify(r) + '\n')
    }
  } catch (err) {
    failed++
    process.stdout.write(JSON.stringify({ scenario: s.name, error: err instanceof Error ? err.message : String(err) }) + '\n')
  }
}

if (outFile) writeFileSync(outFile, all.map((r) => JSON.stringify(r)).join('\n') + '\n')
if (writeReadme) updateReadme(all)
process.exitCode = failed > 0 ? 1 : 0

function updateReadme(results: BenchResult[]): void {
  const file = join(import.meta.dirname, 'README.md')
  const text = readFileSync(file, 'utf8')
  const rows = results.map((r) =>
    `| ${r.scenario} | ${r.throughput.toLocaleString('en-US')} ${r.unit} | ${r.mib_per_s ?? ''} | ${r.cpu_s} | ${r.peak_rss_mib} | ${r.limit ? `${r.limit.name}: ${r.limit.throughput.toLocaleString('en-US')} ${r.limit.unit}` : ''} | ${r.ratio ?? ''} | ${r.target ?? ''} |`)
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
