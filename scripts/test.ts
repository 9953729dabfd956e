// `npm test`: runs tap (arguments passed through) with one plain Elasticsearch
// node shared by the test files that need nothing more than a plain node.
//
// Starting a JVM takes 15–25 s of both cores on a small machine; the files that
// halt, secure or tune their node ask for a private one ({ private: true },
// settings, security, tls — test/helpers/elasticsearch.ts) and still get it.
// With ELASTICSEARCH_URL already set, or when the selected test files never
// start Elasticsearch, nothing is started. The node is stopped, by its own
// process group, when tap exits or this process is told to stop.

import { spawn } from 'node:child_process'
import { readdirSync, readFileSync, statSync } from 'node:fs'
import { join } from 'node:path'
import { startElasticsearch, type ElasticsearchInstance } from '../test/helpers/elasticsearch.ts'

const args = process.argv.slice(2)

function testFiles(paths: string[]): string[] {
  const out: string[] = []
  const walk = (p: string): void => {
    let st
    try {
      st = statSync(p)
    } catch {
      return
    }
    if (st.isDirectory()) for (const e of readdirSync(p)) walk(join(p, e))
    else if (p.endsWith('.test.ts')) out.push(p)
  }
  for (const p of paths) walk(p)
  return out
}

/** Whether any selected test file starts Elasticsearch (all of test/ when no path was given). */
function needsElasticsearch(): boolean {
  const paths = args.filter((a) => !a.startsWith('-'))
  const files = testFiles(paths.length > 0 ? paths : ['test'])
  return files.some((f) => readFileSync(f, 'utf8').includes('startElasticsearch('))
}

let es: ElasticsearchInstance | undefined
if (!process.env.ELASTICSEARCH_URL && needsElasticsearch()) {
  es = await startElasticsearch()
  process.env.ELASTICSEARCH_URL = es.url
  console.log(`# shared Elasticsearch for plain-node tests: ${es.url}`)
}

const tap = spawn(process.execPath, [join(import.meta.dirname, '..', 'node_modules', 'tap', 'dist', 'esm', 'run.mjs'), ...args], { stdio: 'inherit', env: process.env })
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
