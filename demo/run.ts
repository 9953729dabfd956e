// npm run demo [-- --lines N] [-- --follow] [-- --opensearch[=3]]
//
// The whole chain on one machine: a real Elasticsearch (the test harness's,
// or OpenSearch 2.19 / 3.x with --opensearch / --opensearch=3 and output.opensearch;
// downloaded once from Maven Central), a logyard-aggregator and a
// logyard-forwarder (real processes, TLS between them), tailing generated
// nginx, syslog, Rails-JSON and Java logs. Prints what got indexed. Ctrl-C
// stops everything cleanly at any point. Without Elasticsearch (no JDK, no
// network) it says why and falls back to the aggregator's file output.

import { mkdirSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { join } from 'node:path'
import { setTimeout as sleep } from 'node:timers/promises'
import { startElasticsearch, type ElasticsearchInstance } from '../test/helpers/elasticsearch.ts'
import { startOpenSearch } from '../test/helpers/opensearch.ts'
import { tlsMaterial } from '../test/helpers/tls.ts'
import { freePort, startProc, writeConfig, type Proc } from '../test/e2e/procs.ts'
import { generate, type Generated } from './generate.ts'
import { deadLettered, demoPipeline, flowRate, sampleFields } from './summary.ts'

const args = process.argv.slice(2)
const follow = args.includes('--follow')
const osArg = args.find((a) => a === '--opensearch' || a.startsWith('--opensearch='))
const product = osArg ? 'opensearch' : 'elasticsearch'
const startServer = (): Promise<ElasticsearchInstance<unknown>> => (osArg ? startOpenSearch({ heap: '768m', version: osArg.split('=')[1] ?? '2' }) : startElasticsearch({ heap: '768m' }))
const linesArg = args.indexOf('--lines')
const perKind = linesArg >= 0 ? Number(args[linesArg + 1]) : 5000
const work = join(import.meta.dirname, 'work')
const say = (s: string): void => void process.stdout.write(s + '\n')

let es: ElasticsearchInstance<unknown> | undefined
const procs: Proc[] = []
let stopping = false
/** Set in --follow: prints the final count once the forwarder and the aggregator have drained, before Elasticsearch stops. */
let finalCount: (() => Promise<void>) | undefined

async function shutdown(code: number): Promise<never> {
  if (!stopping) {
    stopping = true
    say(`\nstopping: forwarder, aggregator, ${es?.distribution.title ?? 'search server'} …`)
    for (const p of [...procs].reverse()) await p.stop(15_000)
    await finalCount?.().catch(() => undefined)
    await es?.stop()
  }
  process.exit(code)
}
process.on('SIGINT', () => void shutdown(0))
process.on('SIGTERM', () => void shutdown(0))


function expected(g: Generated): number {
  return g.nginx + g.syslog + g.rails + g.javaEvents
}

async function main(): Promise<void> {
  rmSync(work, { recursive: true, force: true })
  mkdirSync(work, { recursive: true })
  const logs = join(work, 'logs')

  const serverName = osArg ? 'OpenSearch' : 'Elasticsearch'
  say(`logyard demo — ${serverName}, aggregator, forwarder; ${perKind} lines of each kind`)
  say(`starting ${serverName} (the first run downloads 50-160 MB from Maven Central) …`)
  let fallbackReason: string | undefined
  try {
    es = await startServer()
    // The harness stops the server at once on SIGINT/SIGTERM; the demo stops
    // it itself, last, after the forwarder and the aggregator have drained and
    // the final count is taken (the harness still kills it on exit).
    for (const sig of ['SIGINT', 'SIGTERM'] as const) {
      process.removeAllListeners(sig)
      process.on(sig, () => void shutdown(0))
    }
    say(`  ${es.distribution.title} is up at ${es.url}`)
  } catch (err) {
    fallbackReason = (err as Error).message.split('\n')[0]
    say(`  ${serverName} could not be started: ${fallbackReason}`)
    say('  falling back to the file output (demo/work/out/events.ndjson)')
  }

  const tls = tlsMaterial()
  const [beatsPort, opsPort, fwdOps] = await Promise.all([freePort(), freePort(), freePort()])
  const outFile = join(work, 'out', 'events.ndjson')
  mkdirSync(join(work, 'out'), { recursive: true })
  const aggFile = writeConfig(work, 'aggregator.yml', [
    'workers: 1',
    'inputs:',
    '  beats:',
    `    listen: 127.0.0.1:${beatsPort}`,
    `    tls: {cert: ${tls.serverCertFile}, key: ${tls.serverKeyFile}, client_ca: ${tls.caFile}, client_auth: required}`,
    ...demoPipeline,
    'output:',
    ...(es
      ? [`  ${product}:`, `    hosts: ['${es.url}']`, "    index: 'logs-%{[fields][service]}-%{+yyyy.MM.dd}'", '    flush_interval: 500ms']
      : ['  file:', `    path: ${outFile}`]),
    `dead_letter: {path: ${join(work, 'dlq')}}`,
    `http: {listen: 127.0.0.1:${opsPort}}`,
    'logging: {level: info}',
  ])
  const fwdFile = writeConfig(work, 'forwarder.yml', [
    `data_dir: ${join(work, 'forwarder-data')}`,
    'inputs:',
    `  - paths: [${join(logs, 'nginx', '*.log')}]`,
    '    fields: {service: web}',
    '    tags: [nginx]',
    '    read_from: beginning',
    `  - paths: [${join(logs, 'syslog')}]`,
    '    fields: {service: system}',
    '    tags: [syslog]',
    '    read_from: beginning',
    `  - paths: [${join(logs, 'app', 'production.log')}]`,
    '    fields: {service: app}',
    '    tags: [rails]',
    '    read_from: beginning',
    `  - paths: [${join(logs, 'app', 'java.log')}]`,
    '    fields: {service: app}',
    '    tags: [java]',
    '    read_from: beginning',
    "    multiline: {pattern: '^\\d{4}-\\d{2}-\\d{2} ', negate: true, match: after, timeout: 1s}",
    'output:',
    `  hosts: ['localhost:${beatsPort}']`,
    `  tls: {ca: ${tls.caFile}, cert: ${tls.clientCertFile}, key: ${tls.clientKeyFile}}`,
    `http: {listen: 127.0.0.1:${fwdOps}}`,
    'logging: {level: info}',
  ])

  say('starting logyard-aggregator and logyard-forwarder (mutual TLS between them) …')
  const agg = startProc('aggregator', aggFile)
  procs.push(agg)
  await agg.waitFor((r) => r.msg === 'aggregator started', 60_000, 'aggregator started')
  let generated = generate(logs, perKind)
  const t0 = Date.now()
  const fwd = startProc('forwarder', fwdFile)
  procs.push(fwd)

  let total = expected(generated)
  let indexed = 0
  // undefined when the count cannot be taken (Elasticsearch stopping): never reported as 0.
  const count = async (): Promise<number | undefined> => {
    if (es) {
      await es.request('POST', '/logs-*/_refresh').catch(() => undefined)
      const r = await es.request('GET', '/logs-*/_count').catch(() => undefined)
      return r === undefined ? undefined : Number(r.body?.count ?? 0)
    }
    return existsSync(outFile) ? readFileSync(outFile, 'utf8').split('\n').filter(Boolean).length : 0
  }
  const POLL_MS = 250
  const deadline = Date.now() + 180_000
  let first: { at: number; n: number } | undefined
  let last = { at: Date.now(), n: 0 }
  for (;;) {
    indexed = (await count()) ?? indexed
    if (indexed > last.n) last = { at: Date.now(), n: indexed }
    if (!first && indexed > 0) first = { at: Date.now(), n: indexed }
    if (indexed >= total || Date.now() >= deadline) break
    await sleep(POLL_MS)
  }
  const seconds = (last.at - t0) / 1000
  const where = es ? `indexed into ${es.distribution.title}` : 'written to the file output'
  say('')
  say(`${indexed} of ${total} events ${where} in ${seconds.toFixed(1)} s from the forwarder's start (${Math.round(indexed / Math.max(seconds, 0.001))} events/s including start-up)`)
  say(flowRate(first, last, POLL_MS))

  if (es) {
    const cat = (await es.request('GET', '/_cat/indices/logs-*?format=json&h=index,docs.count')).body
    say('\ndocuments per index:')
    for (const row of cat as { index?: string; 'docs.count'?: string }[]) say(`  ${String(row.index).padEnd(32)} ${row['docs.count']}`)
    say('\nwhat parsing gave, one document of each kind (the forwarder\'s own fields left out):')
    for (const tag of ['nginx', 'syslog', 'rails', 'java']) {
      const r = await es.request('POST', '/logs-*/_search', { size: 1, query: { term: { tags: tag } } })
      const doc = r.body?.hits?.hits?.[0]?._source as Record<string, unknown> | undefined
      if (doc) say(`  [${tag}] ${sampleFields(doc)}`)
    }
  } else {
    say('\nwhat parsing gave, one event of each kind (the forwarder\'s own fields left out):')
    const events = readFileSync(outFile, 'utf8').split('\n').filter(Boolean).map((l) => JSON.parse(l) as Record<string, unknown>)
    for (const tag of ['nginx', 'syslog', 'rails', 'java']) {
      const doc = events.find((e) => Array.isArray(e.tags) && e.tags.includes(tag))
      if (doc) say(`  [${tag}] ${sampleFields(doc)}`)
    }
    if (fallbackReason) say(`(file output because ${serverName} could not be started: ${fallbackReason})`)
  }
  const ops = await fetch(`http://127.0.0.1:${opsPort}/metrics`).then((r) => r.text()).catch(() => '')
  say(`\ndead-lettered: ${deadLettered(ops)} (logyard_es_docs_dead_lettered_total; the documents are in ${join(work, 'dlq')}); aggregator metrics: http://127.0.0.1:${opsPort}/metrics, forwarder: http://127.0.0.1:${fwdOps}/metrics`)

  if (!follow) {
    if (indexed < total) {
      say(`not everything arrived within the time limit (${indexed}/${total})`)
      await shutdown(1)
    }
    await shutdown(0)
  }
  say('\n--follow: writing 100 lines of each kind per second; Ctrl-C to stop')
  // After Ctrl-C the forwarder and the aggregator drain first; this count is taken then, before Elasticsearch stops.
  finalCount = async () => {
    const n = await count()
    if (n !== undefined) say(`final: ${n} of ${total} events ${where}`)
  }
  let next = perKind
  while (!stopping) {
    await sleep(1000)
    if (stopping) break
    const g = generate(logs, 100, next)
    next += 100
    generated = { nginx: generated.nginx + g.nginx, syslog: generated.syslog + g.syslog, rails: generated.rails + g.rails, javaEvents: generated.javaEvents + g.javaEvents }
    total = expected(generated)
    if (next % 500 === 0) {
      const n = await count()
      if (n !== undefined && !stopping) say(`  ${n} of ${total} events ${where}`)
    }
  }
  await new Promise(() => undefined) // shutdown() exits the process
}

main().catch(async (err: unknown) => {
  say(`demo failed: ${err instanceof Error ? err.message : String(err)}`)
  await shutdown(1)
})
