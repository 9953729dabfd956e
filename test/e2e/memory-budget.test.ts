import t from 'tap'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { connect, type Socket } from 'node:net'
import { once } from 'node:events'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { encodeWindow } from '../../core/lumberjack/frame-encoder.ts'
import { freePort, httpText, startProc, until, writeConfig } from './procs.ts'

// Remote heap exhaustion (issue 14 item 1): many connections each sending
// windows that inflate to tens of MiB (a ~25 KB frame each) took one
// aggregator to 4.4 GiB and a V8 out-of-memory crash; the per-connection
// limits did not bound the process. Now decoded batches count against one
// process-wide budget (max_decoded_bytes): at the bound no connection is read.
// A real aggregator process with a file output (fsync per commit: batches pile
// up behind it as they would behind a slow Elasticsearch) and 16 attackers
// each sending 2 windows of one 24 MiB event: every window is still
// acknowledged, and the process's peak RSS stays bounded.

function vmHwmMiB(pid: number): number {
  const m = /VmHWM:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))
  return m ? Number(m[1]) / 1024 : 0
}

t.test('16 connections × 2 windows of 24 MiB inflated: all acknowledged, peak RSS bounded by max_decoded_bytes', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'logyard-budget-'))
  t.teardown(() => rmSync(dir, { recursive: true, force: true }))
  const port = await freePort()
  const ops = await freePort()
  const config = writeConfig(dir, 'aggregator.yml', [
    'workers: 1',
    `inputs: {beats: {listen: '127.0.0.1:${port}', max_decoded_bytes: 96mb}}`,
    'pipeline: []',
    `output: {file: {path: '${join(dir, 'out.ndjson')}'}}`,
    `http: {listen: '127.0.0.1:${ops}'}`,
    'logging: {level: info}',
  ])
  const agg = startProc('aggregator', config)
  t.teardown(() => agg.stop())
  await agg.waitFor((r) => r.msg === 'aggregator started', 60_000, 'start')
  const pid = agg.child.pid!
  const base = vmHwmMiB(pid)

  const big = 24 * 1024 * 1024
  // six 4 MiB events a window (a J frame is at most max_frame_bytes, 16 MiB)
  const window = encodeWindow(Array.from({ length: 6 }, (_, i) => JSON.stringify({ message: String(i).repeat(big / 6) })), 3)
  t.ok(window.length < 256 * 1024, `one window is ${window.length} bytes on the wire`)
  const conns = 16
  const acked: number[] = new Array(conns).fill(0)
  const sockets: Socket[] = []
  for (let i = 0; i < conns; i++) {
    const s = connect(port, '127.0.0.1')
    await once(s, 'connect')
    sockets.push(s)
    let buf = Buffer.alloc(0)
    s.on('data', (d: Buffer) => {
      buf = Buffer.concat([buf, d])
      while (buf.length >= 6) {
        if (buf.readUInt32BE(2) === 6) acked[i]!++
        buf = buf.subarray(6)
      }
    })
    s.on('error', () => {})
  }
  t.teardown(() => { for (const s of sockets) s.destroy() })
  for (const s of sockets) s.write(Buffer.concat([window, window]))
  let peak = 0
  await until(() => {
    peak = Math.max(peak, vmHwmMiB(pid))
    return acked.every((n) => n === 2)
  }, 240_000, 'every window acknowledged', 100).catch((err: unknown) => { t.comment(JSON.stringify(agg.records.slice(-8))); t.comment(String(acked)); throw err })
  peak = Math.max(peak, vmHwmMiB(pid))
  t.comment(`aggregator VmHWM ${peak.toFixed(0)} MiB (at start ${base.toFixed(0)} MiB) for ${conns * 2} windows of ${big / 1048576} MiB inflated`)
  t.pass('every window acknowledged')
  const metrics = (await httpText(`http://127.0.0.1:${ops}/metrics`)).body
  const pauses = Number(/logyard_lumberjack_decoded_budget_pauses_total\{[^}]*\} (\d+)/.exec(metrics)?.[1] ?? 0)
  t.ok(pauses >= 1, `the budget paused every connection ${pauses} time(s)`)
  // Measured on this test: 622 MiB with the budget, 1,383 MiB with
  // max_decoded_bytes: 8gb (no budget in effect: every window decoded at once).
  t.ok(peak < 900, `peak RSS ${peak.toFixed(0)} MiB stays under 900 MiB`)
  t.ok(agg.records.some((r) => r.code === 'LY_LIMIT' && String(r.msg).includes('max_decoded_bytes')), 'logged with LY_LIMIT')
})
