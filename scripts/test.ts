// `npm test`: runs tap (arguments passed through) with one plain Elasticsearch
// node shared by the test files that need nothing more than a plain node.
//
// Starting a JVM takes 15–25 s of both cores on a small machine; the files that
// halt, secure or tune their node ask for a private one ({ private: true },
// settings, security, tls — test/helpers/elasticsearch.ts) and still get it.
// With ELASTICSEARCH_URL already set, or when the selected test files never
// start Elasticsearch, nothing is started. The node is stopped, by its own
// process group, when tap exits or this process is told to stop.
//
// `--tier unit|integration|e2e` (npm run test:unit, …) selects one tier:
//   e2e          test/e2e/: whole chains of real processes
//   integration  files that use a real Elasticsearch, collectd, go-lumber
//                (Go), HAProxy, systemd-analyze, a tmpfs mount or another
//                user (root), or run the programs' CLIs as child processes,
//                directly or through the local modules they import
//   unit         everything else: in-process, Node and localhost only, no root
// `npm test` runs all three; `--list` prints each selected file's tier.

import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { dirname, join, relative, resolve } from 'node:path'
import { startElasticsearch, type ElasticsearchInstance } from '../test/helpers/elasticsearch.ts'

const root = join(import.meta.dirname, '..')
const argv = process.argv.slice(2)
const tierAt = argv.indexOf('--tier')
const tier = tierAt >= 0 ? argv[tierAt + 1] : undefined
if (tierAt >= 0 && !['unit', 'integration', 'e2e'].includes(tier ?? '')) {
  console.error('scripts/test.ts: --tier takes unit, integration or e2e')
  process.exit(2)
}
const args = tierAt >= 0 ? argv.filter((_, i) => i !== tierAt && i !== tierAt + 1) : argv

function testFiles(paths: string[]): string[] {
  const out: string[] = []
  const walk = (p: string): void => {
    let st
    try {
      st = statSync(p)
    } catch {
      return
    }
    if (st.isDirectory()) for (const e of readdirSync(p).sort()) walk(join(p, e))
    else if (p.endsWith('.test.ts')) out.push(p)
  }
  for (const p of paths) walk(p)
  return out
}

/** The text of a test file and of the local modules it imports, transitively (within test/). */
function sources(file: string, seen = new Set<string>()): string[] {
  const abs = resolve(file)
  if (seen.has(abs)) return []
  seen.add(abs)
  let text: string
  try {
    text = readFileSync(abs, 'utf8')
  } catch {
    return []
  }
  const out = [text]
  for (const m of text.matchAll(/from '(\.{1,2}\/[^']+\.ts)'|import\('(\.{1,2}\/[^']+\.ts)'\)/g)) {
    const dep = resolve(dirname(abs), m[1] ?? m[2]!)
    if (relative(join(root, 'test'), dep).startsWith('..')) continue
    out.push(...sources(dep, seen))
  }
  return out
}

const REAL_PARTS = [
  /helpers\/elasticsearch\.ts/, // a JVM
  /helpers\/collectd\.ts/, // the collectd daemon
  /helpers\/go-lumber\.ts/, // Go
  /helpers\/tmpfs\.ts/, // mount (root)
  /chownSync\(|setpriv/, // another user (root)
  /haproxyBin\(|systemd-analyze|helpers\/ansible\.ts/, // Debian packages, ansible-core from PyPI
  /spawn(Sync)?\((nodeBin|process\.execPath), \[(bin\b|join\(root, 'bin')/, // the programs' CLIs as child processes (test/e2e/procs.ts too)
  /from 'playwright-core'/, // a browser (Debian's chromium)
]

function tierOf(file: string): 'unit' | 'integration' | 'e2e' {
  if (relative(join(root, 'test', 'e2e'), resolve(file)).startsWith('..') === false) return 'e2e'
  const text = sources(file).join('\n')
  return REAL_PARTS.some((re) => re.test(text)) ? 'integration' : 'unit'
}

const paths = args.filter((a) => !a.startsWith('-'))
let files = testFiles(paths.length > 0 ? paths : ['test'])
let tapArgs = args
if (tier) {
  files = files.filter((f) => tierOf(f) === tier)
  tapArgs = [...args.filter((a) => a.startsWith('-')), ...files]
}

if (args.includes('--list')) {
  for (const f of files) console.log(`${tierOf(f).padEnd(11)} ${relative(root, resolve(f))}`)
  process.exit(0)
}

/** Whether any selected test file starts Elasticsearch. */
function needsElasticsearch(): boolean {
  return files.some((f) => readFileSync(f, 'utf8').includes('startElasticsearch('))
}

let es: ElasticsearchInstance | undefined
if (!process.env.ELASTICSEARCH_URL && needsElasticsearch()) {
  es = await startElasticsearch()
  process.env.ELASTICSEARCH_URL = es.url
  console.log(`# shared Elasticsearch for plain-node tests: ${es.url}`)
}

const tap = spawn(process.execPath, [join(root, 'node_modules', 'tap', 'dist', 'esm', 'run.mjs'), ...tapArgs], { stdio: 'inherit', env: process.env })
let stopping = false
for (const sig of ['SIGINT', 'SIGTERM'] as const) {
  process.on(sig, () => {
    stopping = true
    tap.kill(sig)
  })
}
const code: number = await new Promise((resolve) => tap.on('exit', (c, signal) => resolve(c ?? (signal ? 1 : 0))))
if (es) await es.stop()
process.exit(stopping && code === 0 ? 1 : code)
