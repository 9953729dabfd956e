import t from 'tap'
import { helpText, parseArgs, reportFatal } from '../../core/cli.ts'
import { ConfigError, LogyardError } from '../../core/errors.ts'

const flags = [
  { name: 'config', takesValue: true, doc: 'config file' },
  { name: 'check-config', takesValue: false, doc: 'validate and exit' },
  { name: 'help', takesValue: false, doc: 'help' },
]

t.test('parseArgs', async (t) => {
  t.same(parseArgs(['--config', 'a.yml', '--check-config'], flags), { flags: { config: 'a.yml', 'check-config': true }, positional: [] })
  t.same(parseArgs(['-c', 'b.yml', 'x'], flags), { flags: { config: 'b.yml' }, positional: ['x'] })
  t.same(parseArgs(['--config=c.yml'], flags).flags, { config: 'c.yml' })
  t.throws(() => parseArgs(['--nope'], flags), { code: 'LY_USAGE' })
  t.throws(() => parseArgs(['--config'], flags), /needs a value/)
})

t.test('fatal errors map to exit codes', async (t) => {
  const writes: string[] = []
  const orig = process.stderr.write.bind(process.stderr)
  process.stderr.write = ((s: string) => (writes.push(s), true)) as typeof process.stderr.write
  try {
    t.equal(reportFatal(new ConfigError('output.hosts', 'is required'), 'x'), 2)
    t.equal(reportFatal(new LogyardError('LY_IO', 'disk full'), 'x'), 1)
  } finally {
    process.stderr.write = orig
  }
  t.match(writes[0], /^x: LY_CONFIG: output\.hosts: is required/)
  t.match(writes[1], /LY_IO: /)
  t.match(helpText('prog', 'does things', flags), /--config VALUE\s+config file/)
})
