import t from 'tap'
import { existsSync, mkdirSync, mkdtempSync, rmSync, statSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { chromium } from 'playwright-core'
import { runGoLumberClient } from '../../helpers/go-lumber.ts'
import { tlsMaterial } from '../../helpers/tls.ts'
import { startProc, until, writeConfig, type LogRecord } from '../../e2e/procs.ts'

// The status page in a real browser (Debian's chromium, driven by
// playwright-core): a two-worker aggregator receives windows from go-lumber
// (Filebeat's library) while the page is open. The page must load with no
// console error, its numbers must move while events flow, and a screenshot
// is kept with tap's output (.tap/screenshots/status-page.png, or
// LOGYARD_SCREENSHOT_DIR) for a person to look at.

const CHROMIUM = ['/usr/bin/chromium', '/usr/bin/chromium-browser'].find((p) => existsSync(p))
const tls = tlsMaterial()

t.test('status page in chromium: no console error, numbers move, screenshot', async (t) => {
  if (!CHROMIUM) throw new Error('chromium is not installed (apt-get install chromium; .ci/run does it)')
  const dir = mkdtempSync(join(tmpdir(), 'logyard-status-'))
  const config = writeConfig(dir, 'aggregator.yml', [
    'workers: 2',
    'inputs:',
    '  beats:',
    "    listen: '127.0.0.1:0'",
    `    tls: {cert: '${tls.serverCertFile}', key: '${tls.serverKeyFile}'}`,
    'pipeline:',
    "  - grok: {field: message, patterns: ['%{WORD:verb} %{NUMBER:n:int}']}",
    'output:',
    `  file: {path: '${join(dir, 'out.ndjson')}'}`,
    "http: {listen: '127.0.0.1:0'}",
    'shutdown_timeout: 5s',
  ])
  const agg = startProc('aggregator', config)
  const browser = await chromium.launch({ executablePath: CHROMIUM, headless: true, args: ['--no-sandbox'] })
  t.teardown(async () => {
    await browser.close()
    await agg.stop()
    rmSync(dir, { recursive: true, force: true })
  })
  const isReady = (r: LogRecord): boolean => r.msg === 'worker ready'
  await until(() => agg.records.filter(isReady).length >= 2, 60_000, 'two workers ready')
  const port = (agg.records.find(isReady)!.listening as { beats: { port: number } }).beats.port
  const opsRec = await agg.waitFor((r) => r.msg === 'http ops endpoint listening', 10_000, 'ops endpoint')
  const ops = `http://127.0.0.1:${String(opsRec.listen).split(':').pop()}/`

  const page = await browser.newPage({ viewport: { width: 1200, height: 800 } })
  const problems: string[] = []
  page.on('console', (m) => {
    if (m.type() === 'error' || m.type() === 'warning') problems.push(`${m.type()}: ${m.text()}`)
  })
  page.on('pageerror', (e) => problems.push(`pageerror: ${e.message}`))
  page.on('requestfailed', (r) => problems.push(`request failed: ${r.url()}`))
  const requested: string[] = []
  page.on('request', (r) => requested.push(r.url()))
  await page.goto(ops)
  await page.waitForSelector('#health.ok', { timeout: 30_000 })
  const inText = async (): Promise<string> => (await page.textContent('[data-rate="events_in"] b')) ?? ''
  const before = await inText()

  // Events flow while the page is open; a failing line shows in the grok stage's failures.
  let sending = true
  let sent = 0
  const sender = (async () => {
    for (let round = 0; sending && round < 200; round++) {
      const events = Array.from({ length: 200 }, (_, i) => JSON.stringify({ '@timestamp': new Date().toISOString(), message: i % 50 === 0 ? 'no match here' : `GET ${round * 200 + i}` }))
      const r = await runGoLumberClient({ addr: `127.0.0.1:${port}`, batch: 100, tls: { ca: tls.caFile, serverName: 'localhost' }, events })
      sent += r.acked
    }
  })()
  t.teardown(async () => {
    sending = false
    await sender
  })
  // (Browser-side expressions as strings: this file is type-checked without the DOM library.)
  await page.waitForFunction(`Number(document.querySelector('[data-rate="events_in"] b')?.textContent?.replace(/[^0-9.]/g, '') ?? 0) > 0`, undefined, { timeout: 60_000 })
  const during = await inText()
  t.not(during, before, `events in per second moved: ${before} → ${during}`)
  await page.waitForFunction(`document.querySelectorAll('#stages td.bad').length > 0`, undefined, { timeout: 60_000 })
  t.pass('grok failures shown on the stage row')
  await page.waitForFunction(`document.querySelectorAll('#senders td').length > 0`, undefined, { timeout: 30_000 })
  t.match(await page.textContent('#senders'), /127\.0\.0\.1/, 'the sender is listed with its address')
  const inputs = await page.textContent('#inputs')
  t.match(inputs, /beats/, 'the beats input is listed')
  t.match(await page.textContent('#meta'), /2 worker/, 'both workers summed')
  const shotDir = process.env.LOGYARD_SCREENSHOT_DIR ?? join(import.meta.dirname, '..', '..', '..', '.tap', 'screenshots')
  mkdirSync(shotDir, { recursive: true })
  const shot = join(shotDir, 'status-page.png')
  await page.screenshot({ path: shot, fullPage: true })
  t.ok(statSync(shot).size > 10_000, `screenshot saved: ${shot}`)
  sending = false
  await sender
  t.ok(sent > 0, `${sent} events acknowledged while the page was open`)
  t.same(problems, [], 'no console errors or warnings, no failed request')
  t.ok(requested.every((u) => u.startsWith(ops)), 'every request went to the ops port itself (no CDN)')
})
