import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { ElasticsearchInstance } from '../test/helpers/elasticsearch.ts'
import { Chain, type ChainOptions } from './chain.ts'
import { render, settle, type Tally } from './tally.ts'
import { SeqWriter } from './writer.ts'

// What every scenario shares: a fresh directory and chain, the writer, a
// time budget, the final tally in Elasticsearch, and teardown by pid.

let abortRun: (err: Error) => void = () => {}
const aborted = new Promise<never>((_, reject) => {
  abortRun = reject
})
aborted.catch(() => {})

/** SIGINT/SIGTERM: the running scenario stops at once and tears its chain down. */
export function abortScenarios(why: string): void {
  abortRun(new Error(why))
}

export interface Context {
  es: ElasticsearchInstance
  quick: boolean
  log: (msg: string) => void
}

export interface Result {
  name: string
  tally?: Tally
  rss: string
  seconds: number
  error?: string
  note?: string
}

export interface Scenario {
  name: string
  /** Part of --quick (CI). */
  quick: boolean
  run(ctx: Context, name: string): Promise<Result>
}

interface Body {
  chain: Chain
  writer: SeqWriter
  /** ms since the epoch by which the body must be done writing. */
  deadline: number
}

/**
 * Runs `body` (which writes and injects faults) on a fresh chain, then waits
 * for Elasticsearch to hold every line (bounded by `budgetMs` in all) and
 * counts. The forwarder is started before the body unless `startForwarder`
 * is false.
 */
interface ChainExtras {
  startForwarder?: boolean
  /** Sequence numbers held outside Elasticsearch (the DLQ), read at tally time. */
  also?: (dir: string) => number[]
  /** Runs before the chain starts (mounts); returns the cleanup. */
  prepare?: (dir: string) => (() => void) | void
}

export async function withChain(ctx: Context, name: string, budgetMs: number, body: (b: Body) => Promise<string | void>, opts: Partial<ChainOptions> & ChainExtras = {}): Promise<Result> {
  const started = Date.now()
  const deadline = started + budgetMs
  const dir = mkdtempSync(join(tmpdir(), `logyard-faults-${name}-`))
  let cleanup: (() => void) | void = undefined
  const chain = new Chain({ dir, es: ctx.es, scenario: name, ...opts })
  let tally: Tally | undefined
  let error: string | undefined
  let note: string | undefined
  let timer: NodeJS.Timeout | undefined
  try {
    cleanup = opts.prepare?.(dir)
    await chain.start()
    const writer = new SeqWriter(chain.logs)
    if (opts.startForwarder !== false) await chain.startForwarder()
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(new Error(`budget of ${budgetMs / 1000} s spent while writing`)), Math.max(1000, deadline - Date.now() - 30_000))
    })
    note = (await Promise.race([body({ chain, writer, deadline }), timeout, aborted])) || undefined
    clearTimeout(timer)
    if (!chain.forwarder || chain.forwarder.child.exitCode !== null || chain.forwarder.child.signalCode !== null) await chain.startForwarder()
    tally = await Promise.race([settle(ctx.es, chain.index, writer.written, deadline, () => chain.forwarderIdle(), () => opts.also?.(dir) ?? []), aborted])
  } catch (err) {
    error = (err as Error).message.slice(0, 500)
  } finally {
    clearTimeout(timer)
    await chain.stop().catch((err: unknown) => ctx.log(`${name}: teardown: ${String(err)}`))
    try {
      cleanup?.()
    } catch (err) {
      ctx.log(`${name}: cleanup: ${String(err)}`)
    }
    if (!error && tally && tally.lost === 0 && tally.duplicates === 0) rmSync(dir, { recursive: true, force: true })
    else {
      chain.dumpForwarderLogs()
      ctx.log(`${name}: kept ${dir} for inspection`)
    }
  }
  return { name, tally, rss: chain.rss.render(), seconds: Math.round((Date.now() - started) / 1000), error, note }
}

export function line(r: Result): string {
  const head = r.tally ? render(r.name, r.tally) : `${r.name}: no tally`
  return `${head}${r.error ? ` — ERROR ${r.error}` : ''}\n${r.name}: peak RSS MiB: ${r.rss}; ${r.seconds} s${r.note ? `; ${r.note}` : ''}`
}

export function failed(r: Result): boolean {
  return r.error !== undefined || !r.tally || r.tally.lost !== 0 || r.tally.duplicates !== 0
}
