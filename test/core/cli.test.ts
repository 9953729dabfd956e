import t from 'tap'
import { helpText, parseCommandLine, reportFatal, type CliProgram } from '../../core/cli.ts'
import { ConfigError, LogyardError } from '../../core/errors.ts'

const service: CliProgram = {
  name: 'prog',
  summary: 'does things',
  usage: ['[--config FILE] [--check-config]'],
  flags: [
    { name: 'config', short: 'c', value: 'FILE', doc: 'config file' },
    { name: 'check-config', doc: 'validate and exit' },
  ],
  strayHint: 'config',
}
const withCommand: CliProgram = { ...service, operands: { name: '[status]', min: 0, max: 1, commands: ['status'] } }
const withOperands: CliProgram = { ...service, flags: [], strayHint: undefined, operands: { name: 'PATTERN [FILE]', min: 1, max: 2 } }

t.test('options: long, =value, short aliases (-c -h -V), switches; the values as given', async (t) => {
  const a = parseCommandLine(service, ['--config', 'a.yml', '--check-config'])
  t.equal(a.string('config'), 'a.yml')
  t.equal(a.has('check-config'), true)
  t.same(a.operands, [])
  t.equal(parseCommandLine(service, ['--config=c.yml']).string('config'), 'c.yml')
  t.equal(parseCommandLine(service, ['-c', 'b.yml']).string('config'), 'b.yml')
  t.equal(parseCommandLine(service, ['-h']).has('help'), true)
  t.equal(parseCommandLine(service, ['-V']).has('version'), true)
  t.equal(parseCommandLine(service, []).string('config'), undefined, 'absent → undefined (the program picks its default)')
  t.equal(parseCommandLine(service, []).has('check-config'), false)
  t.equal(parseCommandLine(service, ['--config', 'a.yml', '--config', 'b.yml']).string('config'), 'b.yml', 'the last one wins')
})

t.test('usage errors: LY_USAGE with a message naming the option', async (t) => {
  const refused: [string[], RegExp][] = [
    [['--nope'], /^unknown option --nope; see --help$/],
    [['-x'], /^unknown option -x; see --help$/],
    [['--config'], /^option --config needs a value$/],
    [['-c'], /^option --config needs a value$/],
    [['--config', '--check-config'], /^option --config needs a value, got another option after it \(write --config=VALUE/],
    [['--config='], /^option --config needs a value, got an empty one$/],
    [['--check-config=yes'], /^option --check-config takes no value$/],
    [['--help=1'], /^option --help takes no value$/],
  ]
  for (const [argv, message] of refused) t.throws(() => parseCommandLine(service, argv), { code: 'LY_USAGE', message }, argv.join(' '))
})

t.test('a stray argument is refused, never ignored; programs that take operands get them', async (t) => {
  // the example: `logyard-aggregator aggregator.yml`
  t.throws(() => parseCommandLine(service, ['aggregator.yml']), { code: 'LY_USAGE', message: 'unexpected argument "aggregator.yml"; did you mean --config aggregator.yml?' })
  t.throws(() => parseCommandLine(service, ['--config', 'a.yml', 'b.yml']), { message: /unexpected argument "b\.yml"/ })
  t.throws(() => parseCommandLine({ ...service, strayHint: undefined }, ['x']), { message: 'unexpected argument "x"; see --help' })
  t.throws(() => parseCommandLine(service, ['--', '-c']), { message: /unexpected argument "-c"/, code: 'LY_USAGE' }, 'after -- everything is an operand')
  // a subcommand
  t.same(parseCommandLine(withCommand, ['status', '--config', 'f.yml']).operands, ['status'])
  t.throws(() => parseCommandLine(withCommand, ['forwarder.yml']), { message: 'unexpected argument "forwarder.yml" (the only command is status); did you mean --config forwarder.yml?' })
  t.throws(() => parseCommandLine(withCommand, ['status', 'x']), { message: /unexpected argument "x"/ })
  // operands
  t.same(parseCommandLine(withOperands, ['%{WORD}', '-']).operands, ['%{WORD}', '-'])
  t.same(parseCommandLine(withOperands, ['--', '-%{WORD}']).operands, ['-%{WORD}'], 'an operand that starts with - after --')
  t.throws(() => parseCommandLine(withOperands, []), { code: 'LY_USAGE', message: 'expected PATTERN [FILE], got 0 argument(s); see --help' })
  t.throws(() => parseCommandLine(withOperands, ['a', 'b', 'c']), { message: /expected PATTERN \[FILE\], got 3 argument\(s\)/ })
  // --help and --version answer whatever else is on the line
  t.equal(parseCommandLine(withOperands, ['--help']).has('help'), true)
  t.equal(parseCommandLine(service, ['x', '--version']).has('version'), true)
})

t.test('--help lists usage, every option with its alias, the built-ins, and the exit codes', async (t) => {
  const help = helpText(service)
  t.match(help, /^prog \d+\.\d+\.\d+\n\nUsage: prog \[--config FILE\] \[--check-config\]\n\ndoes things\n/)
  t.match(help, /-c, --config FILE\s+config file/)
  t.match(help, /\n {6}--check-config\s+validate and exit/)
  t.match(help, /-V, --version\s+print the version/)
  t.match(help, /-h, --help\s+print this help/)
  t.match(help, /Exit codes: 0 ok, 1 runtime failure, 2 bad config or usage\./)
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
})
