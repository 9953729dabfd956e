import { EventEmitter } from 'node:events'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { validate } from '../../core/config/schema.ts'
import { silentLogger } from '../../core/logger.ts'
import { ForwarderApp } from '../../forwarder/app.ts'
import { forwarderSpec, type ForwarderConfig } from '../../forwarder/config.ts'
import type { Publisher } from '../../forwarder/ship/publisher.ts'
import { until } from '../helpers/until.ts'
import { encodedWindowFrames, jsonFramePayloads, type EncodedWindow } from '../../core/lumberjack/frame-encoder.ts'

// A Publisher that keeps what it is sent, for tests of the tailing logic
// (the end-to-end tests use the real Lumberjack client and server instead).
// `down()` holds every window unacknowledged until `up()`.
export class MemoryPublisher extends EventEmitter implements Publisher {
  readonly events: Record<string, any>[] = []
  readonly #held: (() => void)[] = []
  #inflight = 0
  #down = false
  maxInflight = 2
  windows = 0

  get busy(): boolean {
    return this.#inflight >= this.maxInflight
  }

  get inflight(): number {
    return this.#inflight
  }

  sendEncoded(window: EncodedWindow): Promise<void> {
    this.#inflight++
    this.windows++
    const frames = encodedWindowFrames(window)
    const payloads = jsonFramePayloads(frames)
    if (payloads.length !== window.count) throw new Error(`window says ${window.count} events, frames hold ${payloads.length}`)
    payloads.forEach((p, i) => {
      if (frames.readUInt32BE(p.byteOffset - frames.byteOffset - 8) !== i + 1) throw new Error(`frame ${i} is not numbered ${i + 1}`)
    })
    return new Promise((resolve) => {
      const ack = (): void => {
        // Parsed at ACK time, as late as the contract allows: the buffer must still be intact.
        for (const p of payloads) this.events.push(JSON.parse(String(p)))
        this.#inflight--
        resolve()
        this.emit('drain')
      }
      if (this.#down) this.#held.push(ack)
      else setImmediate(ack)
    })
  }

  down(): void {
    this.#down = true
  }

  up(): void {
    this.#down = false
    for (const a of this.#held.splice(0)) a()
  }

  async close(): Promise<void> {}

  messages(path?: string): string[] {
    return this.events.filter((e) => path === undefined || e.log.file.path === path).map((e) => e.message as string)
  }
}

export function tmpDir(t: { teardown(fn: () => void): void }, prefix = 'logyard-fwd-'): string {
  const dir = mkdtempSync(join(tmpdir(), prefix))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  return dir
}

export function config(raw: Record<string, unknown>): ForwarderConfig {
  return validate(forwarderSpec, { output: { hosts: ['127.0.0.1:1'] }, ...raw })
}

export async function startApp(t: { teardown(fn: () => Promise<unknown> | void): void }, raw: Record<string, unknown>, publisher = new MemoryPublisher(), watch = true): Promise<{ app: ForwarderApp; publisher: MemoryPublisher }> {
  const app = new ForwarderApp({ config: config(raw), logger: silentLogger(), publisher: () => publisher, watch })
  await app.start()
  t.teardown(() => app.stop())
  return { app, publisher }
}

/**
 * A barrier for "nothing (more) was picked up": resolves once a scan begun
 * after this call has completed (starting one now rather than at the next
 * scan_frequency tick), so every path on disk before the call has been looked
 * at. `full`: a scan that also stats the files already open.
 */
export async function scanned(app: ForwarderApp, options: { full?: boolean } = {}, ms = 20_000): Promise<void> {
  const tailer = app.tailer!
  let done = false
  void tailer.nextScan(options).then(
    () => (done = true),
    () => {}, // stopped: until() below times out naming what it waited for
  )
  await until(
    () => {
      if (!done) void tailer.rescan(false, options.full) // returns at once while a scan runs
      return done
    },
    ms,
    'a scan begun after the call to complete',
  )
}

export { until }
