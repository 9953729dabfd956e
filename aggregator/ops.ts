import type { Server } from 'node:http'
import { startOpsServer, type Health, type OpsRoute } from '../core/http-server.ts'
import type { Logger } from '../core/logger.ts'
import { mergeSnapshots, renderSnapshot, type MetricsSnapshot } from '../core/metrics.ts'
import type { WorkerStatus } from './status.ts'
import { statusRefusalReasons } from './status-routes.ts'

// The aggregator's HTTP ops endpoint. A single process serves its own health
// and metrics; the cluster primary asks every worker over IPC for a
// WorkerReport and combines them here: metrics summed series by series,
// health OK only while every configured worker answers and serves (started,
// not draining, output reachable), so a load balancer moves traffic away from
// a host with a worker down or restarting, a draining host, or one whose
// Elasticsearch is unreachable.

export interface WorkerReport {
  worker: number
  health: Health
  snapshot: MetricsSnapshot
  /** Senders and recent failures (status page); absent from workers that predate it. */
  status?: WorkerStatus | undefined
}

interface OpsSource {
  health(): Health
  metrics(): string | Promise<string>
}

export function startAggregatorOps(listen: string, source: OpsSource, logger: Logger, routes?: Record<string, OpsRoute>): Promise<Server> {
  return startOpsServer({ listen, health: () => source.health(), metrics: () => source.metrics(), logger, routes, refusalReasons: routes ? statusRefusalReasons : undefined })
}

/** Health of a cluster from its workers' reports. */
export function combineHealth(reports: readonly WorkerReport[], expected: number, stopping: boolean): Health {
  const unhealthy = reports.filter((r) => !r.health.ok)
  const details: Record<string, unknown> = {
    workers: reports.map((r) => ({ worker: r.worker, ok: r.health.ok, status: r.health.status })),
    expected,
  }
  if (stopping) return { ok: false, status: 'draining', details }
  if (reports.length === 0) return { ok: false, status: 'no worker running', details }
  if (unhealthy.length > 0) return { ok: false, status: unhealthy[0]!.health.status, details }
  if (reports.length < expected) return { ok: false, status: `${reports.length}/${expected} workers serving`, details }
  return { ok: true, status: 'ok', details }
}

/** Prometheus text of the workers' summed metrics plus the primary's own. */
export function combineMetrics(reports: readonly WorkerReport[], own: MetricsSnapshot): string {
  return renderSnapshot(mergeSnapshots([own, ...reports.map((r) => r.snapshot)]))
}
