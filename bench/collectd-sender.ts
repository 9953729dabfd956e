import { createSocket } from 'node:dgram'
import { encodeValueLists, type ValueListSpec } from '../aggregator/inputs/collectd/packet-builder.ts'

// The collectd end-to-end bench's sender, run as its own process:
// `node bench/collectd-sender.ts PORT VALUES_PER_S SECONDS`. It sends
// datagrams shaped like collectd's network plugin output (1452 bytes of cpu
// value lists, one value each, only changed fields written) at a fixed rate,
// paced in 1 ms steps, and prints {datagrams, values, seconds} as JSON.

/** 64 distinct full datagrams (different hosts and times) and the value lists in each. */
export function senderDatagrams(): { buf: Buffer; lists: number }[] {
  const out: { buf: Buffer; lists: number }[] = []
  for (let h = 0; h < 64; h++) {
    const all: ValueListSpec[] = []
    const base = { host: `web-${h}.example.com`, time: 1763780000 + h, interval: 10 }
    for (let cpu = 0; cpu < 16; cpu++) {
      for (const state of ['user', 'system', 'idle', 'wait', 'nice', 'interrupt', 'softirq', 'steal']) all.push({ ...base, plugin: 'cpu', pluginInstance: String(cpu), type: 'cpu', typeInstance: state, values: [{ type: 'DERIVE', value: 1_000_000 + cpu * 1000 + h }] })
    }
    let n = 1
    while (n < all.length && encodeValueLists(all.slice(0, n + 1)).length <= 1452) n++
    out.push({ buf: encodeValueLists(all.slice(0, n)), lists: n })
  }
  return out
}

if (import.meta.main) {
  const [port, rate, seconds] = process.argv.slice(2).map(Number) as [number, number, number]
  const dgrams = senderDatagrams()
  const socket = createSocket('udp4')
  const perSecond = rate / dgrams[0]!.lists
  let sent = 0
  let values = 0
  const t0 = performance.now()
  await new Promise<void>((resolve) => {
    const step = (): void => {
      const elapsed = (performance.now() - t0) / 1000
      if (elapsed >= seconds) return resolve()
      const due = Math.floor(elapsed * perSecond)
      while (sent < due) {
        const d = dgrams[sent & 63]!
        socket.send(d.buf, port, '127.0.0.1')
        sent++
        values += d.lists
      }
      setImmediate(step)
    }
    step()
  })
  await new Promise<void>((resolve) => socket.close(() => resolve()))
  process.stdout.write(JSON.stringify({ datagrams: sent, values, seconds: (performance.now() - t0) / 1000 }) + '\n')
}
