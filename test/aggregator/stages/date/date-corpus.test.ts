import { readFileSync } from 'node:fs'
import t from 'tap'
import { DateStage, dateSpec, type DateOptions } from '../../../../aggregator/stages/date/date.ts'
import { validate } from '../../../../core/config/schema.ts'
import { getField, parseFieldRef } from '../../../../core/fields.ts'
import type { LogEvent } from '../../../../core/event.ts'
import { silentLogger } from '../../../../core/logger.ts'
import { MetricsRegistry } from '../../../../core/metrics.ts'

// The cases of logstash-plugins/logstash-filter-date's spec/filters/date_spec.rb
// and its Java tests, as data (test/fixtures/date/). Each case runs through
// the real date stage; the pass rate is reported and must stay ≥ 95 %, and
// every case that fails must be one README.md's date section lists (the
// fixture's `known_differences`), so a new difference cannot slip in.

interface Case {
  id: string
  config: Record<string, unknown>
  event: LogEvent
  now?: string
  expect: { fields?: Record<string, unknown>; absent?: string[]; tags_include?: string[]; tags_exclude?: string[]; config_error?: boolean }
}

function runCase(c: Case): string | undefined {
  let options: DateOptions
  try {
    options = validate(dateSpec, c.config)
  } catch (err) {
    return c.expect.config_error ? undefined : `config refused: ${(err as Error).message}`
  }
  if (c.expect.config_error) return 'config accepted, Logstash refuses it'
  const stage = new DateStage(options, { logger: silentLogger(), metrics: new MetricsRegistry(), id: '1:date', patternsDir: '' })
  const event = structuredClone(c.event)
  const now = c.now === undefined ? Date.now() : Date.parse(c.now)
  stage.run([event], now)
  const problems: string[] = []
  for (const [ref, want] of Object.entries(c.expect.fields ?? {})) {
    const got = getField(event, parseFieldRef(ref))
    if (JSON.stringify(got) !== JSON.stringify(want)) problems.push(`${ref}: got ${JSON.stringify(got)}, want ${JSON.stringify(want)}`)
  }
  for (const ref of c.expect.absent ?? []) {
    const got = getField(event, parseFieldRef(ref))
    if (got !== undefined) problems.push(`${ref}: should be absent, got ${JSON.stringify(got)}`)
  }
  const tags = Array.isArray(event.tags) ? (event.tags as string[]) : []
  for (const tag of c.expect.tags_include ?? []) if (!tags.includes(tag)) problems.push(`tags lack ${tag}: ${JSON.stringify(tags)}`)
  for (const tag of c.expect.tags_exclude ?? []) if (tags.includes(tag)) problems.push(`tags have ${tag}`)
  return problems.length === 0 ? undefined : problems.join('; ')
}

for (const file of ['logstash-date-spec.json', 'logstash-date-behaviour.json']) {
  t.test(file, async (t) => {
    const corpus = JSON.parse(readFileSync(new URL(`../../../fixtures/date/${file}`, import.meta.url), 'utf8')) as { cases: Case[]; known_differences?: Record<string, string> }
    const known = corpus.known_differences ?? {}
    t.ok(corpus.cases.length > 0)
    const failed = new Map<string, string>()
    for (const c of corpus.cases) {
      const problem = runCase(c)
      if (problem !== undefined) failed.set(c.id, problem)
    }
    const passed = corpus.cases.length - failed.size
    const rate = (100 * passed) / corpus.cases.length
    t.comment(`${file}: ${passed}/${corpus.cases.length} cases pass (${rate.toFixed(1)} %)`)
    for (const [id, problem] of failed) {
      t.ok(id in known, `${id} fails (${problem}) and is not a listed difference`)
      if (id in known) t.comment(`known difference: ${id}: ${known[id]}`)
    }
    for (const id of Object.keys(known)) t.ok(failed.has(id), `listed difference ${id} now passes: remove it from the list and README.md`)
    t.ok(rate >= 95, `pass rate ${rate.toFixed(1)} % ≥ 95 %`)
  })
}
