// Fuzz (bounded, seeded): random and mutated bytes against the frame decoder
// and a live server. Nothing may throw except coded ProtocolError/LimitError,
// the process must live, every connection must be closed, the server must
// still ACK a good batch afterwards, and the heap must stay flat after gc.
// The work runs in a child node with --expose-gc (tap can't pass node flags
// per file); the tap side checks the child's JSON report.

import { spawn } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { connect } from 'node:net'
import { deflateSync } from 'node:zlib'

const SEED = Number(process.env.LOGYARD_FUZZ_SEED ?? 0x5eed)
const DECODER_INPUTS = 5000
const SERVER_INPUTS = 1500

interface Report {
  seed: number
  decoderInputs: number
  decoderBatches: number
  decoderErrors: Record<string, number>
  unexpected: string[]
  serverInputs: number
  serverClosedProtocol: number
  serverClosedLimit: number
  connectionsLeft: number
  ackAfter: string
  heapBeforeMiB: number
  heapAfterMiB: number
}

function mulberry32(seed: number): () => number {
  let a = seed >>> 0
  return () => {
    a = (a + 0x6d2b79f5) >>> 0
    let x = a
    x = Math.imul(x ^ (x >>> 15), x | 1)
    x ^= x + Math.imul(x ^ (x >>> 7), x | 61)
    return ((x ^ (x >>> 14)) >>> 0) / 4294967296
  }
}

async function child(): Promise<void> {
  const { FrameDecoder } = await import('../../../core/lumberjack/frame-decoder.ts')
  const { encodeWindow } = await import('../../../core/lumberjack/frame-encoder.ts')
  const { LumberjackServer } = await import('../../../core/lumberjack/server.ts')
  const { LogyardError } = await import('../../../core/errors.ts')
  const { silentLogger } = await import('../../../core/logger.ts')
  const { L1, L2, L4, L7, compressedFrame, windowFrame } = await import('./vectors.ts')
  const { until } = await import('../../helpers/until.ts')
  const gc = (globalThis as { gc?: () => void }).gc!
  const rnd = mulberry32(SEED)
  const int = (n: number): number => Math.floor(rnd() * n)

  const events = Array.from({ length: 40 }, (_, i) => JSON.stringify({ message: `line ${i} `.repeat(1 + (i % 5)), n: i, nested: { a: [i, 'x'] } }))
  const corpus: Buffer[] = [
    Buffer.concat([L1, L2]),
    Buffer.concat([L1, L4]),
    L7,
    windowFrame(0),
    encodeWindow(events.slice(0, 5), 0),
    encodeWindow(events, 3),
    encodeWindow(events.slice(3, 20), 9),
    Buffer.concat([windowFrame(1), compressedFrame(deflateSync(compressedFrame(deflateSync(L2))))]),
  ]

  function mutate(): Buffer {
    const kind = int(10)
    if (kind === 0) return Buffer.from(Array.from({ length: 1 + int(300) }, () => int(256)))
    if (kind === 1) {
      // random bytes behind a plausible header
      const b = Buffer.from(Array.from({ length: 6 + int(200) }, () => int(256)))
      b[0] = rnd() < 0.5 ? 0x32 : 0x31
      b[1] = [0x57, 0x4a, 0x43, 0x44, 0x41][int(5)]!
      return b
    }
    const base = Buffer.from(corpus[int(corpus.length)]!)
    const steps = 1 + int(4)
    let b = base
    for (let s = 0; s < steps; s++) {
      const op = int(6)
      if (b.length === 0) break
      if (op === 0) b[int(b.length)] = int(256) // flip a byte
      else if (op === 1) b = b.subarray(0, int(b.length)) // truncate
      else if (op === 2 && b.length >= 6) {
        // overwrite a u32 with an extreme or near value
        const at = int(b.length - 3)
        const vals = [0, 1, 0xffffffff, 0x7fffffff, 0x1000000, 10_001, b.length, int(1 << 16)]
        b.writeUInt32BE(vals[int(vals.length)]! >>> 0, Math.min(at, b.length - 4))
      } else if (op === 3) b = Buffer.concat([b, b.subarray(int(b.length))]) // duplicate a tail
      else if (op === 4) b = Buffer.concat([b.subarray(0, int(b.length)), corpus[int(corpus.length)]!]) // splice
      else b = Buffer.concat([corpus[int(corpus.length)]!, b])
    }
    return b
  }

  function split(b: Buffer): Buffer[] {
    const out: Buffer[] = []
    let p = 0
    while (p < b.length) {
      const n = rnd() < 0.3 ? 1 : 1 + int(64)
      out.push(b.subarray(p, p + n))
      p += n
    }
    return out
  }

  const report: Report = {
    seed: SEED,
    decoderInputs: 0,
    decoderBatches: 0,
    decoderErrors: {},
    unexpected: [],
    serverInputs: 0,
    serverClosedProtocol: 0,
    serverClosedLimit: 0,
    connectionsLeft: -1,
    ackAfter: '',
    heapBeforeMiB: 0,
    heapAfterMiB: 0,
  }

  function decoderRound(n: number): void {
    for (let i = 0; i < n; i++) {
      const d = new FrameDecoder({ maxFrameBytes: 1 << 20, maxInflatedBytes: 4 << 20, maxBatchBytes: 4 << 20 })
      report.decoderInputs++
      try {
        for (const c of split(mutate())) report.decoderBatches += d.push(c).length
      } catch (err) {
        if (LogyardError.is(err) && (err.code === 'LY_PROTOCOL' || err.code === 'LY_LIMIT')) report.decoderErrors[err.code] = (report.decoderErrors[err.code] ?? 0) + 1
        else if (report.unexpected.length < 20) report.unexpected.push(String((err as Error)?.stack ?? err))
      }
    }
  }

  const server = new LumberjackServer({ logger: silentLogger(), max_frame_bytes: 1 << 20, idle_timeout: 2000, onBatch: async () => {} })
  // Every fuzz connection closed (the count is reported and asserted by the parent, so no throw here).
  const closed = (): Promise<unknown> => until(() => server.connections === 0, 10_000, 'fuzz connections closed').catch(() => {})
  const turn = (): Promise<void> => new Promise((r) => setImmediate(r))
  server.on('connectionClosed', (_p: unknown, reason?: { code: string }) => {
    if (reason?.code === 'LY_PROTOCOL') report.serverClosedProtocol++
    else if (reason?.code === 'LY_LIMIT') report.serverClosedLimit++
  })
  const { port } = await server.listen()

  function one(bytes: Buffer): Promise<void> {
    return new Promise((resolve) => {
      const s = connect({ port, host: '127.0.0.1' }, () => {
        for (const c of split(bytes)) s.write(c)
        s.end()
      })
      s.on('data', () => {})
      s.on('error', () => {})
      s.on('close', () => resolve())
      s.setTimeout(5000, () => s.destroy())
    })
  }

  async function serverRound(n: number): Promise<void> {
    let next = 0
    const worker = async (): Promise<void> => {
      while (next < n) {
        next++
        report.serverInputs++
        await one(mutate())
      }
    }
    await Promise.all(Array.from({ length: 16 }, worker))
  }

  // warm-up, then measure the heap across the bulk of the run
  decoderRound(500)
  await serverRound(150)
  await closed()
  await turn() // the close callbacks run, then the heap is measured
  gc()
  report.heapBeforeMiB = process.memoryUsage().heapUsed / 1048576
  decoderRound(DECODER_INPUTS - 500)
  await serverRound(SERVER_INPUTS - 150)
  await closed()
  report.connectionsLeft = server.connections
  await turn()
  gc()
  report.heapAfterMiB = process.memoryUsage().heapUsed / 1048576

  // the server still serves a good client
  report.ackAfter = await new Promise<string>((resolve) => {
    const s = connect({ port, host: '127.0.0.1' }, () => s.write(Buffer.concat([L1, L2])))
    s.once('data', (d: Buffer) => {
      resolve(d.toString('hex'))
      s.destroy()
    })
    s.on('error', (e) => resolve(`error ${e.message}`))
  })
  await server.close(500)
  process.stdout.write(JSON.stringify(report) + '\n')
}

