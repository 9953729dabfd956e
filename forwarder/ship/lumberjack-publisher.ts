import type { Logger } from '../../core/logger.ts'
import type { MetricsRegistry } from '../../core/metrics.ts'
import { LumberjackClient } from '../../core/lumberjack/client.ts'
import type { OutputOptions } from './output-spec.ts'
import type { Publisher } from './publisher.ts'

// The production output: the Lumberjack v2 client (TLS, compression,
// pipelining, failover/loadbalance), which already has the Publisher shape.
export function createLumberjackPublisher(options: OutputOptions, logger: Logger, metrics: MetricsRegistry): Publisher {
  return new LumberjackClient({ ...options, logger, metrics })
}
