import t from 'tap'
import { mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium, type Browser } from 'playwright-core'
import { LumberjackClient } from '../../../core/lumberjack/client.ts'
import { silentLogger } from '../../../core/logger.ts'
import { tlsMaterial } from '../../helpers/tls.ts'
import { startProc, until, writeConfig } from '../../e2e/procs.ts'

// The status page on a real two-worker aggregator (TLS with client
// certificates, a grok stage that fails some lines, file output) while a
// Lumberjack client keeps sending: /status sums both workers and shows the
// sender with its TLS subject, stage failures with their lines and moving
// rates; /grok runs the debugger within its limits; and headless Chromium
// (Debian's chromium, driven by playwright-core) loads the page with no
// console error, sees the numbers move and gets fields from the debugger.
// The screenshot lands in .tap/status-page/.

const root = join(import.meta.dirname, '..', '..', '..')
const tls = tlsMaterial()
const dir = mkdtempSync(join(tmpdir(), 'logyard-status-'))
t.teardown(() => rmSync(dir, { recursive: true, force: true }))

const configFile = writeConfig(dir, 'aggregator.yml', [
  'workers: 2',
  'inputs:',
  '  beats:',
  "    listen: '127.0.0.1:0'",
  '    tls:',
  `      cert: '${tls.serverCertFile}'`,
  `      key: '${tls.serverKeyFile}'`,
  `      client_ca: ['${tls.caFile}']`,
  '      client_auth: required',
  'pipeline:',
  "  - grok: {field: message, patterns: ['%{WORD:verb} %{NUMBER:bytes:int}']}",
  'output:',
  `  file: {path: '${join(dir, 'out.ndjson')}'}`,
  "http: {listen: '127.0.0.1:0'}",
])

const proc = startProc('aggregator', configFile)
t.teardown(() => proc.stop())

interface Status {
  health: { ok: boolean; status: string }
  workers: { expected: number; reporting: number }
  inputs: { name: string; events_total: number; events_per_s: number; history: number[] }[]
  pipeline: { events_in_total: number; events_out_total: number; events_out_per_s: number; out_history: number[] }
  senders: { connected: number; list: { address: string; tls_subject: string | null; agent: string | null; events_total: number; last_ack_age_s: number | null; windows_in_flight: number }[] }
  stages: { id: string; in_per_s: number; failed_total: number; tags: string[]; recent_failures: { line: string; tags: string[] }[] }[]
  elasticsearch: unknown
}

let opsBase = ''
let sending = true
let sent = 0

t.before(async () => {
  const ready = await proc.waitFor((r) => r.msg === 'worker ready', 90_000, 'worker ready')
  const beatsPort = (ready.listening as { beats: { port: number } }).beats.port
  const ops = await proc.waitFor((r) => r.msg === 'http ops endpoint listening', 90_000, 'ops endpoint')
  opsBase = `http://127.0.0.1:${String(ops.listen).split(':').pop()}`
  await until(async () => (await fetch(`${opsBase}/healthz`)).status === 200, 90_000, '/healthz 200 (both workers serving)')
  // Keep a real sender busy for the whole test: windows of good and bad lines.
  const client = new LumberjackClient({
    hosts: [`127.0.0.1:${beatsPort}`],
    logger: silentLogger(),
    tls: { ca: [tls.caFile], cert: tls.clientCertFile, key: tls.clientKeyFile, verification_mode: 'full', server_name: 'localhost' },
  })
  const loop = async (): Promise<void> => {
    let i = 0
    while (sending) {
      const window: string[] = []
      for (let k = 0; k < 50; k++, i++) {
        const message = i % 5 === 0 ? `not parseable line #${i} <script>alert(1)</script>` : `GET ${i}`
        window.push(JSON.stringify({ message, agent: { type: 'status-test', name: 'sender-1' } }))
      }
      await client.send(window)
      sent += window.length
      await new Promise((r) => setTimeout(r, 50)) // pacing only: a steady trickle, not synchronisation
    }
    await client.close(5000)
  }
  const running = loop()
  t.teardown(async () => {
    sending = false
    await running.catch(() => {})
  })
})

