import { createSocket } from 'node:dgram'
import { encodeValueLists, type ValueListSpec } from '../aggregator/inputs/collectd/packet-builder.ts'

// The collectd end-to-end bench's sender, run as its own process:
// `node bench/collectd-sender.ts PORT VALUES_PER_S SECONDS [big]`. It sends
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

/**
 * 16 datagrams of ~58 KiB holding one value list each behind ~470 host parts
 * (collectd's longest names): what makes the queue's bound in bytes, not the
 * one in value lists, the one that binds (the worst case for memory).
 */
export function bigDatagrams(): { buf: Buffer; lists: number }[] {
  const out: { buf: Buffer; lists: number }[] = []
  for (let d = 0; d < 16; d++) {
    const parts: Buffer[] = []
    for (let i = 0; i < 470; i++) {
      const name = Buffer.from(`host-${d}-${i}-`.padEnd(120, 'x') + '\0')
      const head = Buffer.alloc(4)
      head.writeUInt16BE(0x0000, 0) // host part
      head.writeUInt16BE(4 + name.length, 2)
      parts.push(head, name)
    }
    parts.push(encodeValueLists([{ host: `big-${d}`, time: 1763780000, plugin: 'big', type: 'gauge', values: [{ type: 'GAUGE', value: d }] }]))
    out.push({ buf: Buffer.concat(parts), lists: 1 })
  }
  return out
}

if (import.meta.main) {
  // node bench/collectd-sender.ts PORT VALUES_PER_S SECONDS [big]
  const [port, rate, seconds] = process.argv.slice(2, 5).map(Number) as [number, number, number]
  const big = process.argv[5] === 'big'
  const dgrams = big ? bigDatagrams() : senderDatagrams()
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
        const d = dgrams[sent % dgrams.length]!
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
