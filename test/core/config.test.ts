import t from 'tap'
import { parseConfig } from '../../core/config/load.ts'
import type { Spec } from '../../core/config/schema.ts'
import { parseDuration, parseSize } from '../../core/config/units.ts'
import { LogyardError } from '../../core/errors.ts'

const spec: Spec = {
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
}

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
  const cfg = parseConfig<any>(spec, 'hosts: ["${AGG:agg.internal:5044}"]\nport: "${PORT}"\n', 'x', { PORT: '6000' })
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
      parseConfig<any>(spec, text, 'x', {})
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
  t.equal(parseConfig<any>(spec, 'hosts: [a]\ntimeout: 30s\n', 'x', {}).timeout, 30_000)
  t.equal(parseConfig<any>(spec, 'hosts: [a]\ntimeout: 250ms\n', 'x', {}).timeout, 250)
  t.equal(parseConfig<any>(spec, 'hosts: [a]\ntimeout: 0\n', 'x', {}).timeout, 0, 'a bare 0 is unambiguous')
  t.equal(parseConfig<any>(spec, 'hosts: [a]\n', 'x', {}).timeout, 5000, 'defaults are unaffected')
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
