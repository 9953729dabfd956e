import t from 'tap'
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { nodeBin, writeConfig } from '../../e2e/procs.ts'

// The command line: --check-config builds the pipeline (compiling every grok
// pattern) without opening sockets and exits 0 or 2 with a message naming
// the key; --version and --help; a bad config never starts anything.

const bin = join(import.meta.dirname, '..', '..', '..', 'bin', 'logyard-aggregator.js')
const dir = mkdtempSync(join(tmpdir(), 'logyard-cli-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

function run(args: string[]) {
  const r = spawnSync(nodeBin, [bin, ...args], { encoding: 'utf8', timeout: 60_000 })
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
