import type { Logger } from '../../core/logger.ts'
import type { MetricsRegistry } from '../../core/metrics.ts'
import type { OutputOptions } from './output-spec.ts'
import type { Publisher } from './publisher.ts'

// The production output: core/lumberjack/client.ts's LumberjackClient.
export async function createLumberjackPublisher(options: OutputOptions, logger: Logger, metrics: MetricsRegistry): Promise<Publisher> {
  const specifier = '../../core/lumberjack/client.ts'
  const mod = (await import(specifier)) as { LumberjackClient: new (o: unknown) => Publisher }
  return new mod.LumberjackClient({ ...options, logger, metrics })
}
