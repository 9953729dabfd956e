import t from 'tap'
import { parseConfig } from '../../core/config/load.ts'
import { validate, type Spec } from '../../core/config/schema.ts'
import { parseDuration, parseSize } from '../../core/config/units.ts'
import { LogyardError } from '../../core/errors.ts'

const spec = {
  type: 'object',
  doc: 'test',
  fields: {
    data_dir: { type: 'string', doc: 'dir', default: '/var/lib/logyard' },
    max_line_bytes: { type: 'size', doc: 'line cap', default: '1mb' },
    timeout: { type: 'duration', doc: 'timeout', default: '5s' },
    port: { type: 'int', doc: 'port', min: 1, max: 65535, default: 5044 },
    hosts: { type: 'list', doc: 'hosts', of: { type: 'string', doc: 'host' }, required: true, minItems: 1 },
    tls: { type: 'object', doc: 'tls', optional: true, fields: { ca: { type: 'string', doc: 'ca' } } },
  },
} as const satisfies Spec

t.test('units', async (t) => {
  t.equal(parseSize('10mb'), 10 * 1024 * 1024)
  t.equal(parseSize('512KiB'), 512 * 1024)
  t.equal(parseSize(42), 42)
  t.equal(parseSize('ten'), undefined)
  t.equal(parseDuration('5s'), 5000)
  t.equal(parseDuration('1h30m'), 5_400_000)
  t.equal(parseDuration('250ms'), 250)
  t.equal(parseDuration('5x'), undefined)
})

t.test('defaults, env substitution, frozen', async (t) => {
  const cfg = parseConfig(spec, 'hosts: ["${AGG:agg.internal:5044}"]\nport: "${PORT}"\n', 'x', { PORT: '6000' })
  t.same(cfg.hosts, ['agg.internal:5044'])
  t.equal(cfg.port, 6000)
  t.equal(cfg.max_line_bytes, 1024 * 1024)
  t.equal(cfg.timeout, 5000)
  t.equal(cfg.tls, undefined)
  t.ok(Object.isFrozen(cfg) && Object.isFrozen(cfg.hosts))
})

t.test('errors name the key path and the fix', async (t) => {
  const cases: [string, RegExp][] = [
    ['hosts: [a]\nprot: 1\n', /^prot: unknown key; did you mean "port"\?/],
    ['hosts: [a]\nport: 70000\n', /^port: must be at most 65535/],
    ['port: 1\n', /^hosts: is required/],
    ['hosts: []\n', /^hosts: needs at least 1 item/],
    ['hosts: [a]\ntimeout: soon\n', /^timeout: must be a duration/],
    ['hosts: ["${NOPE}"]\n', /^hosts\[0\]: environment variable NOPE is not set/],
    ['hosts: [a\n', /^x: YAML syntax error at line \d+, column \d+: \S.*[^:]$/],
    ['hosts: [a]\nport: 1\n  tls: 2\n', /^x: YAML syntax error at line 2, column 7 \("port: 1"\): Nested mappings are not allowed in compact mappings$/],
    ['hosts: [a]\nport: 1\nport: 2\n', /^x: YAML syntax error at line 3, column 1 \("port: 2"\): Map keys must be unique$/],
    ['hosts: [a]\ntls: {cert: x}\n', /^tls\.cert: unknown key/],
  ]
  for (const [text, re] of cases) {
    try {
      parseConfig(spec, text, 'x', {})
      t.fail(`accepted ${JSON.stringify(text)}`)
    } catch (err) {
      t.ok(LogyardError.is(err) && err.code === 'LY_CONFIG', 'is a LY_CONFIG error')
      t.match((err as Error).message, re)
    }
  }
})

