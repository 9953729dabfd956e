import t from 'tap'
import { spawn } from 'node:child_process'
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

// The debugger as a user runs it: bin/logyard-grok.js in a child process.
const bin = fileURLToPath(new URL('../../../../bin/logyard-grok.js', import.meta.url))

function run(args: string[], stdin?: string): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [bin, ...args], { stdio: ['pipe', 'pipe', 'pipe'], timeout: 60_000 })
    let stdout = ''
    let stderr = ''
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d))
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d))
    child.on('error', reject)
    child.on('close', (code) => resolve({ code, stdout, stderr }))
    child.stdin.end(stdin ?? '')
  })
}

const access = '127.0.0.1 - frank [10/Oct/2000:13:55:36 -0700] "GET /apache_pb.gif HTTP/1.0" 200 2326 "-" "curl/8.5"'

t.test('stdin: one JSON event per line, failures tagged, stats on stderr', async (t) => {
  const r = await run(['%{COMBINEDAPACHELOG}'], `${access}\nnot an access line\r\n${access}`)
  t.equal(r.code, 0)
  const events = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  t.equal(events.length, 3)
  t.same(events[0], {
    message: access, source: { address: '127.0.0.1' }, user: { name: 'frank' }, timestamp: '10/Oct/2000:13:55:36 -0700',
    http: { request: { method: 'GET' }, version: '1.0', response: { status_code: 200, body: { bytes: 2326 } } }, url: { original: '/apache_pb.gif' }, user_agent: { original: 'curl/8.5' },
  })
  t.same(events[1], { message: 'not an access line', tags: ['_grokparsefailure'] })
  t.equal(events[2]!.message, access, 'last line without a newline is read too')
  t.match(r.stderr, /3 lines, 2 matched \(66\.7%\), 1 failed, 0 timed out; mean cost [0-9.]+ µs\/line/)
})

t.test('FILE argument, --ecs-compatibility disabled, --patterns-dir', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-grok-cli-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  writeFileSync(join(dir, 'in.log'), `${access}\n`)
  mkdirSync(join(dir, 'patterns'))
  writeFileSync(join(dir, 'patterns', 'custom'), 'GREETING (?:hello|hi)\n')
  const r = await run(['--ecs-compatibility', 'disabled', '%{COMMONAPACHELOG}', join(dir, 'in.log')])
  t.equal(r.code, 0)
  const e = JSON.parse(r.stdout) as Record<string, unknown>
  t.equal(e.clientip, '127.0.0.1')
  t.equal(e.response, '200')
  const c = await run(['--patterns-dir', join(dir, 'patterns'), '%{GREETING:g} %{WORD:who}'], 'hi bob\n')
  t.same(JSON.parse(c.stdout), { message: 'hi bob', g: 'hi', who: 'bob' })
})

t.test('a runaway pattern is stopped by the watchdog and tagged', async (t) => {
  const r = await run(['--timeout-millis', '200', '^(\\w+\\s?)+$'], `${'a'.repeat(40)}!\nok fine\n`)
  t.equal(r.code, 0)
  const [a, b] = r.stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>)
  t.same(a!.tags, ['_groktimeout'])
  t.equal(b!.tags, undefined)
  t.match(r.stderr, /warning: repetition of repetitions/)
  t.match(r.stderr, /2 lines, 1 matched \(50\.0%\), 0 failed, 1 timed out/)
})

t.test('exit 2 with the LY_CONFIG message on a bad pattern; usage, help, version', async (t) => {
  const bad = await run(['%{NOPE:x}'])
  t.equal(bad.code, 2)
  t.match(bad.stderr, /LY_CONFIG: .*unknown pattern %\{NOPE\}/)
  const regex = await run(['(unclosed'])
  t.equal(regex.code, 2)
  t.match(regex.stderr, /LY_CONFIG: .*bad regex/)
  const ecs = await run(['x', '--ecs-compatibility', 'v3'])
  t.equal(ecs.code, 2)
  t.match(ecs.stderr, /ecs_compatibility: must be one of/)
  const usage = await run([])
  t.equal(usage.code, 2)
  t.match(usage.stderr, /LY_USAGE: expected PATTERN \[FILE\]/)
  const missing = await run(['%{WORD}', '/nonexistent/file.log'])
  t.equal(missing.code, 1)
  t.match(missing.stderr, /LY_IO: .*cannot read \/nonexistent\/file\.log/)
  const help = await run(['--help'])
  t.equal(help.code, 0)
  t.match(help.stdout, /Usage: logyard-grok PATTERN \[FILE\]/)
  t.match(help.stdout, /--ecs-compatibility/)
  const version = await run(['--version'])
  t.match(version.stdout, /^logyard-grok \d+\.\d+\.\d+/)
})
