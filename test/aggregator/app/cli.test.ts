import t from 'tap'
import { spawnSync } from 'node:child_process'
import { connect } from 'node:net'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nodeBin, startProc, writeConfig } from '../../e2e/procs.ts'

// The command line: --check-config builds the pipeline (compiling every grok
// pattern) without opening sockets and exits 0 or 2 with a message naming
// the key; --version and --help; a bad config never starts anything.

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'logyard-aggregator.js')
const dir = mkdtempSync(join(tmpdir(), 'logyard-cli-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

function run(args: string[], env: NodeJS.ProcessEnv = {}) {
  const r = spawnSync(nodeBin, [bin, ...args], { encoding: 'utf8', timeout: 60_000, env: { ...process.env, ...env } })
  return { code: r.status, stdout: r.stdout, stderr: r.stderr }
}

const base = [
  'inputs:',
  "  beats: {listen: '127.0.0.1:1'}",
  'output:',
  `  file: {path: '${join(dir, 'out.ndjson')}'}`,
]

t.test('--check-config: a good config exits 0 and names what it built', async (t) => {
  const file = writeConfig(dir, 'good.yml', [...base, 'pipeline:', '  - when: {tags: nginx}', "    grok: {field: message, patterns: ['%{COMBINEDAPACHELOG}']}", "  - date: {field: timestamp, formats: ['dd/MMM/yyyy:HH:mm:ss Z']}"])
  const r = run(['--config', file, '--check-config'])
  t.equal(r.code, 0, r.stderr)
  t.match(r.stdout, /configuration ok .*2 pipeline stage\(s\): grok, date/)
})

t.test('--check-config: bad configs exit 2 with the key path', async (t) => {
  const cases: [string[], RegExp][] = [
    [[...base, 'pipeline:', '  - grep: {field: message}'], /LY_CONFIG: pipeline\[0\]\.grep: unknown stage type "grep"; known types: grok, json, date, mutate, drop/],
    [[...base, 'pipeline:', "  - grok: {field: message, patterns: ['%{NO_SUCH_PATTERN}']}"], /LY_CONFIG: .*NO_SUCH_PATTERN/],
    [[...base, 'workerz: 2'], /LY_CONFIG: workerz: unknown key; did you mean "workers"/],
    [[...base, 'workers: many'], /LY_CONFIG: workers: must be auto or a whole number/],
    [['output:', `  file: {path: '${join(dir, 'x')}'}`], /LY_CONFIG: inputs: configure at least one input/],
    [[...base, 'pipeline:', '  - when: {tag: x}', '    drop: {}'], /LY_CONFIG: pipeline\[0\]\.when\.tag: unknown condition/],
  ]
  let i = 0
  for (const [lines, re] of cases) {
    const r = run(['--config', writeConfig(dir, `bad${i++}.yml`, lines), '--check-config'])
    t.equal(r.code, 2, `exit 2 for ${re}`)
    t.match(r.stderr, re)
  }
  const missing = run(['--config', join(dir, 'nope.yml'), '--check-config'])
  t.equal(missing.code, 2)
  t.match(missing.stderr, /cannot read config file/)
})

t.test('--version, --help, unknown flags', async (t) => {
  const v = run(['--version'])
  t.equal(v.code, 0)
  t.match(v.stdout, /^logyard-aggregator \d+\.\d+\.\d+/)
  const h = run(['--help'])
  t.equal(h.code, 0)
  t.match(h.stdout, /--check-config/)
  t.match(h.stdout, /inputs\.beats\.listen/)
  t.match(h.stdout, /max_inflight_batches/)
  const bad = run(['--frobnicate'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /unknown option --frobnicate/)
})

t.test('operator-facing messages: full key paths for stage errors, YAML errors without a dangling excerpt, --help without markdown escapes', async (t) => {
  const grok = run(['--config', writeConfig(dir, 'grok-key.yml', [...base, 'pipeline:', '  - json: {field: message}', "  - grok: {field: message, patterns: ['%{INT:n}', '%{NO_SUCH_PATTERN}']}"]), '--check-config'])
  t.equal(grok.code, 2)
  t.match(grok.stderr, /LY_CONFIG: pipeline\[1\]\.grok\.patterns\[1\]: .*NO_SUCH_PATTERN/)
  t.notMatch(grok.stderr, /\d:grok/, 'no internal stage id in the key path')
  const yaml = run(['--config', writeConfig(dir, 'yaml.yml', [...base, 'workers: 1', 'workers: 2']), '--check-config'])
  t.equal(yaml.code, 2)
  t.match(yaml.stderr, /LY_CONFIG: .*yaml\.yml: YAML syntax error at line 6, column 1 \("workers: 2"\): Map keys must be unique\n$/)
  const h = run(['--help'])
  t.match(h.stdout, /client_auth\s+none \| optional \| required = none/)
  t.notMatch(h.stdout, /\\\|/, 'no markdown escapes')
})

t.test('workers and --workers: auto or 1-256 through one parser; a bad --workers exits 2 naming the flag', async (t) => {
  const quoted = writeConfig(dir, 'workers-string.yml', [...base, "workers: '2'"])
  t.equal(run(['--config', quoted, '--check-config']).code, 0, 'workers: "2" (a string) is accepted')
  t.equal(run(['--config', quoted, '--workers', 'auto', '--check-config']).code, 0, '--workers auto')
  t.equal(run(['--config', quoted, '--workers', '3', '--check-config']).code, 0, '--workers 3')
  for (const [value, shown] of [['0', '"0"'], ['257', '"257"'], ['many', '"many"'], ['1.5', '"1.5"']]) {
    const r = run(['--config', quoted, '--workers', value!, '--check-config'])
    t.equal(r.code, 2, `--workers ${value}`)
    t.match(r.stderr, `LY_CONFIG: --workers: must be auto or a whole number 1-256, got ${shown}`)
  }
  const zero = run(['--config', writeConfig(dir, 'workers-0.yml', [...base, 'workers: 0']), '--check-config'])
  t.equal(zero.code, 2)
  t.match(zero.stderr, /LY_CONFIG: workers: must be auto or a whole number 1-256, got 0/)
})

t.test('LOGYARD_LOG_LEVEL overrides logging.level: debug lines with =debug; =bogus exits 2 naming the variable', async (t) => {
  // The file says error; only the variable can bring out info and debug lines.
  const lines = ['workers: 1', 'inputs:', "  beats: {listen: '127.0.0.1:0'}", 'output:', `  file: {path: '${join(dir, 'level.ndjson')}'}`, 'logging: {level: error}']
  const file = writeConfig(dir, 'level.yml', lines)
  const agg = startProc('aggregator', file, [], { LOGYARD_LOG_LEVEL: 'debug' })
  t.teardown(() => agg.stop())
  const started = await agg.waitFor((r) => r.msg === 'aggregator started', 60_000, 'start')
  t.equal(started.level, 'info', 'an info line although the file says error')
  const port = (started.listening as { beats: { port: number } }).beats.port
  const socket = connect(port, '127.0.0.1')
  t.teardown(() => socket.destroy())
  // The Lumberjack server logs each accepted connection at debug.
  const conn = await agg.waitFor((r) => r.msg === 'lumberjack connection', 60_000, 'the debug line of a connection')
  t.equal(conn.level, 'debug')
  t.equal(await agg.stop(), 0, 'SIGTERM: exit 0')

  for (const args of [['--check-config'], []]) {
    const r = run(['--config', file, ...args], { LOGYARD_LOG_LEVEL: 'bogus' })
    t.equal(r.code, 2, `exit 2 (${args.join(' ') || 'start'})`)
    t.match(r.stderr, /LY_CONFIG: LOGYARD_LOG_LEVEL \(overrides logging\.level\): must be one of "trace", "debug", "info", "warn", "error", "fatal", "silent", got string "bogus"/)
  }
  t.equal(run(['--config', file, '--check-config'], { LOGYARD_LOG_LEVEL: 'trace' }).code, 0, 'a valid level passes --check-config')
})
