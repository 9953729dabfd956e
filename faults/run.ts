import { startElasticsearch } from '../test/helpers/elasticsearch.ts'
import { abortScenarios, failed, line, type Result } from './scenario.ts'
import { scenarios } from './scenarios.ts'

// npm run faults [-- --quick] [-- --only name,name]
// Fault injection through the real chain (faults/chain.ts). One line per
// scenario: "name: written N, indexed distinct D, documents T, lost L,
// duplicates X", then its peak RSS per process. Exit 1 when any scenario
// lost or duplicated a line, or failed to run.

const args = process.argv.slice(2)
const quick = args.includes('--quick')
const onlyArg = args.indexOf('--only')
const only = onlyArg >= 0 ? new Set((args[onlyArg + 1] ?? '').split(',')) : undefined
const selected = scenarios.filter((s) => (only ? only.has(s.name) : !quick || s.quick))
const log = (msg: string): void => console.error(`[faults ${new Date().toISOString().slice(11, 19)}] ${msg}`)

const es = await startElasticsearch({ heap: '512m' })
const results: Result[] = []
let interrupted = false
const stopAll = (signal: string): void => {
  interrupted = true
  abortScenarios(`interrupted by ${signal}`)
}
process.once('SIGINT', stopAll)
process.once('SIGTERM', stopAll)
try {
  for (const s of selected) {
    if (interrupted) break
    log(`${s.name}: start${quick ? ' (quick)' : ''}`)
    const r = await s.run({ es, quick, log }, s.name)
    results.push(r)
    console.log(line(r))
  }
} finally {
  await es.stop()
}
const bad = results.filter(failed)
console.log(`faults: ${results.length - bad.length} passed, ${bad.length} failed${bad.length ? ` (${bad.map((r) => r.name).join(', ')})` : ''}`)
process.exit(bad.length > 0 || interrupted ? 1 : 0)