/** The little of the DOM the browser-side functions use. */
interface Win { document: { querySelector(sel: string): { textContent: string | null } | null; querySelectorAll(sel: string): { length: number } } }

const getStatus = async (): Promise<Status> => (await (await fetch(`${opsBase}/status`)).json()) as Status

t.test('GET /status sums the workers and shows sender, rates and stage failures', async (t) => {
  const s = await until(async () => {
    const s = await getStatus()
    const stage = s.stages[0]
    return s.workers.reporting === 2 && s.senders.list.length > 0 && s.senders.list[0]!.last_ack_age_s !== null && s.pipeline.events_out_per_s > 0 && stage && stage.recent_failures.length > 0 && s.inputs.some((i) => i.history.some((v) => v > 0)) ? s : undefined
  }, 90_000, 'a /status with both workers, a sender, moving rates and failures')
  t.equal(s.workers.expected, 2)
  t.equal(s.senders.connected, 1, 'one sender connected')
  const sender = s.senders.list[0]!
  t.match(sender.address, /^127\.0\.0\.1:\d+$/, 'sender address with port')
  t.match(sender.tls_subject, /CN=/, 'TLS subject of the client certificate')
  t.equal(sender.agent, 'status-test sender-1', 'sender named from its events')
  t.ok(sender.events_total > 0)
  const beats = s.inputs.find((i) => i.name === 'beats')!
  t.ok(beats.events_total > 0 && beats.history.length > 0, 'beats input total and sparkline history')
  const stage = s.stages[0]!
  t.equal(stage.id, '0:grok')
  t.ok(stage.failed_total > 0, 'grok failures counted')
  t.same(stage.tags, ['_grokparsefailure'])
  t.match(stage.recent_failures[0]!.line, /^not parseable line #\d+/, 'a failing line is shown')
  t.ok(stage.recent_failures.length <= 5, 'bounded recent failures')
  t.equal(s.elasticsearch, null, 'no elasticsearch output configured')
  // totals move while the chain runs
  const before = s.pipeline.events_out_total
  await until(async () => (await getStatus()).pipeline.events_out_total > before, 30_000, 'events_out_total to grow')
  t.ok(s.pipeline.events_in_total <= sent, 'no more events in than were sent')
})

t.test('GET /grok: the debugger, bounded and rate limited', async (t) => {
  // wait out any rate-limit tokens used before
  const ask = async (q: Record<string, string>): Promise<{ status: number; body: Record<string, unknown> }> => {
    const r = await fetch(`${opsBase}/grok?${new URLSearchParams(q)}`)
    return { status: r.status, body: (await r.json()) as Record<string, unknown> }
  }
  const ok = await ask({ pattern: '%{WORD:verb} %{NUMBER:bytes:int}', lines: 'GET 42\nnope' })
  t.equal(ok.status, 200)
  const results = ok.body.results as { matched: boolean; fields: Record<string, unknown>; micros: number }[]
  t.equal(results.length, 2)
  t.same(results[0]!.fields, { verb: 'GET', bytes: 42 }, 'captured fields')
  t.equal(results[1]!.matched, false)
  t.same(results[1]!.fields.tags, ['_grokparsefailure'])
  t.ok(results[0]!.micros > 0, 'per-line cost')
  const configured = await ask({ stage: '0:grok', lines: 'PUT 7' })
  t.equal(configured.status, 200, 'a configured stage')
  t.same((configured.body.results as { fields: unknown }[])[0]!.fields, { verb: 'PUT', bytes: 7 })
  const bad = await ask({ pattern: '%{NO_SUCH_PATTERN}', lines: 'x' })
  t.equal(bad.status, 400, 'unknown pattern: 400 with the reason')
  t.match(bad.body.error, /NO_SUCH_PATTERN/)
  const big = await ask({ pattern: '%{WORD}', lines: Array.from({ length: 21 }, () => 'a').join('\n') })
  t.equal(big.status, 413, 'more than 20 lines refused')
  const post = await fetch(`${opsBase}/grok`, { method: 'POST', body: 'x' })
  t.equal(post.status, 405, 'the ops port stays GET/HEAD only')
  // one request at a time: requests arriving together, all but the first refused
  const statuses = (await Promise.all(Array.from({ length: 4 }, () => ask({ pattern: '%{WORD:w}', lines: 'a' })))).map((r) => r.status)
  t.ok(statuses.filter((s) => s === 429).length >= 1 && statuses.includes(200), `one runs, the others get 429: ${statuses.join(',')}`)
  const metrics = await (await fetch(`${opsBase}/metrics`)).text()
  const refused = (reason: string): number => Number(new RegExp(`logyard_ops_http_refused_total\\{reason="${reason}"\\} (\\d+)`).exec(metrics)?.[1] ?? -1)
  t.ok(refused('grok_busy') + refused('grok_rate') >= statuses.filter((s) => s === 429).length, 'refusals counted')
  t.match(metrics, /logyard_ops_http_refused_total\{reason="grok_too_large"\} 1/)
})

t.test('the page in headless Chromium', async (t) => {
  let browser: Browser
  try {
    browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] })
  } catch (err) {
    t.fail(`cannot start /usr/bin/chromium (apt-get install chromium): ${(err as Error).message}`)
    return
  }
  t.teardown(() => browser.close())
  const page = await browser.newPage({ viewport: { width: 1400, height: 1300 } })
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`))
  const external: string[] = []
  page.on('request', (r) => {
    if (!r.url().startsWith(opsBase)) external.push(r.url())
  })
  const res = await page.goto(`${opsBase}/`)
  t.equal(res?.status(), 200)
  t.match(res?.headers()['content-security-policy'], /default-src 'none'/)
  const html = await res!.text()
  t.ok(html.length < 24_000, `page is small (${html.length} bytes)`)

  // (browser-side functions reach `document` through globalThis: this file is type-checked without the DOM library)
  await page.waitForFunction(() => (globalThis as unknown as Win).document.querySelectorAll('#senders td').length > 2, undefined, { timeout: 60_000 })
  const extra1 = await page.textContent('#pipe-extra')
  await page.waitForFunction((first) => (globalThis as unknown as Win).document.querySelector('#pipe-extra')?.textContent !== first, extra1, { timeout: 60_000 })
  t.pass('pipeline numbers on the page moved')
  t.equal(await page.textContent('#health'), 'ok')
  const rate = Number(await page.textContent('#out-rate'))
  t.ok(Number.isFinite(rate) && rate >= 0, `out/s shown as a number: ${rate}`)
  t.ok((await page.locator('#out-spark svg polyline').count()) === 1, 'sparkline drawn as inline SVG')
  const senders = await page.textContent('#senders')
  t.match(senders, /status-test sender-1/)
  t.match(senders, /CN=/)
  // a failing line is shown as text, never as markup
  await page.waitForFunction(() => (globalThis as unknown as Win).document.querySelector('#stages pre') !== null, undefined, { timeout: 60_000 })
  t.match(await page.textContent('#stages'), /<script>alert\(1\)<\/script>/, 'failing line shown literally')
  t.equal(await page.locator('#stages script').count(), 0, 'no element injected from a log line')

  // the debugger (rate limit tokens from the previous test refill at 1/s)
  await page.fill('#pattern', '%{WORD:verb} %{NUMBER:bytes:int}')
  await page.fill('#lines', 'GET 1234\nbroken')
  await until(async () => {
    await page.click('#run')
    await page.waitForFunction(() => !/running/.test((globalThis as unknown as Win).document.querySelector('#debug-out')?.textContent ?? 'running'), undefined, { timeout: 20_000 })
    return /1 matched, 1 failed/.test((await page.textContent('#debug-out')) ?? '')
  }, 30_000, 'the debugger to answer', 1500)
  const fields = await page.locator('#debug-out pre.fields').first().textContent()
  t.same(JSON.parse(fields!), { verb: 'GET', bytes: 1234 }, 'fields from the debugger')

  const outDir = join(root, '.tap', 'status-page')
  mkdirSync(outDir, { recursive: true })
  const shot = join(outDir, 'status-page.png')
  await page.screenshot({ path: shot, fullPage: true })
  t.ok(statSync(shot).size > 10_000, `screenshot saved: ${shot}`)
  t.same(problems.filter((p) => !/429/.test(p)), [], 'no console errors')
  t.same(external, [], 'no request leaves the ops endpoint')
})
