import t from 'tap'
import { spawnSync } from 'node:child_process'
import { join } from 'node:path'

// The four programs as a user runs them (bin/*.js in a child process): one
// preamble, so the same flags answer the same way and a usage error is one
// `program: LY_USAGE: message` line and exit 2, with nothing started.

const root = join(import.meta.dirname, '..', '..')
const programs = ['logyard-forwarder', 'logyard-aggregator', 'logyard-grok', 'logyard-dlq'] as const

function run(name: string, args: string[], stdin = ''): { status: number | null; stdout: string; stderr: string } {
  const bin = join(root, 'bin', `${name}.js`)
  return spawnSync(process.execPath, [bin, ...args], { cwd: root, encoding: 'utf8', timeout: 60_000, input: stdin })
}

for (const name of programs) {
  t.test(`${name}: -V/--version, -h/--help, an unknown option, a missing value`, async (t) => {
    for (const v of ['-V', '--version']) {
      const r = run(name, [v])
      t.equal(r.status, 0, `${v}: ${r.stderr}`)
      t.match(r.stdout, new RegExp(`^${name} \\d+\\.\\d+\\.\\d+\\n$`), v)
    }
    for (const h of ['-h', '--help']) {
      const r = run(name, [h])
      t.equal(r.status, 0, `${h}: ${r.stderr}`)
      t.match(r.stdout, new RegExp(`^${name} \\d+\\.\\d+\\.\\d+\\n\\nUsage: ${name} `), h)
      t.match(r.stdout, /-h, --help\s+print this help and exit/)
      t.match(r.stdout, /Exit codes: 0 ok, 1 runtime failure, 2 bad config or usage\./)
    }
    const bad = run(name, ['--frobnicate'])
    t.equal(bad.status, 2)
    t.equal(bad.stderr, `${name}: LY_USAGE: unknown option --frobnicate; see --help\n`)
    t.equal(bad.stdout, '')
    const missing = run(name, name === 'logyard-grok' ? ['%{WORD}', '--patterns-dir'] : name === 'logyard-dlq' ? ['--dlq'] : ['-c'])
    t.equal(missing.status, 2)
    t.match(missing.stderr, new RegExp(`^${name}: LY_USAGE: option --(config|dlq|patterns-dir) needs a value\\n$`))
  })
}

t.test('a bare argument is refused with the option it probably meant, never ignored (issue 17 item 4)', async (t) => {
  const cases: [string, string[], string][] = [
    ['logyard-aggregator', ['aggregator.yml'], 'unexpected argument "aggregator.yml"; did you mean --config aggregator.yml?'],
    ['logyard-aggregator', ['--config', 'a.yml', 'b.yml'], 'unexpected argument "b.yml"; did you mean --config b.yml?'],
    ['logyard-forwarder', ['forwarder.yml'], 'unexpected argument "forwarder.yml" (the only command is status); did you mean --config forwarder.yml?'],
    ['logyard-forwarder', ['status', 'extra'], 'unexpected argument "extra"; did you mean --config extra?'],
    ['logyard-dlq', ['/var/lib/logyard/dlq', '--print'], 'unexpected argument "/var/lib/logyard/dlq"; did you mean --dlq /var/lib/logyard/dlq?'],
    ['logyard-grok', ['%{WORD}', 'a.log', 'b.log'], 'expected PATTERN [FILE], got 3 argument(s); see --help'],
  ]
  for (const [name, args, message] of cases) {
    const r = run(name, args)
    t.equal(r.status, 2, `${name} ${args.join(' ')}`)
    t.equal(r.stderr, `${name}: LY_USAGE: ${message}\n`)
    t.equal(r.stdout, '', 'nothing started, nothing printed')
  }
})

t.test('logyard-grok takes its operands after options too, and a pattern after --', async (t) => {
  const r = run('logyard-grok', ['--timeout-millis', '0', '--', '-%{INT:n}'], '-42\n')
  t.equal(r.status, 0, r.stderr)
  t.match(JSON.parse(r.stdout), { message: '-42', n: '42' })
  t.match(r.stderr, /1 lines, 1 matched/)
})
