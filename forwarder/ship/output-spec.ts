import type { Spec } from '../../core/config/schema.ts'

// Provisional option table for the `output` section until core/lumberjack/client.ts
// (lumberjackClientSpec) lands; then this file only re-exports it.

export const outputSpec: Spec = {
  type: 'object',
  doc: 'Lumberjack v2 output to the aggregators',
  fields: {
    hosts: { type: 'list', of: { type: 'string', doc: 'host:port' }, coerce: true, required: true, minItems: 1, doc: 'aggregators' },
    loadbalance: { type: 'bool', default: true, doc: 'spread batches over all hosts' },
    tls: { type: 'any', doc: 'tls options' },
    compression_level: { type: 'int', min: 0, max: 9, default: 3, doc: 'zlib level' },
    batch_size: { type: 'int', min: 1, default: 2048, doc: 'events per window' },
    pipelining: { type: 'int', min: 0, default: 2, doc: 'windows in flight per connection' },
    timeout: { type: 'duration', default: '30s', doc: 'ack timeout' },
  },
}

export interface OutputOptions {
  readonly batch_size: number
  readonly [key: string]: unknown
}
