import type { Batcher } from './ship/batcher.ts'
import type { Publisher } from './ship/publisher.ts'
import type { Harvester } from './tail/harvester.ts'
import type { Tailer } from './tail/tailer.ts'

// GET /status on the forwarder's ops endpoint and the table that
// `logyard-forwarder status` prints from it. Per file: path, identity
// (device:inode, the registry key), size, acknowledged offset, lag in bytes
// (size − acknowledged) and seconds (since every byte read was last
// acknowledged; 0 when it is), and state:
//   reading   bytes left to read
//   eof       read to the end, waiting for more
//   paused    reading stopped for back-pressure (the output is busy)
//   waiting   over max_open_files: waits for a free handle
//   waiting-registry  truncated in place: not read until the registry write
//             of its new generation is on disk
//   closed    handle closed (idle, or rotated away and finished)
// plus each connection to an aggregator. At most MAX_FILES files, the most
// lagging first; files_total says how many there are.

const MAX_FILES = 500

export interface FileStatus {
  path: string
  identity: string
  size: number
  read_offset: number
  acked_offset: number
  lag_bytes: number
  lag_seconds: number
  state: 'reading' | 'eof' | 'paused' | 'waiting' | 'waiting-registry' | 'closed'
}

export interface ForwarderStatus {
  state: string
  time: string
  files_total: number
  files: FileStatus[]
  connections: { endpoint: string | null; state: string; windows_in_flight: number }[]
  batches: { in_flight: number; queued: number; blocked: boolean }
  events: { sent: number; acked: number }
}

function fileState(h: Harvester, blocked: boolean): FileStatus['state'] {
  switch (h.state) {
    case 'truncated':
      return 'waiting-registry'
    case 'closed':
    case 'forgotten':
      return 'closed'
    case 'eof':
      if (h.readOffset >= h.size) return 'eof'
      break
    case 'reading':
      break
  }
  return blocked ? 'paused' : 'reading'
}

export function forwarderStatus(state: string, tailer: Tailer | undefined, batcher: Batcher | undefined, publisher: Publisher | undefined, now = Date.now()): ForwarderStatus {
  const blocked = batcher?.blocked ?? false
  const files: FileStatus[] = []
  for (const h of tailer?.harvesters() ?? []) {
    const lag = Math.max(0, h.size - h.ackedOffset)
    files.push({
      path: h.path,
      identity: h.key,
      size: h.size,
      read_offset: h.readOffset,
      acked_offset: h.ackedOffset,
      lag_bytes: lag,
      lag_seconds: lag === 0 ? 0 : Math.round((now - h.caughtUpAt) / 100) / 10,
      state: fileState(h, blocked),
    })
  }
  for (const path of tailer?.waitingPaths() ?? []) files.push({ path, identity: '', size: 0, read_offset: 0, acked_offset: 0, lag_bytes: 0, lag_seconds: 0, state: 'waiting' })
  const total = files.length
  files.sort((a, b) => b.lag_bytes - a.lag_bytes || a.path.localeCompare(b.path))
  return {
    state,
    time: new Date(now).toISOString(),
    files_total: total,
    files: files.slice(0, MAX_FILES),
    connections: publisher?.connections?.() ?? [],
    batches: { in_flight: batcher?.inflight ?? 0, queued: batcher?.queued ?? 0, blocked },
    events: { sent: batcher?.eventsSent ?? 0, acked: batcher?.eventsAcked ?? 0 },
  }
}

const bytes = (n: number): string => (n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(1)}G` : n >= 1 << 20 ? `${(n / (1 << 20)).toFixed(1)}M` : n >= 1 << 10 ? `${(n / 1024).toFixed(1)}K` : String(n))

/** The terminal table of `logyard-forwarder status`. */
export function statusTable(s: ForwarderStatus): string {
  const rows: string[][] = [['PATH', 'IDENTITY', 'SIZE', 'ACKED', 'LAG', 'LAG S', 'STATE']]
  for (const f of s.files) rows.push([f.path, f.identity, bytes(f.size), bytes(f.acked_offset), bytes(f.lag_bytes), String(f.lag_seconds), f.state])
  const widths = rows[0]!.map((_, i) => Math.max(...rows.map((r) => r[i]!.length)))
  const right = new Set([2, 3, 4, 5])
  const line = (r: string[]): string => r.map((c, i) => (right.has(i) ? c.padStart(widths[i]!) : c.padEnd(widths[i]!))).join('  ').trimEnd()
  const out = [`forwarder ${s.state} · ${s.files_total} file(s)${s.files_total > s.files.length ? `, ${s.files.length} most lagging shown` : ''} · events sent ${s.events.sent}, acked ${s.events.acked} · windows in flight ${s.batches.in_flight}, queued ${s.batches.queued}${s.batches.blocked ? ' · READING PAUSED (back-pressure)' : ''}`, '']
  out.push(...rows.map(line))
  out.push('', 'AGGREGATOR  STATE  WINDOWS IN FLIGHT')
  if (s.connections.length === 0) out.push('(none)')
  for (const c of s.connections) out.push(`${c.endpoint ?? '(failover: not connected)'}  ${c.state}  ${c.windows_in_flight}`)
  return out.join('\n') + '\n'
}
