import { Counter, type MetricsRegistry } from '../metrics.ts'

// Reader-side counters: plain numbers bumped on the hot path, rendered by the
// registry (Prometheus text) when one is given.

export interface ServerCounters {
  connections: Counter
  connectionsRejected: Counter
  tlsErrors: Counter
  bytesRead: Counter
  batches: Counter
  events: Counter
  payloadBytes: Counter
  acks: Counter
  keepalives: Counter
  batchesRejected: Counter
  protocolErrors: Counter
  limitErrors: Counter
  idleClosed: Counter
  writeStalls: Counter
  budgetPauses: Counter
  writeStallClosed: Counter
}

const help: Record<keyof ServerCounters, [string, string]> = {
  connections: ['lumberjack_connections_total', 'Lumberjack connections accepted'],
  connectionsRejected: ['lumberjack_connections_rejected_total', 'Lumberjack connections refused at max_connections'],
  tlsErrors: ['lumberjack_tls_errors_total', 'TLS handshakes that failed or timed out, and rejected client certificates'],
  bytesRead: ['lumberjack_read_bytes_total', 'Bytes read from Lumberjack connections (after TLS)'],
  batches: ['lumberjack_batches_total', 'Lumberjack batches (windows) decoded'],
  events: ['lumberjack_events_total', 'Events decoded from Lumberjack batches'],
  payloadBytes: ['lumberjack_payload_bytes_total', 'Event payload bytes decoded (inflated)'],
  acks: ['lumberjack_acks_total', 'Data ACKs sent'],
  keepalives: ['lumberjack_keepalives_total', 'Keep-alive ACKs (A 0) sent while a batch waited'],
  batchesRejected: ['lumberjack_batches_rejected_total', 'Batches the consumer refused (connection closed without ACK)'],
  protocolErrors: ['lumberjack_protocol_errors_total', 'Connections closed for a protocol violation (LY_PROTOCOL)'],
  limitErrors: ['lumberjack_limit_errors_total', 'Connections closed for exceeding a limit (LY_LIMIT)'],
  idleClosed: ['lumberjack_idle_closed_total', 'Connections closed after idle_timeout'],
  budgetPauses: ['lumberjack_decoded_budget_pauses_total', 'Times every connection stopped being read because decoded batches reached max_decoded_bytes'],
  writeStalls: ['lumberjack_write_stalls_total', 'Times a peer stopped reading its ACKs (writes buffered): the connection stopped being read until they drained'],
  writeStallClosed: ['lumberjack_write_stall_closed_total', 'Connections closed because the peer did not read its ACKs within idle_timeout'],
}

export function createServerCounters(registry?: MetricsRegistry, labels: Record<string, string> = {}): ServerCounters {
  const out = {} as Record<keyof ServerCounters, Counter>
  for (const key of Object.keys(help) as (keyof ServerCounters)[]) {
    const [name, doc] = help[key]
    out[key] = registry ? registry.counter(name, doc, labels) : new Counter()
  }
  return out
}
