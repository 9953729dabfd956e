import type { Harvester } from './tail/harvester.ts'

// The forwarder's GET /status (JSON) and the terminal table
// `logyard-forwarder status` prints from it: every tailed file with its
// identity, size, acknowledged offset, lag and state, and each connection to
// an aggregator. Bounded: at most STATUS_MAX_FILES files (the most lagging
// first), the rest counted.

export const STATUS_MAX_FILES = 500

export interface FileStatus {
  path: string
  /** device:inode */
  id: string
  size: number
  read_offset: number
  acked_offset: number
  lag_bytes: number
  /** Seconds since the file last gave data while bytes are still unacknowledged (0 when caught up). */
  lag_seconds: number
  state: 'reading' | 'at EOF' | 'paused (back-pressure)' | 'waiting for ACK' | 'closed (idle)' | 'rotated away' | 'recovered after restart'
}

export interface ConnectionStatus {
  endpoint: string | undefined
  state: string
  windows_in_flight: number
  last_ack_age_s: number | null
}

export interface ForwarderStatus {
  time: string
  state: string
  reading_paused: boolean
  batches_in_flight: number
  events_acked_total: number
  files_total: number
  files: FileStatus[]
  connections: ConnectionStatus[]
}

export function fileStatus(h: Harvester, paused: boolean, now: number): FileStatus {
  const size = Math.max(h.size, h.readOffset)
  const lag = Math.max(0, size - h.ackedOffset)
  let state: FileStatus['state']
  if (h.recovered) state = 'recovered after restart'
  else if (h.removed) state = 'rotated away'
  else if (!h.isOpen) state = 'closed (idle)'
  else if (!h.atEof) state = paused ? 'paused (back-pressure)' : 'reading'
  else state = h.ackedOffset < h.readOffset ? 'waiting for ACK' : 'at EOF'
  return {
    path: h.path,
    id: h.key,
    size,
    read_offset: h.readOffset,
    acked_offset: h.ackedOffset,
    lag_bytes: lag,
    lag_seconds: lag > 0 ? Math.round((now - h.lastData) / 100) / 10 : 0,
    state,
  }
}

export function buildStatus(input: {
  state: string
  harvesters: Iterable<Harvester>
  paused: boolean
  inflight: number
  acked: number
  connections: { endpoint: string | undefined; state: string; windows_in_flight: number; last_ack_at: number }[]
  now?: number
}): ForwarderStatus {
  const now = input.now ?? Date.now()
  const files: FileStatus[] = []
  for (const h of input.harvesters) files.push(fileStatus(h, input.paused, now))
  files.sort((a, b) => b.lag_bytes - a.lag_bytes || a.path.localeCompare(b.path))
  return {
    time: new Date(now).toISOString(),
    state: input.state,
    reading_paused: input.paused,
    batches_in_flight: input.inflight,
    events_acked_total: input.acked,
    files_total: files.length,
    files: files.slice(0, STATUS_MAX_FILES),
    connections: input.connections.map((c) => ({ endpoint: c.endpoint, state: c.state, windows_in_flight: c.windows_in_flight, last_ack_age_s: c.last_ack_at > 0 ? Math.round((now - c.last_ack_at) / 100) / 10 : null })),
  }
}

function bytes(n: number): string {
  if (n < 1024) return `${n} B`
  if (n < 1024 * 1024) return `${(n / 1024).toFixed(1)} KiB`
  if (n < 1024 ** 3) return `${(n / 1024 / 1024).toFixed(1)} MiB`
  return `${(n / 1024 ** 3).toFixed(2)} GiB`
}

function table(head: string[], rows: string[][], right: Set<number>): string {
  const width = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)))
  const line = (cells: string[]): string => cells.map((c, i) => (right.has(i) ? c.padStart(width[i]!) : c.padEnd(width[i]!))).join('  ').trimEnd()
  return [line(head), line(width.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n')
}

/** The terminal view of a status (`logyard-forwarder status`). */
export function renderStatus(s: ForwarderStatus): string {
  const out: string[] = []
  out.push(`logyard-forwarder: ${s.state}${s.reading_paused ? ' — reading paused (back-pressure)' : ''}; ${s.batches_in_flight} window(s) in flight; ${s.events_acked_total} events acknowledged`)
  out.push('')
  out.push(table(['FILE', 'ID', 'SIZE', 'ACKED', 'LAG', 'LAG s', 'STATE'], s.files.map((f) => [f.path, f.id, bytes(f.size), bytes(f.acked_offset), bytes(f.lag_bytes), String(f.lag_seconds), f.state]), new Set([2, 3, 4, 5])))
  if (s.files_total > s.files.length) out.push(`… and ${s.files_total - s.files.length} more file(s)`)
  out.push('')
  out.push(table(['AGGREGATOR', 'STATE', 'IN FLIGHT', 'LAST ACK s'], s.connections.map((c) => [c.endpoint ?? '(any)', c.state, String(c.windows_in_flight), c.last_ack_age_s === null ? '-' : String(c.last_ack_age_s)]), new Set([2, 3])))
  return out.join('\n') + '\n'
}