if (process.env.LOGYARD_FUZZ_CHILD === '1') {
  await child()
} else {
  const { default: t } = await import('tap')
  t.test(`fuzz: ${DECODER_INPUTS} decoder inputs and ${SERVER_INPUTS} server connections (seed ${SEED})`, async (t) => {
    const file = fileURLToPath(import.meta.url)
    const out = await new Promise<{ code: number | null; stdout: string; stderr: string }>((resolve) => {
      const c = spawn(process.execPath, ['--expose-gc', '--max-old-space-size=256', file], { env: { ...process.env, LOGYARD_FUZZ_CHILD: '1' } })
      let stdout = ''
      let stderr = ''
      c.stdout.on('data', (d) => (stdout += d))
      c.stderr.on('data', (d) => (stderr += d))
      const killer = setTimeout(() => c.kill('SIGKILL'), 120_000)
      c.on('close', (code) => {
        clearTimeout(killer)
        resolve({ code, stdout, stderr })
      })
    })
    t.equal(out.code, 0, `child exited cleanly ${out.stderr.slice(0, 2000)}`)
    const r = JSON.parse(out.stdout.trim().split('\n').pop() ?? '{}') as Report
    t.same(r.unexpected, [], 'only coded ProtocolError/LimitError')
    t.equal(r.decoderInputs, DECODER_INPUTS)
    t.equal(r.serverInputs, SERVER_INPUTS)
    t.ok((r.decoderErrors.LY_PROTOCOL ?? 0) > DECODER_INPUTS / 4, `protocol errors: ${r.decoderErrors.LY_PROTOCOL}`)
    t.ok((r.decoderErrors.LY_LIMIT ?? 0) > 0, `limit errors: ${r.decoderErrors.LY_LIMIT}`)
    t.ok(r.decoderBatches > 0, `some mutated inputs still decode (${r.decoderBatches} batches)`)
    t.ok(r.serverClosedProtocol > SERVER_INPUTS / 4, `server closed ${r.serverClosedProtocol} connections for protocol errors, ${r.serverClosedLimit} for limits`)
    t.equal(r.connectionsLeft, 0, 'every connection closed')
    t.equal(r.ackAfter, '324100000001', 'the server still ACKs a good batch')
    const delta = r.heapAfterMiB - r.heapBeforeMiB
    t.ok(delta < 8, `heap after gc: ${r.heapBeforeMiB.toFixed(1)} → ${r.heapAfterMiB.toFixed(1)} MiB (Δ ${delta.toFixed(2)} MiB < 8)`)
  })
}
