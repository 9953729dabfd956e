import t from 'tap'
import { DateStage, dateSpec } from '../../../../aggregator/stages/date/date.ts'
import { validate } from '../../../../core/config/schema.ts'
import { LogyardError } from '../../../../core/errors.ts'
import { silentLogger } from '../../../../core/logger.ts'
import { MetricsRegistry } from '../../../../core/metrics.ts'

function make(options: Record<string, unknown>) {
  const metrics = new MetricsRegistry()
  const stage = new DateStage(validate(dateSpec, { field: 'ts', ...options }), { logger: silentLogger(), metrics, id: '1:date', patternsDir: '' })
  return { stage, metrics }
}

const iso = (ms: number) => new Date(ms).toISOString()

t.test('Apache/nginx access log time with an offset', async (t) => {
  const { stage } = make({ formats: ['dd/MMM/yyyy:HH:mm:ss Z'] })
  t.equal(iso(stage.parse('10/Oct/2000:13:55:36 -0700')), '2000-10-10T20:55:36.000Z')
  t.equal(iso(stage.parse('01/jan/2024:00:00:00 +0130')), '2023-12-31T22:30:00.000Z')
  t.ok(Number.isNaN(stage.parse('10/Foo/2000:13:55:36 -0700')))
  t.ok(Number.isNaN(stage.parse('31/Feb/2000:13:55:36 +0000')), 'no roll-over into March')
})

t.test('ISO8601 variants, default zone applies only without an offset', async (t) => {
  const { stage } = make({ formats: ['ISO8601'], timezone: 'Europe/Paris' })
  t.equal(iso(stage.parse('2024-03-01T12:00:00.123Z')), '2024-03-01T12:00:00.123Z')
  t.equal(iso(stage.parse('2024-03-01T12:00:00,5+01:00')), '2024-03-01T11:00:00.500Z')
  t.equal(iso(stage.parse('2024-07-01 12:00:00')), '2024-07-01T10:00:00.000Z', 'Paris summer time is +02:00')
  t.equal(iso(stage.parse('2024-01-15T12:00:00.123456')), '2024-01-15T11:00:00.123Z', 'winter +01:00, microseconds truncated')
  t.equal(iso(stage.parse('2024-03-31T03:30:00')), '2024-03-31T01:30:00.000Z', 'just after the spring-forward gap')
  t.ok(Number.isNaN(stage.parse('2024-13-01T00:00:00Z')))
})

t.test('UNIX and UNIX_MS from strings and numbers', async (t) => {
  const { stage } = make({ formats: ['UNIX'] })
  const out = stage.run([{ ts: 1700000000 }, { ts: '1700000000.25' }, { ts: 'soon' }])
  t.equal(out[0]!['@timestamp'], '2023-11-14T22:13:20.000Z')
  t.equal(out[1]!['@timestamp'], '2023-11-14T22:13:20.250Z')
  t.same(out[2]!.tags, ['_dateparsefailure'])
  const ms = make({ formats: 'UNIX_MS', target: '[event][created]' }).stage.run([{ ts: '1700000000123' }])
  t.same(ms[0]!.event, { created: '2023-11-14T22:13:20.123Z' })
})

t.test('syslog without a year: first matching format wins, year guessed', async (t) => {
  const { stage } = make({ formats: ['MMM  d HH:mm:ss', 'MMM dd HH:mm:ss'] })
  const now = Date.UTC(2025, 5, 15)
  t.equal(iso(stage.parse('Jun  2 08:01:02', now)), '2025-06-02T08:01:02.000Z')
  t.equal(iso(stage.parse('Jun 12 08:01:02', now)), '2025-06-12T08:01:02.000Z')
  const jan1 = Date.UTC(2026, 0, 1, 0, 0, 5)
  t.equal(iso(stage.parse('Dec 31 23:59:59', jan1)), '2025-12-31T23:59:59.000Z', 'a date far ahead is last year\'s')
})

t.test('Java/log4j pattern with comma millis and a named zone', async (t) => {
  const { stage } = make({ formats: ['yyyy-MM-dd HH:mm:ss,SSS'], timezone: 'America/New_York' })
  t.equal(iso(stage.parse('2024-01-15 09:30:00,042')), '2024-01-15T14:30:00.042Z')
  const named = make({ formats: ["yyyy-MM-dd'T'HH:mm:ss ZZZ", 'EEE MMM dd HH:mm:ss yyyy', 'hh:mm a'] }).stage
  t.equal(iso(named.parse('2024-06-01T10:00:00 Asia/Tokyo')), '2024-06-01T01:00:00.000Z')
  t.equal(iso(named.parse('Sat Jun 01 10:00:00 2024')), '2024-06-01T10:00:00.000Z')
  const today = new Date()
  const pm = new Date(named.parse('07:15 PM'))
  t.equal(pm.getUTCHours(), 19)
  t.equal(pm.getUTCDate(), today.getUTCDate())
})

t.test('failures tag and count; absent field is not a failure; cache returns the same', async (t) => {
  const { stage, metrics } = make({ formats: ['ISO8601'], tag_on_failure: ['bad_date'] })
  const out = stage.run([{ ts: 'yesterday' }, { other: 1 }, { ts: '2024-01-01T00:00:00Z' }, { ts: '2024-01-01T00:00:00Z' }, { ts: { a: 1 } }])
  t.same(out[0]!.tags, ['bad_date'])
  t.equal(out[1]!.tags, undefined)
  t.equal(out[1]!['@timestamp'], undefined)
  t.equal(out[3]!['@timestamp'], '2024-01-01T00:00:00.000Z')
  t.same(out[4]!.tags, ['bad_date'])
  t.match(metrics.render(), /logyard_pipeline_stage_events_failed_total\{stage="1:date"\} 2/)
})

t.test('config errors', async (t) => {
  for (const [opts, re] of [
    [{ formats: ['ISO8601'], timezone: 'Mars/Olympus' }, /timezone: unknown time zone/],
    [{ formats: ["yyyy 'oops"] }, /unterminated quote/],
    [{ formats: [] }, /formats: needs at least 1/],
    [{ formats: ['ISO8601'], locale: 'zz' }, /locale: no month and day names for locale "zz"/],
    [{ formats: ['ISO8601'], locale: 'not a tag!' }, /locale: "not a tag!" is not a language tag/],
    [{ formats: ['ISO8601'], timezone: '%{tz' }, /timezone: /],
    [{ formats: ['yyyy-MM-dd Q'] }, /unsupported letter "Q"/],
  ] as const) {
    try {
      validate(dateSpec, { field: 'ts', ...opts })
      t.fail('accepted')
    } catch (err) {
      t.ok(LogyardError.is(err))
      t.match((err as Error).message, re)
    }
  }
})