t.test('durations in a config file need a unit (a bare number is ambiguous: seconds in Filebeat)', async (t) => {
  const err = (text: string): unknown => {
    try {
      parseConfig(spec, text, 'x', {})
    } catch (e) {
      return e
    }
    return undefined
  }
  for (const bare of ['timeout: 30', 'timeout: "30"', 'timeout: 1.5']) {
    const e = err(`hosts: [a]\n${bare}\n`) as LogyardError
    t.ok(LogyardError.is(e), `${bare} refused`)
    t.equal(e?.code, 'LY_CONFIG')
    t.match(e?.message, /^timeout: needs a unit: write \S+s for \S+ seconds \(Filebeat's meaning of a bare number\) or \S+ms/)
  }
  t.equal(parseConfig(spec, 'hosts: [a]\ntimeout: 30s\n', 'x', {}).timeout, 30_000)
  t.equal(parseConfig(spec, 'hosts: [a]\ntimeout: 250ms\n', 'x', {}).timeout, 250)
  t.equal(parseConfig(spec, 'hosts: [a]\ntimeout: 0\n', 'x', {}).timeout, 0, 'a bare 0 is unambiguous')
  t.equal(parseConfig(spec, 'hosts: [a]\n', 'x', {}).timeout, 5000, 'defaults are unaffected')
})

t.test('--help text and the README table: enums without markdown escapes in --help, escaped in markdown', async (t) => {
  const { helpText } = await import('../../core/cli.ts')
  const { docMarkdown } = await import('../../core/config/schema.ts')
  const enumSpec: Spec = { type: 'object', doc: 'x', fields: { read_from: { type: 'enum', values: ['beginning', 'end'], default: 'end', doc: 'where | to start' } } }
  const help = helpText({ name: 'prog', summary: 'summary', usage: [], flags: [], spec: enumSpec })
  t.match(help, /read_from\s+beginning \| end = end  where \| to start/)
  t.notMatch(help, /\\\|/, 'no backslash escapes in --help')
  t.match(docMarkdown(enumSpec), /\| `read_from` \| beginning \\\| end \| `end` \| where \\\| to start \|/)
})

t.test('the validated type is derived from the spec (checked by tsc --noEmit)', async (t) => {
  const workers = {
    type: 'object',
    doc: 'x',
    fields: {
      level: { type: 'enum', values: ['info', 'debug'], default: 'info', doc: 'level' },
      n: { type: 'int', doc: 'n' },
      workers: { type: 'any', default: 'auto', doc: 'w', parse: (v: unknown): 'auto' | number => (v === 'auto' ? 'auto' : Number(v)) },
      sub: { type: 'object', doc: 'sub', fields: { list: { type: 'list', of: { type: 'string', doc: 's' }, default: [], doc: 'l' } } },
      opt: { type: 'object', doc: 'opt', optional: true, fields: { need: { type: 'string', required: true, doc: 'need' } } },
    },
  } as const satisfies Spec
  const v = validate(workers, { workers: '3' })
  const level: 'info' | 'debug' = v.level
  const w: 'auto' | number = v.workers
  const list: readonly string[] = v.sub.list
  const need: string | undefined = v.opt?.need
  // @ts-expect-error an int without a default may be absent
  const n: number = v.n
  // @ts-expect-error the enum is the union of its values, not any string
  const lit: 'info' = v.level
  t.same({ level, w, list, need, n, lit }, { level: 'info', w: 3, list: [], need: undefined, n: undefined, lit: 'info' })
})

t.test("an option's env: the variable replaces the file's value, is validated the same way, and an error names it", async (t) => {
  const { docRows } = await import('../../core/config/schema.ts')
  const envSpec = {
    type: 'object',
    doc: 'x',
    fields: {
      logging: { type: 'object', doc: 'logging', fields: { level: { type: 'enum', values: ['info', 'debug'], default: 'info', env: 'TEST_LEVEL', doc: 'level' } } },
      timeout: { type: 'duration', default: '5s', env: 'TEST_TIMEOUT', doc: 'timeout' },
    },
  } as const satisfies Spec
  const text = 'logging: {level: info}\ntimeout: 2s\n'
  t.same(parseConfig(envSpec, text, 'x', {}), { logging: { level: 'info' }, timeout: 2000 }, 'unset: the file')
  t.same(parseConfig(envSpec, text, 'x', { TEST_LEVEL: 'debug', TEST_TIMEOUT: '1m' }), { logging: { level: 'debug' }, timeout: 60_000 }, 'set: the variable')
  t.same(parseConfig(envSpec, '{}', 'x', { TEST_LEVEL: 'debug' }).logging, { level: 'debug' }, 'over a default too')
  t.same(parseConfig(envSpec, text, 'x', { TEST_LEVEL: '' }).logging, { level: 'info' }, 'empty counts as unset')
  t.throws(() => parseConfig(envSpec, text, 'x', { TEST_LEVEL: 'loud' }), { code: 'LY_CONFIG', message: 'TEST_LEVEL (overrides logging.level): must be one of "info", "debug", got string "loud"' })
  t.throws(() => parseConfig(envSpec, text, 'x', { TEST_TIMEOUT: '30' }), { message: /^TEST_TIMEOUT \(overrides timeout\): needs a unit/ }, 'the file rules apply to the variable')
  t.same(validate(envSpec, { logging: { level: 'info' } }).logging, { level: 'info' }, 'validate() without options.env overrides nothing')
  t.match(docRows(envSpec).find((r) => r.key === 'logging.level')?.doc, /the environment variable TEST_LEVEL overrides it/)
})

t.test('one log-level list: both programs\' logging.level take core/logger.ts logLevels; LOGYARD_LOG_LEVEL overrides both', async (t) => {
  const { logLevels } = await import('../../core/logger.ts')
  const { forwarderSpec } = await import('../../forwarder/config.ts')
  const { aggregatorSpec, parseAggregatorConfig } = await import('../../aggregator/config.ts')
  t.equal(forwarderSpec.fields.logging.fields.level.values, logLevels, 'forwarder: the same array')
  t.equal(aggregatorSpec.fields.logging.fields.level.values, logLevels, 'aggregator: the same array')
  const fwd = parseConfig(forwarderSpec, 'inputs: [{paths: [/x/*.log]}]\noutput: {hosts: [a]}\nlogging: {level: warn}\n', 'f', { LOGYARD_LOG_LEVEL: 'trace' })
  t.equal(fwd.logging.level, 'trace')
  const agg = parseAggregatorConfig("inputs: {beats: {listen: '127.0.0.1:0'}}\noutput: {blackhole: {}}\nlogging: {level: warn}\n", 'a', { LOGYARD_LOG_LEVEL: 'debug' })
  t.equal(agg.config.logging.level, 'debug')
})

t.test('workers: one parse on the spec; the validated value is auto or a number', async (t) => {
  const { parseAggregatorConfig, parseWorkers, resolveWorkers } = await import('../../aggregator/config.ts')
  const cfg = (workers: string) => parseAggregatorConfig(`workers: ${workers}\ninputs: {beats: {listen: '127.0.0.1:0'}}\noutput: {blackhole: {}}\n`, 'a', { N: '6' }).config.workers
  t.equal(cfg('4'), 4)
  t.equal(cfg("'4'"), 4, 'a quoted number is a number')
  t.equal(cfg("'${N}'"), 6, 'from ${VAR}')
  t.equal(cfg('auto'), 'auto')
  for (const bad of ['0', '257', '1.5', 'many', '[2]', "' '"]) t.throws(() => cfg(bad), { code: 'LY_CONFIG', message: /^workers: must be auto or a whole number 1-256/ }, `workers: ${bad}`)
  t.equal(parseWorkers('12', '--workers'), 12)
  t.throws(() => parseWorkers('x', '--workers'), { message: '--workers: must be auto or a whole number 1-256, got "x"' })
  t.equal(resolveWorkers(3), 3)
  t.ok(resolveWorkers('auto') >= 1, 'auto: one per core')
})
