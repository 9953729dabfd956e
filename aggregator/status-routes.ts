import type { OpsResponse, OpsRoute } from '../core/http-server.ts'
import { ConfigError } from '../core/errors.ts'
import { debugOptions, debugStage, matchLines } from './grok-debug.ts'
import type { GrokOptions } from './stages/grok/grok.ts'
import { statusPageCsp, statusPageHtml } from './status-page.ts'

// The status page's paths on the aggregator's ops port, all GET/HEAD:
//   /        the page (self-contained HTML, polls /status)
//   /status  JSON (aggregator/status.ts)
//   /grok    the grok debugger: ?pattern=…|stage=ID &lines=… [&ecs=…]
//
// The debugger stays a GET with query parameters so the ops port keeps
// refusing every other method and never reads a request body: what it takes
// is bounded by the request line (Node's 16 KiB header limit) and below by
// GROK_LIMITS. It changes nothing (a throw-away grok stage, the same code as
// logyard-grok), runs one request at a time, at most GROK_LIMITS.rate per
// second (burst GROK_LIMITS.burst), each regex attempt cut at
// GROK_LIMITS.timeoutMillis by the watchdog and the whole request at
// GROK_LIMITS.budgetMs. Refusals answer 413/429, are counted in
// logyard_ops_http_refused_total{reason="grok_*"} and logged (LY_LIMIT,
// at most every 10 s).

export const GROK_LIMITS = {
  lines: 20,
  lineChars: 4096,
  patternChars: 4096,
  timeoutMillis: 250,
  budgetMs: 3000,
  rate: 1,
  burst: 5,
} as const

export const statusRefusalReasons = ['grok_busy', 'grok_rate', 'grok_too_large'] as const

interface StatusRoutesOptions {
  /** The /status document. */
  status: () => Record<string, unknown> | Promise<Record<string, unknown>>
  /** Configured grok stages the debugger may run: id (e.g. "1:grok") → validated options. */
  grokStages: Record<string, GrokOptions>
  patternsDir: string
  /** Clock of the rate limit (tests pin it). */
  now?: () => number
}

const json = (status: number, body: unknown): OpsResponse => ({ status, type: 'application/json', body: JSON.stringify(body) + '\n' })

export function statusRoutes(o: StatusRoutesOptions): Record<string, OpsRoute> {
  const page = statusPageHtml()
  let busy = false
  let tokens: number = GROK_LIMITS.burst
  const clock = o.now ?? Date.now
  let refilled = clock()

  const grok: OpsRoute = async (q, ctx) => {
    const now = clock()
    tokens = Math.min(GROK_LIMITS.burst, tokens + ((now - refilled) / 1000) * GROK_LIMITS.rate)
    refilled = now
    if (busy) {
      ctx.refuse('grok_busy', 'grok debugger busy with another request')
      return json(429, { error: 'the grok debugger runs one request at a time; try again', code: 'LY_LIMIT' })
    }
    if (tokens < 1) {
      ctx.refuse('grok_rate', `grok debugger over ${GROK_LIMITS.rate} request(s)/s`)
      return json(429, { error: `at most ${GROK_LIMITS.rate} debugger request(s) per second`, code: 'LY_LIMIT' })
    }
    const pattern = q.get('pattern') ?? ''
    const stageId = q.get('stage') ?? ''
    const lines = (q.get('lines') ?? '').split('\n').map((l) => (l.endsWith('\r') ? l.slice(0, -1) : l))
    while (lines.length > 0 && lines[lines.length - 1] === '') lines.pop()
    if (pattern.length > GROK_LIMITS.patternChars || lines.length > GROK_LIMITS.lines || lines.some((l) => l.length > GROK_LIMITS.lineChars)) {
      ctx.refuse('grok_too_large', 'grok debugger input over its limits')
      return json(413, { error: `at most ${GROK_LIMITS.lines} lines of ${GROK_LIMITS.lineChars} characters and a pattern of ${GROK_LIMITS.patternChars}`, code: 'LY_LIMIT' })
    }
    if (lines.length === 0) return json(400, { error: 'give lines=… (one or more lines, newline-separated)' })
    tokens -= 1
    let options: GrokOptions
    try {
      if (stageId !== '') {
        const configured = o.grokStages[stageId]
        if (!configured) return json(400, { error: `no grok stage ${JSON.stringify(stageId.slice(0, 64))}; configured: ${Object.keys(o.grokStages).join(', ') || 'none'}` })
        options = { ...configured, timeout_millis: Math.min(configured.timeout_millis || GROK_LIMITS.timeoutMillis, GROK_LIMITS.timeoutMillis), workers: 1 }
      } else {
        if (pattern === '') return json(400, { error: 'give pattern=%{…} or stage=ID' })
        const ecs = q.get('ecs') ?? undefined
        options = debugOptions(pattern, { ecs, timeoutMillis: GROK_LIMITS.timeoutMillis })
      }
    } catch (err) {
      return json(400, { error: (err as Error).message, code: (err as ConfigError).code })
    }
    busy = true
    let stage
    try {
      try {
        stage = debugStage(options, o.patternsDir)
        await stage.ready()
      } catch (err) {
        return json(400, { error: (err as Error).message, code: (err as ConfigError).code })
      }
      // The budget is the lines': it starts once the pattern is compiled and
      // the worker thread is up (seconds on a loaded machine), not before.
      const deadline = Date.now() + GROK_LIMITS.budgetMs
      const results: Record<string, unknown>[] = []
      let skipped = 0
      // one line per batch, so each line's cost is its own
      for (const line of lines) {
        if (Date.now() >= deadline) {
          skipped++
          continue
        }
        const t0 = process.hrtime.bigint()
        const [r] = await matchLines(stage, options, [line])
        const micros = Number(process.hrtime.bigint() - t0) / 1000
        const { message: _m, ...fields } = r!.event
        results.push({ line, matched: r!.matched, timed_out: r!.timedOut, micros: Math.round(micros * 10) / 10, fields })
      }
      return json(200, {
        pattern: stageId === '' ? pattern : undefined,
        stage: stageId === '' ? undefined : stageId,
        timeout_millis: options.timeout_millis,
        matched: results.filter((r) => r.matched).length,
        failed: results.filter((r) => !r.matched && !r.timed_out).length,
        timed_out: results.filter((r) => r.timed_out).length,
        skipped,
        results,
      })
    } finally {
      busy = false
      await stage?.close()
    }
  }

  return {
    '/': () => ({ status: 200, type: 'text/html; charset=utf-8', body: page, headers: { 'content-security-policy': statusPageCsp, 'x-content-type-options': 'nosniff' } }),
    '/status': async () => json(200, await o.status()),
    '/grok': grok,
  }
}
