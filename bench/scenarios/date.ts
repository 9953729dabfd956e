import { validate } from '../../core/config/schema.ts'
import type { LogEvent } from '../../core/event.ts'
import { silentLogger } from '../../core/logger.ts'
import { MetricsRegistry } from '../../core/metrics.ts'
import { DateStage, dateSpec, type DateOptions } from '../../aggregator/stages/date/date.ts'
import { measure, result, type BenchResult, type Scenario } from '../harness.ts'

// The date stage alone, per event: every text distinct and the cache off (the
// worst case: one parse per event), for the formats logs use most. The limit
// is V8's own Date.parse on the ISO 8601 texts, the fastest date parser the
// process has.

const BATCH = 2048

function texts(count: number, format: string): string[] {
  const months = ['Jan', 'Feb', 'Mar', 'Apr', 'May', 'Jun', 'Jul', 'Aug', 'Sep', 'Oct', 'Nov', 'Dec']
  const out: string[] = []
  for (let i = 0; i < count; i++) {
    const t = Date.UTC(2025, 0, 1) + i * 997_123 // distinct seconds (and milliseconds) over a year
    const d = new Date(t)
    const p2 = (n: number) => String(n).padStart(2, '0')
    const hms = `${p2(d.getUTCHours())}:${p2(d.getUTCMinutes())}:${p2(d.getUTCSeconds())}`
    switch (format) {
      case 'httpd': out.push(`${p2(d.getUTCDate())}/${months[d.getUTCMonth()]}/${d.getUTCFullYear()}:${hms} +0100`); break
      case 'iso': out.push(d.toISOString()); break
      case 'syslog': out.push(`${months[d.getUTCMonth()]} ${String(d.getUTCDate()).padStart(2, ' ')} ${hms}`); break
      case 'unix': out.push(String(t / 1000)); break
      default: throw new Error(format)
    }
  }
  return out
}

const cases: { name: string; kind: string; options: Partial<DateOptions> }[] = [
  { name: 'httpd', kind: 'httpd', options: { formats: ['dd/MMM/yyyy:HH:mm:ss Z'] } },
  { name: 'iso8601', kind: 'iso', options: { formats: ['ISO8601'] } },
  { name: 'syslog.paris', kind: 'syslog', options: { formats: ['MMM  d HH:mm:ss', 'MMM dd HH:mm:ss'], timezone: 'Europe/Paris' } },
  { name: 'syslog.event-tz', kind: 'syslog', options: { formats: ['MMM  d HH:mm:ss', 'MMM dd HH:mm:ss'], timezone: '%{tz}' } },
  { name: 'unix', kind: 'unix', options: { formats: ['UNIX'] } },
]

function runStage(stage: DateStage, all: string[], rounds: number, tz: boolean): number {
  let ok = 0
  for (let r = 0; r < rounds; r++) {
    for (let i = 0; i < all.length; i += BATCH) {
      const batch: LogEvent[] = []
      for (let j = i; j < Math.min(i + BATCH, all.length); j++) batch.push(tz ? { ts: all[j], tz: 'Europe/Paris' } : { ts: all[j] })
      for (const e of stage.run(batch)) if (e['@timestamp'] !== undefined) ok++
    }
  }
  return ok
}

const scenario: Scenario = {
  name: 'date',
  description: 'date stage alone: distinct texts, cache off (one parse per event), httpd / ISO8601 / syslog / UNIX',
  async run({ quick }) {
    const count = quick ? 100_000 : 500_000
    const rounds = quick ? 3 : 5
    const results: BenchResult[] = []
    const iso = texts(count, 'iso')
    let sink = 0
    const native = await measure(() => {
      for (let r = 0; r < rounds; r++) for (let i = 0; i < iso.length; i++) sink += Date.parse(iso[i]!) & 1
      return sink
    })
    const limit = (count * rounds) / native.wall_s
    for (const c of cases) {
      // Events are generated this side of the measurement too (the stage needs objects): that cost is counted, as in a pipeline.
      const all = texts(count, c.kind)
      let options: DateOptions
      try {
        options = validate(dateSpec, { field: 'ts', cache_size: 0, ...c.options })
      } catch (err) {
        process.stderr.write(`bench: date.${c.name} skipped: ${(err as Error).message}\n`)
        continue
      }
      const stage = new DateStage(options, { logger: silentLogger(), metrics: new MetricsRegistry(), id: '1:date', patternsDir: '' })
      runStage(stage, all.slice(0, 10_000), 1, c.name.endsWith('event-tz')) // warm-up
      const m = await measure(() => runStage(stage, all, rounds, c.name.endsWith('event-tz')))
      // A few syslog texts fall in a DST gap of the guessed year (a parse failure): far too few to matter, but reported.
      if (m.value < count * rounds * 0.99) throw new Error(`date.${c.name}: ${count * rounds - m.value} texts failed to parse`)
      results.push(result({
        scenario: `date.${c.name}`, unit: 'events/s', throughput: (count * rounds) / m.wall_s, wall_s: m.wall_s, cpu_s: m.cpu_s, peak_rss_mib: m.peak_rss_mib,
        limit: { name: 'Date.parse on ISO texts, same count', throughput: limit, unit: 'events/s' },
        notes: `${count} distinct texts x ${rounds}, cache_size 0, batches of ${BATCH} events built inside the measurement; ${count * rounds - m.value} failed`,
      }))
    }
    return results
  },
}

export default scenario
